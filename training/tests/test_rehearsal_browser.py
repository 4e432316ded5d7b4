"""The rehearsal that `manage.py seed_demo` sets up, from end to end in a real browser (Debian's chromium via
Playwright) against the production server (uvicorn, config.asgi) on the test database:

a Lampang officer signs in and registers a person (Thai national ID checked), prints the badges and the
person's QR on them decodes to their check-in ticket; the desk scanner's camera reads that QR and checks
them in; the organiser's live dashboard, open in another window, counts the check-in over its socket; the
person opens their personal page on a phone, takes the pre-test, the four modules and the post-test,
claims the certificate, and the certificate's QR opens the verification page, which says it is valid.

On the way it photographs the main pages of each role at a desktop (1366×768) and a phone (390×844)
size. They are written to a temporary folder; `make screenshots` (PRACHUM_SCREENSHOTS=1) copies them to
docs/screenshots/, so a plain `make test` leaves the tree alone.
"""

import glob
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from attendance.models import CheckIn
from attendance.tests import conftest as attendance_fixtures
from attendance.tests.faults import ProductionServer
from attendance.tests.test_scanner_browser import CAMERA_ARGS, write_y4m
from meetings.demo import DEMO_PASSWORD, DEMO_SLUG, LAMPANG_CODE, REHEARSAL_SLUG
from meetings.models import Session
from meetings.qr import qr_png
from registration.models import Registration
from registration.tickets import read_ticket
from training.demo import seed_demo
from training.models import Certificate, Choice, QuizKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Debian's chromium, launched as the scanner's browser tests launch it (a camera can be added per launch).
browser_launcher = attendance_fixtures.browser_launcher

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
# The person the Lampang officer registers: a committee member with a valid national ID (its check digit is 0).
NATIONAL_ID = "1-1017-00203-45-0"
PERSON = {"prefix": "นางสาว", "first_name": "ทดลอง", "last_name": "ซ้อมใหญ่", "phone": "081-234-5678"}
FULL_NAME = "นางสาวทดลอง ซ้อมใหญ่"
SHORT_NAME = "นางสาวทดลอง ซ."  # the scanner shows the surname's initial only


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    """The demo logins sign in through the server's login form, which checks passwords with the production
    hashers: the seed must hash them with those, not the suite's fast MD5 (conftest.py)."""


@pytest.fixture
def demo_server():
    """The demo seeded into the test database, served by the production server (one uvicorn process: its
    in-memory channel layer carries a check-in to the dashboards it serves)."""
    seed_demo()
    server = ProductionServer()
    server.env["SITE_URL"] = server.url  # the address printed in QR codes and PDFs
    with server:
        yield server


class Screenshots:
    """The pages a test passes, at each size in VIEWPORTS, named `<role>-<page>-<size>.png`."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="prachum-screenshots-"))

    def take(self, page, name, at=None):
        """The top of the page, or the part from `at` (a selector) down."""
        size = page.viewport_size
        for label, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            # At once: Bootstrap scrolls smoothly, and a screenshot would catch the page half-way.
            if at is None:
                page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
            else:
                page.locator(at).evaluate("element => element.scrollIntoView({block: 'start', behavior: 'instant'})")
            page.screenshot(path=self.folder / f"{name}-{label}.png", animations="disabled")
        page.set_viewport_size(size)

    def publish(self):
        """Copy them to docs/screenshots/ when PRACHUM_SCREENSHOTS is set (make screenshots)."""
        if os.environ.get("PRACHUM_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for path in sorted(self.folder.glob("*.png")):
                shutil.copyfile(path, SCREENSHOTS / path.name)

    @property
    def names(self):
        return sorted(path.name for path in self.folder.glob("*.png"))


@pytest.fixture
def screenshots():
    shots = Screenshots()
    yield shots
    shutil.rmtree(shots.folder, ignore_errors=True)


def pdf_qr_codes(pdf, dpi=150):
    """What a phone reads from each QR code of a PDF printed at `dpi` (poppler renders, zxing decodes)."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-", os.path.join(folder, "page")], input=pdf, check=True)
        pages = [Image.open(path) for path in sorted(glob.glob(os.path.join(folder, "page*.png")))]
        return [barcode.text for page in pages for barcode in zxingcpp.read_barcodes(page)]


def open_pdf(page, click):
    """The PDF that a click on `click` opens, as the browser received it (its viewer then shows it)."""
    received = []

    def keep(route):
        response = route.fetch()  # follows a redirect too: claiming the certificate answers with its PDF
        if response.headers.get("content-type") == "application/pdf":
            received.append(response.body())
        route.fulfill(response=response)

    page.route("**/*", keep)
    try:
        with page.expect_response(lambda response: response.headers.get("content-type") == "application/pdf"):
            page.click(click)
    finally:
        page.unroute("**/*", keep)
    assert len(received) == 1
    return received[0]


def sign_in(context, base, username, name):
    """Sign in through the login form; the navigation bar then shows the person's `name`."""
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    expect(page.locator("h1")).to_have_text("เข้าสู่ระบบสำหรับเจ้าหน้าที่")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    page.wait_for_load_state("load")
    expect(page.locator("nav")).to_contain_text(name)
    assert "/accounts/login/" not in page.url
    return page


def answer_every_question(page, right):
    """Tick, in the attempt page, the right choices (`right` true) or one wrong choice of every question."""
    questions = page.locator("fieldset.question").all()
    assert questions
    for fieldset in questions:
        question = int(fieldset.get_attribute("data-question"))
        choices = list(Choice.objects.filter(question_id=question).order_by("order"))
        picks = [c for c in choices if c.is_correct] if right else [next(c for c in choices if not c.is_correct)]
        for choice in picks:
            page.check(f"#c{choice.pk}")
        fieldset.locator(".save-status", has_text="บันทึกแล้ว").wait_for()


def test_the_rehearsal_from_registration_to_a_verified_certificate(demo_server, browser_launcher, screenshots, tmp_path):
    base = demo_server.url
    rehearsal = Session.objects.get(slug=REHEARSAL_SLUG)
    demo = Session.objects.get(slug=DEMO_SLUG)
    venue = rehearsal.venues.get(is_host=False, province__code=LAMPANG_CODE)
    registered_before = rehearsal.registrations.count()
    shots = screenshots
    browser = browser_launcher()
    desktop = {"locale": "th-TH", "viewport": VIEWPORTS["desktop"]}

    # The central organiser signs in and opens the rehearsal's live dashboard (it stays open, on a TV).
    organiser = browser.new_context(**desktop)
    dashboard = sign_in(organiser, base, "organiser", "พิมพ์ชนก ใจดีงาม")
    dashboard.goto(f"{base}/sessions/{rehearsal.pk}/attendance/live/")
    expect(dashboard.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15000)
    expect(dashboard.locator("[data-total=registered]")).to_have_text(str(registered_before))
    expect(dashboard.locator("[data-total=checked_in]")).to_have_text("0")

    # A Lampang officer signs in and registers a committee member.
    officer = browser.new_context(**desktop)
    page = sign_in(officer, base, "lampang", "วิไลวรรณ คำสว่าง")
    page.goto(f"{base}/sessions/{rehearsal.pk}/registrations/")
    page.click(f"a[href='/sessions/{rehearsal.pk}/registrations/new/']")
    expect(page.locator("h1")).to_contain_text("ลำปาง")
    page.select_option("#id_prefix", PERSON["prefix"])
    page.fill("#id_first_name", PERSON["first_name"])
    page.fill("#id_last_name", PERSON["last_name"])
    page.fill("#id_position", "กรรมการ กข.คจ.")
    page.fill("#id_organisation", "คณะกรรมการบริหารกองทุน กข.คจ. ระดับหมู่บ้าน")
    page.fill("#id_village", "บ้านหนองบัว หมู่ที่ 3")
    page.fill("#id_phone", PERSON["phone"])
    page.select_option("#id_role", label="คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.)")
    page.fill("#id_national_id", NATIONAL_ID)
    shots.take(page, "officer-register-a-person")
    # A mistyped national ID is refused by its check digit, and nobody is registered; the right one passes.
    page.fill("#id_national_id", NATIONAL_ID[:-1] + "1")
    page.get_by_role("button", name="ลงทะเบียน", exact=True).click()
    expect(page.locator("#div_id_national_id")).to_contain_text("ไม่ผ่านการตรวจเลขหลักสุดท้าย")
    assert rehearsal.registrations.count() == registered_before
    page.fill("#id_national_id", NATIONAL_ID)
    page.get_by_role("button", name="ลงทะเบียน", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"ลงทะเบียน {FULL_NAME} เรียบร้อยแล้ว")
    expect(page.locator("body")).to_contain_text("x-xxxx-xxxxx-xx-0")  # the national ID, masked
    personal_url = page.locator("#personal-url").input_value()
    person = Registration.objects.get(session=rehearsal, first_name=PERSON["first_name"])
    assert personal_url.startswith(f"{base}/p/")
    shots.take(page, "officer-registration")

    # The badges: one per Lampang person, the new person's QR decodes to their check-in ticket.
    page.goto(f"{base}/sessions/{rehearsal.pk}/registrations/")
    expect(page.locator("body")).to_contain_text(FULL_NAME)
    shots.take(page, "officer-registrations")
    codes = pdf_qr_codes(open_pdf(page, f"a[href^='/sessions/{rehearsal.pk}/registrations/badges.pdf']"))
    assert len(codes) == rehearsal.registrations.filter(province__code=LAMPANG_CODE).count()
    ticket = next(code for code in codes if read_ticket(code).registration_id == person.pk)

    # The desk scanner's camera reads the printed QR; the person is checked in.
    video = tmp_path / "badge.y4m"
    write_y4m(qr_png(ticket), video)
    camera = browser_launcher([*CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"])
    desk = camera.new_context(locale="th-TH", viewport=VIEWPORTS["desktop"], storage_state=officer.storage_state())
    scanner = desk.new_page()
    scanner.goto(f"{base}/sessions/{rehearsal.pk}/venues/{venue.pk}/scanner/")
    expect(scanner.locator("#scanner-result")).to_have_attribute("data-code", "ok", timeout=20000)
    expect(scanner.locator("#scanner-result")).to_contain_text("ลงชื่อเข้าร่วมแล้ว")
    expect(scanner.locator("#scanner-result")).to_contain_text(SHORT_NAME)
    scanner.wait_for_function("() => document.getElementById('scanner').dataset.synced === '1'", timeout=10000)
    assert CheckIn.objects.get(registration=person).venue_id == venue.pk
    shots.take(scanner, "officer-desk-scanner")
    desk.close()

    # The dashboard counts the check-in, pushed over its socket.
    expect(dashboard.locator("[data-total=checked_in]")).to_have_text("1", timeout=15000)
    expect(dashboard.locator("[data-total=registered]")).to_have_text(str(registered_before + 1))
    expect(dashboard.locator("#live-feed")).to_contain_text(FULL_NAME)

    # The person opens their personal link on a phone.
    phone = browser.new_context(locale="th-TH", viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    me = phone.new_page()
    me.on("dialog", lambda dialog: dialog.accept())  # "Submit your answers?"
    me.goto(personal_url)
    expect(me.locator("h1")).to_have_text(FULL_NAME)
    expect(me.locator(".alert-success").first).to_contain_text("ลงชื่อเข้าร่วมแล้วเมื่อ")
    shots.take(me, "attendee-personal-page")

    def take_quiz(kind, right):
        quiz = rehearsal.quizzes.get(kind=kind)
        me.goto(personal_url)
        me.click(f"#training a[href$='/learn/quizzes/{quiz.pk}/']")
        expect(me.locator("h1")).to_have_text(quiz.title)
        me.get_by_role("button", name="เริ่มทำแบบทดสอบ").click()
        expect(me.locator("#answered-count")).to_have_text("0")
        answer_every_question(me, right)
        if kind == QuizKind.POSTTEST:
            shots.take(me, "attendee-post-test")
        me.click("#submit-button")
        expect(me.locator("h1")).to_contain_text(quiz.title)

    # The pre-test (its score does not count), then the four modules.
    take_quiz(QuizKind.PRETEST, right=False)
    expect(me.locator("body")).to_contain_text(re.compile(r"ตอบถูก 0 จาก \d+ ข้อ"))
    expect(me.locator(".badge.fs-6")).to_contain_text("ไม่ผ่าน")
    modules = list(rehearsal.training_modules.order_by("order"))
    assert len(modules) == 4
    for module in modules:
        me.goto(personal_url)
        me.click(f"#training a[href$='/learn/modules/{module.pk}/']")
        expect(me.locator("h1")).to_have_text(module.title)
        if module.order == 1:
            shots.take(me, "attendee-module")
        me.get_by_role("button", name="ทำเครื่องหมายว่าเรียนบทนี้จบแล้ว").click()
        expect(me.locator("#training")).to_contain_text(f"เรียนจบแล้ว {module.order} จาก 4 บทเรียน")

    # The post-test, answered right: passed.
    take_quiz(QuizKind.POSTTEST, right=True)
    expect(me.locator(".badge.fs-6")).to_have_text("ผ่าน")
    expect(me.locator("body")).to_contain_text(re.compile(r"ตอบถูก (\d+) จาก \1 ข้อ"))
    shots.take(me, "attendee-post-test-result")

    # The certificate: claimed on the personal page, downloaded as a PDF whose QR opens the verification page.
    me.goto(personal_url)
    pdf = open_pdf(me, "#training form[action$='/learn/certificate/claim/'] button")
    certificate = Certificate.objects.get(registration=person)
    [verify_url] = pdf_qr_codes(pdf)
    assert verify_url == base + certificate.get_verify_path()
    me.goto(verify_url)
    expect(me.locator("[data-certificate-status]")).to_have_attribute("data-certificate-status", "valid")
    expect(me.locator("[data-certificate-status]")).to_contain_text("เกียรติบัตรฉบับนี้ใช้ได้")
    expect(me.locator("dl")).to_contain_text(FULL_NAME)
    shots.take(me, "attendee-certificate-verification")
    me.goto(personal_url)
    expect(me.locator("#training")).to_contain_text(f"เกียรติบัตรของคุณ · {certificate.number}")
    shots.take(me, "attendee-training-and-certificate", at="#training")

    # The organiser's pages on the demo session of 25 November 2564, as it went.
    dashboard.goto(f"{base}/sessions/")
    expect(dashboard.locator("table")).to_contain_text("25 พ.ย. 2564")
    shots.take(dashboard, "organiser-sessions")
    dashboard.goto(f"{base}/sessions/{demo.pk}/")
    expect(dashboard.locator("h1")).to_contain_text("กข.คจ.")
    expect(dashboard.locator("body")).to_contain_text("25 พฤศจิกายน พ.ศ. 2564")
    shots.take(dashboard, "organiser-session")
    dashboard.goto(f"{base}/sessions/{demo.pk}/attendance/live/")
    expect(dashboard.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15000)
    expect(dashboard.locator("[data-total=registered]")).to_have_text(re.compile(r"2,?660"))
    expect(dashboard.locator("#live-provinces tr")).to_have_count(77)
    shots.take(dashboard, "organiser-live-dashboard")
    dashboard.goto(f"{base}/sessions/{demo.pk}/attendance/report/")
    expect(dashboard.locator("body")).to_contain_text("ลำปาง")
    shots.take(dashboard, "organiser-attendance-report")
    dashboard.goto(f"{base}/training/sessions/{demo.pk}/results/")
    expect(dashboard.locator("h1")).to_have_text("ผลการทดสอบ")
    shots.take(dashboard, "organiser-training-results")

    assert len(shots.names) == 2 * 15
    shots.publish()
