"""Background jobs: long work off the request, with progress, retries and recovery.

Django's tasks framework (the django-tasks backport, with django-tasks-db's database backend) carries a
job to a worker process (``manage.py worker``, which runs ``db_worker``). This module adds what the
framework leaves to the project:

- **A Job row per piece of work** (``meetings.models.Job``): who started it, its progress, its result file,
  its error. The task row and the job row are written in one transaction, so a job is never queued without
  its task, nor a task left without its job.
- **Handlers by kind.** Each app declares its jobs in its own ``jobs.py`` with ``@job_handler("app.kind")``;
  a handler takes ``(job, progress)`` and returns a ``JobResult`` (a file to download and/or a summary).
  Handlers must be idempotent: a job may run again after a worker died in the middle of it.
- **Retries.** A handler that raises is run again after a pause (5 s, then 20 s...), up to
  ``max_attempts``; a ``DomainError`` (bad input) fails at once with its message.
- **Leases.** A running job holds a lease that each progress report renews. When a worker is killed, its
  lease lapses and ``recover_stale_jobs`` (run every minute by the tick) queues the job again; the old
  worker, if it was only slow, finds its lease gone at its next report and stops (``JobLeaseLost``).
- **The tick**: a job that runs every minute, recovers stale jobs, runs the project's periodic work
  (``@every_tick``: reminders that fall due) and removes expired results.
"""

import datetime
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, F, When
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from meetings.errors import DomainError
from meetings.models import Job, JobStatus

logger = logging.getLogger(__name__)

TICK_KIND = "meetings.tick"
PROGRESS_INTERVAL = 0.5  # seconds between progress writes (each one renews the lease)


class JobLeaseLost(Exception):
    """This worker's lease on the job lapsed and another worker took the job up: stop quietly."""


class JobError(DomainError):
    pass


@dataclass
class JobResult:
    """What a finished handler hands back: a file to download (``content`` and ``filename``) and/or a
    ``summary`` (counts shown on the job's page)."""

    content: bytes | None = None
    filename: str = ""
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Handler:
    func: object
    max_attempts: int


_handlers = {}
_periodic = []


def job_handler(kind, *, max_attempts=3):
    """Declare the function that does the work of jobs of `kind` (import the module in AppConfig.ready)."""

    def decorator(func):
        _handlers[kind] = _Handler(func, max_attempts)
        return func

    return decorator


def every_tick(func):
    """Declare work to run once a minute by the tick (``func(now)``); one failing does not stop the others."""
    _periodic.append(func)
    return func


def lease_duration():
    return datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)


# --- starting a job ------------------------------------------------------------------------------------


def start_job(*, kind, actor, title, params=None, session=None, dedupe_key="", run_after=None):
    """Queue a job and return it; with `dedupe_key`, the same work still waiting or running is returned instead."""
    handler = _handlers.get(kind)
    if handler is None:
        raise ValueError(f"no job handler for {kind!r}")
    with transaction.atomic():
        if dedupe_key:
            existing = Job.objects.unfinished().filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind,
                    title=str(title)[:200],
                    params=params or {},
                    dedupe_key=dedupe_key,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                    session=session,
                    max_attempts=handler.max_attempts,
                )
        except IntegrityError:
            # Another request queued the same work a moment ago.
            return Job.objects.unfinished().get(dedupe_key=dedupe_key)
        _enqueue(job, run_after=run_after)
    return job


def start_session_job(*, kind, session, actor, title):
    """Start a whole-session job (PDFs of every province, a ZIP of every certificate) for `actor`, in the
    language of the page they asked from; the same person's same job still waiting or running is returned."""
    return start_job(
        kind=kind,
        actor=actor,
        title=f"{title} · {session.title}",
        session=session,
        params={"language": translation.get_language() or settings.LANGUAGE_CODE},
        dedupe_key=f"{kind}:{session.pk}:{actor.pk}",
    )


def job_language(job):
    """`with job_language(job):` the job's documents in the language of the person who started it."""
    return translation.override(job.params.get("language") or settings.LANGUAGE_CODE)


def _enqueue(job, run_after=None):
    """Queue the task that runs `job` (inside the caller's transaction). The lease of a waiting job is the
    time by which a worker should have started it; the tick queues it again if none did."""
    due = run_after or timezone.now()
    Job.objects.filter(pk=job.pk).update(lease_until=due + lease_duration())
    run_job.using(run_after=run_after).enqueue(str(job.pk))


@task()
def run_job(job_id):
    """The framework's task: run one job (see ``execute_job``)."""
    return execute_job(job_id)


# --- running a job --------------------------------------------------------------------------------------


class Progress:
    """Handed to a handler: ``progress(done, total, label)`` reports how far it is and renews the lease."""

    def __init__(self, job, token):
        self.job = job
        self.token = token
        self._last = 0.0

    def __call__(self, done, total=None, label=None, force=False):
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL and (total is None or done < total):
            return
        self._last = now
        changes = {"progress_done": done, "lease_until": timezone.now() + lease_duration()}
        if total is not None:
            changes["progress_total"] = total
        if label is not None:
            changes["progress_label"] = str(label)[:200]
        if not Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING, lease_token=self.token).update(**changes):
            raise JobLeaseLost(str(self.job.pk))

    def renew(self):
        self(self.job.progress_done, force=True)


def _claim(job_id):
    """Mark the job running under a new lease; None when it is finished, gone, or running elsewhere."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None, ""
        if job.status == JobStatus.RUNNING and job.lease_until and job.lease_until > now:
            return None, ""
        token = uuid.uuid4().hex
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.lease_token = token
        job.lease_until = now + lease_duration()
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "attempts", "lease_token", "lease_until", "started_at"])
        return job, token


def execute_job(job_id):
    """Run the job once, as a worker does: claim it, call its handler, record the outcome. Returns the status."""
    job, token = _claim(job_id)
    if job is None:
        return "skipped"
    handler = _handlers.get(job.kind)
    if handler is None:
        _fail(job, token, gettext("This kind of job is no longer known to the server."))
        return JobStatus.FAILED
    progress = Progress(job, token)
    try:
        result = handler.func(job, progress)
    except JobLeaseLost:
        logger.warning("job %s (%s): lease lost, another worker has taken it up", job.pk, job.kind)
        return "lease-lost"
    except DomainError as error:
        _fail(job, token, str(error.message))
        return JobStatus.FAILED
    except Exception:
        logger.exception("job %s (%s) failed on attempt %s of %s", job.pk, job.kind, job.attempts, job.max_attempts)
        if job.attempts < job.max_attempts:
            _retry(job, token)
            return JobStatus.QUEUED
        _fail(
            job,
            token,
            gettext("The job failed %(attempts)s times. Start it again; if it fails again, tell the system administrator.")
            % {"attempts": job.attempts},
        )
        return JobStatus.FAILED
    _succeed(job, token, result or JobResult())
    return JobStatus.SUCCEEDED


def retry_delay(attempt):
    """Seconds before attempt `attempt + 1`: 5, 20, 80 ... up to 10 minutes."""
    return min(600, 5 * 4 ** (attempt - 1))


def _retry(job, token):
    run_after = timezone.now() + datetime.timedelta(seconds=retry_delay(job.attempts))
    with transaction.atomic():
        if Job.objects.filter(pk=job.pk, lease_token=token).update(status=JobStatus.QUEUED, lease_token=""):
            _enqueue(job, run_after=run_after)


def _succeed(job, token, result):
    if result.content is not None:
        name = result.filename or "result.bin"
        job.result_file.save(name, ContentFile(result.content), save=False)
        job.result_name = name
    updated = Job.objects.filter(pk=job.pk, lease_token=token, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED,
        result_file=job.result_file.name or "",
        result_name=job.result_name,
        result_summary=result.summary,
        progress_done=Case(When(progress_total__gt=0, then=F("progress_total")), default=F("progress_done")),
        finished_at=timezone.now(),
        lease_until=None,
        error_message="",
    )
    if not updated and job.result_file:
        # Another worker took the job over meanwhile: its result stands, this one goes.
        job.result_file.delete(save=False)


def _fail(job, token, message):
    Job.objects.filter(pk=job.pk, lease_token=token).update(
        status=JobStatus.FAILED, error_message=message, finished_at=timezone.now(), lease_until=None
    )


# --- recovery and the tick --------------------------------------------------------------------------------


def recover_stale_jobs(now=None):
    """Queue again every job whose lease lapsed: running on a worker that died, or waiting for a task that
    never ran. Returns how many were queued again."""
    now = now or timezone.now()
    recovered = 0
    for job_id in Job.objects.unfinished().filter(lease_until__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update()
                .filter(pk=job_id, lease_until__lt=now)
                .exclude(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED])
                .first()
            )
            if job is None:
                continue
            if job.attempts >= job.max_attempts and job.status == JobStatus.RUNNING:
                job.status = JobStatus.FAILED
                job.error_message = gettext("The worker running this job stopped %(attempts)s times. Start it again.") % {"attempts": job.attempts}
                job.finished_at = now
                job.save(update_fields=["status", "error_message", "finished_at"])
                continue
            job.status = JobStatus.QUEUED
            job.lease_token = ""
            job.save(update_fields=["status", "lease_token"])
            _enqueue(job)
            recovered += 1
    if recovered:
        logger.warning("queued %s stale jobs again", recovered)
    return recovered


def ensure_ticking(now=None):
    """Make sure the tick of the next minute is queued (every worker calls this when it starts; the ticks
    of one minute are one job whoever queues it)."""
    now = now or timezone.now()
    slot = (now + datetime.timedelta(minutes=1)).replace(second=0, microsecond=0)
    return start_job(
        kind=TICK_KIND, actor=None, title="tick", params={"slot": slot.isoformat()}, dedupe_key=f"tick:{slot:%Y%m%d%H%M}", run_after=slot
    )


def remove_expired_results(now=None):
    """Delete finished jobs (and their files: PDFs of personal data) older than JOB_RESULT_HOURS."""
    now = now or timezone.now()
    expired = Job.objects.filter(
        status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED], finished_at__lt=now - datetime.timedelta(hours=settings.JOB_RESULT_HOURS)
    )
    removed = 0
    for job in expired.iterator():
        if job.result_file:
            job.result_file.delete(save=False)
        job.delete()
        removed += 1
    return removed


@job_handler(TICK_KIND, max_attempts=1)
def tick(job, progress):
    now = timezone.now()
    recover_stale_jobs(now)
    for func in _periodic:
        try:
            func(now)
        except Exception:
            # One failing piece of scheduled work must not hold back the others.
            logger.exception("scheduled work %s failed", getattr(func, "__qualname__", func))
        progress.renew()
    remove_expired_results(now)
    # The next minute's tick, even when this one ran early (a test, or a clock a little behind).
    ensure_ticking(max(now, datetime.datetime.fromisoformat(job.params["slot"])))
    return JobResult()


# --- reading jobs ------------------------------------------------------------------------------------------


def get_job_for_user(user, job_id):
    """A job for the person who started it; anyone else gets JobError (shown as 404)."""
    job = Job.objects.filter(pk=job_id, created_by=user).first() if getattr(user, "is_authenticated", False) else None
    if job is None:
        raise JobError(_("No such job."), "job_not_found")
    return job


def job_status(job):
    """The JSON the progress page polls."""
    return {
        "id": str(job.pk),
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "label": job.progress_label,
        "error": job.error_message,
        "finished": job.is_finished,
        "summary": job.result_summary,
        "has_file": bool(job.result_file),
    }
