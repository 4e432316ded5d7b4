"""The desk scanner's pass (attendance/scanner_pass.py): what it lets a scan skip, and what it does not."""
import json
import re
import time

import pytest
from django.conf import settings
from django.test import Client

from attendance import scanner_pass
from attendance.models import CheckIn, CheckInEvent
from attendance.scanner_pass import make_scanner_pass, read_scanner_pass
from meetings.tests.factories import make_registration

pytestmark = pytest.mark.django_db


def scanner_page(client, venue):
    return client.get(f"/sessions/{venue.session_id}/venues/{venue.pk}/scanner/")


def page_pass(client, venue):
    html = scanner_page(client, venue).content.decode()
    return re.search(r'data-scanner-pass="([^"]+)"', html).group(1)


def scan(client, venue, code, held=None, nonce="n"):
    headers = {"HTTP_X_SCANNER_PASS": held} if held is not None else {}
    return client.post(
        f"/sessions/{venue.session_id}/venues/{venue.pk}/scan/", json.dumps({"code": code, "nonce": nonce}),
        content_type="application/json", **headers,
    )


def cookie(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_page_pass_checks_in_and_records_the_officer(client, lampang_officer, lampang_venue, attendee):
    client.force_login(lampang_officer)
    held = page_pass(client, lampang_venue)
    assert read_scanner_pass(held, session_id=lampang_venue.session_id, venue_id=lampang_venue.pk, session_key=cookie(client))[0] == lampang_officer.pk
    body = scan(client, lampang_venue, attendee.get_personal_url(), held).json()
    assert body["code"] == "ok" and body["registration"]["name"] == "นายสมศรี มีสุข"
    assert "scanner_pass" not in body  # fresh enough: not renewed
    event = CheckInEvent.objects.get()
    assert (event.user, event.method, event.venue) == (lampang_officer, "scanner", lampang_venue)


def test_a_pass_is_not_a_login(lampang_officer, lampang_venue, attendee):
    """Without the session cookie it was issued with, a pass is refused like no login at all."""
    officer = Client()
    officer.force_login(lampang_officer)
    held = page_pass(officer, lampang_venue)
    stranger = Client()
    response = scan(stranger, lampang_venue, attendee.get_personal_url(), held)
    assert response.status_code == 302 and "/login" in response["Location"]
    other = Client()
    other.force_login(lampang_officer)  # the same officer, another browser (another cookie)
    assert scan(other, lampang_venue, attendee.get_personal_url(), held).json()["code"] == "ok"
    assert "scanner_pass" in scan(other, lampang_venue, attendee.get_personal_url(), held, nonce="m").json()


def test_another_venues_pass_takes_the_full_path(client, lampang_officer, lampang_venue, chiangmai_venue, attendee, chiangmai_officer):
    """A Lampang pass does not open Chiang Mai's scanner: the full path answers 404 for the officer."""
    client.force_login(lampang_officer)
    held = page_pass(client, lampang_venue)
    assert scan(client, chiangmai_venue, attendee.get_personal_url(), held).status_code == 404
    assert not CheckIn.objects.exists()


def test_tampered_and_expired_passes_take_the_full_path(client, lampang_officer, lampang_venue, attendee, monkeypatch):
    client.force_login(lampang_officer)
    key = cookie(client)
    held = make_scanner_pass(lampang_officer.pk, lampang_venue.session_id, lampang_venue.pk, key)
    forged = held.replace(held.split(":")[0], held.split(":")[0][:-2] + "AA")
    assert read_scanner_pass(forged, session_id=lampang_venue.session_id, venue_id=lampang_venue.pk, session_key=key) is None
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + scanner_pass.MAX_AGE + 5)
    assert read_scanner_pass(held, session_id=lampang_venue.session_id, venue_id=lampang_venue.pk, session_key=key) is None
    # The full path still checks the officer in, and hands the page a new pass.
    body = scan(client, lampang_venue, attendee.get_personal_url(), held).json()
    assert body["code"] == "ok" and body["scanner_pass"]


def test_an_old_pass_is_renewed_in_the_answer(client, lampang_officer, lampang_venue, open_session, monkeypatch):
    client.force_login(lampang_officer)
    held = page_pass(client, lampang_venue)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + scanner_pass.RENEW_AFTER + 5)
    person = make_registration(open_session, "TH-52", venue=lampang_venue)
    body = scan(client, lampang_venue, person.get_personal_url(), held).json()
    assert body["code"] == "ok"
    renewed = read_scanner_pass(body["scanner_pass"], session_id=lampang_venue.session_id, venue_id=lampang_venue.pk, session_key=cookie(client))
    assert renewed[0] == lampang_officer.pk and renewed[1] < 5


def test_manual_pick_never_uses_the_pass(client, lampang_officer, lampang_venue, open_session):
    """A registration id is checked against the officer's province on the full path, pass or not."""
    stranger = make_registration(open_session, "TH-50")
    client.force_login(lampang_officer)
    held = page_pass(client, lampang_venue)
    response = client.post(
        f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/scan/",
        json.dumps({"registration_id": stranger.pk, "nonce": "x"}), content_type="application/json", HTTP_X_SCANNER_PASS=held,
    )
    assert response.status_code == 404 and not CheckIn.objects.exists()


def test_the_scanner_script_sends_the_pass_and_keeps_the_renewed_one():
    script = (settings.BASE_DIR / "static" / "attendance" / "scanner.js").read_text()
    assert '"X-Scanner-Pass": scannerPass' in script and "scannerPass = data.scanner_pass" in script


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_over_asgi_the_quick_path_answers_in_the_users_language(lampang_officer, lampang_venue, open_session):
    """Through the ASGI handler (as under daphne) the scan runs on a database thread and still
    answers in the language of the request: Thai by default, English when the user switched."""
    from channels.db import database_sync_to_async
    from django.test import AsyncClient

    from attendance.tests.sockets import session_cookie_value

    key = await database_sync_to_async(session_cookie_value)(lampang_officer)
    people = [await database_sync_to_async(make_registration)(open_session, "TH-52", venue=lampang_venue) for _ in range(2)]
    urls = [await database_sync_to_async(p.get_personal_url)() for p in people]
    held = make_scanner_pass(lampang_officer.pk, lampang_venue.session_id, lampang_venue.pk, key)
    answers = []
    for url, language in zip(urls, ["th", "en"]):
        client = AsyncClient()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        if language == "en":
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = await client.post(
            f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/scan/", json.dumps({"code": url, "nonce": language}),
            content_type="application/json", headers={"X-Scanner-Pass": held},
        )
        answers.append(response.json())
    assert [a["code"] for a in answers] == ["ok", "ok"]
    assert answers[0]["registration"]["province"] == "ลำปาง" and answers[0]["message"] != "Checked in"
    assert answers[1]["registration"]["province"] == "Lampang" and answers[1]["message"] == "Checked in"
    assert await database_sync_to_async(CheckIn.objects.filter(recorded_by=lampang_officer).count)() == 2
