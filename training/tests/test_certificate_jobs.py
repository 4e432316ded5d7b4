"""Every valid certificate of a session in one ZIP, as a background job (training/jobs.py): a folder per
province, a PDF per certificate whose QR code a real decoder reads."""

import io
import zipfile

import pytest
import zxingcpp
from django.core.management import call_command
from django.urls import reverse

from meetings.models import AuditAction, AuditEntry, Job, JobStatus
from registration.tests.factories import make_registration
from training import jobs
from training.services.certificates import issue_certificate, revoke_certificate
from training.tests.test_certificates import _render_png, check_in, pass_posttest, rule  # noqa: F401  (rule: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _job_files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the jobs' files (people's data) stay out of the tree's media/


@pytest.fixture
def certificates(rule, posttest, attendee, other_attendee, central_organiser):  # noqa: F811
    """Lampang's and Chiang Mai's attendee certified; a second Lampang certificate revoked."""
    revoked = make_registration(attendee.session, "TH-52", venue=attendee.venue, first_name="ทองดี", last_name="ถูกเพิกถอน")
    issued = {}
    for person in (attendee, other_attendee, revoked):
        check_in(person)
        pass_posttest(posttest, person)
        issued[person.pk] = issue_certificate(registration=person)
    revoke_certificate(certificate=issued[revoked.pk], actor=central_organiser, reason="ทดสอบ")
    return {"TH-52": issued[attendee.pk], "TH-50": issued[other_attendee.pk]}


def zip_url(session):
    return reverse("training:certificates_zip", kwargs={"session_pk": session.pk})


def test_central_staff_download_every_valid_certificate_in_a_zip(client, central_organiser, session, certificates):
    client.force_login(central_organiser)
    page = client.get(reverse("training:certificates", kwargs={"session_pk": session.pk})).content.decode()
    assert f'action="{zip_url(session)}"' in page

    response = client.post(zip_url(session))
    job = Job.objects.get(kind=jobs.CERTIFICATES_KIND)
    assert response["Location"] == reverse("meetings:job_detail", args=[job.pk])
    entry = AuditEntry.objects.get(action=AuditAction.LIST_EXPORTED)
    assert entry.details == {"kind": "certificates.zip", "session": session.pk, "count": 2, "job": str(job.pk)}

    call_command("worker", batch=True, interval=0, verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total, job.result_summary) == (JobStatus.SUCCEEDED, 2, 2, {"certificates": 2})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(reverse("meetings:job_download", args=[job.pk])).streaming_content)))
    expected = {f"{code}/certificate-{certificate.number}.pdf": certificate for code, certificate in certificates.items()}
    assert set(archive.namelist()) == set(expected)  # the revoked certificate is left out
    for name, certificate in expected.items():
        decoded = [barcode.text for barcode in zxingcpp.read_barcodes(_render_png(archive.read(name)))]
        assert decoded == [certificate.get_verify_url()]


def test_progress_is_reported_province_by_province(central_organiser, session, certificates):
    job = jobs.start_certificates_job(session=session, actor=central_organiser)
    seen = []
    jobs.certificates_zip(job, lambda done, total=None, label=None, force=False: seen.append((done, total, label)))
    assert seen[0][:2] == (0, 2)
    assert sorted(done for done, _total, _label in seen[1:]) == [1, 2]
    assert {label for _done, _total, label in seen[1:]} == {"ลำปาง", "เชียงใหม่"}


def test_officers_cannot_start_it(client, lampang_officer, session, certificates):
    client.force_login(lampang_officer)
    assert client.post(zip_url(session)).status_code == 403
    assert zip_url(session) not in client.get(reverse("training:certificates", kwargs={"session_pk": session.pk})).content.decode()
    assert not Job.objects.exists()
