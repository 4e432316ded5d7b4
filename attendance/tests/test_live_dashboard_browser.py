"""The dashboard page in a real browser: snapshot on load, live update after a check-in on the server.

Needs a server process sharing the test database, so it runs with PostgreSQL + Redis
(`make test-services`), like the two-process test.
"""

import json
import urllib.parse
import urllib.request

import pytest
from django.urls import reverse

from attendance.tests.sockets import session_cookie_value
from bench.common import daphne_server
from meetings.tests.factories import make_session, make_user
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_dashboard_page_shows_snapshot_and_live_update(services):
    from playwright.sync_api import expect, sync_playwright

    session = make_session()
    registration = make_registration(session, "TH-52", first_name="จอภาพ", last_name="ทดสอบ")
    make_registration(session, "TH-50")
    cookie_value = session_cookie_value(make_user("tv", kind="central"))

    # DEBUG=1 only so the server serves static files without collectstatic.
    with daphne_server(extra_env={**services, "DEBUG": "1"}) as base:
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

                body = urllib.parse.urlencode({"registration": registration.pk}).encode()
                request = urllib.request.Request(base + "/bench/checkin", data=body, headers={"Cookie": f"sessionid={cookie_value}"})
                with urllib.request.urlopen(request, timeout=15) as response:
                    assert json.loads(response.read())["id"]

                expect(page.locator("[data-total=checked_in]")).to_have_text("1", timeout=15000)
                expect(page.locator("[data-total=percent]")).to_have_text("50.0")
                expect(page.locator("#live-feed")).to_contain_text("นายจอภาพ ทดสอบ")
                expect(page.locator('#live-provinces tr[data-code="TH-52"]')).to_have_class("rate-4")
            finally:
                browser.close()
