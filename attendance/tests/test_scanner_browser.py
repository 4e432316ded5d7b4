"""The desk scanner in a real browser (Debian's chromium via Playwright): a fake camera that
shows a participant's QR code, and the manual search fallback. The offline behaviour (outbox,
service worker, conflicts) is in test_scanner_offline_browser.py, which shares these helpers; the
browser_launcher and live_site fixtures are in conftest.py."""

import io

import pytest
from django.conf import settings
from django.test import Client

from attendance.models import CheckIn
from meetings.qr import qr_png
from registration.tickets import make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def _y4m_frame(png_bytes, width, height):
    from PIL import Image

    frame = Image.new("RGB", (width, height), "white")
    if png_bytes is not None:
        qr = Image.open(io.BytesIO(png_bytes)).convert("RGB")
        side = min(width, height) - 40
        qr = qr.resize((side, side), Image.NEAREST)
        frame.paste(qr, ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    return b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()


def write_y4m(png_bytes, path, width=640, height=480):
    """A one-frame YUV4MPEG2 video of the image, centred on white (chromium loops it as a camera)."""
    write_y4m_sequence([png_bytes], path, frames_each=1, width=width, height=height)


def write_y4m_sequence(pngs, path, frames_each=5, width=480, height=480, fps=10):
    """A video that shows each image for `frames_each` frames, one after the other, then loops."""
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for png_bytes in pngs:
            frame = _y4m_frame(png_bytes, width, height)
            for _ in range(frames_each):
                out.write(frame)


def logged_in_page(browser, live_server, user, viewport=None):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="th-TH", viewport=viewport or {"width": 412, "height": 900})  # a phone
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def scanner_url(live_server, venue):
    return f"{live_server.url}/sessions/{venue.session_id}/venues/{venue.pk}/scanner/"


def open_scanner(page, live_server, venue):
    """Load the scanner page and wait until it holds the snapshot and works offline."""
    page.goto(scanner_url(live_server, venue))
    page.wait_for_function("() => document.getElementById('scanner').dataset.offlineReady === '1'", timeout=15000)


def test_camera_reads_a_ticket_decides_green_and_uploads_it(browser_launcher, live_site, lampang_officer, lampang_venue, attendee, tmp_path):
    video = tmp_path / "qr.y4m"
    write_y4m(qr_png(make_ticket(attendee)), video)
    browser = browser_launcher([*CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"])
    page = logged_in_page(browser, live_site, lampang_officer)
    page.goto(scanner_url(live_site, lampang_venue))
    page.wait_for_function("() => document.getElementById('scanner-result').dataset.code === 'ok'", timeout=20000)
    result = page.locator("#scanner-result")
    assert "สมศรี" in result.inner_text()
    assert "scanner-success" in result.get_attribute("class")
    page.wait_for_function("() => document.getElementById('scanner').dataset.synced === '1'", timeout=10000)
    # Rapid mode: the same code stays in front of the camera, and is not taken again.
    page.wait_for_timeout(1500)
    assert page.locator("#scanner-log li").count() == 1
    checkin = CheckIn.objects.get(registration=attendee)
    assert checkin.venue == lampang_venue and checkin.recorded_by == lampang_officer
    assert page.errors == []


def test_old_personal_link_badge_is_amber_then_checked_by_the_server(browser_launcher, live_site, lampang_officer, lampang_venue, attendee, tmp_path):
    video = tmp_path / "qr.y4m"
    write_y4m(qr_png(attendee.get_personal_url()), video)
    browser = browser_launcher([*CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"])
    page = logged_in_page(browser, live_site, lampang_officer)
    page.goto(scanner_url(live_site, lampang_venue))
    page.wait_for_function("() => document.getElementById('scanner-result').dataset.code === 'pending_check'", timeout=20000)
    assert "scanner-warning" in page.locator("#scanner-result").get_attribute("class")
    page.wait_for_function("() => document.getElementById('scanner').dataset.synced === '1'", timeout=10000)
    assert CheckIn.objects.filter(registration=attendee).count() == 1


def test_manual_search_checks_in_without_a_camera(browser_launcher, live_site, lampang_officer, lampang_venue, attendee):
    browser = browser_launcher()  # no camera at all: the page says so and search still works
    page = logged_in_page(browser, live_site, lampang_officer)
    page.goto(scanner_url(live_site, lampang_venue))
    page.fill("#scanner-search", "สมศรี")
    page.click("#scanner-search-form button[type=submit]")
    button = page.locator(f"#scanner-search-results button[data-registration-id='{attendee.pk}']")
    button.click()
    page.wait_for_function("() => document.getElementById('scanner-result').dataset.code === 'ok'", timeout=10000)
    assert "มีสุข" in page.locator("#scanner-result").inner_text()
    checkin = CheckIn.objects.get(registration=attendee)
    assert checkin.method == "manual" and checkin.recorded_by == lampang_officer
