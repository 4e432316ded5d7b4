"""The demo: the session of Thursday 25 November 2564 BE, 09:00, as the Community Development
Department's public news post describes it, and beside it a rehearsal that starts within the hour of
seeding, open for registration and check-in.

Officials named in the seed's public news post appear as themselves; every
participant is made up, and the session's description says so (DEMO_NOTE). Building it is
idempotent: a second run finds everything in place and writes nothing (it only moves the
rehearsal forward once its start is no longer within the hour).
"""

import datetime
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone

from meetings.models import (
    AgendaItem,
    Profile,
    Province,
    Quota,
    RoleCategory,
    Session,
    SessionStatus,
    UserKind,
    Venue,
    VideoPlatform,
)
from meetings.permissions import CENTRAL_GROUP, PROVINCIAL_GROUP

BANGKOK = ZoneInfo("Asia/Bangkok")
DEMO_SLUG = "kkkj-2021-11-25"
DEMO_PASSWORD = "prachum2564"
TOTAL_PARTICIPANTS = 2660
OFFICERS_PER_PROVINCE = 2
CENTRAL_STAFF = 46
BANGKOK_CODE = "TH-10"
LAMPANG_CODE = "TH-52"
CHIANGMAI_CODE = "TH-50"
# Shown at the top of both demo sessions' descriptions.
DEMO_NOTE = "ข้อมูลสาธิต (สมมติ): ผู้เข้าร่วม การลงทะเบียน การลงชื่อเข้าร่วม ผลแบบทดสอบ และเกียรติบัตรทั้งหมดเป็นข้อมูลสมมติ"

SESSION = {
    "title": (
        "โครงการพัฒนากลไกการขับเคลื่อนกองทุนชุมชนตามหลักธรรมาภิบาล "
        "กิจกรรมเพิ่มศักยภาพคณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.) "
        "ผ่านระบบการประชุมทางไกล (Video Conference)"
    ),
    "description": DEMO_NOTE
    + " ส่วนวัน เวลา หัวข้อ และผู้บริหารที่กล่าวถึงมาจากข่าวประชาสัมพันธ์ของกรมการพัฒนาชุมชน\n\n"
    + (
        "โครงการแก้ไขปัญหาความยากจน (กข.คจ.) เป็นโครงการที่รัฐบาลมอบหมายให้กรมการพัฒนาชุมชนรับผิดชอบ"
        "ดำเนินการตั้งแต่ปี พ.ศ. 2536 เพื่อยกระดับคุณภาพชีวิตของประชาชนและแก้ไขปัญหาความยากจน "
        "โดยรัฐบาลสนับสนุนเงินทุนหมู่บ้านละ 280,000 บาท เป็นทุนหมุนเวียนให้ครัวเรือนเป้าหมาย"
        "ที่มีรายได้ต่ำกว่าเกณฑ์ความจำเป็นพื้นฐาน (จปฐ.) ยืมไปลงทุนประกอบอาชีพ"
    ),
    "objectives": (
        "ทบทวนความรู้ ความเข้าใจ และสร้างความตระหนักในการดำเนินงานโครงการแก้ไขปัญหาความยากจน (กข.คจ.)\n"
        "ให้แนวทางในการแก้ไขปัญหาโครงการแก้ไขปัญหาความยากจน (กข.คจ.) เป็นไปในทิศทางเดียวกัน"
    ),
    "organiser_department": "กรมการพัฒนาชุมชน",
    "organiser_division": "สำนักพัฒนาทุนและองค์กรการเงินชุมชน",
    "chair_name": "นายสุรศักดิ์ อักษรกุล",
    "chair_title": "รองอธิบดีกรมการพัฒนาชุมชน (ได้รับมอบหมายจากนายสมคิด จันทมฤก อธิบดีกรมการพัฒนาชุมชน)",
    "reporter_name": "นางเตือนใจ อุ่นจันทร์",
    "reporter_title": ("นักวิชาการพัฒนาชุมชนชำนาญการพิเศษ รักษาราชการแทนผู้อำนวยการสำนักพัฒนาทุนและองค์กรการเงินชุมชน"),
    "status": SessionStatus.PUBLISHED,
    "starts_at": datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK),
    "ends_at": datetime.datetime(2021, 11, 25, 12, 0, tzinfo=BANGKOK),
    "registration_opens_at": datetime.datetime(2021, 11, 10, 8, 30, tzinfo=BANGKOK),
    "registration_closes_at": datetime.datetime(2021, 11, 24, 16, 30, tzinfo=BANGKOK),
    "vc_platform": VideoPlatform.ZOOM,
    # A made-up meeting: the real link was never public.
    "vc_join_url": "https://zoom.us/j/95125112564",
    "vc_meeting_id": "951 2511 2564",
    "vc_passcode": "2564",
}

AGENDA = [
    "นโยบายของผู้บริหารในการดำเนินงานโครงการแก้ไขปัญหาความยากจน (กข.คจ.)",
    "การดำเนินงานโครงการแก้ไขปัญหาความยากจน ประจำปี 2565",
    "แนวทางปฏิบัติกรณีเกิดข้อร้องเรียน หรือกรณีเกิดความเสียหายต่อการดำเนินงานโครงการแก้ไขปัญหาความยากจน (กข.คจ.)",
    "กรณีศึกษา กรณีเกิดความเสียหายต่อการดำเนินงานโครงการฯ (กข.คจ.)",
]
AGENDA_PRESENTERS = [
    "นายสุรศักดิ์ อักษรกุล รองอธิบดีกรมการพัฒนาชุมชน",
    "สำนักพัฒนาทุนและองค์กรการเงินชุมชน",
    "สำนักพัฒนาทุนและองค์กรการเงินชุมชน",
    "สำนักพัฒนาทุนและองค์กรการเงินชุมชน",
]

HOST_VENUE = {
    "name": "กรมการพัฒนาชุมชน",
    "room": "ห้องประชุม War Room",
    "address": "ศูนย์ราชการเฉลิมพระเกียรติ 80 พรรษาฯ อาคารบี ถนนแจ้งวัฒนะ แขวงทุ่งสองห้อง เขตหลักสี่ กรุงเทพมหานคร 10210",
    "coordinator_name": "นางสาวพิมพ์ชนก ใจดีงาม",
    "coordinator_phone": "0812000001",
    "capacity": 60,
}


@dataclass
class DemoLogin:
    username: str
    password: str
    description: str


DEMO_LOGINS = [
    DemoLogin("organiser", DEMO_PASSWORD, "เจ้าหน้าที่ส่วนกลาง (ผู้จัดการประชุม) / central organiser"),
    DemoLogin("lampang", DEMO_PASSWORD, "เจ้าหน้าที่สำนักงานพัฒนาชุมชนจังหวัดลำปาง / Lampang provincial officer"),
    DemoLogin("chiangmai", DEMO_PASSWORD, "เจ้าหน้าที่สำนักงานพัฒนาชุมชนจังหวัดเชียงใหม่ / Chiang Mai provincial officer"),
]


def _committee_counts(provinces, total, rng):
    """Spread `total` committee seats over the provinces, 25–40 each, summing exactly to `total`."""
    weights = {p.code: rng.randint(25, 40) for p in provinces}
    scale = total / sum(weights.values())
    counts = {code: int(w * scale) for code, w in weights.items()}
    shortfall = total - sum(counts.values())
    for code in sorted(counts, key=lambda c: weights[c] * scale - counts[c], reverse=True)[:shortfall]:
        counts[code] += 1
    return counts


def _ensure_user(login, kind, province, first_name, last_name, position):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=login.username, defaults={"first_name": first_name, "last_name": last_name, "is_staff": kind == UserKind.CENTRAL}
    )
    if created:
        user.set_password(login.password)
        user.save(update_fields=["password"])
        Profile.objects.create(user=user, kind=kind, province=province, position=position)
        user.groups.add(Group.objects.get_or_create(name=CENTRAL_GROUP if kind == UserKind.CENTRAL else PROVINCIAL_GROUP)[0])
    return user


@dataclass
class DemoPlan:
    """What the meetings part of the demo made, for the apps built on it to seed their part."""

    session: Session
    organiser: object
    lampang_officer: object
    created: dict
    # (province id, role id) -> (seats, people to register)
    seats: dict = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(25112564))
    chiangmai_officer: object = None


def _ensure_venues(session, provinces, by_code):
    """The War Room host venue and one remote meeting room per province; returns how many were created."""
    existing = {(v.province_id, v.is_host) for v in session.venues.all()}
    new_venues = []
    if (by_code[BANGKOK_CODE].pk, True) not in existing:
        new_venues.append(Venue(session=session, province=by_code[BANGKOK_CODE], is_host=True, **HOST_VENUE))
    for p in provinces:
        if (p.pk, False) in existing:
            continue
        office = f"สำนักงานพัฒนาชุมชนจังหวัด{p.name_th}"
        if p.code == LAMPANG_CODE:
            room, address = "ห้องประชุมสำนักงานพัฒนาชุมชนจังหวัดลำปาง ชั้น 3", "ศาลากลางจังหวัดลำปาง"
        elif p.code == BANGKOK_CODE:
            office, room, address = "กรมการพัฒนาชุมชน", "ห้องประชุมชั้น 3 (จุดเชื่อมต่อกรุงเทพมหานคร)", HOST_VENUE["address"]
        else:
            room, address = f"ห้องประชุม{office}", f"ศาลากลางจังหวัด{p.name_th}"
        new_venues.append(Venue(session=session, province=p, name=office, room=room, address=address, capacity=60))
    Venue.objects.bulk_create(new_venues)
    return len(new_venues)


def _agenda_start(start, order):
    return start + datetime.timedelta(minutes=15 + 40 * (order - 1))


def _ensure_agenda(session, start):
    """The four agenda topics, 40 minutes each from a quarter past the start; returns how many were created."""
    have_agenda = set(session.agenda_items.values_list("order", flat=True))
    agenda = [
        AgendaItem(
            session=session,
            order=i,
            title=title,
            presenter=AGENDA_PRESENTERS[i - 1],
            starts_at=_agenda_start(start, i),
            duration_minutes=40,
        )
        for i, title in enumerate(AGENDA, start=1)
        if i not in have_agenda
    ]
    AgendaItem.objects.bulk_create(agenda)
    return len(agenda)


def seed_meetings_demo():
    """Create the demo session, its venues, agenda and quotas, and the demo logins.

    Returns a DemoPlan; its `created` counts what was written (all zeros on a second run).
    """
    rng = random.Random(25112564)
    created = {"sessions": 0, "venues": 0, "agenda_items": 0, "quotas": 0}
    provinces = list(Province.objects.order_by("code"))
    by_code = {p.code: p for p in provinces}
    roles = {r.code: r for r in RoleCategory.objects.all()}

    organiser = _ensure_user(DEMO_LOGINS[0], UserKind.CENTRAL, None, "พิมพ์ชนก", "ใจดีงาม", "นักวิชาการพัฒนาชุมชน")
    lampang_officer = _ensure_user(DEMO_LOGINS[1], UserKind.PROVINCIAL, by_code[LAMPANG_CODE], "วิไลวรรณ", "คำสว่าง", "นักวิชาการพัฒนาชุมชนชำนาญการ")
    chiangmai_officer = _ensure_user(DEMO_LOGINS[2], UserKind.PROVINCIAL, by_code[CHIANGMAI_CODE], "ธีระ", "ศรีเจริญ", "นักวิชาการพัฒนาชุมชนชำนาญการ")

    session, made = Session.objects.get_or_create(slug=DEMO_SLUG, defaults={**SESSION, "created_by": organiser})
    created["sessions"] += int(made)
    if not session.description.startswith(DEMO_NOTE):
        # A database seeded before the note existed: say that the people in it are made up.
        session.description = f"{DEMO_NOTE}\n\n{session.description}".strip()
        Session.objects.filter(pk=session.pk).update(description=session.description)

    created["venues"] += _ensure_venues(session, provinces, by_code)
    created["agenda_items"] += _ensure_agenda(session, SESSION["starts_at"])

    # Quotas: 2 officers everywhere, committee seats outside Bangkok, central staff in Bangkok.
    committee_provinces = [p for p in provinces if p.code != BANGKOK_CODE]
    committee_total = TOTAL_PARTICIPANTS - OFFICERS_PER_PROVINCE * len(provinces) - CENTRAL_STAFF
    committee = _committee_counts(committee_provinces, committee_total, rng)
    wanted = {}
    for p in provinces:
        wanted[(p.pk, roles["provincial_officer"].pk)] = (OFFICERS_PER_PROVINCE, OFFICERS_PER_PROVINCE)
        if p.code == BANGKOK_CODE:
            wanted[(p.pk, roles["central_staff"].pk)] = (CENTRAL_STAFF + 4, CENTRAL_STAFF)
        else:
            n = committee[p.code]
            wanted[(p.pk, roles["committee"].pk)] = (n + (-n % 5) + 5, n)  # a few free seats
    have_quota = set(session.quotas.values_list("province_id", "role_id"))
    quotas = [
        Quota(session=session, province_id=prov, role_id=role, seats=seats)
        for (prov, role), (seats, _) in wanted.items()
        if (prov, role) not in have_quota
    ]
    Quota.objects.bulk_create(quotas)
    created["quotas"] += len(quotas)
    return DemoPlan(session, organiser, lampang_officer, created, wanted, rng, chiangmai_officer)


# --- the rehearsal ------------------------------------------------------------------------------

REHEARSAL_SLUG = "prachum-rehearsal"
# Seeded now, the rehearsal starts on the next five-minute mark at least this far ahead: check-in
# (open from an hour before the start) is open at once, and the start is within the hour.
REHEARSAL_LEAD = datetime.timedelta(minutes=15)
REHEARSAL_LENGTH = datetime.timedelta(hours=3)
REHEARSAL_WITHIN = datetime.timedelta(hours=1)
REHEARSAL_SEATS = {"provincial_officer": OFFICERS_PER_PROVINCE, "committee": 10, "central_staff": 10}
REHEARSAL = {
    "title": "ซ้อมใหญ่ (Rehearsal): การประชุมเพิ่มศักยภาพคณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.) ผ่านระบบการประชุมทางไกล",
    "description": DEMO_NOTE
    + "\n\n"
    + (
        "รอบซ้อมสำหรับทดลองใช้ระบบก่อนวันจริง เริ่มภายในหนึ่งชั่วโมงหลังสร้างข้อมูลสาธิต "
        "เปิดรับลงทะเบียนและลงชื่อเข้าร่วมแล้ว: พิมพ์บัตรแล้วสแกนที่จุดลงชื่อเข้าร่วม หรือสแกน QR ของห้องประชุมด้วยโทรศัพท์ "
        "จากนั้นทำแบบทดสอบก่อนเรียน บทเรียน แบบทดสอบหลังเรียน และรับเกียรติบัตร"
    ),
    "objectives": SESSION["objectives"],
    "organiser_department": SESSION["organiser_department"],
    "organiser_division": SESSION["organiser_division"],
    "chair_name": SESSION["chair_name"],
    "chair_title": SESSION["chair_title"],
    "status": SessionStatus.PUBLISHED,
    "vc_platform": VideoPlatform.ZOOM,
    # Made up, like the demo session's.
    "vc_join_url": "https://zoom.us/j/95100002564",
    "vc_meeting_id": "951 0000 2564",
    "vc_passcode": "2564",
}


def rehearsal_times(now):
    """The rehearsal's start, end and registration window when it is (re)scheduled at `now`."""
    earliest = now + REHEARSAL_LEAD
    start = earliest.replace(second=0, microsecond=0)
    start += datetime.timedelta(minutes=-start.minute % 5)
    if start < earliest:
        start += datetime.timedelta(minutes=5)
    return {
        "starts_at": start,
        "ends_at": start + REHEARSAL_LENGTH,
        "registration_opens_at": start - datetime.timedelta(days=7),
        "registration_closes_at": start + REHEARSAL_LENGTH,
    }


def rehearsal_is_due(session, now):
    """Whether the rehearsal still starts within the hour of `now` (then a new seed leaves it alone)."""
    return now <= session.starts_at <= now + REHEARSAL_WITHIN


@dataclass
class RehearsalPlan:
    """What the meetings part of the rehearsal made, for the apps built on it."""

    session: Session
    created: dict
    moved: bool = False


def seed_rehearsal_meetings(*, organiser, now=None):
    """Create the rehearsal (venues, agenda, quotas), or move it to start within the hour again.

    Returns a RehearsalPlan; `created` counts what was written (zeros when it was in place), `moved`
    says whether an existing rehearsal was rescheduled.
    """
    now = now or timezone.now()
    created = {"rehearsal_sessions": 0, "rehearsal_venues": 0, "rehearsal_agenda_items": 0, "rehearsal_quotas": 0}
    provinces = list(Province.objects.order_by("code"))
    by_code = {p.code: p for p in provinces}
    roles = {r.code: r for r in RoleCategory.objects.all()}
    times = rehearsal_times(now)
    session, made = Session.objects.get_or_create(slug=REHEARSAL_SLUG, defaults={**REHEARSAL, **times, "created_by": organiser})
    created["rehearsal_sessions"] += int(made)
    moved = False
    if not made and not rehearsal_is_due(session, now):
        shift = times["starts_at"] - session.starts_at
        Session.objects.filter(pk=session.pk).update(**times)
        AgendaItem.objects.filter(session=session, starts_at__isnull=False).update(starts_at=F("starts_at") + shift)
        session.refresh_from_db()
        moved = True
    created["rehearsal_venues"] += _ensure_venues(session, provinces, by_code)
    created["rehearsal_agenda_items"] += _ensure_agenda(session, session.starts_at)
    have_quota = set(session.quotas.values_list("province_id", "role_id"))
    quotas = []
    for p in provinces:
        for code in ("provincial_officer", "central_staff" if p.code == BANGKOK_CODE else "committee"):
            if (p.pk, roles[code].pk) not in have_quota:
                quotas.append(Quota(session=session, province=p, role=roles[code], seats=REHEARSAL_SEATS[code]))
    Quota.objects.bulk_create(quotas)
    created["rehearsal_quotas"] += len(quotas)
    return RehearsalPlan(session, created, moved)
