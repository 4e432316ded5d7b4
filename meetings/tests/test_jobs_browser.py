"""A background job's page in a real browser: the progress bar moves while the worker reports, and the
download link appears when the job is done (static/js/job_progress.js, under the site's CSP)."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from meetings import jobs
from meetings.tests.test_csp_browser import Visitor, chromium  # noqa: F401  (the browser fixture)
from meetings.tests.test_jobs import count_to_three  # noqa: F401  (registers the job kind used here)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_follows_the_job_and_offers_the_file(chromium, live_server, settings, central_organiser, tmp_path):  # noqa: F811
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = tmp_path
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="ป้ายชื่อทั้งประเทศ")
    visitor = Visitor(chromium, live_server, central_organiser)
    page = visitor.visit(f"/jobs/{job.pk}/")
    assert page.locator(".job-status").inner_text() == "รอเครื่องทำงานเบื้องหลัง"
    assert not page.locator(".job-download").is_visible()

    claimed, token = jobs._claim(job.pk)
    jobs.Progress(claimed, token)(40, 160, label="ลำปาง", force=True)
    expect(page.locator(".job-counts")).to_have_text("40 / 160")
    assert page.locator(".job-bar").evaluate("bar => bar.value") == 25
    assert page.locator(".job-label").inner_text() == "ลำปาง"

    # The worker finishes it (the same code path as a worker; the lease is this test's).
    jobs.Job.objects.filter(pk=job.pk).update(status="queued", lease_token="")
    jobs.execute_job(job.pk)
    page.locator(".job-download").wait_for(state="visible")
    assert page.locator(".job-bar").evaluate("bar => bar.value") == 100
    with page.expect_download() as download:
        page.locator(".job-download").click()
    assert open(download.value.path(), "rb").read() == b"one two three"
    assert visitor.problems == []


def test_a_job_page_is_not_found_for_someone_else(live_server, lampang_officer, central_organiser):
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="ป้ายชื่อ")
    client = Client()
    client.force_login(lampang_officer)
    assert client.get(f"/jobs/{job.pk}/", HTTP_HOST=settings.ALLOWED_HOSTS[0]).status_code == 404
