"""Training's part of the PDPA: a person's progress, attempts and certificate are in their data export,
erasure removes the name on their certificate and keeps their scores, and the staff downloads of
people's results and certificates are audited."""

import pytest
from django.urls import reverse

from meetings.models import AuditAction, AuditEntry
from registration.personal_data import ANONYMISED_NAME
from registration.services import anonymise_registration, export_personal_data
from training.models import Attempt, Certificate, CertificateRule
from training.services.certificates import issue_certificate
from training.services.modules import complete_module
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import correct_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(attendee, module, posttest):
    complete_module(registration=attendee, module=module)
    attempt = start_attempt(quiz=posttest, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=attempt.pk, answers=correct_answers(attempt))
    CertificateRule.objects.create(session=attendee.session, require_checkin=False, require_posttest_passed=True)
    certificate = issue_certificate(registration=attendee)
    return {"attempt": Attempt.objects.get(pk=attempt.pk), "certificate": certificate}


def test_a_persons_export_holds_their_training(attendee, trained):
    data = export_personal_data(registration=attendee, actor=None)["training"]
    assert data["modules"][0]["module"] == "นโยบายของผู้บริหาร" and data["modules"][0]["completed_at"]
    [attempt] = data["quiz_attempts"]
    assert attempt["kind"] == "posttest" and attempt["passed"] is True and attempt["score_percent"] == "100.00"
    [certificate] = data["certificates"]
    assert certificate["number"] == trained["certificate"].number and "สมศรี" in certificate["name"]


def test_erasure_removes_the_name_on_the_certificate_and_keeps_the_score(attendee, trained, central_organiser):
    anonymise_registration(registration=attendee, actor=central_organiser, reason="คำขอของเจ้าของข้อมูล")
    certificate = Certificate.objects.get(pk=trained["certificate"].pk)
    assert certificate.holder_name == ANONYMISED_NAME and certificate.is_valid
    attempt = Attempt.objects.get(pk=trained["attempt"].pk)
    assert attempt.passed is True and attempt.score == trained["attempt"].score


def test_results_spreadsheet_is_audited(client, lampang_officer, attendee, trained):
    client.force_login(lampang_officer)
    response = client.get(reverse("training:results_export", kwargs={"session_pk": attendee.session_id}))
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED)
    assert entry.details["kind"] == "training-results.xlsx" and entry.province.code == "TH-52" and entry.user == lampang_officer


def test_staff_certificate_download_is_audited(client, central_organiser, attendee, trained):
    client.force_login(central_organiser)
    certificate = trained["certificate"]
    response = client.get(reverse("training:certificate_download", kwargs={"session_pk": attendee.session_id, "pk": certificate.pk}))
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED)
    assert entry.details == {"kind": "certificate.pdf", "session": attendee.session_id, "count": 1, "certificate": certificate.pk}
    assert entry.province.code == "TH-52"
