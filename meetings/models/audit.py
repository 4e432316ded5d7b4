from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Every kind of entry of the audit log; the codes are stable (filters and tests use them)."""

    REGISTRATION_CREATED = "registration.created", _("Person registered")
    REGISTRATION_UPDATED = "registration.updated", _("Person's details corrected")
    REGISTRATION_CANCELLED = "registration.cancelled", _("Registration cancelled")
    REGISTRATION_SUBSTITUTED = "registration.substituted", _("Substitute registered")
    REGISTRATION_IMPORTED = "registration.imported", _("List of people imported")
    LINK_REVOKED = "registration.link_revoked", _("Personal link revoked")
    LINK_REISSUED = "registration.link_reissued", _("New personal link issued")
    LINK_SENT = "registration.link_sent", _("Personal link e-mailed")
    TICKET_REISSUED = "registration.ticket_reissued", _("Check-in ticket re-issued")
    LINE_LINKED = "registration.line_linked", _("LINE account linked")
    LINE_UNLINKED = "registration.line_unlinked", _("LINE account unlinked")
    NATIONAL_ID_REVEALED = "registration.national_id_revealed", _("National ID revealed")
    PERSONAL_DATA_EXPORTED = "personal_data.exported", _("A person's data downloaded")
    PERSONAL_DATA_ANONYMISED = "personal_data.anonymised", _("A person's data erased (anonymised)")
    PERSONAL_DATA_PURGED = "personal_data.purged", _("Old registrations anonymised (retention)")
    LIST_EXPORTED = "export.downloaded", _("List of people downloaded (spreadsheet or PDF)")
    CHECKIN_UNDONE = "checkin.undone", _("Check-in undone")


class AuditLogAppendOnly(Exception):
    """An attempt to change or delete an audit entry: a programming error, never a user's."""


class AuditEntryQuerySet(models.QuerySet):
    """Entries are only ever added: a queryset refuses to change or remove them."""

    def update(self, **kwargs):
        raise AuditLogAppendOnly("audit entries cannot be changed")

    def delete(self):
        raise AuditLogAppendOnly("audit entries cannot be deleted")

    def in_list_order(self):
        return self.order_by("-at", "-pk")


class AuditEntry(models.Model):
    """One thing someone did to or with personal data: who, when, what, to which object, from where.

    Append-only (like pretix's LogEntry): entries are written by meetings.audit.record inside the
    transaction of the write they describe, and never changed or deleted through the ORM or the admin.
    `details` holds ids, counts and field names, never a person's data in clear, so erasing a person
    (registration.services.anonymise_registration) leaves the log as it is and still true.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # PROTECT: a login that did something stays in the record (deactivate it instead of deleting it).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    # Whose data it was, for scoping: a provincial office sees the entries of its province.
    province = models.ForeignKey("meetings.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province"))
    summary = models.CharField(_("summary"), max_length=300)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["province", "at"], name="audit_province_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, force_insert=False, **kwargs):
        # Model.objects.create() inserts with force_insert=True; any other save is a change.
        if not force_insert:
            raise AuditLogAppendOnly("audit entries are only added, never changed")
        super().save(*args, force_insert=force_insert, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnly("audit entries cannot be deleted")
