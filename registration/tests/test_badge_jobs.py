"""Every province's badges and registration list as background jobs (registration/jobs.py): central staff
start them with a POST, follow their progress and download the PDF; one province's stays in the request.

The badge job's PDF is read as a phone reads a printed page: every QR code on every page decodes to a valid
check-in ticket, one per registration."""

import collections
import subprocess

import pytest
import zxingcpp
from django.core.management import call_command
from django.urls import reverse

from meetings.jobs import Progress, _claim
from meetings.models import AuditAction, AuditEntry, Job, JobStatus
from meetings.tests.factories import make_user
from registration import jobs
from registration.models import Registration
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403
from registration.tests.test_badges import pdf_page_count, pdf_pages_as_images, skeleton
from registration.tickets import read_ticket

# The worker (db_worker) closes and reopens database connections as in production.
pytestmark = pytest.mark.django_db(transaction=True)

PER_PROVINCE = 9  # a full sheet of eight and one more


@pytest.fixture(autouse=True)
def _job_files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the jobs' files (people's data) stay out of the tree's media/


@pytest.fixture
def two_provinces(open_session):
    """Nine people in Lampang and nine in Chiang Mai, with long and short names and positions."""
    people = []
    for code, first in (("TH-52", "น้ำฝน"), ("TH-50", "ปิ่นแก้ว")):
        for n in range(PER_PROVINCE):
            people.append(
                make_registration(
                    open_session,
                    code,
                    "committee",
                    prefix="นางสาว" if n % 2 else "นาย",
                    first_name=f"{first}{n}",
                    last_name="ศรีสวัสดิ์วงศ์ตระกูล" if n == 3 else "ใจดี",
                    position="ประธานคณะกรรมการ กข.คจ." if n % 3 == 0 else "",
                    phone=f"08{code[-2:]}{n:06d}",
                )
            )
    return people


def run_worker():
    call_command("worker", batch=True, interval=0, verbosity=0)


def url(name, session):
    return reverse(f"registration:{name}", kwargs={"session_pk": session.pk})


def start(client, user, name, session):
    client.force_login(user)
    response = client.post(url(name, session))
    assert response.status_code == 302
    job = Job.objects.get(created_by=user, kind={"badges": jobs.BADGES_KIND, "list_pdf": jobs.LIST_KIND}[name])
    assert response["Location"] == reverse("meetings:job_detail", args=[job.pk])
    return job


def download(client, job):
    response = client.get(reverse("meetings:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_every_qr_code_on_every_page_of_the_badge_job_is_a_valid_ticket(client, central_organiser, open_session, two_provinces, monkeypatch):
    # A part per province, so the PDF is laid out by the pool of processes and joined from two documents.
    monkeypatch.setattr(jobs, "BADGES_PER_PART", 1)
    job = start(client, central_organiser, "badges", open_session)
    assert job.status == JobStatus.QUEUED and job.session == open_session

    run_worker()

    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 2, 2)
    assert job.result_name == f"badges-{open_session.pk}.pdf"
    pdf = download(client, job)
    pages = pdf_pages_as_images(pdf, dpi=150)
    # Each province starts a sheet of its own: 8 + 1 badges, then 8 + 1.
    codes_per_page = [[barcode.text for barcode in zxingcpp.read_barcodes(page)] for page in pages]
    assert [len(codes) for codes in codes_per_page] == [8, 1, 8, 1]
    decoded = [code for codes in codes_per_page for code in codes]
    tickets = {read_ticket(code) for code in decoded}
    assert len(decoded) == len(tickets) == 2 * PER_PROVINCE
    assert {ticket.registration_id for ticket in tickets} == {person.pk for person in two_provinces}
    assert all(ticket.session_id == open_session.pk and ticket.version == 1 for ticket in tickets)
    assert set(decoded) == {person.get_ticket() for person in two_provinces}


def test_the_badges_of_one_province_are_still_made_in_the_request(client, central_organiser, lampang_officer, open_session, two_provinces):
    client.force_login(central_organiser)
    response = client.get(url("badges", open_session), {"province": "TH-50"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    decoded = {barcode.text for page in pdf_pages_as_images(response.content) for barcode in zxingcpp.read_barcodes(page)}
    assert decoded == {person.get_ticket() for person in two_provinces if person.province.code == "TH-50"}
    # An officer's badges are their own province's, at once.
    client.force_login(lampang_officer)
    response = client.get(url("badges", open_session))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf_page_count(response.content) == 2
    assert not Job.objects.exists()


def test_a_link_to_every_province_shows_the_button_that_starts_the_job(client, central_organiser, open_session, two_provinces):
    client.force_login(central_organiser)
    for name in ("badges", "list_pdf"):
        for query in ({}, {"province": "all"}):
            page = client.get(url(name, open_session), query)
            html = page.content.decode()
            assert page.status_code == 200 and 'method="post"' in html and "csrfmiddlewaretoken" in html
            assert "18" in html  # how many people the file will hold
    assert not Job.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED).exists()
    # The registration list links to small POST forms for every province's PDFs.
    html = client.get(url("list", open_session)).content.decode()
    assert f'id="session-badges-pdf" method="post" action="{url("badges", open_session)}"' in html
    assert f'id="session-list-pdf" method="post" action="{url("list_pdf", open_session)}"' in html


def test_a_double_click_starts_one_job_and_each_start_is_logged(client, central_organiser, open_session, two_provinces):
    first = start(client, central_organiser, "badges", open_session)
    again = client.post(url("badges", open_session))
    assert again["Location"] == reverse("meetings:job_detail", args=[first.pk])
    assert Job.objects.filter(kind=jobs.BADGES_KIND).count() == 1
    entries = AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED)
    assert [entry.details["job"] for entry in entries] == [str(first.pk)] * 2
    assert all(entry.details["count"] == 2 * PER_PROVINCE and entry.province is None for entry in entries)
    # Another member of central staff gets a job (and a file) of their own.
    colleague = make_user("colleague", kind="central")
    assert start(client, colleague, "badges", open_session).pk != first.pk


@pytest.mark.parametrize("name", ["badges", "list_pdf"])
def test_officers_cannot_start_a_whole_session_job(client, lampang_officer, open_session, two_provinces, name):
    client.force_login(lampang_officer)
    assert client.post(url(name, open_session)).status_code == 405
    assert client.post(url(name, open_session) + "?province=all").status_code == 405
    assert not Job.objects.exists()
    # Nor does the service start one for them.
    with pytest.raises(jobs.RegistrationError):
        jobs.start_session_pdf_job(kind=jobs.BADGES_KIND, session=open_session, actor=lampang_officer)


def test_only_the_starter_downloads_the_pdf(client, central_organiser, lampang_officer, open_session, two_provinces):
    job = start(client, central_organiser, "list_pdf", open_session)
    run_worker()
    assert download(client, job)[:5] == b"%PDF-"
    for other in (make_user("colleague", kind="central"), lampang_officer):
        client.force_login(other)
        for name in ("job_detail", "job_status", "job_download"):
            assert client.get(reverse(f"meetings:{name}", args=[job.pk])).status_code == 404, name


def test_the_list_job_holds_every_province_each_numbered_on_its_own(client, central_organiser, open_session, two_provinces):
    job = start(client, central_organiser, "list_pdf", open_session)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total, job.result_summary) == (JobStatus.SUCCEEDED, 2, 2, {"people": 18})
    pdf = download(client, job)
    text = skeleton(subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode())
    assert all(skeleton(f"{first}{n}") in text for first in ("น้ำฝน", "ปิ่นแก้ว") for n in range(PER_PROVINCE))
    assert pdf_page_count(pdf) == 2
    assert text.count("1/1") == 2  # each province's page: "1 / 1"


def test_job_progress_is_reported_province_by_province(client, central_organiser, open_session, two_provinces, monkeypatch):
    """While the job runs, the status the progress page polls shows how many provinces are done."""
    monkeypatch.setattr(jobs, "BADGES_PER_PART", 1)
    client.force_login(central_organiser)
    job = jobs.start_session_pdf_job(kind=jobs.BADGES_KIND, session=open_session, actor=central_organiser)
    claimed, token = _claim(job.pk)
    real = Progress(claimed, token)
    seen = []

    def progress(done, total=None, label=None, force=False):
        real(done, total, label, force=True)
        status = client.get(reverse("meetings:job_status", args=[job.pk])).json()
        seen.append((status["status"], status["done"], status["total"], status["label"]))

    result = jobs.session_badges(claimed, progress)

    assert result.content[:5] == b"%PDF-" and result.summary == {"people": 18}
    assert seen[0][:3] == ("running", 0, 2)
    provinces = [label for status, done, total, label in seen if status == "running" and total == 2 and 0 < done]
    # A report as each province is finished (in either order), then one while the pages are joined.
    assert collections.Counter(done for _s, done, _t, _l in seen[1:-1]) == {1: 1, 2: 1}
    assert set(provinces[:2]) == {"ลำปาง", "เชียงใหม่"}
    assert seen[-1][:3] == ("running", 2, 2)


def test_a_job_whose_starter_is_no_longer_central_staff_fails_with_a_message(central_organiser, open_session, two_provinces):
    job = jobs.start_session_pdf_job(kind=jobs.BADGES_KIND, session=open_session, actor=central_organiser)
    central_organiser.profile.kind = "provincial"
    central_organiser.profile.province = Registration.objects.first().province
    central_organiser.profile.save()
    central_organiser.groups.clear()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1 and job.error_message
    assert not job.result_file


@pytest.mark.parametrize("handler", [jobs.session_badges, jobs.session_list])
def test_a_session_without_registrations_gets_a_pdf_that_says_so(central_organiser, open_session, handler):
    job = jobs.start_session_pdf_job(kind=jobs.BADGES_KIND, session=open_session, actor=central_organiser)
    result = handler(job, lambda *args, **kwargs: None)
    text = subprocess.run(["pdftotext", "-", "-"], input=result.content, capture_output=True, check=True).stdout.decode()
    assert skeleton("ยังไม่มีผู้ลงทะเบียน") in skeleton(text) and result.summary == {"people": 0}
