"""The demo: the session of Thursday 25 November 2564 BE, 09:00, as the Community Development
Department's public news post describes it.

Officials named in the seed's public news post appear as themselves; every
participant is made up. Building it is idempotent: a second run finds
everything in place and writes nothing.
"""

import datetime
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

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

SESSION = {
    "title": (
        "โครงการพัฒนากลไกการขับเคลื่อนกองทุนชุมชนตามหลักธรรมาภิบาล "
        "กิจกรรมเพิ่มศักยภาพคณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.) "
        "ผ่านระบบการประชุมทางไกล (Video Conference)"
    ),
    "description": (
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


@transaction.atomic
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
    _ensure_user(DEMO_LOGINS[2], UserKind.PROVINCIAL, by_code["TH-50"], "ธีระ", "ศรีเจริญ", "นักวิชาการพัฒนาชุมชนชำนาญการ")

    session, made = Session.objects.get_or_create(slug=DEMO_SLUG, defaults={**SESSION, "created_by": organiser})
    created["sessions"] += int(made)

    # Venues: the War Room host venue and one remote meeting room per province.
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
    created["venues"] += len(new_venues)

    have_agenda = set(session.agenda_items.values_list("order", flat=True))
    start = SESSION["starts_at"]
    agenda = [
        AgendaItem(
            session=session,
            order=i,
            title=title,
            presenter=AGENDA_PRESENTERS[i - 1],
            starts_at=start + datetime.timedelta(minutes=15 + 40 * (i - 1)),
            duration_minutes=40,
        )
        for i, title in enumerate(AGENDA, start=1)
        if i not in have_agenda
    ]
    AgendaItem.objects.bulk_create(agenda)
    created["agenda_items"] += len(agenda)

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
    return DemoPlan(session, organiser, lampang_officer, created, wanted, rng)
