"""Every venue's sign-in sheet as a background job (attendance/jobs.py): central staff start it from the
check-in page, follow it venue by venue and download one ZIP with a PDF per venue."""

import io
import subprocess
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from attendance import jobs
from attendance.tests.checkins import record_checkin
from meetings.dates import format_time
from meetings.models import AuditAction, AuditEntry, Job, JobStatus
from registration.tests.factories import make_registration
from registration.tests.test_badges import skeleton

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _job_files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the jobs' files (people's data) stay out of the tree's media/


@pytest.fixture
def venues(open_session, host_venue, lampang_venue, chiangmai_venue, attendee, chiangmai_attendee):
    make_registration(open_session, "TH-10", venue=host_venue, first_name="ประเสริฐ", last_name="ส่วนกลาง")
    return {"host": host_venue, "lampang": lampang_venue, "chiangmai": chiangmai_venue}


def start_url(session):
    return reverse("attendance:signin_sheets", kwargs={"session_pk": session.pk})


def pdf_text(pdf):
    return skeleton(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode())


def test_central_staff_get_every_venues_sheet_in_one_zip(client, central_organiser, open_session, venues, attendee):
    checkin = record_checkin(attendee, venue=venues["lampang"])
    client.force_login(central_organiser)
    page = client.get(reverse("attendance:checkin_home", kwargs={"session_pk": open_session.pk})).content.decode()
    assert f'action="{start_url(open_session)}"' in page

    response = client.post(start_url(open_session))
    job = Job.objects.get(kind=jobs.SIGNIN_SHEETS_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("meetings:job_detail", args=[job.pk])
    assert client.post(start_url(open_session))["Location"] == response["Location"]  # a double click: the same job
    entry = AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED).first()
    assert entry.details["kind"] == "signin-sheets.zip" and entry.details["job"] == str(job.pk) and entry.details["count"] == 3

    call_command("worker", batch=True, interval=0, verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 3, 3)
    assert job.result_summary == {"venues": 3, "people": 3}
    download = client.get(reverse("meetings:job_download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    stamp = f"{open_session.starts_at:%Y%m%d}"
    names = {f"signin-sheet-{stamp}-{v.province.code}-{v.pk}.pdf": v for v in venues.values()}
    assert set(archive.namelist()) == set(names)
    texts = {name: pdf_text(archive.read(name)) for name in names}
    expected = {"host": "ประเสริฐ", "lampang": "สมศรี", "chiangmai": "บุญมี"}
    for name, venue in names.items():
        who = next(key for key, v in venues.items() if v == venue)
        assert skeleton(venue.name) in texts[name]
        # Each sheet holds its own venue's people only.
        assert [person for person in expected.values() if skeleton(person) in texts[name]] == [expected[who]]
    lampang = texts[next(n for n, v in names.items() if v == venues["lampang"])]
    assert "1/1" in lampang  # numbered on its own
    assert skeleton(format_time(checkin.checked_in_at)) in lampang  # who already checked in, and when


def test_progress_is_reported_venue_by_venue(central_organiser, open_session, venues):
    job = jobs.start_signin_sheets_job(session=open_session, actor=central_organiser)
    seen = []
    result = jobs.signin_sheets(job, lambda done, total=None, label=None, force=False: seen.append((done, total, label)))
    assert seen[0][:2] == (0, 3)
    assert sorted(done for done, _total, _label in seen[1:]) == [1, 2, 3] and {total for _d, total, _l in seen} == {3}
    assert {label for _d, _t, label in seen[1:]} == {f"{v.name} ({v.province.name})" for v in venues.values()}
    assert zipfile.ZipFile(io.BytesIO(result.content)).testzip() is None


@pytest.mark.parametrize("who", ["lampang_officer", "chiangmai_officer"])
def test_officers_cannot_start_it_and_keep_their_own_venues_sheet(client, request, open_session, venues, who):
    client.force_login(request.getfixturevalue(who))
    assert client.post(start_url(open_session)).status_code == 403
    assert not Job.objects.exists()
    page = client.get(reverse("attendance:checkin_home", kwargs={"session_pk": open_session.pk})).content.decode()
    assert start_url(open_session) not in page
    own = venues["lampang" if who == "lampang_officer" else "chiangmai"]
    sheet = client.get(reverse("attendance:signin_sheet", kwargs={"session_pk": open_session.pk, "venue_pk": own.pk}))
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf"
