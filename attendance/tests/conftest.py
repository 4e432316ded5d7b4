"""Attendance fixtures: a session whose check-in window is open now, its venues and an attendee."""

import datetime
import os
import urllib.parse

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from meetings.tests.factories import make_session, make_venue
from registration.tests.factories import make_registration


@pytest.fixture
def open_session(db, central_organiser):
    """Starts in 30 minutes, so check-in (which opens 60 minutes before) is open now."""
    return make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30), created_by=central_organiser)


@pytest.fixture
def lampang_venue(open_session):
    return make_venue(open_session, "TH-52", name="ศาลากลางจังหวัดลำปาง", room="ห้องประชุมสำนักงานพัฒนาชุมชนจังหวัดลำปาง ชั้น 3")


@pytest.fixture
def chiangmai_venue(open_session):
    return make_venue(open_session, "TH-50", name="ศาลากลางจังหวัดเชียงใหม่")


@pytest.fixture
def host_venue(open_session):
    return make_venue(open_session, "TH-10", is_host=True, name="กรมการพัฒนาชุมชน", room="ห้องประชุม War Room")


@pytest.fixture
def attendee(open_session, lampang_venue):
    """A Lampang committee member registered for the Lampang venue."""
    return make_registration(
        open_session,
        "TH-52",
        venue=lampang_venue,
        first_name="สมศรี",
        last_name="มีสุข",
        position="กรรมการ กข.คจ.",
        organisation="บ้านแม่ทะ หมู่ 3",
    )


@pytest.fixture
def chiangmai_attendee(open_session, chiangmai_venue):
    return make_registration(open_session, "TH-50", venue=chiangmai_venue, first_name="บุญมี", last_name="ใจงาม")


def _database_url():
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def services(request):
    """REDIS_URL and PostgreSQL, or a failure: only the plain SQLite run (no REDIS_URL) skips."""
    redis_url = os.environ.get("REDIS_URL")
    markexpr = (request.config.getoption("markexpr") or "").replace("not services", "")
    selected = "services" in markexpr
    if not redis_url and connection.vendor == "sqlite" and not selected:
        pytest.skip("runs in `make test-services` (needs REDIS_URL and DATABASE_URL=postgres://…)")
    assert redis_url, "REDIS_URL must be set for the services tests"
    assert connection.vendor == "postgresql", "DATABASE_URL must point at PostgreSQL for the services tests"
    return {"DATABASE_URL": _database_url(), "REDIS_URL": redis_url, "SECRET_KEY": settings.SECRET_KEY}


# --- browser tests (Debian's chromium via Playwright) ---------------------------------------

CHROMIUM = "/usr/bin/chromium"
BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


@pytest.fixture
def live_site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    return live_server
