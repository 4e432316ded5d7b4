"""The Content-Security-Policy in a real browser (Debian's chromium via Playwright): the key pages of
every role load without a single policy violation or script error, and the behaviour that moved out
of inline scripts (confirm dialogs, busy and copy buttons, the upload progress, the charts) works."""

import datetime
import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from meetings.models import Session, SessionStatus
from meetings.tests.factories import PASSWORD, make_quota, make_session, make_user, make_venue
from registration.models import Registration
from registration.tests.factories import make_registration
from registration.tests.test_import import people, xlsx
from registration.tokens import make_personal_token
from training.models import Module, Quiz, QuizKind
from training.services.authoring import add_attachment
from training.services.quizzes import save_answer, start_attempt, submit_attempt
from training.tests.conftest import add_question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",  # the desk scanner asks for the camera
    "--use-fake-device-for-media-stream",
]
# Runs before any page script and outside the page's policy: records what the policy blocked.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def world(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    organiser = make_user("organiser", kind="central")
    officer = make_user("lampang", kind="provincial", province_code="TH-52")
    operator = get_user_model().objects.create_superuser("operator", password=PASSWORD)
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30), created_by=organiser)
    venue = make_venue(session, "TH-52")
    make_quota(session, "TH-52", "committee", seats=10)
    attendee = make_registration(session, "TH-52", venue=venue, first_name="สมศรี", last_name="ใจงาม")
    module = Module.objects.create(
        session=session, order=1, title="บทที่หนึ่ง", lesson="## หัวข้อ\n\n![ภาพ](https://tracker.example/pixel.png) [คู่มือ](https://example.go.th/)"
    )
    add_attachment(module=module, title="สไลด์", file=SimpleUploadedFile("slides.html", b"<script>alert(1)</script>"))
    quiz = Quiz.objects.create(session=session, kind=QuizKind.POSTTEST, title="แบบทดสอบหลังเรียน")
    add_question(quiz, "single", "ข้อหนึ่ง", correct=(1,))
    attempt = start_attempt(quiz=quiz, registration=attendee)
    return {
        "organiser": organiser,
        "officer": officer,
        "operator": operator,
        "session": session,
        "venue": venue,
        "attendee": attendee,
        "token": make_personal_token(attendee),
        "module": module,
        "quiz": quiz,
        "attempt": attempt,
    }


@pytest.fixture
def chromium(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs next to Playwright's event loop
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for browser tests (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """One browser context (one person), recording policy violations and script errors per page."""

    def __init__(self, browser, live_server, user=None):
        self.live_server = live_server
        self.context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
        self.context.add_init_script(RECORD_VIOLATIONS)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: script error: {error}"))
        self.page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and self.problems.append(f"{self.page.url}: console: {message.text}"),
        )

    def visit(self, path):
        response = self.page.goto(self.live_server.url + path)
        assert response.status < 400, f"{path} answered {response.status}"
        assert "content-security-policy" in response.headers  # Playwright names headers in lower case
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(150)  # scripts that start on load (charts, sockets, the camera)
        self.collect()
        return self.page

    def collect(self):
        self.problems += [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__cspViolations || []")]


def test_key_pages_of_every_role_load_without_a_policy_violation(chromium, live_server, settings, world):
    settings.ALLOWED_HOSTS = ["*"]
    session, venue, token = world["session"], world["venue"], world["token"]
    pages = {
        None: [
            "/",
            "/accounts/login/",
            f"/sessions/{session.pk}/",
            f"/p/{token}/",
            f"/p/{token}/learn/",
            f"/p/{token}/learn/modules/{world['module'].pk}/",
            f"/p/{token}/learn/quizzes/{world['quiz'].pk}/",
            f"/p/{token}/learn/attempts/{world['attempt'].pk}/",
        ],
        world["organiser"]: [
            "/sessions/",
            "/sessions/calendar/",
            f"/sessions/{session.pk}/",
            f"/sessions/{session.pk}/agenda/",
            f"/sessions/{session.pk}/venues/",
            f"/sessions/{session.pk}/quotas/",
            f"/sessions/{session.pk}/registrations/",
            f"/sessions/{session.pk}/registrations/{world['attendee'].pk}/",
            f"/sessions/{session.pk}/attendance/live/",
            f"/sessions/{session.pk}/attendance/report/",
            f"/sessions/{session.pk}/venues/{venue.pk}/scanner/",
            f"/sessions/{session.pk}/venues/{venue.pk}/display/",
            f"/training/sessions/{session.pk}/",
            f"/training/sessions/{session.pk}/modules/{world['module'].pk}/",
            f"/training/sessions/{session.pk}/results/",
            f"/training/sessions/{session.pk}/results/items/{world['quiz'].pk}/",
        ],
        world["officer"]: [f"/sessions/{session.pk}/registrations/import/"],
        world["operator"]: ["/admin/", "/admin/auth/user/", f"/admin/auth/user/{world['operator'].pk}/change/", "/admin/auth/user/add/", "/api/docs"],
    }
    problems = []
    for user, paths in pages.items():
        visitor = Visitor(chromium, live_server, user)
        for path in paths:
            visitor.visit(path)
        problems += visitor.problems
        visitor.context.close()
    assert problems == []


def test_the_policy_blocks_what_it_should_so_the_check_above_can_fail(chromium, live_server, settings, world):
    """An image from another site and a style attribute planted on a page are refused, and the recorder sees both."""
    settings.ALLOWED_HOSTS = ["*"]
    visitor = Visitor(chromium, live_server)
    visitor.visit("/")
    visitor.page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"https://tracker.example/p.png\"><p style=\"color: red\">x</p>')")
    visitor.page.wait_for_timeout(200)
    visitor.collect()
    assert any("img-src blocked https://tracker.example/p.png" in problem for problem in visitor.problems)
    assert any(problem.split(": ", 1)[1].startswith("style-src") for problem in visitor.problems)
    visitor.context.close()


def test_confirm_dialogs_busy_and_copy_buttons_and_charts_work_without_inline_scripts(chromium, live_server, settings, world):
    settings.ALLOWED_HOSTS = ["*"]
    session = world["session"]
    visitor = Visitor(chromium, live_server, world["organiser"])
    page = visitor.page

    # data-confirm: "Cancel" keeps the session as it is.
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click(f"form[action='/sessions/{session.pk}/close/'] button[type=submit]")
    page.wait_for_timeout(300)
    assert questions and questions[0]
    assert page.url.endswith(f"/sessions/{session.pk}/")

    # The copy button copies the personal link.
    page.goto(f"{live_server.url}/sessions/{session.pk}/registrations/{world['attendee'].pk}/")
    visitor.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    label = page.locator("#copy-link").inner_text()
    page.click("#copy-link")
    page.wait_for_function(f"() => document.getElementById('copy-link').textContent !== {label!r}")
    assert "/p/" in page.evaluate("navigator.clipboard.readText()")

    # The results charts draw (Chart.js on a canvas named by data attributes) once somebody has answered.
    question = world["quiz"].questions.get()
    save_answer(registration=world["attendee"], attempt_id=world["attempt"].pk, question_id=question.pk, choice_ids=[question.choices.first().pk])
    submit_attempt(registration=world["attendee"], attempt_id=world["attempt"].pk)
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/results/items/{world['quiz'].pk}/")
    assert page.evaluate("Chart.getChart(document.getElementById('items-chart')) !== undefined")
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/results/")
    assert page.evaluate("Chart.getChart(document.getElementById('province-chart')) !== undefined")

    visitor.collect()
    assert visitor.problems == []
    visitor.context.close()
    assert Session.objects.get(pk=session.pk).status != SessionStatus.CLOSED


def test_import_upload_preview_and_confirm_work_under_the_policy(chromium, live_server, settings, world, tmp_path):
    """The upload with progress (static/registration/import.js) writes the preview into the page; its
    confirm button turns busy (static/js/prachum.js) and the people are registered."""
    settings.ALLOWED_HOSTS = ["*"]
    session = world["session"]
    upload = tmp_path / "people.xlsx"
    upload.write_bytes(xlsx(people(3)))
    visitor = Visitor(chromium, live_server, world["officer"])
    page = visitor.page
    page.goto(f"{live_server.url}/sessions/{session.pk}/registrations/import/")
    page.set_input_files("#import-form input[type=file]", str(upload))
    page.click("#import-form button[type=submit]")
    page.locator("#confirm-button").wait_for()
    page.click("#confirm-button")
    page.wait_for_url(f"**/sessions/{session.pk}/registrations/**")
    page.wait_for_load_state("load")
    visitor.collect()
    visitor.context.close()
    assert visitor.problems == []
    assert Registration.objects.filter(session=session).count() == 4  # the attendee and the three imported


# A face of the page's own Sarabun has loaded (document.fonts.check would also answer true with none declared).
SARABUN_LOADED = "[...document.fonts].some((face) => face.family.replace(/\"/g, '') === 'Sarabun' && face.status === 'loaded')"


def test_charts_and_the_admin_draw_thai_in_sarabun(chromium, live_server, settings, world):
    """A machine without a Thai system font still reads the chart labels and the admin: both use the
    vendored Sarabun (static/js/chart_font.js, static/css/admin.css), loaded under the policy."""
    settings.ALLOWED_HOSTS = ["*"]
    session = world["session"]
    submit_attempt(registration=world["attendee"], attempt_id=world["attempt"].pk)  # results to chart
    staff = Visitor(chromium, live_server, world["organiser"])
    for path in (
        f"/training/sessions/{session.pk}/results/",
        f"/training/sessions/{session.pk}/results/items/{world['quiz'].pk}/",
        f"/sessions/{session.pk}/attendance/live/",
    ):
        page = staff.visit(path)
        assert page.evaluate("Chart.defaults.font.family").startswith('"Sarabun"')
        page.wait_for_function(SARABUN_LOADED, timeout=5000)
    staff.context.close()
    operator = Visitor(chromium, live_server, world["operator"])
    page = operator.visit("/admin/auth/user/")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").replace('"', "").startswith("Sarabun,")
    page.wait_for_function(SARABUN_LOADED, timeout=5000)
    operator.context.close()
    assert staff.problems == [] and operator.problems == []
