"""Writes for registrations: one person, a whole file, cancel, substitute, personal links, ID reveals.

Every function checks who may change what (a provincial office only its own province, and only while
the session's registration window is open; central staff always), so views, the import command and any
future API share the same rules. Quotas are enforced under a row lock on the Quota row.
"""
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext

from meetings.models import Province, Quota, Venue
from registration.models import NationalIdReveal, Registration, RegistrationStatus
from registration.models import new_token_key
from meetings.permissions import is_central, user_province

PERSON_FIELDS = (
    "prefix", "first_name", "last_name", "position", "organisation", "village", "subdistrict", "district",
    "phone", "email", "national_id",
)


class RegistrationError(Exception):
    """A refused change, with a translated message and a stable code (and the form field it concerns)."""

    def __init__(self, message, code, field=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class ImportRejected(Exception):
    """An import with at least one problem: nothing was written. `problems` lists registration_import.Problem."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportResult:
    created: list = field(default_factory=list)  # ParsedRow
    already_registered: list = field(default_factory=list)  # (ParsedRow, the matching registration)
    dry_run: bool = False
    encoding: str = ""

    @property
    def total(self):
        return len(self.created) + len(self.already_registered)


# --- permission rules -----------------------------------------------------------------------------------


def check_can_change(user, session, province):
    """Raise RegistrationError unless `user` may change registrations of `province` in `session` now.

    user None is the command line, acting as the province's office: the registration window applies.
    """
    central = user is not None and is_central(user)
    if user is not None and not central:
        own = user_province(user)
        if own is None or own.pk != province.pk:
            raise RegistrationError(
                gettext("You can only register people of %(province)s.") % {"province": own.name if own else "-"},
                code="other_province",
            )
    if not central and not session.is_registration_open():
        raise RegistrationError(
            gettext("Registration for this session is closed. Only central staff can change registrations now."),
            code="registration_closed",
        )


# --- duplicates -----------------------------------------------------------------------------------------


def _duplicate_message(existing, by_id):
    params = {"name": existing.full_name, "province": existing.province.name}
    return _duplicate_text(params, by_id)


def _duplicate_text(params, by_id):
    if by_id:
        return gettext("This national ID is already registered for this session: %(name)s, %(province)s.") % params
    return gettext("%(name)s with this phone number is already registered for this session by %(province)s.") % params


def find_duplicate(session, data, exclude_pk=None):
    """The active registration in `session` with the same national ID, or the same name and phone; or None.

    Returns (registration, by_id).
    """
    condition = Q(first_name=data["first_name"], last_name=data["last_name"], phone=data["phone"])
    if data.get("national_id"):
        condition |= Q(national_id=data["national_id"])
    candidates = Registration.objects.active().filter(condition, session=session).select_related("province")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    for existing in candidates:
        by_id = bool(data.get("national_id")) and existing.national_id == data["national_id"]
        return existing, by_id
    return None, False


def _raise_if_duplicate(session, data, exclude_pk=None):
    existing, by_id = find_duplicate(session, data, exclude_pk)
    if existing is not None:
        raise RegistrationError(_duplicate_message(existing, by_id), code="duplicate",
                                field="national_id" if by_id else "phone")


# --- quota ----------------------------------------------------------------------------------------------


def _lock_quota(session, province, role):
    """Lock and return the Quota row; call inside transaction.atomic(). Concurrent writers queue here."""
    quota = Quota.objects.select_for_update().filter(session=session, province=province, role=role).first()
    if quota is None:
        raise RegistrationError(
            gettext("This session has no seats for %(role)s in %(province)s.") % {"role": role.name, "province": province.name},
            code="no_quota", field="role",
        )
    return quota


def _used_seats(session, province, role):
    return Registration.objects.active().filter(session=session, province=province, role=role).count()


def _over_quota_message(quota, used):
    return gettext("The quota for %(role)s in %(province)s is full (%(used)s of %(seats)s seats).") % {
        "role": quota.role.name, "province": quota.province.name, "used": used, "seats": quota.seats}


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


# --- one person -----------------------------------------------------------------------------------------


def register_participant(session, province, data, user=None):
    """Register one person. `data` holds the cleaned participant fields and `role` (a RoleCategory)."""
    check_can_change(user, session, province)
    role = data["role"]
    with transaction.atomic():
        quota = _lock_quota(session, province, role)
        used = _used_seats(session, province, role)
        if used >= quota.seats:
            raise RegistrationError(_over_quota_message(quota, used), code="over_quota", field="role")
        _raise_if_duplicate(session, data)
        registration = Registration(
            session=session, province=province, role=role, venue=_province_venue(session, province),
            created_by=user, **{name: data.get(name) or "" for name in PERSON_FIELDS},
        )
        _save_new(registration, session, data)
    return registration


def update_participant(registration, data, user=None):
    """Correct a person's details (not their role or province: that is a cancel and a new registration)."""
    check_can_change(user, registration.session, registration.province)
    if registration.status != RegistrationStatus.ACTIVE:
        raise RegistrationError(gettext("Only an active registration can be edited."), code="not_active")
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
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


def cancel_registration(registration, user=None):
    """Free the seat; the personal link stops working."""
    check_can_change(user, registration.session, registration.province)
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status != RegistrationStatus.ACTIVE:
            raise RegistrationError(gettext("This registration is no longer active."), code="not_active")
        locked.status = RegistrationStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return locked


def substitute_registration(registration, data, user=None):
    """Put another person into the same seat (same province, role and venue); the old link stops working."""
    session = registration.session
    check_can_change(user, session, registration.province)
    with transaction.atomic():
        # The quota row first, as register_participant does, so the two never deadlock.
        _lock_quota(session, registration.province, registration.role)
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status != RegistrationStatus.ACTIVE:
            raise RegistrationError(gettext("This registration is no longer active."), code="not_active")
        _raise_if_duplicate(session, data, exclude_pk=locked.pk)
        locked.status = RegistrationStatus.SUBSTITUTED
        locked.save(update_fields=["status", "updated_at"])
        substitute = Registration(
            session=session, province=locked.province, role=locked.role, venue=locked.venue, replaces=locked,
            created_by=user, **{name: data.get(name) or "" for name in PERSON_FIELDS},
        )
        _save_new(substitute, session, data, exclude_pk=locked.pk)
    return substitute


# --- personal links -------------------------------------------------------------------------------------


def revoke_personal_link(registration, user=None):
    """The current link and QR stop working at once (a lost phone, a forwarded message)."""
    check_can_change(user, registration.session, registration.province)
    Registration.objects.filter(pk=registration.pk).update(link_revoked=True)
    registration.link_revoked = True
    return registration


def reissue_personal_link(registration, user=None):
    """A new link and QR; every earlier link, revoked or not, stops working."""
    check_can_change(user, registration.session, registration.province)
    if registration.status != RegistrationStatus.ACTIVE:
        raise RegistrationError(gettext("This registration is no longer active."), code="not_active")
    key = new_token_key()
    Registration.objects.filter(pk=registration.pk).update(token_key=key, link_revoked=False)
    registration.token_key = key
    registration.link_revoked = False
    return registration


def reissue_ticket(registration, user=None):
    """A new check-in ticket (a lost or photographed badge): the badge printed before is refused
    at every scanner once it has the next snapshot, and by the server at once."""
    check_can_change(user, registration.session, registration.province)
    if registration.status != RegistrationStatus.ACTIVE:
        raise RegistrationError(gettext("This registration is no longer active."), code="not_active")
    with transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(ticket_version=F("ticket_version") + 1)
        registration.ticket_version = Registration.objects.filter(pk=registration.pk).values_list("ticket_version", flat=True).get()
    return registration


def send_personal_link(registration, user=None):
    """E-mail the personal link to the person (their address must be on file)."""
    from django.core.mail import send_mail

    if registration.status != RegistrationStatus.ACTIVE or registration.link_revoked:
        raise RegistrationError(gettext("This registration has no working personal link."), code="no_link")
    if not registration.email:
        raise RegistrationError(gettext("No e-mail address is on file for this person."), code="no_email")
    session = registration.session
    from meetings.dates import format_date

    body = gettext(
        "%(name)s\n\nYou are registered for “%(title)s” on %(date)s.\n"
        "Your personal page (venue, join link, agenda, QR code for check-in):\n%(url)s\n\nKeep this link private."
    ) % {"name": registration.full_name, "title": session.title, "date": format_date(session.starts_at, "long"),
         "url": registration.get_personal_url()}
    try:
        send_mail(gettext("Your link for %(title)s") % {"title": session.title}, body, None, [registration.email])
    except Exception as error:  # SMTP down or refused: tell the officer, write nothing
        raise RegistrationError(gettext("The e-mail could not be sent (%(error)s).") % {"error": error}, code="mail_failed")


def reveal_national_id(registration, user, ip_address=None):
    """Return the full national ID for central staff, logging the reveal; anyone else is refused."""
    if user is None or not is_central(user):
        raise RegistrationError(gettext("Only central staff can reveal a national ID."), code="forbidden")
    NationalIdReveal.objects.create(registration=registration, revealed_by=user, ip_address=ip_address)
    return registration.national_id


@dataclass
class _Existing:
    """What an import needs to know of an active registration it matches."""

    pk: int
    province_id: int
    prefix: str
    first_name: str
    last_name: str
    phone: str
    national_id: str
    province: object = None

    @property
    def full_name(self):
        return f"{self.prefix}{self.first_name} {self.last_name}"


def _insert_rows(shared, rows):
    """Insert many registrations with one executemany: `shared` and each row map field names to values
    (foreign keys as ids). Fields not given take their model default, so a field added later still works.

    Why not bulk_create: for a 2,660-row file it spent more time preparing values field by field than
    openpyxl spends reading the file (docs/BENCHMARKS.md); the values here are already clean strings.
    Call inside transaction.atomic() after the quota rows are locked.
    """
    from django.db import connection
    from django.db.models import CharField, ForeignKey, TextField
    from django.utils import timezone

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
    sql = "INSERT INTO %s (%s) VALUES (%s)" % (
        connection.ops.quote_name(Registration._meta.db_table), ", ".join(columns), ", ".join(["%s"] * len(columns)))
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[get(row) for get in getters] for row in rows])


# --- a whole file ---------------------------------------------------------------------------------------


def import_participants(session, province, content, filename="", user=None, dry_run=False):
    """Register every row of an XLSX/CSV file, or none (one transaction). Returns ImportResult.

    Raises registration_import.ImportFileError for an unreadable file, ImportRejected listing every problem
    by row and column, RegistrationError when the user may not change this province or the window is closed.
    A row identical to an active registration of the same province (same national ID or same name and
    phone) is reported as already registered and skipped, so uploading the same file twice adds nobody.
    """
    from registration.imports import Problem, check_rows, read_sheet

    check_can_change(user, session, province)
    sheet = read_sheet(content, filename)
    rows, problems = check_rows(sheet, session, province)
    result = ImportResult(dry_run=dry_run, encoding=sheet.encoding)
    header = dict(zip(range(len(sheet.headers)), sheet.headers))
    from registration.imports import map_headers

    index = map_headers(sheet.headers)

    def column(key):
        from registration.imports import COLUMNS_BY_KEY

        return header.get(index.get(key), COLUMNS_BY_KEY[key].header)

    with transaction.atomic():
        quotas = {q.role_id: q for q in Quota.objects.select_for_update().filter(session=session, province=province)
                  .select_related("role", "province").order_by("pk")}
        used = dict(
            Registration.objects.active().filter(session=session, province=province)
            .values_list("role_id").annotate(n=Count("id")).values_list("role_id", "n")
        )
        ids = {r.data["national_id"] for r in rows if r.data["national_id"]}
        phones = {r.data["phone"] for r in rows if r.data["phone"]}
        # Plain tuples, not model instances: a re-upload of 2,660 rows matches every one of them.
        existing = list(
            Registration.objects.active().filter(session=session)
            .filter(Q(national_id__in=ids) | Q(phone__in=phones))
            .values_list("id", "province_id", "prefix", "first_name", "last_name", "phone", "national_id")
        )
        existing = [_Existing(*values) for values in existing]
        provinces = Province.objects.in_bulk({e.province_id for e in existing})
        for e in existing:
            e.province = provinces[e.province_id]
        by_id = {e.national_id: e for e in existing if e.national_id}
        by_name = {(e.first_name, e.last_name, e.phone): e for e in existing}
        new_rows = []
        for parsed in rows:
            data = parsed.data
            match, match_by_id = None, False
            if data["national_id"] and data["national_id"] in by_id:
                match, match_by_id = by_id[data["national_id"]], True
            elif (data["first_name"], data["last_name"], data["phone"]) in by_name:
                match = by_name[(data["first_name"], data["last_name"], data["phone"])]
            if match is None:
                new_rows.append(parsed)
            elif (match.province_id == province.pk and match.first_name == data["first_name"]
                  and match.last_name == data["last_name"]):
                result.already_registered.append((parsed, match))
            else:
                problems.append(Problem(parsed.row, column("national_id" if match_by_id else "first_name"),
                                        _duplicate_message(match, match_by_id)))
        wanted = {}
        for parsed in new_rows:
            if parsed.data["role"] is not None:
                wanted.setdefault(parsed.data["role"].pk, []).append(parsed)
        for role_id, role_rows in wanted.items():
            quota = quotas.get(role_id)
            if quota is None:
                continue  # reported per row already
            free = quota.seats - used.get(role_id, 0)
            if len(role_rows) > free:
                for parsed in role_rows[max(free, 0):]:
                    problems.append(Problem(parsed.row, column("role"), gettext(
                        "over quota: %(province)s has %(free)s free seats for %(role)s, this file adds %(wanted)s")
                        % {"province": province.name, "free": max(free, 0), "role": quota.role.name, "wanted": len(role_rows)}))
        if problems:
            problems.sort(key=lambda p: p.row)
            raise ImportRejected(problems)
        result.created = new_rows
        if dry_run:
            return result
        venue = _province_venue(session, province)
        shared = {"session": session.pk, "province": province.pk, "venue": venue.pk if venue else None, "created_by": user.pk if user else None}
        try:
            with transaction.atomic():
                _insert_rows(shared, [{**{name: parsed.data.get(name) or "" for name in PERSON_FIELDS},
                                       "role": parsed.data["role"].pk} for parsed in new_rows])
        except IntegrityError:
            # Someone registered one of these people between our check and the insert: nothing is written.
            raise ImportRejected([Problem(0, "", gettext(
                "Another registration of one of these people was saved while the file was being imported. Nothing was imported; upload the file again."))])
    return result
