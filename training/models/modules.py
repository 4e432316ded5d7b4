from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from training.markdown import render_markdown


class ModuleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Module(models.Model):
    """One agenda topic taught as a lesson: Markdown text, attachments and an optional video link."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="training_modules", verbose_name=_("session"))
    agenda_item = models.OneToOneField(
        "meetings.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_module",
        verbose_name=_("agenda item"),
        help_text=_("The agenda topic that delivers this module."),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(pgettext_lazy("training module", "title"), max_length=400)
    summary = models.TextField(_("summary"), blank=True)
    lesson = models.TextField(_("lesson"), blank=True, help_text=_("Markdown: headings (##), lists (-), **bold**, links and tables."))
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated time (minutes)"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        constraints = [models.UniqueConstraint(fields=["session", "order"], name="module_unique_order")]

    def __str__(self):
        return f"{self.order}. {self.title}"

    def get_absolute_url(self):
        return reverse("training:module_edit", kwargs={"session_pk": self.session_id, "pk": self.pk})

    def lesson_html(self):
        return render_markdown(self.lesson)


# Attachments are always downloaded, never shown in the app's own origin; even so, only these types
# are named as what they are. Anything else (an uploaded .html or .svg, whose scripts would run if a
# browser displayed it) goes out as application/octet-stream.
DOWNLOAD_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "txt": "text/plain",
    "csv": "text/csv",
    "zip": "application/zip",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
SAFE_FALLBACK_CONTENT_TYPE = "application/octet-stream"


def attachment_path(instance, filename):
    return f"training/{instance.module.session_id}/{instance.module_id}/{filename}"


class ModuleAttachment(models.Model):
    """Slides, PDFs and handouts of a module; served only through the attendee's personal link."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("module"))
    title = models.CharField(pgettext_lazy("module attachment", "title"), max_length=200)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.title

    @property
    def filename(self):
        return self.file.name.rsplit("/", 1)[-1]

    @property
    def download_content_type(self):
        """The Content-Type the download is sent with: a known harmless type, else octet-stream."""
        extension = self.filename.rsplit(".", 1)[-1].lower() if "." in self.filename else ""
        return DOWNLOAD_CONTENT_TYPES.get(extension, SAFE_FALLBACK_CONTENT_TYPE)


class ModuleProgress(models.Model):
    """When an attendee first opened a module and when they marked it (or passed its check) complete."""

    registration = models.ForeignKey(
        "registration.Registration", on_delete=models.CASCADE, related_name="module_progress", verbose_name=_("registration")
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="progress", verbose_name=_("module"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("module progress")
        verbose_name_plural = _("module progress")
        constraints = [models.UniqueConstraint(fields=["registration", "module"], name="progress_unique")]

    def __str__(self):
        return f"{self.registration_id} · {self.module_id}"

    @property
    def is_completed(self):
        return self.completed_at is not None
