import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.collation import thai_ranks
from meetings.models import ACTIVE_REGISTRATION
from meetings.site import absolute_url
from registration.thai_id import decrypt_national_id as decrypt_id_token
from registration.thai_id import hash_national_id, masked_from_token, national_id_columns
from registration.tickets import make_ticket
from registration.tokens import make_personal_token


def new_token_key():
    return secrets.token_urlsafe(18)


def expected_at(registration_venue_id, registration_province_id, venue):
    """The expected-venue rule, the one place it is written: a registration belongs at its own
    venue when it has one, else at a provincial (not the host) venue of its province."""
    if registration_venue_id:
        return registration_venue_id == venue.pk
    return not venue.is_host and venue.province_id == registration_province_id


def same_person_keys(data):
    """The duplicate rule, the one place it is written: two registrations of a session are the same person
    when they share a national ID, or the first name, last name and phone. Returns the keys `data` (a mapping
    of cleaned participant fields) can match on; the two UniqueConstraints below hold the same rule.

    National IDs are compared by their keyed hash: `data` holds either the clean "national_id" (a form, a
    file's row) or the stored "national_id_hash" (an existing registration)."""
    keys = []
    id_hash = data.get("national_id_hash") or (hash_national_id(data["national_id"]) if data.get("national_id") else "")
    if id_hash:
        keys.append(("national_id", id_hash))
    if data.get("first_name") and data.get("last_name") and data.get("phone"):
        keys.append(("name_phone", data["first_name"], data["last_name"], data["phone"]))
    return keys


def home_venue_id(registration_venue_id, registration_province_id, provincial_venue_by_province):
    """`expected_at` resolved to one venue id, for counting a registration in one venue's row."""
    return registration_venue_id or provincial_venue_by_province.get(registration_province_id)


class Prefix(models.TextChoices):
    MR = "นาย", pgettext_lazy("name prefix", "Mr.")
    MRS = "นาง", pgettext_lazy("name prefix", "Mrs.")
    MISS = "นางสาว", pgettext_lazy("name prefix", "Miss")
    DR = "ดร.", pgettext_lazy("name prefix", "Dr.")
    ACTING_SUB_LT = "ว่าที่ร้อยตรี", pgettext_lazy("name prefix", "Acting Sub-Lt.")
    ACTING_SUB_LT_F = "ว่าที่ร้อยตรีหญิง", pgettext_lazy("name prefix", "Acting Sub-Lt. (female)")
    POL_SGT_MAJ = "ดาบตำรวจ", pgettext_lazy("name prefix", "Pol. Sen. Sgt. Maj.")
    SGT = "จ่าสิบเอก", pgettext_lazy("name prefix", "Sgt. Maj. 1st Class")
    MONK = "พระ", pgettext_lazy("name prefix", "Phra (monk)")


class RegistrationStatus(models.TextChoices):
    ACTIVE = ACTIVE_REGISTRATION, _("Registered")
    CANCELLED = "cancelled", _("Cancelled")
    SUBSTITUTED = "substituted", _("Replaced by a substitute")


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=RegistrationStatus.ACTIVE)

    def in_list_order(self):
        """A stable database order near the lists' own (province code, role, name). What people read is
        ordered by sorted_in_list_order or list_order_pks: SQL cannot put Thai names in dictionary order."""
        return self.order_by("province__code", "role__order", "role__code", "first_name", "last_name", "pk")

    def with_national_id(self, value):
        """Registrations holding this (clean, 13-digit) national ID, found by its keyed hash."""
        return self.filter(national_id_hash=hash_national_id(value))


def sorted_in_list_order(registrations):
    """Registrations as every list of people shows them (pages, exports, PDFs, results): by the name of the
    province, then role, then first and last name, names in Thai dictionary order (meetings.collation).
    Join the province and role first (select_related), or each row costs two queries."""
    registrations = list(registrations)
    provinces = thai_ranks(r.province.name for r in registrations)
    first_names = thai_ranks(r.first_name for r in registrations)
    last_names = thai_ranks(r.last_name for r in registrations)
    return sorted(
        registrations,
        key=lambda r: (provinces[r.province.name], r.role.order, r.role.code, first_names[r.first_name], last_names[r.last_name], r.pk),
    )


def sorted_by_name(registrations):
    """Registrations by first name, then last name, in Thai dictionary order (a venue's sign-in sheet)."""
    registrations = list(registrations)
    first_names = thai_ranks(r.first_name for r in registrations)
    last_names = thai_ranks(r.last_name for r in registrations)
    return sorted(registrations, key=lambda r: (first_names[r.first_name], last_names[r.last_name], r.pk))


def list_order_pks(registrations):
    """The primary keys of `registrations` in list order (sorted_in_list_order), reading only what the
    order needs: a paginated page fetches its own rows afterwards."""
    slim = (
        registrations.select_related(None)
        .prefetch_related(None)
        .select_related("province", "role")
        .order_by()
        .only("pk", "first_name", "last_name", "province", "province__name_th", "province__name_en", "role", "role__order", "role__code")
    )
    return [r.pk for r in sorted_in_list_order(slim)]


# A person's own details: what the participant form and an import row set, and a correction edits.
# "national_id" is not a column: it is stored encrypted with its keyed hash (NATIONAL_ID_COLUMNS);
# person_columns() turns these fields into the columns they are stored in.
PERSON_FIELDS = (
    "prefix",
    "first_name",
    "last_name",
    "position",
    "organisation",
    "village",
    "subdistrict",
    "district",
    "phone",
    "email",
    "national_id",
)
NATIONAL_ID_COLUMNS = ("national_id_encrypted", "national_id_hash")


def person_columns(data):
    """{column: value} for the person's details in `data` (cleaned participant fields), as stored: the
    national ID encrypted and hashed. A missing field is stored empty, except the national ID: when
    "national_id" is not in `data` its columns are left out (a correction that keeps the number); ""
    clears it."""
    columns = {name: data.get(name) or "" for name in PERSON_FIELDS if name != "national_id"}
    if "national_id" in data:
        columns.update(national_id_columns(data["national_id"]))
    return columns


class Registration(models.Model):
    """One person's seat in one session, counted against their province's quota for their role."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="registrations", verbose_name=_("session"))
    province = models.ForeignKey("meetings.Province", on_delete=models.PROTECT, verbose_name=_("province"))
    venue = models.ForeignKey("meetings.Venue", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("venue"))
    role = models.ForeignKey("meetings.RoleCategory", on_delete=models.PROTECT, verbose_name=_("role category"))
    prefix = models.CharField(_("prefix"), max_length=32, choices=Prefix.choices)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    village = models.CharField(_("village"), max_length=120, blank=True)
    subdistrict = models.CharField(_("subdistrict"), max_length=120, blank=True)
    district = models.CharField(_("district"), max_length=120, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Never in clear (registration/thai_id.py): set with set_national_id(), read masked_national_id;
    # the full number only through registration.services.reveal_national_id (central staff, logged).
    national_id_encrypted = models.CharField(_("national ID (encrypted)"), max_length=255, blank=True, editable=False)
    national_id_hash = models.CharField(_("national ID (keyed hash)"), max_length=64, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE)
    replaces = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces"))
    token_key = models.CharField(max_length=32, unique=True, default=new_token_key, editable=False)
    link_revoked = models.BooleanField(_("personal link revoked"), default=False)
    # Check-in tickets carry this number (meetings/tickets.py); re-issuing a badge bumps it, so
    # the tickets printed before are refused.
    ticket_version = models.PositiveIntegerField(_("ticket version"), default=1)
    # Set when the person's data was erased (registration.services.anonymise_registration): the row
    # stays so that seats, attendance and training counts stay true, with no one's data in it.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        db_table = "meetings_registration"  # the table from before registration was its own app
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["session", "province", "role", "status"], name="reg_quota_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "national_id_hash"],
                condition=Q(status="active") & ~Q(national_id_hash=""),
                name="registration_unique_national_id",
            ),
            models.UniqueConstraint(
                fields=["session", "first_name", "last_name", "phone"],
                condition=Q(status="active"),
                name="registration_unique_name_phone",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        # Thai prefixes are written without a space before the first name (นายสมชาย).
        return f"{self.prefix}{self.first_name} {self.last_name}"

    def get_personal_path(self):
        return reverse("registration:personal", kwargs={"token": make_personal_token(self)})

    def get_personal_url(self, request=None):
        """The absolute personal link: on SITE_URL, else on the host `request` came in on (meetings/site.py)."""
        return absolute_url(self.get_personal_path(), request)

    def is_expected_at(self, venue):
        return expected_at(self.venue_id, self.province_id, venue)

    def get_ticket(self):
        """The signed check-in ticket printed on badges and shown on the personal page."""
        return make_ticket(self)

    def set_national_id(self, value):
        """Store a clean national ID (encrypted, with its keyed hash), or clear it with "" or None.
        Save the NATIONAL_ID_COLUMNS afterwards. Raises stdnum's ValidationError for a number that is
        not a valid Thai ID: forms validate first."""
        for column, stored in national_id_columns(value or "").items():
            setattr(self, column, stored)

    # Registration(national_id=…) and objects.create(national_id=…) store the number encrypted; reading
    # `registration.national_id` (a template printing it) gives the masked number, never the full one.
    national_id = property(
        fget=lambda self: self.masked_national_id,
        fset=set_national_id,
        doc="Set: stores the national ID encrypted. Read: the masked number (x-xxxx-xxxxx-xx-3).",
    )

    @property
    def has_national_id(self):
        return bool(self.national_id_hash)

    @property
    def masked_national_id(self):
        """x-xxxx-xxxxx-xx-3, what every page, export and PDF shows."""
        return masked_from_token(self.national_id_encrypted)

    def decrypt_national_id(self):
        """The full number ("" when none). Only for registration.services.reveal_national_id, which checks
        and logs who asks, and for re-encrypting; never for display."""
        return decrypt_id_token(self.national_id_encrypted) if self.national_id_encrypted else ""

    # A template must not call it ({{ registration.decrypt_national_id }} prints nothing useful).
    decrypt_national_id.do_not_call_in_templates = True


class NationalIdReveal(models.Model):
    """Audit trail: central staff explicitly showed a full national ID (every reveal is one row)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="national_id_reveals", verbose_name=_("registration"))
    revealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("revealed by"))
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        db_table = "meetings_nationalidreveal"
        ordering = ["-revealed_at"]
        verbose_name = _("national ID reveal")
        verbose_name_plural = _("national ID reveals")

    def __str__(self):
        return f"{self.registration_id} by {self.revealed_by_id} at {self.revealed_at:%Y-%m-%d %H:%M}"


# --- messages to people (registration/messaging.py) -------------------------------------------------------


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LINE = "line", _("LINE")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent (failed)")
    SKIPPED = "skipped", _("Not sent (opted out or no address)")
    UNCERTAIN = "uncertain", _("Unknown (the worker stopped while sending; not sent again)")


class OutgoingMessage(models.Model):
    """One message to one person on one channel: the log of what was sent to whom, and the outbox the
    delivery job works through (registration/messaging.py). `dedupe_key` is unique: the same reminder,
    personal link mail or test is queued for a person once, however often the work that queues it runs."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, null=True, blank=True, related_name="messages", verbose_name=_("person"))
    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="messages", verbose_name=_("session"))
    # A test a staff member sends to themself has no registration.
    staff_recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices)
    kind = models.CharField(_("kind"), max_length=64)
    dedupe_key = models.CharField(max_length=200, unique=True)
    to = models.CharField(_("to"), max_length=254, blank=True)
    language = models.CharField(max_length=8, default="th")
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"))
    html_body = models.TextField(blank=True)
    attach_calendar = models.BooleanField(default=False)
    # Reminders respect the person's opt-out; a personal link a staff member sends on request does not.
    respects_opt_out = models.BooleanField(default=True)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    job = models.ForeignKey("meetings.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("queued"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["job", "status"], name="message_job_status")]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.subject or self.kind}"


class MessageOptOut(models.Model):
    """A person's 'no more reminders on this channel', through the link in each message."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="opt_outs")
    channel = models.CharField(max_length=8, choices=MessageChannel.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "channel"], name="one_opt_out_per_channel")]

    def __str__(self):
        return f"{self.registration_id}: {self.channel}"


# --- reminder rules (registration/reminders.py) -----------------------------------------------------------


class ReminderAnchor(models.TextChoices):
    BEFORE_START = "before_start", _("before the start")
    AFTER_END = "after_end", _("after the end")


class OffsetUnit(models.TextChoices):
    """The unit a rule's offset is shown in; the offset itself is stored in minutes."""

    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")


OFFSET_UNIT_MINUTES = {OffsetUnit.MINUTES: 1, OffsetUnit.HOURS: 60, OffsetUnit.DAYS: 24 * 60}


class ReminderLanguage(models.TextChoices):
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")


class CheckinFilter(models.TextChoices):
    ANY = "any", _("Anyone")
    CHECKED_IN = "checked_in", _("Checked in")
    NOT_CHECKED_IN = "not_checked_in", _("Not checked in")


class PosttestFilter(models.TextChoices):
    ANY = "any", _("Anyone")
    NOT_TAKEN = "not_taken", _("Has not taken the post-test")
    PASSED = "passed", _("Passed the post-test")
    NOT_PASSED = "not_passed", _("Has not passed the post-test (not taken, or taken without passing)")


class ReminderRule(models.Model):
    """A reminder a session sends by itself: to whom (filters), when (an offset before the start or after the
    end), on which channels, saying what (subject and body with {placeholders}). The tick fires a rule once,
    when it falls due (registration/reminders.py); each person gets it once per channel, whatever happens."""

    session = models.ForeignKey("meetings.Session", on_delete=models.CASCADE, related_name="reminder_rules", verbose_name=_("session"))
    name = models.CharField(_("name"), max_length=200)
    send_email = models.BooleanField(_("by e-mail"), default=True)
    send_line = models.BooleanField(_("by LINE"), default=False)
    anchor = models.CharField(_("before or after"), max_length=16, choices=ReminderAnchor.choices, default=ReminderAnchor.BEFORE_START)
    offset_minutes = models.PositiveIntegerField(_("offset (minutes)"), default=24 * 60)
    offset_unit = models.CharField(_("unit"), max_length=8, choices=OffsetUnit.choices, default=OffsetUnit.DAYS)
    language = models.CharField(_("language"), max_length=2, choices=ReminderLanguage.choices, default=ReminderLanguage.THAI)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    # Filters: an empty set of roles or provinces means every one.
    roles = models.ManyToManyField("meetings.RoleCategory", blank=True, related_name="+", verbose_name=_("roles"))
    provinces = models.ManyToManyField("meetings.Province", blank=True, related_name="+", verbose_name=_("provinces"))
    # "" means any status.
    registration_status = models.CharField(
        _("registration status"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE, blank=True
    )
    checkin = models.CharField(_("check-in"), max_length=16, choices=CheckinFilter.choices, default=CheckinFilter.ANY)
    posttest = models.CharField(_("post-test"), max_length=16, choices=PosttestFilter.choices, default=PosttestFilter.ANY)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bookkeeping of the tick: fired (its messages queued) or skipped (too late), never both, each once.
    fired_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    skipped_at = models.DateTimeField(_("skipped at"), null=True, blank=True)
    skip_reason = models.CharField(_("why it was not sent"), max_length=300, blank=True)
    queued_count = models.PositiveIntegerField(_("messages queued"), default=0)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        indexes = [models.Index(fields=["fired_at", "skipped_at", "is_active"], name="reminder_rule_pending")]
        constraints = [models.CheckConstraint(condition=Q(send_email=True) | Q(send_line=True), name="reminder_rule_has_a_channel")]

    def __str__(self):
        return self.name

    @property
    def offset(self):
        return datetime.timedelta(minutes=self.offset_minutes)

    def due_at(self, session=None):
        """When the rule falls due: the session's start less the offset, or its end plus the offset."""
        session = session or self.session
        if self.anchor == ReminderAnchor.AFTER_END:
            return session.ends_at + self.offset
        return session.starts_at - self.offset

    @property
    def offset_amount(self):
        """The offset in the rule's unit (what the form shows)."""
        return self.offset_minutes // OFFSET_UNIT_MINUTES.get(self.offset_unit, 1)

    @property
    def channels(self):
        return [channel for channel, wanted in ((MessageChannel.EMAIL, self.send_email), (MessageChannel.LINE, self.send_line)) if wanted]

    @property
    def message_kind(self):
        """OutgoingMessage.kind of this rule's messages (the log names the rule from it)."""
        return f"reminder:{self.pk}"


# --- LINE (registration/line.py) ----------------------------------------------------------------------------

# Link codes: no 0/O, 1/I/L or 5/S to misread on a phone's screen.
LINE_CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
LINE_CODE_LENGTH = 8


def new_line_code():
    return "".join(secrets.choice(LINE_CODE_ALPHABET) for _ in range(LINE_CODE_LENGTH))


class LineLink(models.Model):
    """A person's LINE account (the userId LINE gives our Official Account), linked from their personal page;
    LINE messages about their session go there. Personal data: linking and unlinking are audited."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="line_link", verbose_name=_("person"))
    line_user_id = models.CharField(_("LINE user ID"), max_length=64, db_index=True)
    linked_at = models.DateTimeField(_("linked"), auto_now=True)

    class Meta:
        verbose_name = _("LINE link")
        verbose_name_plural = _("LINE links")

    def __str__(self):
        return f"{self.registration_id}: LINE"


class LineLinkCode(models.Model):
    """A short-lived code shown on a personal page; the person sends it to the Official Account on LINE and
    the webhook links the sender's account to that registration."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="line_link_codes")
    code = models.CharField(max_length=16, unique=True, default=new_line_code)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # Who used it (to answer a redelivered or repeated message the same way); blanked with the link.
    used_by = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.registration_id}: {self.code[:2]}…"


class LineWebhookEvent(models.Model):
    """A webhook event already handled (LINE's webhookEventId): a redelivered event is acknowledged, not
    handled twice. Kept a few days (registration/line.py prunes them)."""

    event_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return self.event_id
