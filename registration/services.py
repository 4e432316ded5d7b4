"""Writes for registrations: one person, a whole file, cancel, substitute, personal links, tickets, ID reveals.

Every write is one function with keyword-only arguments, the acting user named `actor` (None is the command
line, acting as the province's office), one transaction that also writes its audit entry (meetings.audit),
and a RegistrationError (registration/errors.py) when it refuses. Each checks who may change what (a
provincial office only its own province, and only while the session's registration window is open; central
staff always), so views, the import command and any future API share the same rules. Quotas are enforced
under a row lock on the Quota row; the same person is found by one rule (registration.models.same_person_keys),
for one person and for a whole file alike. Registration broadcasts nothing: the attendance dashboards count
registrations when they next refresh.
"""

import hashlib
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Count, F, ForeignKey, Q, TextField
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.audit import record
from meetings.models import AuditAction, JobStatus, Province, Quota, Venue
from meetings.permissions import is_central, user_province
from meetings.site import site_url
from registration.errors import NO_SEATS_MESSAGE, ImportRejected, RegistrationError
from registration.imports import Problem, check_rows, read_sheet
from registration.message_templates import render_message
from registration.messaging import deliver, queue_message
from registration.models import (
    NATIONAL_ID_COLUMNS,
    PERSON_FIELDS,
    MessageChannel,
    MessageOptOut,
    MessageStatus,
    NationalIdReveal,
    OutgoingMessage,
    Registration,
    RegistrationStatus,
    new_token_key,
    person_columns,
    same_person_keys,
)
from registration.personal_data import ANONYMISED_NAME, anonymise_personal_data, personal_data
from registration.selectors import people_to_email_links, roles_with_seats
from registration.thai_id import decrypt_national_id, hash_national_id, reencrypt_national_id


@dataclass
class ImportResult:
    created: list = field(default_factory=list)  # ParsedRow
    already_registered: list = field(default_factory=list)  # (ParsedRow, the matching Existing)
    dry_run: bool = False
    encoding: str = ""

    @property
    def total(self):
        return len(self.created) + len(self.already_registered)


# --- permission rules -----------------------------------------------------------------------------------


def check_can_change(*, actor, session, province):
    """Raise RegistrationError unless `actor` may change registrations of `province` in `session` now.

    actor None is the command line, acting as the province's office: the registration window applies.
    province None asks about the actor's own province (central staff: any).
    """
    central = actor is not None and is_central(actor)
    if actor is not None and not central:
        own = user_province(actor)
        if own is None or (province is not None and own.pk != province.pk):
            raise RegistrationError(
                gettext("You can only register people of %(province)s.") % {"province": own.name if own else "-"},
                code="other_province",
            )
    if not central and not session.is_registration_open():
        raise RegistrationError(
            gettext("Registration for this session is closed. Only central staff can change registrations now."),
            code="registration_closed",
        )


def can_change(*, actor, session, province=None):
    """check_can_change as a yes or no, for pages that show or hide their buttons."""
    try:
        check_can_change(actor=actor, session=session, province=province)
    except RegistrationError:
        return False
    return True


# --- the same person twice ------------------------------------------------------------------------------


@dataclass
class Existing:
    """What a duplicate check needs to know of an active registration (plain values, not a model instance:
    a re-upload of 2,660 rows matches every one of them)."""

    pk: int
    province_id: int
    prefix: str
    first_name: str
    last_name: str
    phone: str
    national_id_hash: str
    province: Province = None

    @property
    def full_name(self):
        return f"{self.prefix}{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class SamePerson:
    """An active registration that is the same person as one being registered, and by which key."""

    existing: Existing
    by_national_id: bool

    def message_for(self, *, province, actor):
        """What `actor`, registering for `province`, is told. A registration of another province is not
        named to a provincial office (nor to the command line, which acts as one): who is registered
        elsewhere is not theirs to see; central staff, who see every province, are told who and where."""
        if self.existing.province_id != province.pk and (actor is None or not is_central(actor)):
            return gettext("This person is already registered for this session in another province. Ask central staff.")
        params = {"name": self.existing.full_name, "province": self.existing.province.name}
        if self.by_national_id:
            return gettext("This national ID is already registered for this session: %(name)s, %(province)s.") % params
        return gettext("%(name)s with this phone number is already registered for this session by %(province)s.") % params

    def error(self, *, province, actor):
        return RegistrationError(
            self.message_for(province=province, actor=actor), code="duplicate", details={"field": "national_id" if self.by_national_id else "phone"}
        )


def find_same_people(session, people, *, exclude_pk=None):
    """For each of `people` (mappings of cleaned participant fields), the SamePerson among the active
    registrations of `session`, or None. One query (two when some match), however many people.
    National IDs are matched by their keyed hash (registration/thai_id.py)."""
    keys = [same_person_keys(person) for person in people]
    id_hashes = {key[1] for person_keys in keys for key in person_keys if key[0] == "national_id"}
    phones = {person["phone"] for person in people if person.get("phone")}
    if not id_hashes and not phones:
        return [None] * len(people)
    candidates = Registration.objects.active().filter(session=session).filter(Q(national_id_hash__in=id_hashes) | Q(phone__in=phones))
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    existing = [
        Existing(*values) for values in candidates.values_list("pk", "province_id", "prefix", "first_name", "last_name", "phone", "national_id_hash")
    ]
    if not existing:
        return [None] * len(people)
    provinces = Province.objects.in_bulk({e.province_id for e in existing})
    by_key = {}
    for e in existing:
        e.province = provinces[e.province_id]
        for key in same_person_keys({"national_id_hash": e.national_id_hash, "first_name": e.first_name, "last_name": e.last_name, "phone": e.phone}):
            by_key.setdefault(key, e)
    found = []
    for person_keys in keys:
        match = next((SamePerson(by_key[key], key[0] == "national_id") for key in person_keys if key in by_key), None)
        found.append(match)
    return found


def _raise_if_duplicate(session, data, *, province, actor, exclude_pk=None):
    [match] = find_same_people(session, [data], exclude_pk=exclude_pk)
    if match is not None:
        raise match.error(province=province, actor=actor)


# --- quota ----------------------------------------------------------------------------------------------


def _lock_quota(session, province, role):
    """Lock and return the Quota row; call inside transaction.atomic(). Concurrent writers queue here."""
    quota = Quota.objects.select_for_update().filter(session=session, province=province, role=role).first()
    if quota is None:
        raise RegistrationError(
            NO_SEATS_MESSAGE % {"role": role.name, "province": province.name},
            code="no_quota",
            details={"field": "role"},
        )
    return quota


def _used_seats(session, province, role):
    return Registration.objects.active().filter(session=session, province=province, role=role).count()


def _over_quota_message(quota, used):
    return gettext("The quota for %(role)s in %(province)s is full (%(used)s of %(seats)s seats).") % {
        "role": quota.role.name,
        "province": quota.province.name,
        "used": used,
        "seats": quota.seats,
    }


def _province_venue(session, province):
    return Venue.objects.filter(session=session, province=province, is_host=False).first()


def _save_new(registration, session, data, *, actor, exclude_pk=None):
    """Insert; a concurrent insert of the same person hits the unique constraints and becomes a clear error."""
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        _raise_if_duplicate(session, data, province=registration.province, actor=actor, exclude_pk=exclude_pk)
        raise


def _lock_active(registration):
    """Lock and return the registration's row, refusing one that is no longer active. Call inside the
    transaction that writes."""
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status != RegistrationStatus.ACTIVE:
        raise RegistrationError(gettext("This registration is no longer active."), code="not_active")
    if locked.anonymised_at is not None:
        raise RegistrationError(gettext("This person's data was erased; the registration can no longer be changed."), code="anonymised")
    return locked


# --- the audit log -------------------------------------------------------------------------------------

AUDIT_SUMMARIES = {
    AuditAction.REGISTRATION_CREATED: _("Registration %(id)s created in session %(session)s"),
    AuditAction.REGISTRATION_UPDATED: _("Details of registration %(id)s in session %(session)s corrected"),
    AuditAction.REGISTRATION_CANCELLED: _("Registration %(id)s in session %(session)s cancelled"),
    AuditAction.REGISTRATION_SUBSTITUTED: _("Registration %(id)s in session %(session)s takes over a seat from a substituted person"),
    AuditAction.LINK_REVOKED: _("Personal link of registration %(id)s in session %(session)s revoked"),
    AuditAction.LINK_REISSUED: _("New personal link for registration %(id)s in session %(session)s"),
    AuditAction.LINK_SENT: _("Personal link of registration %(id)s in session %(session)s queued for e-mail"),
    AuditAction.TICKET_REISSUED: _("Check-in ticket of registration %(id)s in session %(session)s re-issued"),
    AuditAction.NATIONAL_ID_REVEALED: _("National ID of registration %(id)s in session %(session)s revealed"),
    AuditAction.PERSONAL_DATA_EXPORTED: _("Personal data of registration %(id)s in session %(session)s downloaded"),
    AuditAction.PERSONAL_DATA_ANONYMISED: _("Personal data of registration %(id)s in session %(session)s erased"),
}


# One entry for a whole province's personal links (send_personal_links); the outbox has one row per person.
BULK_LINKS_SUMMARY = _("Personal links of %(count)s people in session %(session)s queued for e-mail")


def _stored_person(registration):
    """The person's details as stored, {column: value}; the national ID by its keyed hash (its encrypted
    form changes with every encryption), named "national_id"."""
    stored = {}
    for model_field in Registration._meta.concrete_fields:
        column = model_field.attname
        if column.startswith("national_id"):
            if column.endswith("_encrypted") and hasattr(registration, "national_id_hash"):
                continue
            stored["national_id"] = getattr(registration, column)
        elif column in PERSON_FIELDS:
            stored[column] = getattr(registration, column)
    return stored


def _changed_fields(before, after):
    return [name for name in PERSON_FIELDS if before.get(name) != after.get(name)]


def _audit(action, actor, registration, details=None, ip_address=None):
    """One audit entry about one registration; call inside the transaction of the write."""
    return record(
        action=action,
        actor=actor,
        obj=registration,
        summary=AUDIT_SUMMARIES[action],
        params={"id": registration.pk, "session": registration.session_id},
        details={"session": registration.session_id, **(details or {})},
        ip_address=ip_address,
    )


# --- one person -----------------------------------------------------------------------------------------


def register_participant(*, session, province, data, actor):
    """Register one person. `data` holds the cleaned participant fields and `role` (a RoleCategory)."""
    role = data["role"]
    with transaction.atomic():
        check_can_change(actor=actor, session=session, province=province)
        quota = _lock_quota(session, province, role)
        used = _used_seats(session, province, role)
        if used >= quota.seats:
            raise RegistrationError(_over_quota_message(quota, used), code="over_quota", details={"field": "role"})
        _raise_if_duplicate(session, data, province=province, actor=actor)
        registration = Registration(
            session=session,
            province=province,
            role=role,
            venue=_province_venue(session, province),
            created_by=actor,
            **person_columns({"national_id": "", **data}),
        )
        _save_new(registration, session, data, actor=actor)
        _audit(AuditAction.REGISTRATION_CREATED, actor, registration, details={"role": role.code})
    return registration


def update_participant(*, registration, data, actor):
    """Correct a person's details (not their role or province: that is a cancel and a new registration).

    Without "national_id" in `data` the number on file stays (the correction form leaves it out when its
    field is left empty); "" clears it; a number replaces it."""
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        locked = _lock_active(registration)
        _raise_if_duplicate(locked.session, data, province=locked.province, actor=actor, exclude_pk=locked.pk)
        before = _stored_person(locked)
        columns = person_columns(data)
        for name, value in columns.items():
            setattr(locked, name, value)
        try:
            with transaction.atomic():
                locked.save(update_fields=[*columns, "updated_at"])
        except IntegrityError:
            _raise_if_duplicate(locked.session, data, province=locked.province, actor=actor, exclude_pk=locked.pk)
            raise
        # Which fields changed, never their values: the log must not hold the person's data.
        _audit(AuditAction.REGISTRATION_UPDATED, actor, locked, details={"fields": _changed_fields(before, _stored_person(locked))})
    return locked


def cancel_registration(*, registration, actor):
    """Free the seat; the personal link stops working."""
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        locked = _lock_active(registration)
        locked.status = RegistrationStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        _audit(AuditAction.REGISTRATION_CANCELLED, actor, locked)
    return locked


def substitute_registration(*, registration, data, actor):
    """Put another person into the same seat (same province, role and venue); the old link stops working."""
    session = registration.session
    with transaction.atomic():
        check_can_change(actor=actor, session=session, province=registration.province)
        # The quota row first, as register_participant does, so the two never deadlock.
        _lock_quota(session, registration.province, registration.role)
        locked = _lock_active(registration)
        _raise_if_duplicate(session, data, province=locked.province, actor=actor, exclude_pk=locked.pk)
        locked.status = RegistrationStatus.SUBSTITUTED
        locked.save(update_fields=["status", "updated_at"])
        substitute = Registration(
            session=session,
            province=locked.province,
            role=locked.role,
            venue=locked.venue,
            replaces=locked,
            created_by=actor,
            **person_columns({"national_id": "", **data}),
        )
        _save_new(substitute, session, data, actor=actor, exclude_pk=locked.pk)
        _audit(AuditAction.REGISTRATION_SUBSTITUTED, actor, substitute, details={"replaces": locked.pk})
    return substitute


# --- personal links and tickets -------------------------------------------------------------------------


def revoke_personal_link(*, registration, actor):
    """The current link and QR stop working at once (a lost phone, a forwarded message)."""
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        Registration.objects.filter(pk=registration.pk).update(link_revoked=True)
        _audit(AuditAction.LINK_REVOKED, actor, registration)
    registration.link_revoked = True
    return registration


def reissue_personal_link(*, registration, actor):
    """A new link and QR; every earlier link, revoked or not, stops working."""
    key = new_token_key()
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        locked = _lock_active(registration)
        locked.token_key = key
        locked.link_revoked = False
        locked.save(update_fields=["token_key", "link_revoked", "updated_at"])
        _audit(AuditAction.LINK_REISSUED, actor, locked)
    registration.token_key, registration.link_revoked = key, False
    return registration


def reissue_ticket(*, registration, actor):
    """A new check-in ticket (a lost or photographed badge): the badge printed before is refused
    at every scanner once it has the next snapshot, and by the server at once."""
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        locked = _lock_active(registration)
        locked.ticket_version = F("ticket_version") + 1
        locked.save(update_fields=["ticket_version", "updated_at"])
        locked.refresh_from_db(fields=["ticket_version"])
        _audit(AuditAction.TICKET_REISSUED, actor, locked, details={"ticket_version": locked.ticket_version})
    registration.ticket_version = locked.ticket_version
    return registration


# --- personal links by e-mail, and opting out of messages ---------------------------------------------------

PERSONAL_LINK_KIND = "personal_link"
PERSONAL_LINK_TEMPLATE = "registration/email/personal_link"
UNFINISHED_MESSAGE = (MessageStatus.PENDING, MessageStatus.SENDING)


def _link_fingerprint(registration):
    """Names the current personal link in dedupe keys without holding its key: a new link, a new fingerprint."""
    return hashlib.sha256(registration.token_key.encode()).hexdigest()[:12]


def _personal_link_key_prefix(registration):
    return f"{PERSONAL_LINK_KIND}:{registration.pk}:{_link_fingerprint(registration)}:"


def personal_link_message(registration, base_url=None, language=None):
    """The subject, text and HTML of the e-mail that carries `registration`'s personal link (a RenderedMessage)."""
    venue = registration.venue
    context = {
        "registration": registration,
        "session": registration.session,
        "venue": ", ".join(part for part in (venue.name, venue.room) if part) if venue is not None else "",
        "personal_url": (base_url or site_url()) + registration.get_personal_path(),
    }
    return render_message(PERSONAL_LINK_TEMPLATE, context, language or settings.LANGUAGE_CODE)


def _queue_personal_link(registration, number, *, actor, base_url):
    """Queue the personal link mail numbered `number` for the current link; None when that one exists."""
    language = settings.LANGUAGE_CODE
    rendered = personal_link_message(registration, base_url, language)
    return queue_message(
        session=registration.session,
        registration=registration,
        channel=MessageChannel.EMAIL,
        kind=PERSONAL_LINK_KIND,
        dedupe_key=f"{_personal_link_key_prefix(registration)}{number}",
        to=registration.email,
        subject=rendered.subject,
        body=rendered.text,
        html_body=rendered.html,
        language=language,
        # Sent because someone asked for it (the person, through their office): not a reminder to opt out of.
        respects_opt_out=False,
        actor=actor,
    )


def _deliver(messages, *, actor, title, session):
    """Start the delivery job for `messages`; one still waiting from a job that gave up is taken up again."""
    ids = [message.pk for message in messages]
    OutgoingMessage.objects.filter(pk__in=ids, status=MessageStatus.PENDING, job__status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]).update(job=None)
    return deliver(messages=ids, actor=actor, title=title, session=session)


def _check_link_can_be_sent(registration):
    if registration.status != RegistrationStatus.ACTIVE or registration.link_revoked:
        raise RegistrationError(gettext("This registration has no working personal link."), code="no_link")
    if not registration.email:
        raise RegistrationError(gettext("No e-mail address is on file for this person."), code="no_email")


def send_personal_link(*, registration, actor, base_url=None):
    """Queue the e-mail carrying the personal link to the person's address on file and start its delivery:
    the background worker sends it (registration/email.py), never the request. Works after the registration
    window closes too (people need their links most then). Returns the OutgoingMessage; its `job` is the
    delivery job, its status says whether it went.

    A second press while the mail still waits returns that mail (a double click sends one); once it has gone
    or failed, a press queues another. The audit log records the queuing (LINK_SENT); the outbox records
    when it went, or why not. The caller has already scoped the registration to what `actor` may see.
    `base_url` is the site's address for the link (`meetings.site.site_url(request)` from a page)."""
    _check_link_can_be_sent(registration)
    with transaction.atomic():
        locked = _lock_active(registration)  # one press at a time per person
        _check_link_can_be_sent(locked)
        mine = OutgoingMessage.objects.filter(registration=locked, kind=PERSONAL_LINK_KIND)
        message = mine.filter(status__in=UNFINISHED_MESSAGE).order_by("-pk").first()
        if message is None:
            prefix = _personal_link_key_prefix(locked)
            number = mine.filter(dedupe_key__startswith=prefix).count()
            message = _queue_personal_link(locked, number, actor=actor, base_url=base_url) or OutgoingMessage.objects.get(
                dedupe_key=f"{prefix}{number}"
            )
            _audit(AuditAction.LINK_SENT, actor, locked, details={"message": message.pk})
        _deliver([message], actor=actor, title=gettext("Personal link by e-mail: registration %(id)s") % {"id": locked.pk}, session=locked.session)
    message.refresh_from_db()
    return message


def send_personal_links(*, session, province, actor, base_url=None):
    """E-mail every active person of `province` in `session` who has an address and a working link their
    personal link, in one delivery job. Someone already sent their current link (or waiting for it) is left
    out, so running it twice sends nothing new; a new link (reissued) is sent anew. Provincial offices send
    to their own province only. Returns (the job or None when there was nothing to send, how many were queued)."""
    if actor is not None and not is_central(actor):
        own = user_province(actor)
        if own is None or own.pk != province.pk:
            raise RegistrationError(
                gettext("You can only e-mail the people of %(province)s.") % {"province": own.name if own else "-"}, code="other_province"
            )
    people = people_to_email_links(session, province).select_related("session", "venue")
    with transaction.atomic():
        queued = [message for person in people if (message := _queue_personal_link(person, 0, actor=actor, base_url=base_url))]
        # Queued before by a delivery job that gave up (the mail server was away): sent in this job too.
        waiting = OutgoingMessage.objects.filter(
            registration__in=people, kind=PERSONAL_LINK_KIND, status=MessageStatus.PENDING, job__status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]
        )
        if queued:
            record(
                action=AuditAction.LINK_SENT,
                actor=actor,
                province=province,
                summary=BULK_LINKS_SUMMARY,
                params={"count": len(queued), "session": session.pk},
                details={"session": session.pk, "count": len(queued)},
            )
        job = _deliver(
            [*queued, *waiting], actor=actor, title=gettext("Personal links for %(province)s") % {"province": province.name}, session=session
        )
    return job, len(queued)


def _check_channel(channel):
    if channel not in MessageChannel.values:
        raise RegistrationError(gettext("Unknown channel."), code="unknown_channel")


def opt_out(*, registration, channel, actor=None):
    """The person asks for no more messages on `channel` about this registration (through the link in a
    message; actor None). Messages that respect opt-outs (reminders) and still wait are skipped; a personal
    link their office sends on request still goes. Asking twice changes nothing."""
    _check_channel(channel)
    with transaction.atomic():
        MessageOptOut.objects.get_or_create(registration=registration, channel=channel)
        OutgoingMessage.objects.filter(registration=registration, channel=channel, status=MessageStatus.PENDING, respects_opt_out=True).update(
            status=MessageStatus.SKIPPED, error=gettext("The person asked for no more messages on this channel.")
        )


def opt_in(*, registration, channel, actor=None):
    """Undo `opt_out`: messages queued from now on go out again (those skipped meanwhile stay skipped)."""
    _check_channel(channel)
    MessageOptOut.objects.filter(registration=registration, channel=channel).delete()


def reveal_national_id(*, registration, actor, reason, ip_address=None):
    """Return the full national ID ("" when none is on file) for central staff who give a reason; the
    reveal is logged with the reason (NationalIdReveal). Anyone else, or no reason, is refused.

    Raises RegistrationError: `forbidden`, `reason_required`, `undecryptable` (no configured key opens it)."""
    if actor is None or not is_central(actor):
        raise RegistrationError(gettext("Only central staff can reveal a national ID."), code="forbidden")
    reason = " ".join((reason or "").split())
    if not reason:
        raise RegistrationError(gettext("Say why you need the full number."), code="reason_required", details={"field": "reason"})
    try:
        national_id = registration.decrypt_national_id()
    except InvalidToken:
        raise RegistrationError(
            gettext("This national ID cannot be read with the configured keys. Tell the system administrator (NATIONAL_ID_KEYS)."),
            code="undecryptable",
        ) from None
    with transaction.atomic():
        NationalIdReveal.objects.create(registration=registration, revealed_by=actor, reason=reason[:500], ip_address=ip_address)
        _audit(AuditAction.NATIONAL_ID_REVEALED, actor, registration, details={"reason": reason[:300]}, ip_address=ip_address)
    return national_id


@dataclass
class KeyRotation:
    rotated: int = 0
    unreadable: list = field(default_factory=list)  # pks of registrations whose ID no configured key opens


def rotate_national_id_keys(*, actor=None, batch_size=500):
    """Re-encrypt every stored national ID with the newest key (the first of NATIONAL_ID_KEYS) and recompute
    its keyed hash with NATIONAL_ID_HASH_KEY (docs/DEPLOY.md, "National ID keys"). Batch by batch, each one
    transaction holding its rows locked, so a correction saved meanwhile is never overwritten. A row no key
    opens is left as it is and reported. actor None is the command line; a user must be central staff."""
    if actor is not None and not is_central(actor):
        raise RegistrationError(gettext("Only central staff can re-encrypt national IDs."), code="forbidden")
    result = KeyRotation()
    pks = list(Registration.objects.exclude(national_id_encrypted="").order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch_size):
        with transaction.atomic():
            rows = list(
                Registration.objects.select_for_update()
                .filter(pk__in=pks[start : start + batch_size])
                .only("pk", *NATIONAL_ID_COLUMNS)
                .order_by("pk")
            )
            changed = []
            for registration in rows:
                if not registration.national_id_encrypted:
                    continue  # cleared meanwhile
                try:
                    digits = decrypt_national_id(registration.national_id_encrypted)
                    registration.national_id_encrypted = reencrypt_national_id(registration.national_id_encrypted)
                except InvalidToken:
                    result.unreadable.append(registration.pk)
                    continue
                registration.national_id_hash = hash_national_id(digits)
                changed.append(registration)
            Registration.objects.bulk_update(changed, NATIONAL_ID_COLUMNS)
            result.rotated += len(changed)
    return result


# --- a whole file ---------------------------------------------------------------------------------------


def _insert_rows(shared, rows):
    """Insert many registrations with one executemany: `shared` and each row map field names to values
    (foreign keys as ids). Fields not given take their model default, so a field added later still works.

    Why not bulk_create: for a 2,660-row file it spent more time preparing values field by field than
    openpyxl spends reading the file (docs/BENCHMARKS.md); the values here are already clean strings.
    Call inside transaction.atomic() after the quota rows are locked.
    """
    if not rows:
        return
    now = timezone.now()
    columns, getters = [], []
    for model_field in Registration._meta.concrete_fields:
        if model_field.primary_key:
            continue
        name = model_field.name
        columns.append(connection.ops.quote_name(model_field.column))
        if name in rows[0]:
            if isinstance(model_field, (CharField, TextField, ForeignKey)):
                getters.append(lambda row, name=name: row[name])
            else:
                getters.append(lambda row, name=name, f=model_field: f.get_db_prep_save(row[name], connection))
        elif name in shared:
            value = shared[name]
            getters.append(lambda row, value=value: value)
        elif getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = model_field.get_db_prep_save(now, connection)
            getters.append(lambda row, value=value: value)
        elif model_field.has_default() and callable(model_field.default):
            getters.append(lambda row, f=model_field: f.get_db_prep_save(f.get_default(), connection))
        else:
            value = model_field.get_db_prep_save(model_field.get_default(), connection)
            getters.append(lambda row, value=value: value)
    table = connection.ops.quote_name(Registration._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[get(row) for get in getters] for row in rows])


def import_participants(*, session, province, content, actor, filename="", dry_run=False):
    """Register every row of an XLSX/CSV file, or none (one transaction). Returns ImportResult.

    Raises ImportFileError for an unreadable file, ImportRejected listing every problem by row and column
    (in `details["problems"]`), RegistrationError when the actor may not change this province or the window
    is closed. A row that is the same person as an active registration of the same province, with the same
    name, is reported as already registered and skipped, so uploading the same file twice adds nobody.
    """
    check_can_change(actor=actor, session=session, province=province)
    sheet = read_sheet(content, filename)
    checked = check_rows(sheet, province=province, roles=roles_with_seats(session, province))
    problems = list(checked.problems)
    result = ImportResult(dry_run=dry_run, encoding=sheet.encoding)

    with transaction.atomic():
        # Locked in a fixed order, so two imports for the same province never deadlock.
        quotas = {
            q.role_id: q
            for q in Quota.objects.select_for_update().filter(session=session, province=province).select_related("role", "province").order_by("pk")
        }
        used = dict(
            Registration.objects.active()
            .filter(session=session, province=province)
            .values_list("role_id")
            .annotate(n=Count("id"))
            .values_list("role_id", "n")
        )
        new_rows = []
        for parsed, same in zip(checked.rows, find_same_people(session, [parsed.data for parsed in checked.rows]), strict=True):
            if same is None:
                new_rows.append(parsed)
            elif (
                same.existing.province_id == province.pk
                and same.existing.first_name == parsed.data["first_name"]
                and same.existing.last_name == parsed.data["last_name"]
            ):
                result.already_registered.append((parsed, same.existing))
            else:
                problems.append(
                    Problem(
                        parsed.row,
                        checked.column("national_id" if same.by_national_id else "first_name"),
                        same.message_for(province=province, actor=actor),
                    )
                )
        wanted = {}
        for parsed in new_rows:
            if parsed.data.get("role") is not None:
                wanted.setdefault(parsed.data["role"].pk, []).append(parsed)
        for role_id, role_rows in wanted.items():
            quota = quotas.get(role_id)
            if quota is None:
                continue  # reported per row already: the form offers only roles with seats
            free = quota.seats - used.get(role_id, 0)
            if len(role_rows) > free:
                for parsed in role_rows[max(free, 0) :]:
                    problems.append(
                        Problem(
                            parsed.row,
                            checked.column("role"),
                            gettext("over quota: %(province)s has %(free)s free seats for %(role)s, this file adds %(wanted)s")
                            % {"province": province.name, "free": max(free, 0), "role": quota.role.name, "wanted": len(role_rows)},
                        )
                    )
        if problems:
            problems.sort(key=lambda p: p.row)
            raise ImportRejected(problems)
        result.created = new_rows
        if dry_run:
            return result
        venue = _province_venue(session, province)
        shared = {"session": session.pk, "province": province.pk, "venue": venue.pk if venue else None, "created_by": actor.pk if actor else None}
        try:
            with transaction.atomic():
                _insert_rows(shared, [{**person_columns({"national_id": "", **parsed.data}), "role": parsed.data["role"].pk} for parsed in new_rows])
        except IntegrityError:
            # Someone registered one of these people between our check and the insert: nothing is written.
            raise ImportRejected(
                [
                    Problem(
                        0,
                        "",
                        gettext(
                            "Another registration of one of these people was saved while the file was being imported. Nothing was imported; upload the file again."
                        ),
                    )
                ]
            ) from None
        record(
            action=AuditAction.REGISTRATION_IMPORTED,
            actor=actor,
            province=province,
            summary=_("%(created)s people imported for session %(session)s (%(skipped)s already registered)"),
            params={"created": len(new_rows), "session": session.pk, "skipped": len(result.already_registered)},
            details={"session": session.pk, "created": len(new_rows), "skipped": len(result.already_registered)},
        )
    return result


# --- personal data (PDPA): a copy for the person, erasure, retention --------------------------------------


def export_personal_data(*, registration, actor, ip_address=None):
    """Everything Prachum holds about the person (a dict for JSON, registration.personal_data), logged.

    actor None is the person themself, through their personal link. The caller has already scoped the
    registration: the personal link's own, or one `actor` may see (central staff, the province's office)."""
    data = personal_data(registration)
    with transaction.atomic():
        _audit(
            AuditAction.PERSONAL_DATA_EXPORTED,
            actor,
            registration,
            details={"by": "staff" if actor is not None else "participant", "sections": sorted(data)},
            ip_address=ip_address,
        )
    return data


def _clear_national_id(registration):
    # Through the model's own API when it has one (the number may be stored encrypted with a lookup hash).
    if hasattr(registration, "set_national_id"):
        registration.set_national_id("")
    else:
        registration.national_id = ""


def _anonymise(registrations, at):
    """Blank the people of `registrations` (rows locked by the caller's transaction) and tell the apps
    built on registration to blank theirs. What is counted stays: status, session, province, role,
    venue, substitution links, timestamps, the check-ins and quiz scores."""
    for registration in registrations:
        for name in PERSON_FIELDS:
            if name != "national_id":
                setattr(registration, name, "")
        _clear_national_id(registration)
        registration.first_name = ANONYMISED_NAME
        registration.last_name = str(registration.pk)
        registration.token_key = new_token_key()  # every personal link dies, revoked or not
        registration.link_revoked = True
        registration.ticket_version += 1  # and every printed badge
        registration.anonymised_at = at
        # Every column: the row is locked, and the national ID may span more than one field.
        registration.save()
    # The outbox's copies of what was sent (names, addresses, personal links); the statuses stay, as counts do.
    messages = OutgoingMessage.objects.filter(registration__in=registrations)
    messages.filter(status=MessageStatus.PENDING).update(status=MessageStatus.SKIPPED)
    messages.update(to="", subject="", body="", html_body="", error="")
    anonymise_personal_data.send(sender=Registration, registration_ids=[r.pk for r in registrations], at=at)


def anonymise_registration(*, registration, actor, reason, ip_address=None):
    """Erase one person's data (PDPA s. 33) by anonymising their registration; central staff only, with a reason.

    The registration stays (seats, attendance and training counts stay true). Calling it again for an
    anonymised registration changes nothing and logs nothing. Raises RegistrationError: `forbidden`,
    `reason_required`."""
    if actor is None or not is_central(actor):
        raise RegistrationError(gettext("Only central staff can erase a person's data."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError(gettext("Give the reason for erasing this person's data."), code="reason_required", details={"field": "reason"})
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.anonymised_at is not None:
            return locked
        _anonymise([locked], timezone.now())
        _audit(AuditAction.PERSONAL_DATA_ANONYMISED, actor, locked, details={"reason": reason[:300]}, ip_address=ip_address)
    return locked


@dataclass
class PurgePlan:
    """Registrations of one session due for anonymisation by the retention rule."""

    session_id: int
    session_title: str
    ended_at: object
    count: int


def registrations_due_for_purge(*, ended_before):
    """Registrations (any status) not yet anonymised whose session ended before `ended_before`."""
    return Registration.objects.filter(session__ends_at__lt=ended_before, anonymised_at__isnull=True)


def plan_purge(*, ended_before):
    """What purge_personal_data would anonymise, per session, oldest first (reads only)."""
    rows = (
        registrations_due_for_purge(ended_before=ended_before)
        .values("session_id", "session__title", "session__ends_at")
        .annotate(n=Count("pk"))
        .order_by("session__ends_at", "session_id")
    )
    return [PurgePlan(row["session_id"], row["session__title"], row["session__ends_at"], row["n"]) for row in rows]


def purge_personal_data(*, ended_before, actor=None):
    """Anonymise every registration of the sessions that ended before `ended_before` (the retention
    rule, docs/PRIVACY.md): one transaction and one audit entry per session. Returns the PurgePlans done.

    actor None is the command line (manage.py purge_personal_data); a user must be central staff."""
    if actor is not None and not is_central(actor):
        raise RegistrationError(gettext("Only central staff can erase a person's data."), code="forbidden")
    done = []
    for plan in plan_purge(ended_before=ended_before):
        with transaction.atomic():
            locked = list(
                registrations_due_for_purge(ended_before=ended_before)
                .filter(session_id=plan.session_id)
                .select_for_update(of=("self",))
                .order_by("pk")
            )
            if not locked:
                continue
            at = timezone.now()
            _anonymise(locked, at)
            record(
                action=AuditAction.PERSONAL_DATA_PURGED,
                actor=actor,
                summary=_("%(count)s registrations of session %(session)s anonymised: the retention period ended"),
                params={"count": len(locked), "session": plan.session_id},
                details={"session": plan.session_id, "count": len(locked), "ended_before": ended_before.isoformat()},
            )
        done.append(PurgePlan(plan.session_id, plan.session_title, plan.ended_at, len(locked)))
    return done
