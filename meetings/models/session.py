from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CHECKIN_OPENS_BEFORE = timedelta(minutes=60)
# The status of a registration that holds a seat (registration.models.RegistrationStatus.ACTIVE).
# Meetings counts seats through reverse relations without importing the app built on it; a test in
# registration/tests keeps the two equal.
ACTIVE_REGISTRATION = "active"


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class VideoPlatform(models.TextChoices):
    ZOOM = "zoom", "Zoom"
    WEBEX = "webex", "Webex"
    TEAMS = "teams", "Microsoft Teams"
    MEET = "meet", "Google Meet"
    OTHER = "other", _("Other")


class SessionQuerySet(models.QuerySet):
    def visible_to_officers(self):
        return self.exclude(status=SessionStatus.DRAFT)

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at")


class Session(models.Model):
    """A capacity-building session held by video conference from a host venue to many remote venues."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("short name"), max_length=80, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    organiser_department = models.CharField(_("organising department"), max_length=200, blank=True)
    organiser_division = models.CharField(_("organising division"), max_length=200, blank=True)
    chair_name = models.CharField(_("chair"), max_length=200, blank=True)
    chair_title = models.CharField(_("chair's position"), max_length=300, blank=True)
    reporter_name = models.CharField(_("reporter"), max_length=200, blank=True)
    reporter_title = models.CharField(_("reporter's position"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    checkin_opens_at = models.DateTimeField(_("check-in opens"), null=True, blank=True, help_text=_("Empty: 60 minutes before the start."))
    checkin_closes_at = models.DateTimeField(_("check-in closes"), null=True, blank=True, help_text=_("Empty: at the end of the session."))
    vc_platform = models.CharField(_("video-conference platform"), max_length=16, choices=VideoPlatform.choices, blank=True)
    vc_join_url = models.URLField(_("join link"), max_length=500, blank=True)
    vc_meeting_id = models.CharField(_("meeting ID"), max_length=100, blank=True)
    vc_passcode = models.CharField(_("passcode"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:session_detail", kwargs={"pk": self.pk})

    @property
    def checkin_window(self):
        opens = self.checkin_opens_at or (self.starts_at - CHECKIN_OPENS_BEFORE)
        closes = self.checkin_closes_at or self.ends_at
        return opens, closes

    def is_checkin_open(self, at=None):
        opens, closes = self.checkin_window
        return opens <= (at or timezone.now()) <= closes

    def is_registration_open(self, at=None):
        if self.status not in (SessionStatus.PUBLISHED, SessionStatus.IN_PROGRESS):
            return False
        at = at or timezone.now()
        if self.registration_opens_at and at < self.registration_opens_at:
            return False
        if self.registration_closes_at and at > self.registration_closes_at:
            return False
        return True

    @property
    def host_venue(self):
        return self.venues.filter(is_host=True).first()


class SessionChange(models.Model):
    """Audit trail of changes that matter to people already registered (e.g. a moved start time)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("field"), max_length=64)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at"]
        verbose_name = _("session change")
        verbose_name_plural = _("session changes")

    def __str__(self):
        return f"{self.session_id} {self.field}: {self.old_value} → {self.new_value}"


class VenueQuerySet(models.QuerySet):
    def in_list_order(self):
        """The host venue first, then the remote venues by province code (joins the provinces). Lists that
        people read order by the province's name instead: meetings.collation.sorted_venues."""
        return self.order_by("-is_host", "province__code", "pk")


class Venue(models.Model):
    """Where people sit: the host venue, or one remote meeting room per province."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="venues", verbose_name=_("session"))
    province = models.ForeignKey("meetings.Province", on_delete=models.PROTECT, verbose_name=_("province"))
    is_host = models.BooleanField(_("host venue"), default=False)
    name = models.CharField(_("venue name"), max_length=300)
    room = models.CharField(_("room"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    coordinator_name = models.CharField(_("coordinator"), max_length=200, blank=True)
    coordinator_phone = models.CharField(_("coordinator's phone"), max_length=20, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    vc_join_url = models.URLField(_("own join link"), max_length=500, blank=True)
    vc_meeting_id = models.CharField(_("own meeting ID"), max_length=100, blank=True)
    vc_passcode = models.CharField(_("own passcode"), max_length=100, blank=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        # No default ordering: one across the province relation would join provinces on every query.
        # Lists order themselves (VenueQuerySet.in_list_order).
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [
            models.UniqueConstraint(fields=["session", "province"], condition=Q(is_host=False), name="venue_one_remote_per_province"),
            models.UniqueConstraint(fields=["session"], condition=Q(is_host=True), name="venue_one_host_per_session"),
        ]

    def __str__(self):
        return f"{self.name} {self.room}".strip()

    @property
    def join_url(self):
        return self.vc_join_url or self.session.vc_join_url


class AgendaItem(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("session"))
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("topic"), max_length=400)
    presenter = models.CharField(_("presenter"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("planned start"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [models.UniqueConstraint(fields=["session", "order"], name="agenda_unique_order")]

    def __str__(self):
        return f"{self.order}. {self.title}"


class QuotaQuerySet(models.QuerySet):
    def with_used(self):
        return self.annotate(
            used=models.Count(
                "session__registrations",
                filter=Q(
                    session__registrations__province=F("province"),
                    session__registrations__role=F("role"),
                    session__registrations__status=ACTIVE_REGISTRATION,
                ),
            )
        )


class Quota(models.Model):
    """How many seats one province has for one role category in one session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("session"))
    province = models.ForeignKey("meetings.Province", on_delete=models.PROTECT, verbose_name=_("province"))
    role = models.ForeignKey("meetings.RoleCategory", on_delete=models.PROTECT, verbose_name=_("role category"))
    seats = models.PositiveIntegerField(_("seats"))

    objects = QuotaQuerySet.as_manager()

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(fields=["session", "province", "role"], name="quota_unique_cell"),
        ]

    def __str__(self):
        return f"{self.session_id} {self.province} {self.role}: {self.seats}"

    @property
    def free(self):
        """Seats still free; needs ``used`` from QuotaQuerySet.with_used()."""
        return max(self.seats - self.used, 0)
