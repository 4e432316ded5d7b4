"""Writes for sessions, venues, agenda and quotas. Views and commands call these.

Every write takes keyword-only arguments, names the acting staff user `actor` and runs in one
transaction. It validates what it is given and raises a MeetingsError (a DomainError: a translated
message, a stable `code`, and `details` such as the form `field` it concerns) before it writes
anything, so a rejected request changes nothing.
"""

import datetime
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.dates import format_date
from meetings.errors import DomainError
from meetings.models import (
    ACTIVE_REGISTRATION,
    AgendaItem,
    Province,
    Quota,
    RoleCategory,
    Session,
    SessionChange,
    SessionStatus,
    Venue,
)

# Fields a staff form may set on a session; anything else (status, slug, audit columns) has its own path.
SESSION_FIELDS = (
    "title",
    "description",
    "objectives",
    "starts_at",
    "ends_at",
    "organiser_department",
    "organiser_division",
    "chair_name",
    "chair_title",
    "reporter_name",
    "reporter_title",
    "registration_opens_at",
    "registration_closes_at",
    "checkin_opens_at",
    "checkin_closes_at",
    "vc_platform",
    "vc_join_url",
    "vc_meeting_id",
    "vc_passcode",
)
VENUE_FIELDS = (
    "province",
    "is_host",
    "name",
    "room",
    "address",
    "coordinator_name",
    "coordinator_phone",
    "capacity",
    "vc_join_url",
    "vc_meeting_id",
    "vc_passcode",
)
# Start-time changes of sessions people may already have registered for are audited.
AUDITED_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.IN_PROGRESS)
DEFAULT_REMOTE_VENUE_PREFIX = "สำนักงานพัฒนาชุมชนจังหวัด"


class MeetingsError(DomainError):
    """A rule of the meetings domain was broken; `details["field"]`, when given, names the form field it concerns."""


class SessionError(MeetingsError):
    pass


class VenueError(MeetingsError):
    pass


class AgendaError(MeetingsError):
    pass


class QuotaError(MeetingsError):
    """`details["cells"]` lists the quota matrix cells in question as `{"province_id", "role_id", "message"}`."""


# --- checks ---------------------------------------------------------------------------------


def check_join_url(url, field="vc_join_url"):
    """A join link must be an absolute http(s) address; people click it from a phone or a laptop."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SessionError(_("The join link must start with http:// or https://."), code="join_url_not_http", details={"field": field})


def check_session_times(values):
    """Validate the time fields of a session (a dict of SESSION_FIELDS values)."""
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is None or ends is None:
        raise SessionError(_("Give both the start and the end."), code="times_missing", details={"field": "ends_at"})
    if ends <= starts:
        raise SessionError(_("The session must end after it starts."), code="ends_before_start", details={"field": "ends_at"})
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if closes and closes > starts:
        raise SessionError(
            _("Registration must close no later than the start of the session."),
            code="registration_closes_after_start",
            details={"field": "registration_closes_at"},
        )
    if opens and closes and opens >= closes:
        raise SessionError(
            _("Registration must open before it closes."), code="registration_opens_after_close", details={"field": "registration_opens_at"}
        )
    c_opens, c_closes = values.get("checkin_opens_at"), values.get("checkin_closes_at")
    if c_opens and c_opens > starts:
        raise SessionError(
            _("Check-in must open no later than the start of the session."), code="checkin_opens_after_start", details={"field": "checkin_opens_at"}
        )
    if c_closes and c_closes < starts:
        raise SessionError(
            _("Check-in must not close before the session starts."), code="checkin_closes_before_start", details={"field": "checkin_closes_at"}
        )


def check_session(values):
    check_session_times(values)
    check_join_url(values.get("vc_join_url"))
    if not (values.get("title") or "").strip():
        raise SessionError(_("Give the session a title."), code="title_missing", details={"field": "title"})


def _unique_slug(title, starts_at, exclude_pk=None):
    day = timezone.localtime(starts_at).date().isoformat()
    base = (slugify(title, allow_unicode=True)[:50].strip("-") or "session") + "-" + day
    slug, n = base, 1
    taken = Session.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- sessions -------------------------------------------------------------------------------


def _check_known(fields):
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")


def _new_draft(fields, actor):
    """Check and save a new draft session. Call inside the transaction that writes."""
    _check_known(fields)
    check_session(fields)
    session = Session(**fields, status=SessionStatus.DRAFT, created_by=actor)
    session.slug = _unique_slug(session.title, session.starts_at)
    session.save()
    return session


def create_session(*, actor, **fields):
    """Create a draft session from SESSION_FIELDS values."""
    with transaction.atomic():
        return _new_draft(fields, actor)


def update_session(*, session, actor, **fields):
    """Change a session's details. A moved start of a published session is written to the audit trail.

    Takes a row lock, so two staff saving at once cannot lose each other's audit row.
    """
    _check_known(fields)
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.CLOSED:
            raise SessionError(_("A closed session cannot be changed."), code="closed")
        values = {name: getattr(locked, name) for name in SESSION_FIELDS}
        values.update(fields)
        check_session(values)
        old_start = locked.starts_at
        changed = [name for name in fields if getattr(locked, name) != fields[name]]
        for name in changed:
            setattr(locked, name, fields[name])
        if not changed:
            return locked
        locked.save(update_fields=[*changed, "updated_at"])
        if "starts_at" in changed and locked.status in AUDITED_STATUSES:
            SessionChange.objects.create(
                session=locked,
                field="starts_at",
                old_value=old_start.isoformat(),
                new_value=locked.starts_at.isoformat(),
                changed_by=actor,
            )
    session.refresh_from_db()
    return locked


def _set_status(session, allowed_from, new_status, error_message, code):
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status not in allowed_from:
            raise SessionError(error_message, code=code)
        locked.status = new_status
        locked.save(update_fields=["status", "updated_at"])
    session.status = new_status
    return locked


def publish_session(*, session, actor):
    """Draft → published: provincial offices now see it and may register people while the window is open."""
    return _set_status(session, (SessionStatus.DRAFT,), SessionStatus.PUBLISHED, _("Only a draft session can be published."), "not_draft")


def start_session(*, session, actor):
    return _set_status(session, (SessionStatus.PUBLISHED,), SessionStatus.IN_PROGRESS, _("Only a published session can start."), "not_published")


def close_session(*, session, actor):
    return _set_status(
        session,
        (SessionStatus.PUBLISHED, SessionStatus.IN_PROGRESS),
        SessionStatus.CLOSED,
        _("Only a published or running session can be closed."),
        "not_open",
    )


def duplicate_session(*, session, new_start, actor, title=None):
    """Copy a session with its agenda, venues and quotas into a new draft starting at `new_start`.

    Every time of the original (end, registration and check-in windows, agenda starts) moves by the
    same amount, so a session held last year can be reused as it stood. Registrations are not copied.
    """
    if new_start is None:
        raise SessionError(_("Give the new start."), code="times_missing", details={"field": "new_start"})
    shift = new_start - session.starts_at

    def moved(value):
        return value + shift if value is not None else None

    values = {name: getattr(session, name) for name in SESSION_FIELDS}
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "checkin_opens_at", "checkin_closes_at"):
        values[name] = moved(values[name])
    if title:
        values["title"] = title
    with transaction.atomic():
        copy = _new_draft(values, actor)
        AgendaItem.objects.bulk_create(
            AgendaItem(
                session=copy,
                order=item.order,
                title=item.title,
                presenter=item.presenter,
                starts_at=moved(item.starts_at),
                duration_minutes=item.duration_minutes,
            )
            for item in session.agenda_items.all()
        )
        Venue.objects.bulk_create(Venue(session=copy, **{name: getattr(venue, name) for name in VENUE_FIELDS}) for venue in session.venues.all())
        Quota.objects.bulk_create(Quota(session=copy, province_id=q.province_id, role_id=q.role_id, seats=q.seats) for q in session.quotas.all())
    return copy


# --- venues ---------------------------------------------------------------------------------


def check_venue(session, values, venue=None):
    check_join_url(values.get("vc_join_url"))
    if not (values.get("name") or "").strip():
        raise VenueError(_("Give the venue a name."), code="name_missing", details={"field": "name"})
    others = session.venues.exclude(pk=venue.pk if venue else None)
    if values.get("is_host"):
        if others.filter(is_host=True).exists():
            raise _duplicate_venue(is_host=True)
    elif others.filter(is_host=False, province=values.get("province")).exists():
        raise _duplicate_venue(is_host=False, province=values["province"])


def _duplicate_venue(*, is_host, province=None):
    if is_host:
        return VenueError(_("This session already has a host venue."), code="duplicate_host", details={"field": "is_host"})
    return VenueError(
        _("%(province)s already has a venue in this session.") % {"province": province.name},
        code="duplicate_province",
        details={"field": "province"},
    )


def _save_venue(venue):
    """Save inside a savepoint of the caller's transaction: two staff adding the same venue at once
    are told apart by the database's constraints, and the loser gets the same error as a form check."""
    try:
        with transaction.atomic():
            venue.save()
    except IntegrityError:
        raise _duplicate_venue(is_host=venue.is_host, province=venue.province) from None
    return venue


def add_venue(*, session, actor, **values):
    with transaction.atomic():
        check_venue(session, values)
        return _save_venue(Venue(session=session, **values))


def update_venue(*, venue, actor, **values):
    with transaction.atomic():
        check_venue(venue.session, values, venue=venue)
        for name, value in values.items():
            setattr(venue, name, value)
        return _save_venue(venue)


def delete_venue(*, venue, actor):
    with transaction.atomic():
        if Venue.objects.filter(pk=venue.pk, registration__status=ACTIVE_REGISTRATION).exists():
            raise VenueError(_("People are registered at this venue; move them before deleting it."), code="venue_in_use")
        venue.delete()


def add_venues_for_all_provinces(*, session, actor, name_prefix=DEFAULT_REMOTE_VENUE_PREFIX, room="", capacity=None):
    """Add one remote venue for every province that has none in this session; return how many were added."""
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        have = set(session.venues.filter(is_host=False).values_list("province_id", flat=True))
        new = [
            Venue(
                session=session,
                province=province,
                name=f"{name_prefix}{province.name_th}" if name_prefix else province.name_th,
                room=room,
                address=gettext("Provincial hall, %(province)s") % {"province": province.name_th},
                capacity=capacity,
            )
            for province in Province.objects.order_by("code")
            if province.pk not in have
        ]
        Venue.objects.bulk_create(new)
    return len(new)


# --- agenda ---------------------------------------------------------------------------------

AGENDA_FIELDS = ("title", "presenter", "starts_at", "duration_minutes")


def save_agenda(*, session, rows, actor):
    """Replace the agenda with `rows` in the given order.

    Each row is a dict of AGENDA_FIELDS plus `id` (an existing item of this session, or None for a
    new one). Items not in `rows` are deleted. Existing items keep their id, so links to them
    (a training module) survive reordering.
    """
    with transaction.atomic():
        existing = {item.pk: item for item in session.agenda_items.all()}
        for row in rows:
            if row.get("id") and row["id"] not in existing:
                raise AgendaError(_("That agenda item belongs to another session."), code="wrong_session")
            if not (row.get("title") or "").strip():
                raise AgendaError(_("Every agenda item needs a topic."), code="title_missing", details={"field": "title"})
            start = row.get("starts_at")
            if start and not (session.starts_at - datetime.timedelta(hours=12) <= start <= session.ends_at):
                raise AgendaError(
                    _("The planned start of “%(title)s” is outside the session's time.") % {"title": row["title"]},
                    code="agenda_outside_session",
                    details={"field": "starts_at"},
                )
        keep = {row["id"] for row in rows if row.get("id")}
        session.agenda_items.exclude(pk__in=keep).delete()
        # Park the kept items out of the way first: (session, order) is unique.
        offset = 1000 + len(rows)
        for item in existing.values():
            if item.pk in keep:
                AgendaItem.objects.filter(pk=item.pk).update(order=item.order + offset)
        saved = []
        for position, row in enumerate(rows, start=1):
            item = existing.get(row.get("id")) or AgendaItem(session=session)
            item.order = position
            for name in AGENDA_FIELDS:
                setattr(item, name, row.get(name) if name != "presenter" else (row.get(name) or ""))
            item.save()
            saved.append(item)
    return saved


# --- quotas ---------------------------------------------------------------------------------


def used_seats(session):
    """{(province_id, role_id): number of active registrations} for one session, in one query."""
    rows = session.registrations.filter(status=ACTIVE_REGISTRATION).values("province_id", "role_id").annotate(n=Count("id"))
    return {(r["province_id"], r["role_id"]): r["n"] for r in rows}


def check_quota_matrix(session, cells, used=None, provinces=None, roles=None):
    """Raise QuotaError naming every cell below what is already registered.

    `used`, `provinces` and `roles` may be passed in when the caller has fetched them already.
    """
    used = used_seats(session) if used is None else used
    provinces = {p.pk: p for p in (Province.objects.all() if provinces is None else provinces)}
    roles = {r.pk: r for r in (RoleCategory.objects.all() if roles is None else roles)}
    problems = []
    for (province_id, role_id), seats in cells.items():
        if province_id not in provinces or role_id not in roles:
            raise QuotaError(_("Unknown province or role."), code="unknown_cell")
        if seats is not None and seats < 0:
            message = gettext("A quota cannot be negative.")
        else:
            taken = used.get((province_id, role_id), 0)
            if not taken or (seats or 0) >= taken:
                continue
            message = gettext("%(province)s, %(role)s: %(registered)d people are already registered; the quota cannot be %(seats)d.") % {
                "province": provinces[province_id].name,
                "role": roles[role_id].name,
                "registered": taken,
                "seats": seats or 0,
            }
        problems.append({"province_id": province_id, "role_id": role_id, "message": message})
    if problems:
        raise QuotaError(
            _("Some quotas are below the number of people already registered; nothing was saved."),
            code="quota_below_registered",
            details={"cells": problems},
        )


def save_quota_matrix(*, session, cells, actor):
    """Set the quotas of a session from `{(province_id, role_id): seats or None}`.

    None (an empty cell) removes the quota. Cells not mentioned are left as they are. All or nothing:
    if any cell is below the active registrations already counted against it, nothing is written.
    Returns the number of cells that changed.
    """
    with transaction.atomic():
        # Lock the session row so a registration counted in check_quota_matrix cannot slip in meanwhile
        # on databases with row locks (registration services lock the same row).
        Session.objects.select_for_update().get(pk=session.pk)
        check_quota_matrix(session, cells)
        current = {(q.province_id, q.role_id): q for q in session.quotas.all()}
        to_create, to_update, to_delete = [], [], []
        for key, seats in cells.items():
            quota = current.get(key)
            if seats is None:
                if quota is not None:
                    to_delete.append(quota.pk)
            elif quota is None:
                to_create.append(Quota(session=session, province_id=key[0], role_id=key[1], seats=seats))
            elif quota.seats != seats:
                quota.seats = seats
                to_update.append(quota)
        if to_delete:
            Quota.objects.filter(pk__in=to_delete).delete()
        Quota.objects.bulk_create(to_create)
        Quota.objects.bulk_update(to_update, ["seats"])
    return len(to_create) + len(to_update) + len(to_delete)


def describe_change(change):
    """A readable line for one audit row: the old and new start in Thai BE."""
    if change.field == "starts_at":
        old = datetime.datetime.fromisoformat(change.old_value) if change.old_value else None
        new = datetime.datetime.fromisoformat(change.new_value) if change.new_value else None
        return gettext("Start moved from %(old)s to %(new)s") % {
            "old": format_date(old, "datetime"),
            "new": format_date(new, "datetime"),
        }
    return f"{change.field}: {change.old_value} → {change.new_value}"
