"""With SITE_URL unset, every absolute link a page or PDF carries (the copy-link box and its QR, the venue QR,
the certificate's verification QR, the calendar file's URL, the e-mailed personal link) follows the host
and port the request came in on; with SITE_URL set, SITE_URL is used. QR codes are read back with a real
decoder (zxing) from the rendered page."""

import datetime
import html
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import zxingcpp
from django.core import mail
from django.utils import timezone
from PIL import Image

from attendance.tests.checkins import record_checkin
from meetings.jobs import execute_job
from meetings.pdf import html_to_pdf
from meetings.tests.factories import make_session, make_venue
from registration.models import OutgoingMessage
from registration.tests.factories import make_registration
from training.models import CertificateRule, Quiz, QuizKind
from training.services.certificates import issue_certificate
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import add_question, correct_answers, token_of

pytestmark = pytest.mark.django_db

HOST = "testserver:8123"
ELSEWHERE = "http://testserver:8123"
PUBLIC = "https://prachum.example.go.th"


@pytest.fixture
def soon(central_organiser):
    """Starts in 30 minutes: check-in is open now."""
    return make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30), created_by=central_organiser)


@pytest.fixture
def lampang_venue(soon):
    return make_venue(soon, "TH-52")


@pytest.fixture
def person(soon, lampang_venue):
    return make_registration(soon, "TH-52", venue=lampang_venue, first_name="สมศรี", last_name="ใจงาม", email="somsri@example.com")


def _png(pdf_bytes):
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "page.pdf"
        pdf.write_bytes(pdf_bytes)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(Path(folder) / "page")], check=True)
        return Image.open(Path(folder) / "page.png").copy()


def _decode_svg(svg):
    """What a camera reads from an inline <svg> QR code: rendered by WeasyPrint, then decoded."""
    pdf = html_to_pdf(f'<html><body><div style="width:60mm;margin:15mm">{svg}</div></body></html>')
    return [barcode.text for barcode in zxingcpp.read_barcodes(_png(pdf))]


def _copy_box(client, person):
    page = client.get(f"/sessions/{person.session_id}/registrations/{person.pk}/", HTTP_HOST=HOST).content.decode()
    value = html.unescape(re.search(r'id="personal-url" value="([^"]+)"', page).group(1))
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    return value, svg


def test_copy_link_box_and_its_qr_follow_the_request_port_when_site_url_is_unset(client, settings, lampang_officer, person):
    settings.SITE_URL = ""
    client.force_login(lampang_officer)
    link, svg = _copy_box(client, person)
    assert link == f"{ELSEWHERE}/p/{token_of(person)}/"
    assert _decode_svg(svg) == [link]


def test_copy_link_box_uses_site_url_when_it_is_set(client, settings, lampang_officer, person):
    settings.SITE_URL = PUBLIC
    client.force_login(lampang_officer)
    link, _svg = _copy_box(client, person)
    assert link == f"{PUBLIC}/p/{token_of(person)}/"


def test_venue_qr_follows_the_request_port_when_site_url_is_unset(client, settings, lampang_officer, lampang_venue):
    settings.SITE_URL = ""
    client.force_login(lampang_officer)
    data = client.get(f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/display/code/", HTTP_HOST=HOST).json()
    assert data["url"].startswith(f"{ELSEWHERE}/c/")
    assert _decode_svg(data["svg"]) == [data["url"]]
    page = client.get(f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/display/", HTTP_HOST=HOST).content.decode()
    assert _decode_svg(re.search(r"<svg.*?</svg>", page, re.S).group(0))[0].startswith(f"{ELSEWHERE}/c/")


def _certified(person):
    CertificateRule.objects.create(session=person.session, issuer="กรมการพัฒนาชุมชน")
    quiz = Quiz.objects.create(session=person.session, kind=QuizKind.POSTTEST, title="แบบทดสอบหลังเรียน", pass_mark=60)
    add_question(quiz, "single", "ข้อหนึ่ง", correct=(2,))
    record_checkin(person)
    attempt = start_attempt(quiz=quiz, registration=person)
    submit_attempt(registration=person, attempt_id=attempt.pk, answers=correct_answers(attempt))
    return issue_certificate(registration=person)


@pytest.mark.parametrize("site_url, expected", [("", ELSEWHERE), (PUBLIC, PUBLIC)])
def test_certificate_qr_follows_the_request_port_unless_site_url_is_set(client, settings, person, site_url, expected):
    settings.SITE_URL = site_url
    certificate = _certified(person)
    pdf = client.get(f"/p/{token_of(person)}/learn/certificate.pdf", HTTP_HOST=HOST).content
    assert [barcode.text for barcode in zxingcpp.read_barcodes(_png(pdf))] == [expected + certificate.get_verify_path()]


def test_calendar_file_links_to_the_session_on_the_request_port(client, settings, person):
    settings.SITE_URL = ""
    body = client.get(f"/p/{token_of(person)}/calendar.ics", HTTP_HOST=HOST).content.decode()
    unfolded = body.replace("\r\n ", "")
    assert f"URL:{ELSEWHERE}/sessions/{person.session_id}/" in unfolded
    assert f"UID:session-{person.session_id}@{HOST}" in unfolded


def test_e_mailed_personal_link_follows_the_officers_page_when_site_url_is_unset(client, settings, lampang_officer, person):
    settings.SITE_URL = ""
    client.force_login(lampang_officer)
    client.post(f"/sessions/{person.session_id}/registrations/{person.pk}/link/send/", HTTP_HOST=HOST)
    execute_job(OutgoingMessage.objects.get(registration=person).job_id)  # the background worker's part
    assert len(mail.outbox) == 1
    assert f"{ELSEWHERE}/p/{token_of(person)}/" in mail.outbox[0].body
