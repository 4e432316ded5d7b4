import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def is_late(checked_in_at, starts_at):
    """The on-time rule, the one place it is written: late means checked in after the start."""
    return checked_in_at > starts_at


def late_filter(starts_at, through=""):
    """`is_late` as a query filter on CheckIn (`through="checkin__"` from Registration)."""
    return Q(**{f"{through}checked_in_at__gt": starts_at})


class CheckInMethod(models.TextChoices):
    SCANNER = "scanner", _("Desk scanner")
    SELF = "self", _("Self check-in (venue QR)")
    MANUAL = "manual", _("Manual (staff)")
    API = "api", _("Scanner device (API)")


class ScannerDeviceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ScannerDevice(models.Model):
    """A scanner (phone app, handheld) allowed to check people in at one venue of one session.

    Only a SHA-256 hash of its bearer token is stored; the token itself is shown once when issued.
    """

    TOKEN_PREFIX = "prd_"

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="scanner_devices", verbose_name=_("session"))
    venue = models.ForeignKey("meetings.Venue", on_delete=models.CASCADE, related_name="scanner_devices", verbose_name=_("venue"))
    name = models.CharField(_("device name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )

    objects = ScannerDeviceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("scanner device")
        verbose_name_plural = _("scanner devices")

    def __str__(self):
        return f"{self.name} ({self.token_hint}…)"

    @staticmethod
    def hash_token(token):
        # Tokens are 256-bit random values, so a fast hash is enough (no dictionary to attack).
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def new_token(cls):
        return cls.TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self):
        return self.revoked_at is None


class CheckIn(models.Model):
    """A registration's arrival. At most one per registration (the database guarantees it)."""

    registration = models.OneToOneField("registration.Registration", on_delete=models.CASCADE, related_name="checkin", verbose_name=_("registration"))
    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="checkins", verbose_name=_("session"))
    venue = models.ForeignKey("meetings.Venue", on_delete=models.SET_NULL, null=True, blank=True, related_name="checkins", verbose_name=_("venue"))
    method = models.CharField(_("method"), max_length=16, choices=CheckInMethod.choices)
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    wrong_venue = models.BooleanField(_("at another venue"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    device = models.ForeignKey(
        ScannerDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkins", verbose_name=_("scanner device")
    )
    # The client's idempotency key: a retried request carrying the same nonce records once.
    nonce = models.CharField(_("client nonce"), max_length=64, blank=True, default="")
    # checked_in_at is when the person was scanned (an offline scanner uploads later);
    # received_at is when the server recorded it.
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-checked_in_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [models.Index(fields=["session", "checked_in_at"], name="checkin_session_time_idx")]
        constraints = [
            models.UniqueConstraint(fields=["session", "nonce"], condition=~Q(nonce=""), name="checkin_unique_nonce"),
        ]

    def __str__(self):
        return f"{self.registration} @ {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_late(self):
        return is_late(self.checked_in_at, self.session.starts_at)


class CheckInEventAction(models.TextChoices):
    CHECKIN = "checkin", _("Checked in")
    UNDO = "undo", _("Check-in undone")


class CheckInEvent(models.Model):
    """Audit trail: every recorded check-in and every undo (who, when, how, where). Never edited."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="checkin_events", verbose_name=_("session"))
    registration = models.ForeignKey(
        "registration.Registration", on_delete=models.CASCADE, related_name="checkin_events", verbose_name=_("registration")
    )
    action = models.CharField(_("action"), max_length=16, choices=CheckInEventAction.choices)
    method = models.CharField(_("method"), max_length=16, choices=CheckInMethod.choices, blank=True)
    venue = models.ForeignKey("meetings.Venue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("venue"))
    device = models.ForeignKey(ScannerDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("scanner device"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    wrong_venue = models.BooleanField(_("at another venue"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("check-in event")
        verbose_name_plural = _("check-in events")
        indexes = [models.Index(fields=["session", "at"], name="checkinevent_session_at_idx")]

    def __str__(self):
        return f"{self.get_action_display()} {self.registration_id} @ {self.at:%Y-%m-%d %H:%M:%S}"


class ScannerStatus(models.Model):
    """What a scanner (a desk scanner page or a device) last told the server: when it last synced
    and how many scans still wait on it. The War Room sees a venue that went silent."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="scanner_statuses", verbose_name=_("session"))
    venue = models.ForeignKey("meetings.Venue", on_delete=models.CASCADE, related_name="scanner_statuses", verbose_name=_("venue"))
    client_id = models.CharField(_("scanner id"), max_length=64)
    label = models.CharField(_("scanner name"), max_length=100, blank=True)
    device = models.ForeignKey(ScannerDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("scanner device"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("staff member")
    )
    last_seen_at = models.DateTimeField(_("last heard from"), default=timezone.now)
    last_sync_at = models.DateTimeField(_("last upload"), null=True, blank=True)
    pending = models.PositiveIntegerField(_("scans waiting"), default=0)
    oldest_pending_at = models.DateTimeField(_("oldest waiting scan"), null=True, blank=True)

    class Meta:
        verbose_name = _("scanner status")
        verbose_name_plural = _("scanner statuses")
        constraints = [models.UniqueConstraint(fields=["venue", "client_id"], name="scannerstatus_unique_client")]

    def __str__(self):
        return f"{self.label or self.client_id} @ {self.venue_id}"


class SelfCheckinTicket(models.Model):
    """A used self check-in ticket: what scanning a venue's QR code gave one phone, and who it
    checked in. One ticket checks in one person (the unique key); more people need a scan each,
    or the staff at the desk. Holds across server processes because the database holds it."""

    key = models.CharField(_("ticket"), max_length=32, unique=True)
    registration = models.ForeignKey("registration.Registration", on_delete=models.CASCADE, related_name="+", verbose_name=_("registration"))
    venue = models.ForeignKey("meetings.Venue", on_delete=models.CASCADE, related_name="+", verbose_name=_("venue"))
    used_at = models.DateTimeField(_("used at"), default=timezone.now)

    class Meta:
        verbose_name = _("used self check-in ticket")
        verbose_name_plural = _("used self check-in tickets")

    def __str__(self):
        return f"{self.key[:6]}… → {self.registration_id}"


# --- video-conference participants reports (attendance/vc, docs/ATTENDANCE_VC.md) ------------------------


class VcPlatform(models.TextChoices):
    ZOOM = "zoom", "Zoom"
    WEBEX = "webex", "Webex"
    TEAMS = "teams", "Microsoft Teams"


class VcReportStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    PENDING = "pending", _("Waiting for confirmation")
    REPLACED = "replaced", _("Replaced by a newer report")


class VcReport(models.Model):
    """A platform's participants report of one session, as uploaded. A session's attendance counts its
    active reports: the first of a platform is active at once; a later one waits until staff confirm that it
    replaces the earlier one or adds to it (a restarted meeting gives a second report)."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="vc_reports", verbose_name=_("session"))
    platform = models.CharField(_("platform"), max_length=16, choices=VcPlatform.choices)
    status = models.CharField(_("status"), max_length=16, choices=VcReportStatus.choices, default=VcReportStatus.ACTIVE)
    # SHA-256 of the file's bytes: the same file uploaded again changes nothing.
    file_hash = models.CharField(_("file fingerprint"), max_length=64, editable=False)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # The meeting as the report gives it (its summary), else its first join and last leave.
    meeting_started_at = models.DateTimeField(_("meeting started"), null=True, blank=True)
    meeting_ended_at = models.DateTimeField(_("meeting ended"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("confirmed by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("replaced by"))

    class Meta:
        verbose_name = _("video-conference report")
        verbose_name_plural = _("video-conference reports")
        constraints = [models.UniqueConstraint(fields=["session", "file_hash"], name="vcreport_unique_file")]

    def __str__(self):
        return f"{self.get_platform_display()} {self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class VcParticipantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ROOM = "room", _("Meeting room")
    UNMATCHED = "unmatched", _("Not matched")
    IGNORED = "ignored", _("Not a participant")


class VcMatchRule(models.TextChoices):
    CODE = "code", _("Registration code in the name")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone number")
    NAME = "name", _("Name")
    NAME_FUZZY = "name_fuzzy", _("Similar name")
    ROOM = "room", _("Names a venue")
    STAFF = "staff", _("Set by staff")
    NONE = "none", _("None")


class VcParticipantQuerySet(models.QuerySet):
    def counted(self):
        """What attendance counts: people and rooms of the session's active reports."""
        return self.filter(report__status=VcReportStatus.ACTIVE, kind__in=(VcParticipantKind.PERSON, VcParticipantKind.ROOM))


class VcParticipant(models.Model):
    """One name in a report with all its connections (reconnects are merged), and what it was matched to:
    a registration, a venue's meeting room, or nothing yet."""

    report = models.ForeignKey(VcReport, on_delete=models.CASCADE, related_name="participants", verbose_name=_("report"))
    display_name = models.CharField(_("name in the meeting"), max_length=300, blank=True)
    original_name = models.CharField(_("original name"), max_length=300, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    guest = models.BooleanField(_("guest"), default=False)
    first_row = models.PositiveIntegerField(_("first row in the file"), default=0)
    connections = models.PositiveIntegerField(_("connections"), default=0)
    # The union of its connections, [[start, end], ...] in seconds since the epoch, in order and apart.
    intervals = models.JSONField(_("connected"), default=list)
    kind = models.CharField(_("kind"), max_length=16, choices=VcParticipantKind.choices, default=VcParticipantKind.UNMATCHED)
    registration = models.ForeignKey(
        "registration.Registration", on_delete=models.SET_NULL, null=True, blank=True, related_name="vc_participants", verbose_name=_("registration")
    )
    venue = models.ForeignKey("meetings.Venue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("venue"))
    rule = models.CharField(_("matched by"), max_length=16, choices=VcMatchRule.choices, default=VcMatchRule.NONE)
    confidence = models.PositiveSmallIntegerField(_("confidence"), default=0)
    # Registrations that may be this name (best first), for staff to choose from.
    suggestions = models.JSONField(_("suggestions"), default=list, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("confirmed by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = VcParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("video-conference participant")
        verbose_name_plural = _("video-conference participants")
        indexes = [models.Index(fields=["report", "kind"], name="vcparticipant_report_kind_idx")]
        constraints = [models.CheckConstraint(condition=Q(confidence__lte=100), name="vcparticipant_confidence_percent")]

    def __str__(self):
        return f"{self.display_name} ({self.get_kind_display()})"

    @property
    def seconds(self):
        return sum(end - start for start, end in self.intervals)
