"""Background jobs (meetings/jobs.py): queued with their task, run by the worker, progress, retries,
recovery after a worker dies, the tick, and who may see a job."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meetings import jobs
from meetings.errors import DomainError
from meetings.models import Job, JobStatus
from meetings.tests.factories import make_user

# The worker (db_worker) closes and reopens database connections as in production, so tests that run it
# commit for real instead of inside a rolled-back transaction.
pytestmark = pytest.mark.django_db(transaction=True)

calls = []


@jobs.job_handler("tests.count_to_three")
def count_to_three(job, progress):
    for done in range(1, 4):
        progress(done, 3, label=f"step {done}", force=True)
    calls.append(job.params.get("tag"))
    return jobs.JobResult(content=b"one two three", filename="count.txt", summary={"counted": 3})


@jobs.job_handler("tests.flaky", max_attempts=2)
def flaky(job, progress):
    calls.append(job.attempts)
    if job.attempts < 2:
        raise ConnectionError("the SMTP server hung up")
    return jobs.JobResult(summary={"ok": True})


@jobs.job_handler("tests.always_broken", max_attempts=2)
def always_broken(job, progress):
    raise RuntimeError("boom")


@jobs.job_handler("tests.refused")
def refused(job, progress):
    raise DomainError("ไม่มีผู้ลงทะเบียนในจังหวัดนี้", "nobody")


@pytest.fixture(autouse=True)
def _clear_calls():
    calls.clear()


def run_worker():
    call_command("worker", batch=True, interval=0, verbosity=0)


def test_a_job_is_queued_with_its_task_and_the_worker_runs_it(central_organiser):
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ", params={"tag": "a"})
    assert job.status == JobStatus.QUEUED
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(job.pk)]).count() == 1

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.result_summary == {"counted": 3}
    assert job.result_file.read() == b"one two three"
    assert calls == ["a"]


def test_running_the_worker_again_runs_nothing_twice(central_organiser):
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ")
    run_worker()
    run_worker()
    # Even a duplicate task for a finished job does nothing.
    jobs.run_job.enqueue(str(job.pk))
    run_worker()
    assert len(calls) == 1


def test_the_same_work_while_unfinished_is_one_job(central_organiser):
    first = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ", dedupe_key="k")
    again = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ", dedupe_key="k")
    assert again.pk == first.pk
    run_worker()
    later = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ", dedupe_key="k")
    assert later.pk != first.pk


def test_a_failing_job_is_retried_later_then_succeeds(central_organiser):
    job = jobs.start_job(kind="tests.flaky", actor=central_organiser, title="ลองใหม่")
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.attempts == 1
    retry = DBTaskResult.objects.filter(args_kwargs__args=[str(job.pk)], status="READY").get()
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=3)

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert calls == [1, 2]


def test_a_job_failing_every_attempt_ends_failed_with_a_message(central_organiser):
    job = jobs.start_job(kind="tests.always_broken", actor=central_organiser, title="พัง")
    assert jobs.execute_job(job.pk) == JobStatus.QUEUED
    assert jobs.execute_job(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "2" in job.error_message and job.finished_at is not None


def test_refused_input_fails_at_once_with_its_own_message(central_organiser):
    job = jobs.start_job(kind="tests.refused", actor=central_organiser, title="ไม่มีใคร")
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_message) == (JobStatus.FAILED, 1, "ไม่มีผู้ลงทะเบียนในจังหวัดนี้")


def test_a_job_whose_worker_died_is_taken_up_again(central_organiser):
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ")
    # A worker claims it, then dies: its lease is left to lapse.
    claimed, dead_token = jobs._claim(job.pk)
    assert claimed.status == JobStatus.RUNNING
    DBTaskResult.objects.all().delete()
    assert jobs.recover_stale_jobs() == 0  # the lease still holds
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))

    assert jobs.recover_stale_jobs() == 1
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    # The old worker, had it been only slow, finds its lease gone at its next report.
    with pytest.raises(jobs.JobLeaseLost):
        jobs.Progress(claimed, dead_token)(1, force=True)


def test_a_job_whose_workers_keep_dying_fails_in_the_end(central_organiser):
    job = jobs.start_job(kind="tests.flaky", actor=central_organiser, title="ลองใหม่")
    for _ in range(2):
        jobs._claim(job.pk)
        Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
        jobs.recover_stale_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_message


def test_the_tick_runs_scheduled_work_and_queues_the_next_tick(central_organiser, monkeypatch):
    seen = []
    monkeypatch.setattr(jobs, "_periodic", [lambda now: seen.append(now), lambda now: 1 / 0, lambda now: seen.append("after")])
    first = jobs.ensure_ticking()
    assert jobs.ensure_ticking().pk == first.pk  # one tick per minute, whoever asks
    assert jobs.execute_job(first.pk) == JobStatus.SUCCEEDED
    assert len(seen) == 2 and seen[1] == "after"  # one failing piece does not stop the next
    assert Job.objects.filter(kind=jobs.TICK_KIND, status=JobStatus.QUEUED).count() == 1


def test_expired_results_are_deleted_with_their_files(central_organiser, settings):
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ")
    run_worker()
    job.refresh_from_db()
    storage, name = job.result_file.storage, job.result_file.name
    assert storage.exists(name)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=settings.JOB_RESULT_HOURS + 1))
    assert jobs.remove_expired_results() == 1
    assert not storage.exists(name) and not Job.objects.filter(pk=job.pk).exists()


# --- pages -------------------------------------------------------------------------------------------


@pytest.fixture
def finished_job(central_organiser):
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับถึงสาม")
    run_worker()
    return job


def test_the_starter_sees_progress_and_downloads_the_file(client, central_organiser, finished_job):
    client.force_login(central_organiser)
    page = client.get(reverse("meetings:job_detail", args=[finished_job.pk]))
    assert page.status_code == 200 and "นับถึงสาม" in page.content.decode()
    status = client.get(reverse("meetings:job_status", args=[finished_job.pk])).json()
    assert status["status"] == "succeeded" and status["percent"] == 100 and status["has_file"]
    download = client.get(reverse("meetings:job_download", args=[finished_job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"one two three"
    assert "count.txt" in download["Content-Disposition"]
    listing = client.get(reverse("meetings:job_list"))
    assert "นับถึงสาม" in listing.content.decode()


def test_progress_is_reported_while_running(client, central_organiser):
    job = jobs.start_job(kind="tests.count_to_three", actor=central_organiser, title="นับ")
    claimed, token = jobs._claim(job.pk)
    jobs.Progress(claimed, token)(40, 160, label="ลำปาง", force=True)
    client.force_login(central_organiser)
    status = client.get(reverse("meetings:job_status", args=[job.pk])).json()
    assert (status["status"], status["done"], status["total"], status["percent"], status["label"]) == ("running", 40, 160, 25, "ลำปาง")


# (url name, who, expected status): a job is its starter's alone; everyone else gets 404, or the sign-in page.
JOB_URLS = ("job_detail", "job_status", "job_download")
JOB_MATRIX = [
    *[(name, "central_organiser", 200) for name in JOB_URLS],
    *[(name, who, 404) for name in JOB_URLS for who in ("other_organiser", "lampang_officer", "chiangmai_officer")],
    *[(name, "anonymous", 302) for name in JOB_URLS],
    ("job_list", "central_organiser", 200),
    ("job_list", "lampang_officer", 200),
    ("job_list", "anonymous", 302),
]


@pytest.mark.parametrize(("name", "who", "expected"), JOB_MATRIX)
def test_job_permission_matrix(client, request, finished_job, name, who, expected):
    if who == "other_organiser":
        client.force_login(make_user("organiser2", kind="central"))
    elif who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    args = [] if name == "job_list" else [finished_job.pk]
    response = client.get(reverse(f"meetings:{name}", args=args))
    assert response.status_code == expected
    if name == "job_list" and expected == 200:
        # Each person's list holds their own jobs only.
        assert ("นับถึงสาม" in response.content.decode()) == (who == "central_organiser")
