"""The dashboard page in a real browser: snapshot on load, live update after a check-in on the server.

Needs a server process sharing the test database, so it runs with PostgreSQL + Redis
(`make test-services`), like the two-process test.
"""

import datetime
import json
import urllib.request

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.services import issue_scanner_device
from attendance.tests.faults import ProductionServer
from attendance.tests.sockets import session_cookie_value
from meetings.tests.factories import make_session, make_user, make_venue
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_dashboard_page_shows_snapshot_and_live_update(services):
    from playwright.sync_api import expect, sync_playwright

    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))  # check-in open
    lampang = make_venue(session, "TH-52")
    registration = make_registration(session, "TH-52", venue=lampang, first_name="จอภาพ", last_name="ทดสอบ")
    _device, token = issue_scanner_device(venue=lampang, name="โต๊ะ 1", actor=None)
    bangkok = make_venue(session, "TH-10")
    second = make_registration(session, "TH-10", venue=bangkok, first_name="กรุงเทพ", last_name="ทดสอบ")
    _device, bangkok_token = issue_scanner_device(venue=bangkok, name="โต๊ะ 2", actor=None)
    cookie_value = session_cookie_value(make_user("tv", kind="central"))

    # DEBUG=1 only so whitenoise serves the static files from the apps, without collectstatic.
    with ProductionServer({"REDIS_URL": services["REDIS_URL"], "DEBUG": "1"}) as server:
        base = server.url
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1920, "height": 1080})
                context.add_cookies([{"name": "sessionid", "value": cookie_value, "url": base}])
                page = context.new_page()
                page.goto(base + reverse("attendance:live_dashboard", kwargs={"session_pk": session.pk}))
                expect(page.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15000)
                expect(page.locator("[data-total=registered]")).to_have_text("2")
                expect(page.locator("[data-total=checked_in]")).to_have_text("0")
                expect(page.locator("#live-provinces tr")).to_have_count(77)
                expect(page.locator("h1")).to_contain_text(session.title)
                expect(page.get_by_text("ทั้งประเทศ")).to_be_visible()

                def check_in(person, device_token, nonce):
                    # A scanner device checks the person in on the server, through the API.
                    body = json.dumps({"code": person.get_ticket(), "nonce": nonce}).encode()
                    headers = {"Authorization": f"Bearer {device_token}", "Content-Type": "application/json"}
                    request = urllib.request.Request(base + "/api/checkins", data=body, headers=headers)
                    with urllib.request.urlopen(request, timeout=15) as response:
                        assert json.loads(response.read())["code"] == "ok"

                check_in(registration, token, "n-1")
                expect(page.locator("[data-total=checked_in]")).to_have_text("1", timeout=15000)
                expect(page.locator("[data-total=percent]")).to_have_text("50.0")
                expect(page.locator("#live-feed")).to_contain_text("นายจอภาพ ทดสอบ")
                expect(page.locator('#live-provinces tr[data-code="TH-52"]')).to_have_class("rate-4")
                expect(page.locator('#live-provinces tr[data-code="TH-10"]')).to_have_class("rate-0")

                # The next message is a patch naming Bangkok's row only: the page keeps Lampang's.
                check_in(second, bangkok_token, "n-2")
                expect(page.locator("[data-total=checked_in]")).to_have_text("2", timeout=15000)
                expect(page.locator("[data-total=percent]")).to_have_text("100.0")
                expect(page.locator('#live-provinces tr[data-code="TH-10"]')).to_have_class("rate-4")
                expect(page.locator('#live-provinces tr[data-code="TH-52"]')).to_have_class("rate-4")
                expect(page.locator("#live-provinces tr")).to_have_count(77)
                expect(page.locator("#live-feed")).to_contain_text("นายกรุงเทพ ทดสอบ")
            finally:
                browser.close()
