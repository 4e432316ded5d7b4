"""The desk scanner in a real browser (Debian's chromium via Playwright): a fake camera that
shows a participant's personal QR code, and the manual search fallback."""
import io
import os

import pytest
from django.conf import settings
from django.test import Client

from attendance.models import CheckIn
from meetings.qr import qr_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def write_y4m(png_bytes, path, width=640, height=480):
    """A one-frame YUV4MPEG2 video of the image, centred on white (chromium loops it as a camera)."""
    from PIL import Image

    qr = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    side = min(width, height) - 40
    qr = qr.resize((side, side), Image.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(qr, ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes())


@pytest.fixture
def browser_launcher(monkeypatch):
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still plain synchronous code (the server runs in its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for browser tests (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = []

        def launch(extra_args=()):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*BASE_ARGS, *extra_args])
            launched.append(browser)
            return browser

        yield launch
        for browser in launched:
            browser.close()


def logged_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="th-TH", viewport={"width": 412, "height": 900})  # a phone
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    return context.new_page()


@pytest.fixture
def live_site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    return live_server


def test_camera_reads_a_personal_qr_and_shows_green(browser_launcher, live_site, lampang_officer, lampang_venue, attendee, tmp_path):
    video = tmp_path / "qr.y4m"
    write_y4m(qr_png(attendee.get_personal_url()), video)
    browser = browser_launcher(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    page = logged_in_page(browser, live_site, lampang_officer)
    page.goto(f"{live_site.url}/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/scanner/")
    result = page.locator("#scanner-result")
    page.wait_for_function("document.getElementById('scanner-result').dataset.code === 'ok'", timeout=20000)
    assert "สมศรี" in result.inner_text()
    assert "scanner-success" in result.get_attribute("class")
    # Rapid mode: the same code stays in front of the camera, and is not sent again.
    page.wait_for_timeout(1500)
    assert page.locator("#scanner-log li").count() == 1
    assert CheckIn.objects.filter(registration=attendee).count() == 1


def test_manual_search_checks_in_without_a_camera(browser_launcher, live_site, lampang_officer, lampang_venue, attendee):
    browser = browser_launcher()  # no camera at all: the page says so and search still works
    page = logged_in_page(browser, live_site, lampang_officer)
    page.goto(f"{live_site.url}/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/scanner/")
    page.fill("#scanner-search", "สมศรี")
    page.click("#scanner-search-form button[type=submit]")
    button = page.locator(f"#scanner-search-results button[data-registration-id='{attendee.pk}']")
    button.click()
    page.wait_for_function("document.getElementById('scanner-result').dataset.code === 'ok'", timeout=10000)
    assert "มีสุข" in page.locator("#scanner-result").inner_text()
    checkin = CheckIn.objects.get(registration=attendee)
    assert checkin.method == "manual" and checkin.recorded_by == lampang_officer
