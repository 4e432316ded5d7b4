"""The desk scanner without a network (Debian's chromium via Playwright): it decides from the
venue snapshot and the ticket's Ed25519 signature, keeps accepted scans in its IndexedDB outbox,
reloads from its service worker, and uploads the outbox when the network returns, each scan
recorded at the time it was scanned.

Scans come through the camera and jsQR in the first test; the others hand the decoded text to
the same function the camera calls (window.prachumScanner.handleCode), which is quicker."""

import base64
import datetime
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.sessions.models import Session
from django.utils import timezone

from attendance.models import CheckIn, CheckInMethod
from attendance.services import perform_checkin
from attendance.tests.test_scanner_browser import (
    logged_in_page,
    open_scanner,
    write_y4m_sequence,
)
from meetings.qr import qr_png
from meetings.tests.factories import make_session
from registration.models import RegistrationStatus
from registration.services import reissue_ticket
from registration.tests.factories import make_registration
from registration.tickets import PAYLOAD, PREFIX, encode_ticket, make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lampang_people(open_session, lampang_venue):
    return [make_registration(open_session, "TH-52", venue=lampang_venue, first_name=name) for name in ("สมชาย", "สมหญิง", "บุญเรือน", "ประเสริฐ", "มาลี")]


@pytest.fixture
def desk(browser_launcher, live_site, lampang_officer, lampang_venue, attendee, lampang_people):
    """The Lampang desk, loaded while online: it holds the snapshot (with the attendee and the five
    Lampang people) and works offline."""
    page = logged_in_page(browser_launcher(), live_site, lampang_officer)
    open_scanner(page, live_site, lampang_venue)
    yield page
    assert page.errors == []


def scan(page, code):
    return page.evaluate("code => prachumScanner.handleCode(code).then(d => d && {level: d.level, reason: d.reason, ms: d.ms})", code)


def outbox(page):
    return page.evaluate("prachumScanner.state().items")


def wait_for(page, name, value, timeout=10000):
    page.wait_for_function(f"() => document.getElementById('scanner').dataset.{name} === '{value}'", timeout=timeout)


def scan_offline(page, people, pause_ms=0):
    page.context.set_offline(True)
    decisions = []
    for person in people:
        decisions.append(scan(page, make_ticket(person)))
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    return decisions


def test_offline_five_scans_green_and_pending(browser_launcher, live_site, lampang_officer, lampang_venue, lampang_people, tmp_path):
    """Through the camera: the page opens without camera permission, goes offline, then the
    camera is allowed and shows five badges one after the other."""
    video = tmp_path / "badges.y4m"
    write_y4m_sequence([qr_png(make_ticket(person)) for person in lampang_people], video)
    browser = browser_launcher(["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    page = logged_in_page(browser, live_site, lampang_officer)
    open_scanner(page, live_site, lampang_venue)
    page.context.set_offline(True)
    page.context.grant_permissions(["camera"])
    page.click("#scanner-toggle")  # pause (the camera was refused)
    page.click("#scanner-toggle")  # resume: opens the camera
    wait_for(page, "pending", "5", timeout=15000)
    items = outbox(page)
    assert sorted(item["registration"] for item in items) == sorted(person.pk for person in lampang_people)
    assert {item["local"] for item in items} == {"ok"}  # all five were green
    assert {item["status"] for item in items} == {"pending"}
    assert page.locator("#scanner-counter-pending dd").inner_text() == "5"
    assert page.locator("#scanner-network").get_attribute("data-state") == "offline"
    assert CheckIn.objects.count() == 0
    assert page.errors == []


def test_reload_offline_keeps_pending(desk, live_site, lampang_venue, lampang_people):
    decisions = scan_offline(desk, lampang_people)
    assert [d["level"] for d in decisions] == ["success"] * 5
    # A fresh render would show the new name: the offline reload shows the cached page.
    type(lampang_venue).objects.filter(pk=lampang_venue.pk).update(name="ชื่อใหม่หลังออฟไลน์")
    desk.reload()
    wait_for(desk, "ready", "1")
    assert "ศาลากลางจังหวัดลำปาง" in desk.locator("h1").inner_text()
    assert desk.locator("#scanner-counter-pending dd").inner_text() == "5"
    # The snapshot came back from IndexedDB too: the next scan is still decided offline.
    assert scan(desk, make_ticket(lampang_people[0]))["reason"] == "already_in"
    assert desk.evaluate("prachumScanner.state().crypto") == "ok"


def test_back_online_syncs_at_scanned_times(desk, lampang_people):
    scan_offline(desk, lampang_people, pause_ms=300)
    scanned = {item["registration"]: datetime.datetime.fromisoformat(item["scanned_at"]) for item in outbox(desk)}
    desk.wait_for_timeout(1500)
    online_at = timezone.now()
    desk.context.set_offline(False)
    wait_for(desk, "synced", "5")
    assert desk.locator("#scanner-counter-pending dd").inner_text() == "0"
    rows = list(CheckIn.objects.all())
    assert len(rows) == 5
    for row in rows:
        assert abs((row.checked_in_at - scanned[row.registration_id]).total_seconds()) < 1
        assert row.method == CheckInMethod.SCANNER
        assert row.checked_in_at < online_at - datetime.timedelta(seconds=1)  # not the upload's time
    assert len({item["device"] for item in outbox(desk)}) == 1


def test_ticket_used_at_other_venue_is_conflict(desk, lampang_venue, chiangmai_venue, attendee):
    # After the desk took its snapshot, the same person is checked in at Chiang Mai.
    # (On a thread of its own: this one runs Playwright's event loop, where the broadcast after commit cannot.)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            perform_checkin,
            session=lampang_venue.session,
            method=CheckInMethod.MANUAL,
            registration_id=attendee.pk,
            venue=chiangmai_venue,
        ).result()
    desk.context.set_offline(True)
    assert scan(desk, make_ticket(attendee))["level"] == "success"  # the snapshot did not know yet
    desk.context.set_offline(False)
    wait_for(desk, "conflicts", "1")
    conflict = desk.locator("#scanner-conflicts li")
    assert conflict.get_attribute("data-code") == "already_checked_in"
    assert "ศาลากลางจังหวัดเชียงใหม่" in conflict.inner_text()
    assert CheckIn.objects.get(registration=attendee).venue == chiangmai_venue


def test_tampered_ticket_red_offline(desk, open_session, attendee):
    desk.context.set_offline(True)
    ticket = make_ticket(attendee)
    raw = bytearray(base64.urlsafe_b64decode(ticket[len(PREFIX) :] + "=="))
    flipped = bytes(raw[:-1]) + bytes([raw[-1] ^ 1])
    other_person = bytes(PAYLOAD.pack(1, open_session.pk, attendee.pk + 1, 1)) + bytes(raw[PAYLOAD.size :])
    forged_payload = PAYLOAD.pack(1, open_session.pk, attendee.pk, 1)
    forged = forged_payload + Ed25519PrivateKey.generate().sign(forged_payload)
    other_session = make_session(starts_at=open_session.starts_at)
    for code, reason in [
        (PREFIX + base64.urlsafe_b64encode(flipped).rstrip(b"=").decode(), "invalid"),
        (PREFIX + base64.urlsafe_b64encode(other_person).rstrip(b"=").decode(), "invalid"),
        (PREFIX + base64.urlsafe_b64encode(forged).rstrip(b"=").decode(), "invalid"),
        (ticket[:-6], "invalid"),
        (encode_ticket(other_session.pk, attendee.pk, 1), "other_session"),
    ]:
        decision = scan(desk, code)
        assert (decision["level"], decision["reason"]) == ("danger", reason), code
    assert "scanner-danger" in desk.locator("#scanner-result").get_attribute("class")
    assert outbox(desk) == []  # red scans are not queued
    assert scan(desk, ticket)["level"] == "success"  # the genuine ticket still passes


def test_revoked_ticket_red_after_next_snapshot(desk, open_session, lampang_venue, attendee, lampang_people, lampang_officer):
    old_ticket = make_ticket(attendee)
    cancelled = lampang_people[0]
    reissue_ticket(registration=attendee, actor=lampang_officer)
    type(cancelled).objects.filter(pk=cancelled.pk).update(status=RegistrationStatus.CANCELLED)
    desk.evaluate("prachumScanner.refreshSnapshot()")
    desk.context.set_offline(True)
    assert scan(desk, old_ticket)["reason"] == "revoked"
    assert scan(desk, make_ticket(cancelled))["reason"] == "revoked"
    assert scan(desk, make_ticket(attendee))["level"] == "success"  # the new badge
    assert [item["registration"] for item in outbox(desk)] == [attendee.pk]


STORED = """() => new Promise((resolve, reject) => {
  const request = indexedDB.open("prachum-scanner");
  request.onerror = () => reject(request.error);
  request.onsuccess = () => {
    const db = request.result, tx = db.transaction(["snapshots", "outbox"]);
    const snapshots = tx.objectStore("snapshots").count(), outbox = tx.objectStore("outbox").count();
    tx.oncomplete = () => { db.close(); caches.has("prachum-scanner-pages").then(pages => resolve({snapshots: snapshots.result, outbox: outbox.result, pages})); };
  };
})"""


def test_logout_wipes_snapshot_and_keeps_outbox(desk, attendee):
    scan(desk, make_ticket(attendee))
    wait_for(desk, "synced", "1")
    assert desk.evaluate(STORED) == {"snapshots": 1, "outbox": 1, "pages": True}
    with desk.expect_navigation():
        desk.evaluate("document.getElementById('logout-form').requestSubmit()")
    assert "/scanner/" not in desk.url
    assert desk.evaluate(STORED) == {"snapshots": 0, "outbox": 1, "pages": False}


def test_signed_out_desk_wipes_snapshot_and_keeps_queue(desk, attendee):
    scan_offline(desk, [attendee])
    Session.objects.all().delete()  # the login expired while the desk was offline
    desk.context.set_offline(False)
    desk.wait_for_function("() => !prachumScanner.state().hasSnapshot")
    assert desk.locator("#scanner-network").get_attribute("data-state") == "problem"
    assert desk.locator("#scanner-counter-pending dd").inner_text() == "1"
    assert CheckIn.objects.count() == 0


def test_snapshot_wiped_when_checkin_closes(browser_launcher, live_site, lampang_officer, open_session, lampang_venue, attendee):
    type(open_session).objects.filter(pk=open_session.pk).update(checkin_closes_at=timezone.now() + datetime.timedelta(seconds=4))
    page = logged_in_page(browser_launcher(), live_site, lampang_officer)
    open_scanner(page, live_site, lampang_venue)
    assert page.evaluate("prachumScanner.state().hasSnapshot")
    page.wait_for_function("() => !prachumScanner.state().hasSnapshot", timeout=8000)
    assert page.evaluate("prachumScanner.state().hasSnapshot") is False
    page.context.set_offline(True)
    assert scan(page, make_ticket(attendee))["reason"] == "pending_check"  # kept for the server to judge


def test_server_busy_keeps_queue_and_retries_after(desk, attendee):
    answers = []

    def busy_once(route):
        answers.append(time.monotonic())
        if len(answers) == 1:
            route.fulfill(status=503, headers={"Retry-After": "2"}, json={"code": "unavailable", "message": "busy", "retry_after": 2})
        else:
            route.continue_()

    desk.context.route("**/api/checkins/batch", busy_once)
    scan(desk, make_ticket(attendee))
    desk.wait_for_function("() => document.getElementById('scanner-network').textContent.length > 0")
    wait_for(desk, "synced", "1", timeout=8000)
    assert len(answers) == 2 and answers[1] - answers[0] >= 2  # not before Retry-After
    assert CheckIn.objects.filter(registration=attendee).count() == 1


def test_service_worker_and_manifest_are_served(client, lampang_officer, chiangmai_officer, lampang_venue):
    worker = client.get("/scanner-sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert b"/static/attendance/scanner.js" in worker.content and b"self.PRACHUM_SCANNER" in worker.content
    page = f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/scanner/"
    client.force_login(lampang_officer)
    manifest = client.get(page + "manifest.webmanifest")
    assert manifest["Content-Type"].startswith("application/manifest+json")
    assert manifest.json()["start_url"] == page and manifest.json()["scope"] == page
    client.force_login(chiangmai_officer)
    assert client.get(page + "manifest.webmanifest").status_code == 404
