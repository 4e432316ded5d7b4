"""The morning of 25 November 2564 BE at the 78 venues, as the demo records it: who arrived when, and where.

Every arrival is made up, drawn from a seeded generator, so every seed writes the same morning: check-in
opens at 08.00, most people arrive between 08.30 and 09.00, some after the 09.00 start (late), a few
check in at another venue than their own, and a few provinces fill far fewer seats than they registered.

The rows go in with bulk_create (a scan at a time through `perform_checkin` is too slow for a demo seed),
but they are the rows the check-in service writes: each CheckIn and its CheckInEvent are built by the
service's own `new_checkin` and `checkin_event`, `wrong_venue` comes from the expected-venue rule, a
check-in by venue QR has its used SelfCheckinTicket, and every scan carries its client nonce.
"""

import datetime
import random
import string

from attendance.models import CheckIn, CheckInEvent, CheckInMethod, ScannerDevice, SelfCheckinTicket
from attendance.services import checkin_event, new_checkin
from meetings.demo import BANGKOK, BANGKOK_CODE, CHIANGMAI_CODE, LAMPANG_CODE, DemoPlan
from meetings.models import Province

RNG_SEED = "prachum-demo-checkins"
CHECKIN_OPENS = datetime.datetime(2021, 11, 25, 8, 0, tzinfo=BANGKOK)
LATEST_ARRIVAL = datetime.timedelta(minutes=90)  # 09.30
# Provinces where far fewer people came than were registered (none of the demo logins' own).
SHORT_PROVINCES = 4
# Committee members who checked in at a neighbouring province's venue, and central staff at the
# Bangkok provincial room instead of the War Room.
WRONG_VENUE_COMMITTEE = 7
WRONG_VENUE_CENTRAL = 2
DEVICE_NAME = "โทรศัพท์จุดลงชื่อเข้าร่วม (สาธิต)"
DEVICES_ISSUED_AT = datetime.datetime(2021, 11, 24, 15, 0, tzinfo=BANGKOK)
DEVICES_REVOKED_AT = datetime.datetime(2021, 11, 25, 12, 30, tzinfo=BANGKOK)
TICKET_ALPHABET = string.ascii_letters + string.digits + "-_"


def _arrival(rng, late_share):
    """When one person was scanned: a few from 08.00, most between 08.30 and 09.00, `late_share` of
    them after the 09.00 start (by 09.30)."""
    draw = rng.random()
    if draw < 0.1:
        minutes = rng.uniform(0, 30)
    elif draw < 1 - late_share:
        minutes = rng.triangular(30, 60, 48)
    else:
        minutes = 60 + min(rng.expovariate(1 / 7), 29)
    return CHECKIN_OPENS + datetime.timedelta(minutes=int(minutes), seconds=rng.randint(1, 59))


def _nonce(rng, used):
    while True:
        nonce = f"{rng.getrandbits(64):016x}"
        if nonce not in used:
            used.add(nonce)
            return nonce


def seed_attendance_demo(plan: DemoPlan):
    """Check the demo session's people in as the morning went (nothing when check-ins exist)."""
    session = plan.session
    created = {"checkins": 0, "scanner_devices": 0}
    if session.checkins.exists():
        return created
    rng = random.Random(RNG_SEED)
    provinces = {p.pk: p for p in Province.objects.all()}
    venues = list(session.venues.all())
    venue_by_pk = {v.pk: v for v in venues}
    host = next(v for v in venues if v.is_host)
    by_province = {v.province_id: v for v in venues if not v.is_host}
    by_code = {provinces[pid].code: v for pid, v in by_province.items()}
    codes = sorted(by_code)
    desk = {host.pk: plan.organiser, by_code[LAMPANG_CODE].pk: plan.lampang_officer}
    if plan.chiangmai_officer is not None:
        desk[by_code[CHIANGMAI_CODE].pk] = plan.chiangmai_officer

    # Venues without a demo login at the desk scanned with a phone (a scanner device) or showed the venue QR.
    # The devices' tokens are random and never shown (as when issued), and were revoked after the meeting.
    devices = []
    for venue in sorted(venues, key=lambda v: v.pk):
        if venue.pk in desk:
            continue
        token = ScannerDevice.new_token()
        devices.append(
            ScannerDevice(
                session=session,
                venue=venue,
                name=DEVICE_NAME,
                token_hash=ScannerDevice.hash_token(token),
                token_hint=token[:10],
                created_by=plan.organiser,
                created_at=DEVICES_ISSUED_AT,
                revoked_at=DEVICES_REVOKED_AT,
                revoked_by=plan.organiser,
            )
        )
    ScannerDevice.objects.bulk_create(devices)
    device_at = {d.venue_id: d for d in devices}

    # How each province's morning went: how many of its people came and how many came late.
    shortfall = rng.sample([c for c in codes if c not in (LAMPANG_CODE, CHIANGMAI_CODE, BANGKOK_CODE)], SHORT_PROVINCES)
    turnout = {c: rng.uniform(0.45, 0.6) if c in shortfall else rng.uniform(0.86, 0.99) for c in codes}
    late_share = {c: rng.choice((0.05, 0.08, 0.1, 0.12, 0.3)) for c in codes}

    registrations = list(session.registrations.select_related("role").order_by("pk"))
    committee = [r for r in registrations if r.role.code == "committee" and provinces[r.province_id].code not in shortfall]
    central = [r for r in registrations if r.role.code == "central_staff"]
    elsewhere = {r.pk: "neighbour" for r in rng.sample(committee, WRONG_VENUE_COMMITTEE)}
    elsewhere.update({r.pk: "bangkok" for r in rng.sample(central, WRONG_VENUE_CENTRAL)})

    checkins, tickets, nonces = [], [], set()
    for registration in registrations:
        code = provinces[registration.province_id].code
        if registration.role.code == "central_staff":
            came, late = 0.93, 0.05
        elif registration.role.code == "provincial_officer":
            came, late = (0.6 if code in shortfall else 1.0), 0.0  # officers run the desk
        else:
            came, late = turnout[code], late_share[code]
        if registration.pk not in elsewhere and rng.random() >= came:
            continue
        at = _arrival(rng, late)
        venue = venue_by_pk[registration.venue_id] if registration.venue_id else by_province[registration.province_id]
        if elsewhere.get(registration.pk) == "bangkok":
            venue = by_code[BANGKOK_CODE]
        elif elsewhere.get(registration.pk) == "neighbour":
            venue = by_code[codes[(codes.index(code) + 1) % len(codes)]]
        actor, device, nonce = desk.get(venue.pk), None, ""
        if actor is not None:
            method = CheckInMethod.MANUAL if rng.random() < 0.03 else CheckInMethod.SCANNER
            nonce = "" if method == CheckInMethod.MANUAL else _nonce(rng, nonces)
        elif rng.random() < 0.35:
            method, nonce = CheckInMethod.SELF, _nonce(rng, nonces)
        else:
            method, device, nonce = CheckInMethod.API, device_at[venue.pk], _nonce(rng, nonces)
        checkin = new_checkin(registration, session, method, venue, actor, device, nonce, at, not registration.is_expected_at(venue))
        checkin.received_at = at + datetime.timedelta(milliseconds=rng.randint(80, 900))
        checkins.append(checkin)
        if method == CheckInMethod.SELF:
            key = "".join(rng.choice(TICKET_ALPHABET) for _ in range(22))
            tickets.append(SelfCheckinTicket(key=key, registration=registration, venue=venue, used_at=at))
        if device is not None:
            device.last_used_at = max(device.last_used_at or at, at)

    CheckIn.objects.bulk_create(checkins, batch_size=500)
    CheckInEvent.objects.bulk_create([checkin_event(c) for c in checkins], batch_size=500)
    SelfCheckinTicket.objects.bulk_create(tickets, batch_size=500)
    ScannerDevice.objects.bulk_update(devices, ["last_used_at"])
    created.update(checkins=len(checkins), scanner_devices=len(devices))
    return created
