"""The demo's 2,660 participants of the 25 November 2564 BE session, and the rehearsal's few in
Lampang and Chiang Mai: every one made up."""

import random

from stdnum.th import pin

from meetings.demo import CHIANGMAI_CODE, LAMPANG_CODE, DemoPlan, RehearsalPlan
from meetings.models import Province, RoleCategory
from registration.models import Registration

# Made-up names: common Thai given names and invented surnames.
MALE_NAMES = (
    "สมชาย",
    "สมศักดิ์",
    "ประเสริฐ",
    "วิชัย",
    "สุรชัย",
    "ชัยวัฒน์",
    "อนุชา",
    "ธนากร",
    "กิตติพงษ์",
    "สุเมธ",
    "บุญมี",
    "บุญเรือง",
    "ทองดี",
    "สมบัติ",
    "เกรียงไกร",
    "ณรงค์",
    "พงศกร",
    "ปิยะ",
    "วีระ",
    "อำนาจ",
    "จักรพันธ์",
    "ธีระ",
    "ศักดิ์ชัย",
    "มานพ",
    "ประยูร",
    "สุพจน์",
    "เอกชัย",
    "ภานุวัฒน์",
    "ไพโรจน์",
    "ศุภชัย",
)
FEMALE_NAMES = (
    "สมศรี",
    "มาลี",
    "บุษบา",
    "วันเพ็ญ",
    "กาญจนา",
    "สุภาพร",
    "ปราณี",
    "นงลักษณ์",
    "อรุณี",
    "จันทร์เพ็ญ",
    "รัตนา",
    "ศิริพร",
    "พรทิพย์",
    "วิไลวรรณ",
    "สุดารัตน์",
    "ลำดวน",
    "บัวผัน",
    "ทองใบ",
    "ประไพ",
    "เพ็ญศรี",
    "อัญชลี",
    "ดวงใจ",
    "สายสุนีย์",
    "กนกวรรณ",
    "จิราพร",
    "ณัฐธิดา",
    "ปิยะนุช",
    "อุไรวรรณ",
    "เยาวลักษณ์",
    "นวลจันทร์",
)
SURNAME_PARTS_A = (
    "ใจ",
    "ศรี",
    "บุญ",
    "ทอง",
    "แก้ว",
    "สุข",
    "มั่น",
    "คำ",
    "เพชร",
    "จันทร์",
    "ดวง",
    "รุ่ง",
    "ชัย",
    "พูน",
    "สิทธิ์",
)
SURNAME_PARTS_B = (
    "ดีงาม",
    "สว่าง",
    "เจริญ",
    "มณี",
    "ประเสริฐ",
    "รักษา",
    "วงศ์ใหญ่",
    "พานิช",
    "สมบูรณ์",
    "ทวีผล",
    "ไพศาล",
    "อุดม",
    "ศรีสุข",
    "บำรุง",
    "พัฒนา",
    "ยิ่งยง",
    "ก้าวหน้า",
    "มีสุข",
    "ธรรมดี",
    "ประทีป",
)
VILLAGE_WORDS = (
    "หนองบัว",
    "โนนสูง",
    "ดอนแก้ว",
    "ห้วยทราย",
    "นาคำ",
    "โคกสว่าง",
    "หนองแวง",
    "ท่าช้าง",
    "วังน้ำเย็น",
    "ป่าตาล",
    "บ่อทอง",
    "สันติสุข",
    "ดงเย็น",
    "ทุ่งใหญ่",
    "คลองขุด",
    "หัวนา",
    "ไร่เหนือ",
    "หนองโพธิ์",
    "นาดี",
    "โพนงาม",
)
COMMITTEE_POSITIONS = ("ประธานคณะกรรมการ กข.คจ.", "กรรมการ กข.คจ.", "เหรัญญิก กข.คจ.", "เลขานุการ กข.คจ.")


def _fake_national_id(rng):
    body = str(rng.choice((1, 3))) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return body + pin.calc_check_digit(body)


def _person(rng, index):
    male = rng.random() < 0.5
    first = rng.choice(MALE_NAMES if male else FEMALE_NAMES)
    prefix = "นาย" if male else rng.choice(("นาง", "นางสาว"))
    last = rng.choice(SURNAME_PARTS_A) + rng.choice(SURNAME_PARTS_B)
    # 0891xxxxxx numbers are unique per index, so name + phone never repeats.
    phone = f"089{1000000 + index:07d}"
    return {"prefix": prefix, "first_name": first, "last_name": last, "phone": phone}


def seed_registration_demo(plan: DemoPlan):
    """Register the demo's participants, filling the quotas as planned (nothing on a second run)."""
    session, rng = plan.session, plan.rng
    organiser, lampang_officer, wanted = plan.organiser, plan.lampang_officer, plan.seats
    provinces = list(Province.objects.order_by("code"))
    roles = {r.code: r for r in RoleCategory.objects.all()}
    created = {"registrations": 0}
    if not session.registrations.exists():
        venues = {v.province_id: v for v in session.venues.filter(is_host=False)}
        host = session.venues.get(is_host=True)
        rows = []
        index = 0
        for (prov_id, role_id), (_, count) in sorted(wanted.items()):
            province = next(p for p in provinces if p.pk == prov_id)
            role = next(r for r in roles.values() if r.pk == role_id)
            for _ in range(count):
                index += 1
                person = _person(rng, index)
                extra = {}
                if role.code == "committee":
                    extra = {
                        "position": rng.choice(COMMITTEE_POSITIONS),
                        "organisation": "คณะกรรมการบริหารกองทุน กข.คจ. ระดับหมู่บ้าน",
                        "village": f"บ้าน{rng.choice(VILLAGE_WORDS)} หมู่ที่ {rng.randint(1, 15)}",
                    }
                elif role.code == "provincial_officer":
                    extra = {"position": "นักวิชาการพัฒนาชุมชน", "organisation": f"สำนักงานพัฒนาชุมชนจังหวัด{province.name_th}"}
                else:
                    extra = {"position": "นักวิชาการพัฒนาชุมชน", "organisation": "กรมการพัฒนาชุมชน"}
                rows.append(
                    Registration(
                        session=session,
                        province=province,
                        role=role,
                        venue=host if role.code == "central_staff" else venues[prov_id],
                        national_id=_fake_national_id(rng) if index % 3 == 0 else "",
                        created_by=organiser if role.code == "central_staff" else lampang_officer if province.code == LAMPANG_CODE else organiser,
                        **person,
                        **extra,
                    )
                )
        Registration.objects.bulk_create(rows, batch_size=500)
        created["registrations"] = len(rows)
    return created


# The rehearsal's people: officers and committee members in the two provinces the demo logins serve.
REHEARSAL_PEOPLE = {"provincial_officer": 2, "committee": 4}
# Phone numbers of the rehearsal's people start after the demo session's 2,660.
REHEARSAL_PHONE_INDEX = 9000


def seed_rehearsal_registrations(plan: RehearsalPlan, *, officers):
    """Register a few people in Lampang and Chiang Mai for the rehearsal (nothing on a second run).

    `officers` maps a province code to the demo login who registers that province's people."""
    session = plan.session
    created = {"rehearsal_registrations": 0}
    if session.registrations.exists():
        return created
    rng = random.Random("prachum-rehearsal-registrations")
    roles = {r.code: r for r in RoleCategory.objects.all()}
    venues = {
        v.province.code: v for v in session.venues.filter(is_host=False, province__code__in=(LAMPANG_CODE, CHIANGMAI_CODE)).select_related("province")
    }
    rows = []
    index = REHEARSAL_PHONE_INDEX
    for code in (LAMPANG_CODE, CHIANGMAI_CODE):
        venue = venues[code]
        for role_code, count in REHEARSAL_PEOPLE.items():
            for _ in range(count):
                index += 1
                if role_code == "committee":
                    extra = {
                        "position": rng.choice(COMMITTEE_POSITIONS),
                        "organisation": "คณะกรรมการบริหารกองทุน กข.คจ. ระดับหมู่บ้าน",
                        "village": f"บ้าน{rng.choice(VILLAGE_WORDS)} หมู่ที่ {rng.randint(1, 15)}",
                    }
                else:
                    extra = {"position": "นักวิชาการพัฒนาชุมชน", "organisation": f"สำนักงานพัฒนาชุมชนจังหวัด{venue.province.name_th}"}
                rows.append(
                    Registration(
                        session=session,
                        province=venue.province,
                        role=roles[role_code],
                        venue=venue,
                        created_by=officers.get(code),
                        **_person(rng, index),
                        **extra,
                    )
                )
    Registration.objects.bulk_create(rows)
    created["rehearsal_registrations"] = len(rows)
    return created
