"""Certificates: the session's rule, a Thai PDF whose QR a real decoder reads, public verification, revoke and reissue."""

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import zxingcpp
from django.core.management import call_command
from PIL import Image

from attendance.models import CheckIn
from meetings.tests.factories import PASSWORD
from meetings.tests.test_printables_shared import pdf_fonts
from registration.tests.factories import make_registration
from training.models import Certificate, CertificateRule
from training.selectors import certificate_shortfalls, eligible_registrations
from training.services import TrainingError
from training.services.certificates import issue_certificate, revoke_certificate
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import correct_answers, token_of, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(session):
    return CertificateRule.objects.create(
        session=session,
        signatory_name="นายสุรศักดิ์ อักษรกุล",
        signatory_title="รองอธิบดีกรมการพัฒนาชุมชน",
        issuer="กรมการพัฒนาชุมชน",
    )


def check_in(registration):
    return CheckIn.objects.create(registration=registration, session=registration.session, method="manual")


def pass_posttest(quiz, registration):
    attempt = start_attempt(quiz=quiz, registration=registration)
    submit_attempt(registration=registration, attempt_id=attempt.pk, answers=correct_answers(attempt))


@pytest.fixture
def certified(rule, posttest, attendee):
    check_in(attendee)
    pass_posttest(posttest, attendee)
    return issue_certificate(registration=attendee)


def test_rule_needs_checkin_and_a_passed_post_test(rule, posttest, attendee):
    assert len(certificate_shortfalls(attendee)) == 2
    with pytest.raises(TrainingError) as error:
        issue_certificate(registration=attendee)
    assert error.value.code == "not_eligible" and "ลงชื่อเข้าร่วมประชุม" in error.value.message
    check_in(attendee)
    attempt = start_attempt(quiz=posttest, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=wrong_answers(attempt))
    assert certificate_shortfalls(attendee) == ["ทำแบบทดสอบหลังเรียนให้ผ่าน"]
    pass_posttest(posttest, attendee)
    assert certificate_shortfalls(attendee) == []
    certificate = issue_certificate(registration=attendee)
    assert certificate.holder_name == "นายสมศรี ใจงาม" and certificate.session_title == attendee.session.title
    assert issue_certificate(registration=attendee).pk == certificate.pk, "issuing again returns the same certificate"
    assert Certificate.objects.count() == 1


def test_rule_is_configurable(rule, module, check, posttest, attendee):
    rule.require_checkin = False
    rule.require_posttest_passed = False
    rule.require_checks_passed = True
    rule.require_modules_completed = True
    rule.save()
    assert len(certificate_shortfalls(attendee)) == 2
    attempt = start_attempt(quiz=check, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt))  # also completes the module
    assert certificate_shortfalls(attendee) == []
    assert list(eligible_registrations(attendee.session)) == [attendee]


def test_disabled_rule_issues_nothing(rule, posttest, attendee):
    rule.enabled = False
    rule.save()
    check_in(attendee)
    pass_posttest(posttest, attendee)
    with pytest.raises(TrainingError):
        issue_certificate(registration=attendee)


def test_attendee_claims_through_the_personal_link(client, rule, posttest, attendee):
    token = token_of(attendee)
    response = client.post(f"/p/{token}/learn/certificate/claim/", follow=True)
    assert "ยังออกเกียรติบัตรไม่ได้" in response.content.decode()
    assert not Certificate.objects.exists()
    assert client.get(f"/p/{token}/learn/certificate.pdf").status_code == 404
    check_in(attendee)
    pass_posttest(posttest, attendee)
    response = client.post(f"/p/{token}/learn/certificate/claim/")
    assert response.status_code == 302 and response["Location"].endswith("/learn/certificate.pdf")
    assert client.get(f"/p/{token}/learn/certificate.pdf")["Content-Type"] == "application/pdf"


def _render_png(pdf_bytes):
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "c.pdf"
        pdf.write_bytes(pdf_bytes)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(Path(folder) / "page")], check=True)
        return Image.open(Path(folder) / "page.png").copy()


def test_pdf_is_in_sarabun_and_its_qr_decodes_to_the_verification_page(client, certified, attendee, settings):
    pdf = client.get(f"/p/{token_of(attendee)}/learn/certificate.pdf").content
    assert pdf.startswith(b"%PDF")
    fonts = pdf_fonts(pdf)
    assert fonts and all("Sarabun" in name for name in fonts)
    decoded = [r.text for r in zxingcpp.read_barcodes(_render_png(pdf))]
    assert decoded == [certified.get_verify_url()]
    assert decoded[0].startswith(settings.SITE_URL + "/certificates/verify/")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert certified.number in text


def test_verification_shows_only_name_session_and_date(client, certified, attendee):
    response = client.get(certified.get_verify_path())
    html = response.content.decode()
    assert response.status_code == 200 and 'data-certificate-status="valid"' in html
    assert certified.holder_name in html and attendee.session.title in html
    for private in (attendee.phone, attendee.province.name_th, attendee.role.name_th, token_of(attendee)):
        assert private not in html
    main = html[html.index("<main") : html.index("</main>")]
    assert len(re.findall(r"<dt[^>]*>", main)) == 3  # name, session, date: nothing else


def test_tampered_verification_code_finds_nothing(client, certified):
    path = certified.get_verify_path()
    response = client.get(path[:-3] + "xx/")
    assert response.status_code == 404 and 'data-certificate-status="unknown"' in response.content.decode()


def test_revoked_certificate_says_revoked_and_pdf_is_gone(client, certified, attendee, central_organiser):
    revoke_certificate(certificate=certified, actor=central_organiser, reason="ข้อมูลไม่ถูกต้อง")
    html = client.get(certified.get_verify_path()).content.decode()
    assert 'data-certificate-status="revoked"' in html and "เพิกถอน" in html
    assert client.get(f"/p/{token_of(attendee)}/learn/certificate.pdf").status_code == 404
    with pytest.raises(TrainingError) as error:
        revoke_certificate(certificate=certified, actor=central_organiser, reason="อีกครั้ง")
    assert error.value.code == "already_revoked"


def test_staff_revoke_and_reissue_with_a_new_number(client, certified, attendee, central_organiser, session):
    client.login(username=central_organiser.username, password=PASSWORD)
    attendee.last_name = "ใจงามยิ่ง"
    attendee.save()
    response = client.post(f"/training/sessions/{session.pk}/certificates/{certified.pk}/reissue/", follow=True)
    assert response.status_code == 200
    new = Certificate.objects.valid().get(registration=attendee)
    assert new.number != certified.number and new.replaces_id == certified.pk
    assert new.holder_name == "นายสมศรี ใจงามยิ่ง"
    certified.refresh_from_db()
    assert not certified.is_valid
    assert 'data-certificate-status="revoked"' in client.get(certified.get_verify_path()).content.decode()
    assert 'data-certificate-status="valid"' in client.get(new.get_verify_path()).content.decode()
    # Reissuing the old one again would give the person two valid certificates: refused.
    client.post(f"/training/sessions/{session.pk}/certificates/{certified.pk}/reissue/")
    assert Certificate.objects.valid().filter(registration=attendee).count() == 1


def test_staff_revoke_needs_a_reason(client, certified, central_organiser, session):
    client.login(username=central_organiser.username, password=PASSWORD)
    client.post(f"/training/sessions/{session.pk}/certificates/{certified.pk}/revoke/", {"reason": ""})
    certified.refresh_from_db()
    assert certified.is_valid
    client.post(f"/training/sessions/{session.pk}/certificates/{certified.pk}/revoke/", {"reason": "ทุจริต"})
    certified.refresh_from_db()
    assert not certified.is_valid and certified.revoke_reason == "ทุจริต"


def test_bulk_issue_reaches_only_eligible_people(client, rule, posttest, attendee, other_attendee, central_organiser, session):
    check_in(attendee)
    pass_posttest(posttest, attendee)
    pass_posttest(posttest, other_attendee)  # not checked in
    client.login(username=central_organiser.username, password=PASSWORD)
    client.post(f"/training/sessions/{session.pk}/certificates/issue/")
    assert list(Certificate.objects.values_list("registration_id", flat=True)) == [attendee.pk]
    client.post(f"/training/sessions/{session.pk}/certificates/issue/")
    assert Certificate.objects.count() == 1


def test_certificate_numbers_are_unique_and_not_sequential(rule, posttest, session):
    numbers = []
    for _ in range(3):
        reg = make_registration(session, "TH-52")
        check_in(reg)
        pass_posttest(posttest, reg)
        numbers.append(issue_certificate(registration=reg).number)
    assert len(set(numbers)) == 3
    assert all(re.fullmatch(r"\d{4}-\d{4}-[A-Z2-9]{8}", n) for n in numbers)


def test_issue_certificates_command(rule, posttest, attendee, session, capsys):
    check_in(attendee)
    pass_posttest(posttest, attendee)
    call_command("issue_certificates", session.slug)
    assert "1 certificates issued" in capsys.readouterr().out
    assert Certificate.objects.valid().filter(registration=attendee).count() == 1


def test_session_page_links_staff_to_training(client, session, lampang_officer):
    client.login(username=lampang_officer.username, password=PASSWORD)
    html = client.get(session.get_absolute_url()).content.decode()
    assert f"/training/sessions/{session.pk}/results/" in html
    assert f'href="/training/sessions/{session.pk}/"' not in html


def test_the_staff_list_of_certificates_is_paginated(client, rule, posttest, attendee, other_attendee, central_organiser, session, monkeypatch):
    from training.views import certificates as views

    for person in (attendee, other_attendee):
        check_in(person)
        pass_posttest(posttest, person)
        issue_certificate(registration=person)
    monkeypatch.setattr(views, "CERTIFICATES_PAGE_SIZE", 1)
    client.force_login(central_organiser)
    first = client.get(f"/training/sessions/{session.pk}/certificates/").content.decode()
    second = client.get(f"/training/sessions/{session.pk}/certificates/?page=2").content.decode()
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert sum(n in first for n in numbers) == 1 and sum(n in second for n in numbers) == 1
    assert "หน้า 1 จาก 2" in first and "certificates/all.zip" in second
