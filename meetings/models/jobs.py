import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", pgettext_lazy("job", "In progress")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


def result_path(job, filename):
    return f"jobs/{job.pk}/{filename}"


class JobQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=UNFINISHED)

    def in_list_order(self):
        return self.order_by("-created_at", "-pk")


class Job(models.Model):
    """A piece of long work done by a background worker (meetings/jobs.py): a whole-session PDF, a batch
    of e-mails, the reminders that fall due. The person who started it watches its progress and
    downloads its result; the worker that runs it holds a lease it renews as it goes, so a job whose
    worker died is taken up again by another (``recover_stale_jobs``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(pgettext_lazy("job", "title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Starting the same work while it is still waiting or running returns the job already there.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("started by")
    )
    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, null=True, blank=True, related_name="jobs", verbose_name=_("session"))
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_label = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    # The running worker's lease: renewed with every progress report; once it lapses the job is taken up again.
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    result_file = models.FileField(upload_to=result_path, blank=True, max_length=300)
    result_name = models.CharField(max_length=200, blank=True)
    result_summary = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["queued", "running"]) & ~Q(dedupe_key=""),
                name="job_one_unfinished_per_key",
            )
        ]
        indexes = [models.Index(fields=["status", "lease_until"], name="job_status_lease")]

    def __str__(self):
        return self.title

    @property
    def is_finished(self):
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def percent(self):
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
