"""Attendance reads shared by views, consumers and the API (writes live in services.py).

The live dashboard reads one *snapshot* per session: absolute counts for the whole country,
broken down by province and role, plus the latest arrivals per province. It is computed with
a fixed number of aggregate queries whatever the number of registrations, once per broadcast
interval per server process (attendance/broadcast.py), and every screen's view is cut from it
without touching the database (`dashboard_view`).
"""

import time

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from attendance.models import CheckIn, ScannerStatus, is_late, late_filter
from meetings.collation import sorted_provinces
from meetings.dates import format_time
from meetings.models import Province, Region, RoleCategory, Session
from meetings.reference_cache import provinces_by_id, roles_by_id
from registration.models import Registration, RegistrationStatus, expected_at
from registration.tickets import session_public_key

# Latest arrivals kept per province; the national feed is the newest FEED_SIZE of their union,
# which is exact because no province can contribute more than FEED_SIZE to it.
FEED_SIZE = 10
REGION_CODES = [code for code, _ in Region.choices]


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else 0.0


def _totals(registered, checked_in, late, wrong_venue):
    return {
        "registered": registered,
        "checked_in": checked_in,
        "percent": _percent(checked_in, registered),
        "on_time": checked_in - late,
        "late": late,
        "wrong_venue": wrong_venue,
    }


def get_attendance_snapshot(session_id, feeds=None):
    """Absolute attendance counts of one session, for every province (a plain, JSON-safe dict).

    `feeds` says whose latest arrivals to read: a set of province codes, None in it for the
    national feed; by default every province's (the national feed is then cut from theirs).
    Four or five queries whatever the size of the session (provinces and roles come from the
    reference cache); the caller checks permission. Returns None for an unknown session. Only
    active registrations count; a check-in is late when it was recorded after the session's start.
    """
    session = Session.objects.filter(pk=session_id).values("starts_at").first()
    if session is None:
        return None
    starts_at = session["starts_at"]
    generated_at = time.time()  # before the reads: a screen may drop anything computed earlier
    provinces = sorted(((p.id, p.code, p.region) for p in provinces_by_id().values()), key=lambda p: p[1])
    roles = sorted((r.order, r.code, r.id) for r in roles_by_id().values())
    role_code = {role_id: code for _, code, role_id in roles}

    rows = (
        Registration.objects.active()
        .filter(session_id=session_id)
        .values("province_id", "role_id")
        .annotate(
            registered=Count("id"),
            checked_in=Count("checkin"),
            late=Count("checkin", filter=late_filter(starts_at, through="checkin__")),
            wrong_venue=Count("checkin", filter=Q(checkin__wrong_venue=True)),
        )
    )
    counts = {}  # province id -> role code -> [registered, checked_in, late, wrong_venue]
    for row in rows:
        counts.setdefault(row["province_id"], {})[role_code[row["role_id"]]] = [
            row["registered"],
            row["checked_in"],
            row["late"],
            row["wrong_venue"],
        ]

    code_of = {province_id: code for province_id, code, _ in provinces}
    arrivals = CheckIn.objects.filter(session_id=session_id, registration__status=RegistrationStatus.ACTIVE)
    fields = (
        "id",
        "checked_in_at",
        "wrong_venue",
        "registration__province_id",
        "registration__role_id",
        "registration__prefix",
        "registration__first_name",
        "registration__last_name",
    )
    per_province = Window(RowNumber(), partition_by=[F("registration__province_id")], order_by=[F("checked_in_at").desc(), F("id").desc()])
    national_feed = None
    if feeds is None:
        feed_rows = list(arrivals.annotate(rank=per_province).filter(rank__lte=FEED_SIZE).values_list(*fields))
    else:
        wanted = [province_id for province_id, code, _ in provinces if code in feeds]
        feed_rows = (
            list(arrivals.filter(registration__province_id__in=wanted).annotate(rank=per_province).filter(rank__lte=FEED_SIZE).values_list(*fields))
            if wanted
            else []
        )
        if None in feeds:
            national_rows = arrivals.order_by("-checked_in_at", "-id").values_list(*fields)[:FEED_SIZE]
            national_feed = [_arrival(row, starts_at, role_code, code_of) for row in national_rows]
    feeds_by_province = {}
    for row in feed_rows:
        feeds_by_province.setdefault(row[3], []).append(_arrival(row, starts_at, role_code, code_of))

    scanners = _scanners_by_province(session_id)
    snapshot_provinces = []
    for province_id, code, region in provinces:
        by_role = counts.get(province_id, {})
        sums = [sum(v[i] for v in by_role.values()) for i in range(4)]
        feed = sorted(feeds_by_province.get(province_id, []), key=lambda item: (-item["t"], -item["id"]))
        snapshot_provinces.append(
            {
                "code": code,
                "region": region,
                **_totals(*sums),
                "roles": {role: {"registered": v[0], "checked_in": v[1]} for role, v in by_role.items()},
                "latest": feed,
                "scanners": scanners.get(province_id, []),
            }
        )
    snapshot = {
        "session_id": int(session_id),
        "starts_at": starts_at.isoformat(),
        "generated_at": generated_at,
        "role_order": [code for _, code, _ in roles],
        "provinces": snapshot_provinces,
    }
    if national_feed is not None:
        snapshot["latest"] = national_feed
    return snapshot


def _scanners_by_province(session_id):
    """Per venue, what its scanners last said: when they last synced, how many scans wait on them."""
    rows = (
        ScannerStatus.objects.filter(session_id=session_id)
        .values("venue_id", "venue__name", "venue__province_id")
        .annotate(
            scanners=Count("id"),
            last_seen=Max("last_seen_at"),
            last_sync=Max("last_sync_at"),
            pending=Sum("pending"),
            oldest_pending=Min("oldest_pending_at"),
        )
        .order_by("venue__name")
    )
    by_province = {}
    for row in rows:
        by_province.setdefault(row["venue__province_id"], []).append(
            {
                "venue_id": row["venue_id"],
                "venue": row["venue__name"],
                "scanners": row["scanners"],
                "last_seen": row["last_seen"].isoformat() if row["last_seen"] else None,
                "last_sync": row["last_sync"].isoformat() if row["last_sync"] else None,
                "pending": row["pending"] or 0,
                "oldest_pending": row["oldest_pending"].isoformat() if row["oldest_pending"] else None,
            }
        )
    return by_province


def _arrival(row, starts_at, role_code, code_of):
    pk, at, wrong_venue, province_id, role_id, prefix, first_name, last_name = row
    return {
        "id": pk,
        "at": at.isoformat(),
        "t": at.timestamp(),
        "name": f"{prefix}{first_name} {last_name}",
        "role": role_code[role_id],
        "province": code_of[province_id],
        "late": is_late(at, starts_at),
        "wrong_venue": wrong_venue,
    }


def _role_rows(role_order, per_role):
    return [
        {"code": code, **per_role[code], "percent": _percent(per_role[code]["checked_in"], per_role[code]["registered"])}
        for code in role_order
        if code in per_role
    ]


def dashboard_view(snapshot, province_code=None):
    """What one screen shows: the national view, or one province's (its numbers and its feed only).

    Pure: cut from a snapshot without touching the database, so one snapshot serves every screen.
    """
    if province_code is None:
        return _view(snapshot, snapshot["provinces"], None)
    return _view(snapshot, [p for p in snapshot["provinces"] if p["code"] == province_code], province_code)


def dashboard_views(snapshot):
    """The national view and every province's view of one snapshot: (national, {code: view})."""
    return (
        _view(snapshot, snapshot["provinces"], None),
        {p["code"]: _view(snapshot, [p], p["code"]) for p in snapshot["provinces"]},
    )


def _view(snapshot, provinces, province_code):
    registered = checked_in = late = wrong_venue = 0
    per_role, per_region, feed, scanners = {}, {}, [], []
    for province in provinces:
        scanners.extend(province.get("scanners", ()))
        registered += province["registered"]
        checked_in += province["checked_in"]
        late += province["late"]
        wrong_venue += province["wrong_venue"]
        for role, numbers in province["roles"].items():
            slot = per_role.get(role)
            if slot is None:
                slot = per_role[role] = {"registered": 0, "checked_in": 0}
            slot["registered"] += numbers["registered"]
            slot["checked_in"] += numbers["checked_in"]
        region = per_region.get(province["region"])
        if region is None:
            region = per_region[province["region"]] = {"registered": 0, "checked_in": 0}
        region["registered"] += province["registered"]
        region["checked_in"] += province["checked_in"]
        feed.extend(province["latest"])
    if province_code is None and "latest" in snapshot:
        feed = snapshot["latest"]  # read as such (a snapshot cut for the screens of one process)
    elif len(provinces) > 1:
        feed.sort(key=lambda item: (-item["t"], -item["id"]))
    return {
        "scope": "national" if province_code is None else "province",
        "province": province_code,
        "session_id": snapshot["session_id"],
        "starts_at": snapshot["starts_at"],
        "generated_at": snapshot["generated_at"],
        "totals": _totals(registered, checked_in, late, wrong_venue),
        "provinces": [
            {
                "code": p["code"],
                "region": p["region"],
                "registered": p["registered"],
                "checked_in": p["checked_in"],
                "percent": p["percent"],
                "on_time": p["on_time"],
                "late": p["late"],
            }
            for p in provinces
        ],
        "roles": _role_rows(snapshot["role_order"], per_role),
        "regions": [
            {"code": code, **per_region[code], "percent": _percent(per_region[code]["checked_in"], per_region[code]["registered"])}
            for code in REGION_CODES
            if code in per_region
        ],
        "latest": [{k: item[k] for k in ("id", "at", "name", "role", "province", "late", "wrong_venue")} for item in feed[:FEED_SIZE]],
        # Venues whose scanners have reported, the longest silent first: the War Room's watch list.
        "scanners": sorted(scanners, key=lambda v: (v["last_seen"] or "", v["venue"])),
    }


# Rows a screen keeps by code, so a patch carries only the rows that changed.
KEYED_ROWS = ("provinces", "roles", "regions")
# What a view says about itself: a patch never changes it (a change here needs the whole view).
VIEW_IDENTITY = ("scope", "province", "session_id", "starts_at")


def view_changes(old, new):
    """What a screen showing view `old` needs to show view `new`: the totals and time, the province,
    role and region rows whose numbers changed, and the latest arrivals and scanners when they
    changed. {} when nothing but the time changed; None when only the whole view will do (rows came
    or went, another scope).

    Pure. At 100 check-ins a second a national update is a few rows instead of all 77 provinces:
    measured in bench/bench_dashboard.py, and a phone on a hotspot receives a tenth as much."""
    if any(old[key] != new[key] for key in VIEW_IDENTITY):
        return None
    changes = {"totals": new["totals"], "generated_at": new["generated_at"]}
    for key in KEYED_ROWS:
        before = {row["code"]: row for row in old[key]}
        if len(before) != len(new[key]) or any(row["code"] not in before for row in new[key]):
            return None
        changes[key] = [row for row in new[key] if before[row["code"]] != row]
    for key in ("latest", "scanners"):
        if old[key] != new[key]:
            changes[key] = new[key]
    if old["totals"] == new["totals"] and not any(changes.get(key) for key in (*KEYED_ROWS, "latest", "scanners")):
        return {}
    return changes


def get_dashboard_labels():
    """Names for the codes a dashboard receives, in the active language (two queries), and the order
    of the provinces by name (Thai dictionary order in Thai, meetings.collation) that the table keeps."""
    provinces = sorted_provinces(Province.objects.all())
    return {
        "provinces": {p.code: p.name for p in provinces},
        "province_order": [p.code for p in provinces],
        "roles": {r.code: r.name for r in RoleCategory.objects.order_by("order", "code")},
        "regions": {code: str(label) for code, label in Region.choices},
    }


# Thai vowels written before their consonant: an initial starts after them (แก้วดี → แก.).
_LEADING_VOWELS = "เแโใไ"


def _initial(last_name):
    name = (last_name or "").strip()
    if not name:
        return ""
    cut = 2 if name[0] in _LEADING_VOWELS and len(name) > 1 else 1
    return name[:cut] + "."


def get_scanner_snapshot(venue):
    """What a scanner at `venue` needs to decide green, amber or red offline (the caller checks
    permission): the session's public key and check-in window, revoked registrations, and per
    active registration its ticket version, whether it is expected here and whether it is in.
    Only the people expected here carry a name, shortened to greet them (first name and initial),
    with province and role. Three queries."""
    session = venue.session
    opens, closes = session.checkin_window
    provinces, roles = provinces_by_id(), roles_by_id()
    checkins = {
        row["registration_id"]: row
        for row in CheckIn.objects.filter(session=session).values("registration_id", "checked_in_at", "venue_id", "venue__name").order_by()
    }
    people, revoked = [], []
    rows = (
        Registration.objects.filter(session=session)
        .values("id", "status", "ticket_version", "venue_id", "province_id", "role_id", "prefix", "first_name", "last_name")
        .order_by("id")
    )
    for row in rows:
        if row["status"] != RegistrationStatus.ACTIVE:
            revoked.append(row["id"])
            continue
        here = expected_at(row["venue_id"], row["province_id"], venue)
        person = {"id": row["id"], "v": row["ticket_version"], "here": here, "in": None}
        if here:
            province, role = provinces.get(row["province_id"]), roles.get(row["role_id"])
            person.update(
                {
                    "name": f"{row['prefix']}{row['first_name']} {_initial(row['last_name'])}",
                    "province": province.name if province else "",
                    "role": role.name if role else "",
                }
            )
        checkin = checkins.get(row["id"])
        if checkin is not None:
            person["in"] = {
                "at": checkin["checked_in_at"].isoformat(),
                "time": format_time(checkin["checked_in_at"]),
                "venue": checkin["venue__name"] or "",
                "here": checkin["venue_id"] == venue.pk,
            }
        people.append(person)
    return {
        "session": {
            "id": session.pk,
            "title": session.title,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "checkin_opens_at": opens.isoformat(),
            "checkin_closes_at": closes.isoformat(),
        },
        "venue": {"id": venue.pk, "name": venue.name},
        "public_key": session_public_key(session.pk),
        "generated_at": timezone.now().isoformat(),
        "expires_at": closes.isoformat(),
        "people": people,
        "revoked": revoked,
    }
