"""Writes for registrations: one person, a whole file, cancel, substitute, personal links, tickets, ID reveals.

Every write is one function with keyword-only arguments, the acting user named `actor` (None is the command
line, acting as the province's office), one transaction, and a RegistrationError (registration/errors.py)
when it refuses. Each checks who may change what (a provincial office only its own province, and only while
the session's registration window is open; central staff always), so views, the import command and any
future API share the same rules. Quotas are enforced under a row lock on the Quota row; the same person is
found by one rule (registration.models.same_person_keys), for one person and for a whole file alike.
Registration broadcasts nothing: the attendance dashboards count registrations when they next refresh.
"""

from dataclasses import dataclass, field

from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Count, F, ForeignKey, Q, TextField
from django.utils import timezone
from django.utils.translation import gettext

from meetings.dates import format_date
from meetings.models import Province, Quota, Venue
from meetings.permissions import is_central, user_province
from registration.errors import NO_SEATS_MESSAGE, ImportRejected, RegistrationError
from registration.imports import Problem, check_rows, read_sheet
from registration.models import (
    PERSON_FIELDS,
    NationalIdReveal,
    Registration,
    RegistrationStatus,
    new_token_key,
    same_person_keys,
)
from registration.selectors import roles_with_seats


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
    national_id: str
    province: Province = None

    @property
    def full_name(self):
        return f"{self.prefix}{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class SamePerson:
    """An active registration that is the same person as one being registered, and by which key."""

    existing: Existing
    by_national_id: bool

    @property
    def message(self):
        params = {"name": self.existing.full_name, "province": self.existing.province.name}
        if self.by_national_id:
            return gettext("This national ID is already registered for this session: %(name)s, %(province)s.") % params
        return gettext("%(name)s with this phone number is already registered for this session by %(province)s.") % params

    def error(self):
        return RegistrationError(self.message, code="duplicate", details={"field": "national_id" if self.by_national_id else "phone"})


def find_same_people(session, people, *, exclude_pk=None):
    """For each of `people` (mappings of cleaned participant fields), the SamePerson among the active
    registrations of `session`, or None. One query (two when some match), however many people."""
    ids = {person["national_id"] for person in people if person.get("national_id")}
    phones = {person["phone"] for person in people if person.get("phone")}
    if not ids and not phones:
        return [None] * len(people)
    candidates = Registration.objects.active().filter(session=session).filter(Q(national_id__in=ids) | Q(phone__in=phones))
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    existing = [
        Existing(*values) for values in candidates.values_list("pk", "province_id", "prefix", "first_name", "last_name", "phone", "national_id")
    ]
    if not existing:
        return [None] * len(people)
    provinces = Province.objects.in_bulk({e.province_id for e in existing})
    by_key = {}
    for e in existing:
        e.province = provinces[e.province_id]
        for key in same_person_keys({"national_id": e.national_id, "first_name": e.first_name, "last_name": e.last_name, "phone": e.phone}):
            by_key.setdefault(key, e)
    found = []
    for person in people:
        match = next((SamePerson(by_key[key], key[0] == "national_id") for key in same_person_keys(person) if key in by_key), None)
        found.append(match)
    return found


def _raise_if_duplicate(session, data, exclude_pk=None):
    [match] = find_same_people(session, [data], exclude_pk=exclude_pk)
    if match is not None:
        raise match.error()


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


def _save_new(registration, session, data, exclude_pk=None):
    """Insert; a concurrent insert of the same person hits the unique constraints and becomes a clear error."""
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        _raise_if_duplicate(session, data, exclude_pk)
        raise


def _lock_active(registration):
    """Lock and return the registration's row, refusing one that is no longer active. Call inside the
    transaction that writes."""
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status != RegistrationStatus.ACTIVE:
        raise RegistrationError(gettext("This registration is no longer active."), code="not_active")
    return locked


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
        _raise_if_duplicate(session, data)
        registration = Registration(
            session=session,
            province=province,
            role=role,
            venue=_province_venue(session, province),
            created_by=actor,
            **{name: data.get(name) or "" for name in PERSON_FIELDS},
        )
        _save_new(registration, session, data)
    return registration


def update_participant(*, registration, data, actor):
    """Correct a person's details (not their role or province: that is a cancel and a new registration)."""
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        locked = _lock_active(registration)
        _raise_if_duplicate(locked.session, data, exclude_pk=locked.pk)
        for name in PERSON_FIELDS:
            setattr(locked, name, data.get(name) or "")
        try:
            with transaction.atomic():
                locked.save(update_fields=[*PERSON_FIELDS, "updated_at"])
        except IntegrityError:
            _raise_if_duplicate(locked.session, data, exclude_pk=locked.pk)
            raise
    return locked


def cancel_registration(*, registration, actor):
    """Free the seat; the personal link stops working."""
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        locked = _lock_active(registration)
        locked.status = RegistrationStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return locked


def substitute_registration(*, registration, data, actor):
    """Put another person into the same seat (same province, role and venue); the old link stops working."""
    session = registration.session
    with transaction.atomic():
        check_can_change(actor=actor, session=session, province=registration.province)
        # The quota row first, as register_participant does, so the two never deadlock.
        _lock_quota(session, registration.province, registration.role)
        locked = _lock_active(registration)
        _raise_if_duplicate(session, data, exclude_pk=locked.pk)
        locked.status = RegistrationStatus.SUBSTITUTED
        locked.save(update_fields=["status", "updated_at"])
        substitute = Registration(
            session=session,
            province=locked.province,
            role=locked.role,
            venue=locked.venue,
            replaces=locked,
            created_by=actor,
            **{name: data.get(name) or "" for name in PERSON_FIELDS},
        )
        _save_new(substitute, session, data, exclude_pk=locked.pk)
    return substitute


# --- personal links and tickets -------------------------------------------------------------------------


def revoke_personal_link(*, registration, actor):
    """The current link and QR stop working at once (a lost phone, a forwarded message)."""
    with transaction.atomic():
        check_can_change(actor=actor, session=registration.session, province=registration.province)
        Registration.objects.filter(pk=registration.pk).update(link_revoked=True)
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
    registration.ticket_version = locked.ticket_version
    return registration


def send_personal_link(*, registration, actor):
    """E-mail the personal link to the person (their address must be on file), also after the registration
    window closes (people need their links most then). Writes nothing, so there is no transaction to wait
    for: the mail goes now, and a failure is reported to the officer. The caller has already scoped the
    registration to what `actor` (the sender) may see."""
    if registration.status != RegistrationStatus.ACTIVE or registration.link_revoked:
        raise RegistrationError(gettext("This registration has no working personal link."), code="no_link")
    if not registration.email:
        raise RegistrationError(gettext("No e-mail address is on file for this person."), code="no_email")
    session = registration.session
    body = gettext(
        "%(name)s\n\nYou are registered for “%(title)s” on %(date)s.\n"
        "Your personal page (venue, join link, agenda, QR code for check-in):\n%(url)s\n\nKeep this link private."
    ) % {
        "name": registration.full_name,
        "title": session.title,
        "date": format_date(session.starts_at, "long"),
        "url": registration.get_personal_url(),
    }
    try:
        send_mail(gettext("Your link for %(title)s") % {"title": session.title}, body, None, [registration.email])
    except Exception as error:  # SMTP down or refused: tell the officer, write nothing
        raise RegistrationError(gettext("The e-mail could not be sent (%(error)s).") % {"error": error}, code="mail_failed") from error
    return registration


def reveal_national_id(*, registration, actor, ip_address=None):
    """Return the full national ID for central staff, logging the reveal; anyone else is refused."""
    if actor is None or not is_central(actor):
        raise RegistrationError(gettext("Only central staff can reveal a national ID."), code="forbidden")
    with transaction.atomic():
        NationalIdReveal.objects.create(registration=registration, revealed_by=actor, ip_address=ip_address)
    return registration.national_id


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
                problems.append(Problem(parsed.row, checked.column("national_id" if same.by_national_id else "first_name"), same.message))
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
                _insert_rows(
                    shared, [{**{name: parsed.data.get(name) or "" for name in PERSON_FIELDS}, "role": parsed.data["role"].pk} for parsed in new_rows]
                )
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
    return result
