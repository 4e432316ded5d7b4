from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from meetings.site import absolute_url
from training.tokens import make_certificate_token


class CertificateRule(models.Model):
    """What a registration must have done to receive the session's certificate."""

    session = models.OneToOneField("meetings.Session", on_delete=models.CASCADE, related_name="certificate_rule", verbose_name=_("session"))
    enabled = models.BooleanField(_("certificates enabled"), default=True)
    require_checkin = models.BooleanField(_("must have checked in"), default=True)
    require_posttest_passed = models.BooleanField(_("must have passed the post-test"), default=True)
    require_modules_completed = models.BooleanField(_("must have completed every module"), default=False)
    require_checks_passed = models.BooleanField(_("must have passed every knowledge check"), default=False)
    heading = models.CharField(_("heading"), max_length=200, default="เกียรติบัตร")
    statement = models.CharField(_("statement"), max_length=300, default="ได้ผ่านการอบรมเพิ่มศักยภาพ", help_text=_("Printed above the session title."))
    issuer = models.CharField(_("issuing organisation"), max_length=200, blank=True)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's position"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("certificate rule")
        verbose_name_plural = _("certificate rules")

    def __str__(self):
        return str(self.session)


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    """A numbered certificate. Names and titles are copied at issue, so a reissue prints corrections."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="certificates", verbose_name=_("session"))
    registration = models.ForeignKey(
        "registration.Registration", on_delete=models.CASCADE, related_name="certificates", verbose_name=_("registration")
    )
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    holder_name = models.CharField(_("name"), max_length=300)
    session_title = models.CharField(_("session title"), max_length=300)
    session_date = models.DateField(_("session date"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("issued by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    replaces = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces"))

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["registration"], condition=Q(revoked_at__isnull=True), name="certificate_one_valid"),
        ]

    def __str__(self):
        return f"{self.number} {self.holder_name}"

    @property
    def is_valid(self):
        return self.revoked_at is None

    def get_verify_path(self):
        return reverse("training:verify_certificate", kwargs={"code": make_certificate_token(self)})

    def get_verify_url(self, request=None):
        """The absolute verification link printed as the certificate's QR code (meetings/site.py)."""
        return absolute_url(self.get_verify_path(), request)
