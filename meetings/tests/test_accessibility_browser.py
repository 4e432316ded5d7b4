"""Accessibility in a real browser (Debian's chromium via Playwright): axe-core checks every page that
each person reaches, on the demo's data, on a desktop screen (1366×768) and a phone (390×844), and
finds no violation of impact "critical" or "serious".

The pages come from the URLconf: every named URL is either in VISITS (who opens it, in which state)
or in NOT_PAGES (a download, a POST action, a JSON answer) with the reason, so a new page cannot be
left out. axe-core is vendored as a test tool (static/vendor/axe-core-4.14.1/); no page loads it:
the test injects it into a context that bypasses the Content-Security-Policy (the policy itself is
checked by test_csp_browser.py).

The pages are served by the project's ASGI application under Daphne in a process of its own, so the
live dashboard fills its tables over its WebSocket, as on the day. To keep the run short the demo is
seeded once, one browser serves everyone (a context per person), and each page is loaded once and
checked at both sizes.
"""

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from attendance.models import VcReport
from attendance.services import issue_scanner_device
from attendance.tests.sockets import session_cookie_value
from attendance.tests.vc_files import Connection, bangkok, zoom_csv
from attendance.vc.services import import_vc_report
from attendance.venue_codes import make_venue_code
from meetings.demo import DEMO_SLUG, REHEARSAL_SLUG
from meetings.models import Job, JobStatus, Session, Venue
from meetings.tests.test_csp_browser import CHROMIUM, CHROMIUM_ARGS
from registration.models import MessageChannel, MessageStatus, OutgoingMessage, Registration, ReminderRule
from registration.tests.test_import import people, row, xlsx
from registration.tokens import make_opt_out_token, make_personal_token
from training.demo import seed_demo
from training.models import Attempt, AttemptStatus, Certificate, QuizKind
from training.services.authoring import add_attachment
from training.services.quizzes import start_attempt

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BLOCKING = ("critical", "serious")

CENTRAL, LAMPANG, CHIANGMAI, ATTENDEE, ANONYMOUS = "central organiser", "Lampang officer", "Chiang Mai officer", "attendee", "anonymous"
PEOPLE = (CENTRAL, LAMPANG, CHIANGMAI, ATTENDEE, ANONYMOUS)


# --- the world: the demo, and what the demo does not seed ------------------------------------------


@dataclass
class World:
    demo: Session  # 25 November 2564: 2,660 people, check-ins, quiz results, certificates
    rehearsal: Session  # within the hour: registration and check-in open
    users: dict
    venue: dict  # (session slug, province code) → venue
    person: Registration  # Lampang, checked in, passed, holds a certificate
    learner: Registration  # Lampang, in the rehearsal, half-way through the pre-test
    certificate: Certificate
    submitted: Attempt
    open_attempt: Attempt
    module: object
    quiz: object
    question: object
    rehearsal_quiz: object
    vc_active: VcReport
    vc_pending: VcReport
    jobs: list
    reminder: ReminderRule

    def token(self, registration):
        return make_personal_token(registration)

    def v(self, session, code):
        return self.venue[(session.slug, code)]


def build_world(tmp_path, settings):
    """The demo (training.demo.seed_demo) and what it leaves out: an attachment, an attempt under way,
    scanner devices for the rehearsal, two video-conference reports, background jobs, a reminder."""
    settings.MEDIA_ROOT = tmp_path
    demo, _created = seed_demo()
    rehearsal = Session.objects.get(slug=REHEARSAL_SLUG)
    assert demo.slug == DEMO_SLUG
    users = {
        who: get_user_model().objects.get(username=name) for who, name in ((CENTRAL, "organiser"), (LAMPANG, "lampang"), (CHIANGMAI, "chiangmai"))
    }
    venue = {(v.session.slug, v.province.code): v for v in Venue.objects.select_related("session", "province").filter(is_host=False)}
    certificate = Certificate.objects.filter(session=demo, registration__province__code="TH-52", revoked_at__isnull=True).order_by("pk").first()
    person = certificate.registration
    posttest = demo.quizzes.get(kind=QuizKind.POSTTEST)
    submitted = person.quiz_attempts.filter(quiz=posttest, status=AttemptStatus.SUBMITTED).order_by("pk").first()
    module = demo.training_modules.order_by("order").first()
    add_attachment(module=module, title="สไลด์ประกอบการบรรยาย", file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 demo"))
    learner = rehearsal.registrations.filter(province__code="TH-52").order_by("pk").first()
    rehearsal_quiz = rehearsal.quizzes.get(kind=QuizKind.PRETEST)
    open_attempt = start_attempt(quiz=rehearsal_quiz, registration=learner)
    for code in ("TH-52", "TH-50"):
        issue_scanner_device(venue=venue[(REHEARSAL_SLUG, code)], name="โต๊ะลงชื่อ 1", actor=users[CENTRAL])
    # Two Zoom reports of the demo: the first in use, a second waiting for confirmation.
    nine, noon = bangkok(2021, 11, 25, 9), bangkok(2021, 11, 25, 12)
    names = [r.full_name for r in demo.registrations.filter(province__code__in=("TH-52", "TH-50")).order_by("pk")[:12]]
    connections = [Connection(name, "", nine, noon) for name in names] + [Connection("iPhone ของ ผู้ใช้", "", nine, noon, guest=True)]
    vc_active = import_vc_report(session=demo, content=zoom_csv(connections), filename="zoom.csv", actor=users[CENTRAL]).report
    later = [Connection(name, "", nine, bangkok(2021, 11, 25, 10)) for name in names[:6]] + [Connection("ห้องประชุม ชั้น 3", "", nine, noon)]
    vc_pending = import_vc_report(session=demo, content=zoom_csv(later), filename="zoom-2.csv", actor=users[CENTRAL]).report
    # Background jobs (meetings/jobs.py) as a worker leaves them: one part-way, one done.
    now = timezone.now()
    common = {"kind": "registration.badges", "title": "บัตรชื่อผู้เข้าร่วมประชุม (PDF)", "created_by": users[CENTRAL], "session": demo}
    jobs = [
        Job.objects.create(**common, status=JobStatus.RUNNING, progress_done=840, progress_total=2660, started_at=now),
        Job.objects.create(**common, status=JobStatus.SUCCEEDED, progress_done=2660, progress_total=2660, started_at=now, finished_at=now),
    ]
    # A reminder of the rehearsal, and the message it sent to the learner.
    reminder = ReminderRule.objects.create(
        session=rehearsal,
        name="เตือนก่อนการประชุม 1 วัน",
        subject="พรุ่งนี้ประชุม {session}",
        body="เรียน {name}\n\nการประชุมเริ่มวันที่ {date} เวลา {time} ที่ {venue}\nหน้าส่วนตัวของท่าน: {personal_link}",
        created_by=users[CENTRAL],
    )
    OutgoingMessage.objects.create(
        registration=learner,
        session=rehearsal,
        channel=MessageChannel.EMAIL,
        kind="reminder",
        dedupe_key=f"accessibility-{reminder.pk}",
        to="learner@example.org",
        subject="พรุ่งนี้ประชุม",
        body="เรียน ผู้เข้าร่วมประชุม",
        status=MessageStatus.SENT,
        sent_at=now,
        created_by=users[CENTRAL],
    )
    return World(
        demo=demo,
        rehearsal=rehearsal,
        users=users,
        venue=venue,
        person=person,
        learner=learner,
        certificate=certificate,
        submitted=submitted,
        open_attempt=open_attempt,
        module=module,
        quiz=posttest,
        question=posttest.questions.order_by("order").first(),
        rehearsal_quiz=rehearsal_quiz,
        vc_active=vc_active,
        vc_pending=vc_pending,
        jobs=jobs,
        reminder=reminder,
    )


# --- what each person opens -------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    name: str  # the URL's name
    who: str
    path: Callable[[World], str]
    state: str = ""
    status: int = 200
    act: Callable | None = None  # what the person does on the page to reach the state
    ready: str = ""  # a selector that is there once the page's scripts have filled it in

    @property
    def label(self):
        return f"{self.name}{f' ({self.state})' if self.state else ''} as {self.who}"


def at(name, **kwargs):
    """A path builder: reverse(name) with kwargs computed from the world."""

    def build(w):
        return reverse(name, kwargs={key: value(w) for key, value in kwargs.items()})

    return build


def with_query(builder, query):
    return lambda w: builder(w) + query


# An act does what the person does on the page and returns the status of the answer it led to.


def submit_main_form(page, w):
    with page.expect_navigation() as navigation:
        page.locator("main form[method=post] [type=submit]").first.click()
    return navigation.value.status


def log_in_wrongly(page, w):
    page.fill("input[name=username]", "organiser")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation() as navigation:
        page.press("input[name=password]", "Enter")
    return navigation.value.status


def upload(rows):
    def act(page, w):
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"prachum-axe-import-{os.getpid()}.xlsx"
        path.write_bytes(xlsx(rows))
        page.set_input_files("#import-form input[type=file]", str(path))
        with page.expect_response(lambda response: response.request.method == "POST") as answer:
            page.click("#import-form button[type=submit]")  # static/registration/import.js writes the answer into the page
        page.wait_for_function("!document.getElementById('import-form') && document.readyState === 'complete'")
        path.unlink()
        return answer.value.status

    return act


def self_check_in(page, w):
    page.fill("input[name=personal_link]", w.learner.get_personal_url())
    with page.expect_navigation() as navigation:
        page.locator("main form[method=post] [type=submit]").first.click()
    return navigation.value.status


DEMO, REHEARSAL = (lambda w: w.demo.pk), (lambda w: w.rehearsal.pk)
S = {"pk": DEMO}
SD = {"session_pk": DEMO}
SR = {"session_pk": REHEARSAL}


def venue(session, code):
    return lambda w: w.v(getattr(w, session), code).pk


ALL_STAFF = (CENTRAL, LAMPANG, CHIANGMAI)
OFFICERS = ((LAMPANG, "TH-52"), (CHIANGMAI, "TH-50"))

VISITS = [
    # The project's own pages
    Visit("home", ANONYMOUS, at("home")),
    *[Visit("home", who, at("home")) for who in ALL_STAFF],
    Visit("login", ANONYMOUS, at("login")),
    Visit("login", ANONYMOUS, at("login"), "wrong password", act=log_in_wrongly),
    # Sessions
    *[Visit("meetings:session_list", who, at("meetings:session_list")) for who in ALL_STAFF],
    *[Visit("meetings:session_calendar", who, with_query(at("meetings:session_calendar"), "?year=2021&month=11")) for who in ALL_STAFF],
    Visit("meetings:session_calendar", CENTRAL, at("meetings:session_calendar"), "this month (the rehearsal)"),
    Visit("meetings:session_detail", ANONYMOUS, at("meetings:session_detail", **S), "public"),
    *[Visit("meetings:session_detail", who, at("meetings:session_detail", **S), "after the day") for who in ALL_STAFF],
    *[Visit("meetings:session_detail", who, at("meetings:session_detail", pk=REHEARSAL), "within the hour") for who in ALL_STAFF],
    Visit("meetings:session_detail", ANONYMOUS, lambda w: reverse("meetings:session_detail", kwargs={"pk": 999999}), "404 page", status=404),
    Visit("meetings:session_create", CENTRAL, at("meetings:session_create")),
    Visit("meetings:session_create", CENTRAL, at("meetings:session_create"), "with errors", act=submit_main_form),
    Visit("meetings:session_create", LAMPANG, at("meetings:session_create"), "403 page", status=403),
    Visit("meetings:session_edit", CENTRAL, at("meetings:session_edit", **S)),
    Visit("meetings:session_duplicate", CENTRAL, at("meetings:session_duplicate", **S)),
    Visit("meetings:agenda_edit", CENTRAL, at("meetings:agenda_edit", **S)),
    Visit("meetings:venue_list", CENTRAL, at("meetings:venue_list", **S)),
    Visit("meetings:venue_create", CENTRAL, at("meetings:venue_create", **S)),
    Visit("meetings:venue_detail", CENTRAL, at("meetings:venue_detail", session_pk=DEMO, pk=venue("demo", "TH-52"))),
    *[Visit("meetings:venue_detail", who, at("meetings:venue_detail", session_pk=REHEARSAL, pk=venue("rehearsal", code))) for who, code in OFFICERS],
    Visit("meetings:venue_edit", CENTRAL, at("meetings:venue_edit", session_pk=DEMO, pk=venue("demo", "TH-52"))),
    Visit("meetings:quota_matrix", CENTRAL, at("meetings:quota_matrix", **S)),
    *[Visit("meetings:audit_log", who, at("meetings:audit_log")) for who in ALL_STAFF],
    # Background jobs: the list, one under way, one done
    *[Visit("meetings:job_list", who, at("meetings:job_list")) for who in ALL_STAFF],
    Visit("meetings:job_detail", CENTRAL, at("meetings:job_detail", job_id=lambda w: w.jobs[0].pk), "under way"),
    Visit("meetings:job_detail", CENTRAL, at("meetings:job_detail", job_id=lambda w: w.jobs[1].pk), "done"),
    # Registration
    *[Visit("registration:list", who, at("registration:list", **SD)) for who in ALL_STAFF],
    *[Visit("registration:list", who, at("registration:list", **SR), "registration open") for who in ALL_STAFF],
    Visit("registration:create", CENTRAL, at("registration:create", **SR), "choose the province"),
    Visit("registration:create", CENTRAL, with_query(at("registration:create", **SR), "?province=TH-52")),
    *[Visit("registration:create", who, at("registration:create", **SR)) for who, _code in OFFICERS],
    Visit("registration:create", LAMPANG, at("registration:create", **SR), "with errors", act=submit_main_form),
    *[Visit("registration:import", who, at("registration:import", **SR)) for who in ALL_STAFF],
    # A whole session's badges and list are background jobs: central staff confirm on a page first
    Visit("registration:badges", CENTRAL, at("registration:badges", **SD), "whole session: start the job"),
    Visit("registration:list_pdf", CENTRAL, at("registration:list_pdf", **SD), "whole session: start the job"),
    Visit("registration:import", LAMPANG, at("registration:import", **SR), "preview", act=upload(people(3))),
    Visit(
        "registration:import",
        LAMPANG,
        at("registration:import", **SR),
        "problems in the file",
        status=400,
        act=upload([row(first="สมหมาย", phone="abc"), row(first="", role="ไม่มีบทบาทนี้")]),
    ),
    *[Visit("registration:detail", who, at("registration:detail", session_pk=DEMO, pk=lambda w: w.person.pk)) for who in (CENTRAL, LAMPANG)],
    Visit("registration:edit", LAMPANG, at("registration:edit", session_pk=REHEARSAL, pk=lambda w: w.learner.pk)),
    Visit("registration:substitute", LAMPANG, at("registration:substitute", session_pk=REHEARSAL, pk=lambda w: w.learner.pk)),
    Visit("registration:anonymise", CENTRAL, at("registration:anonymise", session_pk=DEMO, pk=lambda w: w.person.pk)),
    # Reminders and the messages they sent
    *[Visit("registration:reminder_list", who, at("registration:reminder_list", **SR)) for who in ALL_STAFF],
    *[Visit("registration:reminder_log", who, at("registration:reminder_log", **SR)) for who in ALL_STAFF],
    Visit("registration:reminder_create", CENTRAL, at("registration:reminder_create", **SR)),
    Visit("registration:reminder_edit", CENTRAL, at("registration:reminder_edit", session_pk=REHEARSAL, pk=lambda w: w.reminder.pk)),
    Visit("registration:reminder_preview", CENTRAL, at("registration:reminder_preview", session_pk=REHEARSAL, pk=lambda w: w.reminder.pk)),
    Visit("registration:opt_out", ATTENDEE, at("registration:opt_out", token=lambda w: make_opt_out_token(w.learner, MessageChannel.EMAIL))),
    # Check-in, reports, video-conference attendance
    *[Visit("attendance:checkin_home", who, at("attendance:checkin_home", **SR)) for who in ALL_STAFF],
    *[Visit("attendance:scanner", who, at("attendance:scanner", session_pk=REHEARSAL, venue_pk=venue("rehearsal", code))) for who, code in OFFICERS],
    Visit("attendance:scanner", CENTRAL, at("attendance:scanner", session_pk=REHEARSAL, venue_pk=venue("rehearsal", "TH-52"))),
    *[
        Visit("attendance:venue_display", who, at("attendance:venue_display", session_pk=REHEARSAL, venue_pk=venue("rehearsal", code)))
        for who, code in OFFICERS
    ],
    *[Visit("attendance:devices", who, at("attendance:devices", session_pk=REHEARSAL, venue_pk=venue("rehearsal", code))) for who, code in OFFICERS],
    Visit("attendance:devices", CENTRAL, at("attendance:devices", session_pk=DEMO, venue_pk=venue("demo", "TH-52"))),
    *[Visit("attendance:report", who, at("attendance:report", **SD)) for who in ALL_STAFF],
    Visit("attendance:checkins", CENTRAL, at("attendance:checkins", **SD)),
    *[Visit("attendance:live_dashboard", who, at("attendance:live_dashboard", **SD), ready="#live-provinces tr") for who in ALL_STAFF],
    Visit("attendance:vc_reports", CENTRAL, at("attendance:vc_reports", **SD)),
    Visit("attendance:vc_review", CENTRAL, at("attendance:vc_review", session_pk=DEMO, report_pk=lambda w: w.vc_active.pk), "in use"),
    Visit("attendance:vc_review", CENTRAL, at("attendance:vc_review", session_pk=DEMO, report_pk=lambda w: w.vc_pending.pk), "waiting"),
    *[Visit("attendance:vc_attendance", who, at("attendance:vc_attendance", **SD)) for who in ALL_STAFF],
    Visit(
        "attendance:self_checkin",
        ATTENDEE,
        lambda w: reverse("attendance:self_checkin", kwargs={"code": make_venue_code(w.v(w.rehearsal, "TH-52").pk, time.time())}),
        "confirm",
    ),
    Visit(
        "attendance:self_checkin",
        ATTENDEE,
        lambda w: reverse("attendance:self_checkin", kwargs={"code": make_venue_code(w.v(w.rehearsal, "TH-52").pk, time.time())}),
        "checked in",
        act=self_check_in,
    ),
    Visit("attendance:self_checkin", ANONYMOUS, lambda w: reverse("attendance:self_checkin", kwargs={"code": "not-a-code"}), "refused", status=400),
    # The attendee's own pages, by personal link
    Visit("registration:personal", ATTENDEE, lambda w: w.person.get_personal_path(), "after the day, certificate"),
    Visit("registration:personal", ATTENDEE, lambda w: w.learner.get_personal_path(), "within the hour"),
    Visit("training:learn_home", ATTENDEE, at("training:learn_home", token=lambda w: w.token(w.person)), "all done"),
    Visit("training:learn_home", ATTENDEE, at("training:learn_home", token=lambda w: w.token(w.learner)), "a test under way"),
    Visit("training:module", ATTENDEE, at("training:module", token=lambda w: w.token(w.person), pk=lambda w: w.module.pk)),
    Visit("training:quiz_detail", ATTENDEE, at("training:quiz_detail", token=lambda w: w.token(w.person), pk=lambda w: w.quiz.pk), "passed"),
    Visit(
        "training:quiz_detail",
        ATTENDEE,
        at("training:quiz_detail", token=lambda w: w.token(w.learner), pk=lambda w: w.rehearsal_quiz.pk),
        "under way",
    ),
    Visit("training:attempt", ATTENDEE, at("training:attempt", token=lambda w: w.token(w.learner), pk=lambda w: w.open_attempt.pk), "answering"),
    Visit("training:attempt", ATTENDEE, at("training:attempt", token=lambda w: w.token(w.person), pk=lambda w: w.submitted.pk), "result"),
    Visit("training:verify_certificate", ANONYMOUS, lambda w: w.certificate.get_verify_path()),
    # Training staff pages
    Visit("training:dashboard", CENTRAL, at("training:dashboard", **SD)),
    Visit("training:module_create", CENTRAL, at("training:module_create", **SD)),
    Visit("training:module_edit", CENTRAL, at("training:module_edit", session_pk=DEMO, pk=lambda w: w.module.pk)),
    Visit("training:quiz_create", CENTRAL, at("training:quiz_create", **SD)),
    Visit("training:quiz_edit", CENTRAL, at("training:quiz_edit", session_pk=DEMO, pk=lambda w: w.quiz.pk)),
    Visit("training:quiz_questions", CENTRAL, at("training:quiz_questions", session_pk=DEMO, pk=lambda w: w.quiz.pk)),
    Visit("training:question_create", CENTRAL, at("training:question_create", session_pk=DEMO, quiz_pk=lambda w: w.quiz.pk)),
    Visit("training:question_edit", CENTRAL, at("training:question_edit", session_pk=DEMO, quiz_pk=lambda w: w.quiz.pk, pk=lambda w: w.question.pk)),
    Visit("training:questions_import", CENTRAL, at("training:questions_import", session_pk=DEMO, pk=lambda w: w.quiz.pk)),
    Visit("training:certificate_rule", CENTRAL, at("training:certificate_rule", **SD)),
    *[Visit("training:results", who, at("training:results", **SD)) for who in ALL_STAFF],
    Visit("training:results_province", CENTRAL, at("training:results_province", session_pk=DEMO, code=lambda w: "TH-52")),
    *[Visit("training:results_province", who, at("training:results_province", session_pk=DEMO, code=lambda w, c=code: c)) for who, code in OFFICERS],
    *[
        Visit("training:results_participant", who, at("training:results_participant", session_pk=DEMO, pk=lambda w: w.person.pk))
        for who in (CENTRAL, LAMPANG)
    ],
    *[Visit("training:results_items", who, at("training:results_items", session_pk=DEMO, quiz_pk=lambda w: w.quiz.pk)) for who in ALL_STAFF],
    *[Visit("training:certificates", who, at("training:certificates", **SD)) for who in ALL_STAFF],
]

# Named URLs that are not pages to look at, and why.
POST = "a POST action: it answers with a redirect (its form is on a page above)"
NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "set_language": POST,
    "logout": POST,
    "meetings:session_ics": "a calendar file",
    "meetings:session_publish": POST,
    "meetings:session_start": POST,
    "meetings:session_close": POST,
    "meetings:venues_add_all": POST,
    "meetings:venue_delete": POST,
    "meetings:job_status": "JSON for the job's progress bar",
    "meetings:job_download": "the job's file",
    "registration:personal_calendar": "a calendar file",
    "registration:personal_data": "JSON download",
    "registration:export_xlsx": "a spreadsheet",
    "registration:export_csv": "a spreadsheet",
    "attendance:signin_sheets": POST,
    "training:certificates_zip": POST,
    "registration:import_confirm": POST,
    "registration:import_cancel": POST,
    "registration:import_template": "a spreadsheet",
    "registration:cancel": POST,
    "registration:revoke_link": POST,
    "registration:reissue_link": POST,
    "registration:reissue_ticket": POST,
    "registration:send_link": POST,
    "registration:reveal_id": POST,
    "registration:personal_data_export": "JSON download",
    "registration:send_links": POST,
    "registration:reminder_delete": POST,
    "registration:reminder_test": POST,
    "registration:line_webhook": "LINE's webhook (JSON from LINE's servers)",
    "registration:personal_line_unlink": POST,
    "attendance:scan": "JSON for the desk scanner",
    "attendance:search": "JSON for the desk scanner",
    "attendance:manual_checkin": POST,
    "attendance:undo_checkin": POST,
    "attendance:venue_display_code": "JSON for the venue screen",
    "attendance:self_checkin_forget": POST,
    "attendance:device_revoke": POST,
    "attendance:report_xlsx": "a spreadsheet",
    "attendance:signin_sheet": "a PDF",
    "attendance:vc_upload": POST + "; a refused file shows the reports page again",
    "attendance:vc_confirm": POST,
    "attendance:vc_discard": POST,
    "attendance:vc_match": POST,
    "attendance:vc_attendance_xlsx": "a spreadsheet",
    "attendance:scanner_service_worker": "the desk scanner's service worker script",
    "attendance:scanner_manifest": "the desk scanner's web app manifest",
    "training:module_complete": POST,
    "training:attachment": "a file download",
    "training:quiz_start": POST,
    "training:attempt_answer": "JSON autosave",
    "training:attempt_submit": POST,
    "training:attempt_state": "JSON",
    "training:certificate_claim": POST,
    "training:certificate_pdf": "a PDF",
    "training:attachment_add": POST,
    "training:attachment_delete": POST,
    "training:question_delete": POST,
    "training:questions_export": "a spreadsheet",
    "training:results_export": "a spreadsheet",
    "training:items_export": "a spreadsheet",
    "training:certificates_issue": POST,
    "training:certificate_revoke": POST,
    "training:certificate_reissue": POST,
    "training:certificate_download": "a PDF",
}
# Whole namespaces that are not our markup: Django's admin and the API's Swagger page (ninja's own).
OTHER_MARKUP = ("admin", "api")


def named_urls():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return {name for name in walk(get_resolver().url_patterns) if name.split(":")[0] not in OTHER_MARKUP or ":" not in name}


def test_every_page_of_the_urlconf_is_visited_or_said_not_to_be_a_page():
    visited = {visit.name for visit in VISITS}
    assert visited & NOT_PAGES.keys() == set()
    assert named_urls() - visited - NOT_PAGES.keys() == set(), "pages nobody opens in the accessibility check"
    assert (visited | NOT_PAGES.keys()) - named_urls() == set(), "rows for URLs that no longer exist"
    assert {visit.who for visit in VISITS} == set(PEOPLE)
    assert len({(visit.name, visit.who, visit.state) for visit in VISITS}) == len(VISITS)


def test_axe_is_a_test_tool_that_no_page_loads():
    """No template, script or app module (the desk scanner's offline file list, say) names it."""
    base = Path(settings.BASE_DIR)
    assert AXE.exists() and (AXE.parent / "LICENSE").exists()
    files = [*(base / "templates").rglob("*.html"), *(base / "static").rglob("*.js")]
    files += [
        p for app in ("config", "meetings", "registration", "attendance", "training") for p in (base / app).rglob("*.py") if "tests" not in p.parts
    ]
    naming = [
        str(p.relative_to(base)) for p in files if p != AXE and re.search(r"axe-core|axe\.min\.js", p.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert naming == []


# --- the check --------------------------------------------------------------------------------------

RUN_AXE = "axe.run(document, {resultTypes: ['violations']})"
# Rows past the hundredth of a table repeat the markup of the ones before: they are taken out of the
# page before the check (the demo's certificate list has 1,593 rows, 27,000 elements, and axe spends
# half a minute on them; excluding them from the check does not help, axe walks the whole tree).
# Tables of the 77 provinces stay whole.
TRIM_LONG_TABLES = "document.querySelectorAll('tbody > tr:nth-child(n+101)').forEach((row) => row.remove())"


def blocking(result):
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(label, viewport, violations):
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"]) for node in v["nodes"][:8])
        more = f" (+{len(v['nodes']) - 8} more)" if len(v["nodes"]) > 8 else ""
        lines.append(f"{label} at {viewport['width']}×{viewport['height']}: {v['id']} ({v['impact']}) on {targets}{more}")
    return lines


@pytest.fixture
def world(tmp_path, settings):
    return build_world(tmp_path, settings)  # before Playwright's event loop starts in this thread


def _asgi_application():
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    return ASGIStaticFilesHandler(application)


@pytest.fixture
def server(world):
    """The project's ASGI application under Daphne in a process of its own (as channels' live server
    test case runs it), sharing the test database and this test's settings: pages over HTTP and the
    live dashboard's WebSocket, static files from the apps (no collectstatic). Forked before Playwright
    starts its threads, with no database connection open to carry across."""
    from daphne.testing import DaphneProcess
    from django.db import connections

    connections.close_all()
    process = DaphneProcess("127.0.0.1", _asgi_application)
    process.start()
    try:
        if not process.ready.wait(timeout=60):
            raise RuntimeError("the test server did not start")
        yield f"http://127.0.0.1:{process.port.value}"
    finally:
        process.terminate()
        process.join(10)


@pytest.fixture
def chromium(server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs next to Playwright's event loop
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for browser tests (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_has_a_critical_or_serious_accessibility_violation_on_a_desktop_or_a_phone(world, server, chromium, settings):
    problems, unreached, checked = [], [], []
    for who in PEOPLE:
        # bypass_csp: axe goes in as a script tag the page's policy would refuse; nothing else differs.
        context = chromium.new_context(locale="th-TH", viewport=DESKTOP, bypass_csp=True)
        if who in world.users:
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie_value(world.users[who]), "url": server}])
        page = context.new_page()
        for visit in (v for v in VISITS if v.who == who):
            status = page.goto(server + visit.path(world)).status
            if visit.act is not None:
                assert status == 200, f"{visit.label}: {status} before acting"
                status = visit.act(page, world)
            page.wait_for_load_state("load")
            if status != visit.status:
                unreached.append(f"{visit.label}: answered {status}, not {visit.status}")
                continue
            if visit.ready:
                page.locator(visit.ready).first.wait_for(state="attached", timeout=15000)
            page.evaluate(TRIM_LONG_TABLES)
            page.add_script_tag(path=str(AXE))
            for viewport in (DESKTOP, PHONE):
                page.set_viewport_size(viewport)
                result = page.evaluate(RUN_AXE)
                assert result["passes"], f"{visit.label}: axe checked nothing"
                problems += describe(visit.label, viewport, blocking(result))
            page.set_viewport_size(DESKTOP)
            checked.append(visit.label)
        context.close()
    assert unreached + problems == [], "\n".join(["pages not reached, and critical or serious accessibility violations:", *unreached, *problems])
    assert sorted(checked) == sorted(visit.label for visit in VISITS)  # every page, in every state, was checked


def test_the_failure_message_names_the_page_the_rule_and_the_elements():
    violation = {"id": "label", "impact": "critical", "nodes": [{"target": ["#id_fill_1"]}, {"target": ["#id_fill_2"]}]}
    assert describe(
        "meetings:quota_matrix as central organiser", DESKTOP, blocking({"violations": [violation, {**violation, "impact": "minor"}]})
    ) == ["meetings:quota_matrix as central organiser at 1366×768: label (critical) on #id_fill_1, #id_fill_2"]
