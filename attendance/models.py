from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CheckInMethod(models.TextChoices):
    SCANNER = "scanner", _("Desk scanner")
    SELF = "self", _("Self check-in (venue QR)")
    MANUAL = "manual", _("Manual (staff)")
    API = "api", _("Scanner device (API)")


class CheckIn(models.Model):
    """A registration's arrival. At most one per registration (the database guarantees it)."""

    registration = models.OneToOneField(
        "meetings.Registration", on_delete=models.CASCADE, related_name="checkin", verbose_name=_("registration")
    )
    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="checkins", verbose_name=_("session"))
    venue = models.ForeignKey(
        "meetings.Venue", on_delete=models.SET_NULL, null=True, blank=True, related_name="checkins", verbose_name=_("venue")
    )
    method = models.CharField(_("method"), max_length=16, choices=CheckInMethod.choices)
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    wrong_venue = models.BooleanField(_("at another venue"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["-checked_in_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [models.Index(fields=["session", "checked_in_at"], name="checkin_session_time_idx")]

    def __str__(self):
        return f"{self.registration} @ {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_late(self):
        return self.checked_in_at > self.session.starts_at
