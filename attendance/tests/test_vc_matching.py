"""Matching the names of a report to registrations and rooms: each rule, provinces never crossed, rooms told
from people, reconnects merged; and the quality on a generated 1,000-row report whose truth is known."""

import datetime
import random

import pytest

from attendance.models import VcMatchRule, VcParticipantKind
from attendance.tests.vc_files import Connection, bangkok, code_name, demo_people, zoom_csv
from attendance.vc.codes import find_codes, join_code
from attendance.vc.formats import read_report
from attendance.vc.matching import Directory, group_rows, match_participants
from meetings.tests.factories import make_session, make_venue
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db

NINE, NOON = bangkok(2021, 11, 25, 9), bangkok(2021, 11, 25, 12)


@pytest.fixture
def vc_session(central_organiser):
    return make_session(starts_at=NINE, created_by=central_organiser)


@pytest.fixture
def lampang(vc_session):
    return make_venue(vc_session, "TH-52", name="สำนักงานพัฒนาชุมชนจังหวัดลำปาง", room="ห้องประชุม ชั้น 3")


@pytest.fixture
def chiangmai(vc_session):
    return make_venue(vc_session, "TH-50", name="สำนักงานพัฒนาชุมชนจังหวัดเชียงใหม่", room="ห้องประชุม")


@pytest.fixture
def host(vc_session):
    return make_venue(vc_session, "TH-10", is_host=True, name="กรมการพัฒนาชุมชน", room="ห้องประชุม War Room")


@pytest.fixture
def somsri(vc_session, lampang):
    return make_registration(
        vc_session, "TH-52", venue=lampang, prefix="นางสาว", first_name="สมศรี", last_name="มีสุข", phone="0891234567", email="somsri@example.org"
    )


def _match(session, *names, email=""):
    connections = [Connection(name, email, NINE, NOON) for name in names]
    participants = group_rows(read_report(zoom_csv(connections), session=session).rows)
    match_participants(session, participants)
    return participants


def _one(session, name, email=""):
    return _match(session, name, email=email)[0]


def test_join_code_has_a_check_digit_that_catches_a_typo():
    code = join_code(10427)
    assert find_codes(code) == [10427]
    typo = code[:-2] + str((int(code[-2]) + 1) % 10) + code[-1]
    assert find_codes(typo) == []


def test_code_in_the_name_matches_first(vc_session, somsri, lampang):
    other = make_registration(vc_session, "TH-52", venue=lampang, first_name="บุญมี", last_name="ใจงาม", email="somsri@example.org")
    participant = _one(vc_session, f"{join_code(other.pk)} ชื่อเล่น", email="somsri@example.org")
    assert (participant.kind, participant.registration_id, participant.rule, participant.confidence) == ("person", other.pk, VcMatchRule.CODE, 100)


def test_code_of_another_session_does_not_match(vc_session, somsri, central_organiser):
    elsewhere = make_registration(make_session(created_by=central_organiser), "TH-52", first_name="ก", last_name="ข")
    assert _one(vc_session, f"{join_code(elsewhere.pk)} iPad").kind == VcParticipantKind.UNMATCHED


def test_email_matches_when_one_registration_has_it(vc_session, somsri):
    participant = _one(vc_session, "Somsri's iPad", email="SomSri@Example.org")
    assert (participant.registration_id, participant.rule) == (somsri.pk, VcMatchRule.EMAIL)


def test_an_email_shared_by_two_registrations_decides_nothing(vc_session, somsri, lampang):
    make_registration(vc_session, "TH-52", venue=lampang, first_name="บุญมี", last_name="ใจงาม", email="somsri@example.org")
    participant = _one(vc_session, "iPad", email="somsri@example.org")
    assert participant.kind == VcParticipantKind.UNMATCHED and len(participant.suggestions) == 2


def test_phone_number_in_the_name_matches(vc_session, somsri):
    participant = _one(vc_session, "แม่ศรี 089-123-4567")
    assert (participant.registration_id, participant.rule) == (somsri.pk, VcMatchRule.PHONE)


@pytest.mark.parametrize(
    "name",
    ["สมศรี มีสุข", "นางสาวสมศรี มีสุข", "นางสาว สมศรี  มีสุข", "น.ส.สมศรี มีสุข", "สมศรี\u200bมีสุข", "สมศรีมีสุข (ลำปาง)", "สมศรี มีสุข บ้านหนองบัว ม.๓"],
)
def test_thai_name_matches_whatever_the_prefix_spaces_or_invisible_characters(vc_session, somsri, name):
    participant = _one(vc_session, name)
    assert (participant.registration_id, participant.rule) == (somsri.pk, VcMatchRule.NAME)


def test_prefixes_of_rank_are_dropped(vc_session, lampang):
    officer = make_registration(vc_session, "TH-52", venue=lampang, prefix="ว่าที่ร้อยตรี", first_name="สมชาย", last_name="ใจดี")
    for name in ("ว่าที่ร.ต.สมชาย ใจดี", "ว่าที่ ร.ต. สมชาย ใจดี", "ดร.สมชาย ใจดี"):
        assert _one(vc_session, name).registration_id == officer.pk


def test_a_name_with_a_typo_matches_by_similarity(vc_session, somsri):
    participant = _one(vc_session, "สมศรี มีสข")
    assert (participant.registration_id, participant.rule) == (somsri.pk, VcMatchRule.NAME_FUZZY)
    assert 80 <= participant.confidence < 90


def test_namesakes_are_left_for_staff_with_both_suggested(vc_session, somsri, chiangmai):
    namesake = make_registration(vc_session, "TH-50", venue=chiangmai, first_name="สมศรี", last_name="มีสุข")
    participant = _one(vc_session, "สมศรี มีสุข")
    assert participant.kind == VcParticipantKind.UNMATCHED and set(participant.suggestions) == {somsri.pk, namesake.pk}


def test_a_province_in_the_name_picks_among_namesakes(vc_session, somsri, chiangmai):
    namesake = make_registration(vc_session, "TH-50", venue=chiangmai, first_name="สมศรี", last_name="มีสุข")
    assert _one(vc_session, "สมศรี มีสุข จ.เชียงใหม่").registration_id == namesake.pk
    assert _one(vc_session, "สมศรี มีสุข ลำปาง").registration_id == somsri.pk


def test_a_named_province_is_never_crossed_even_by_a_close_name(vc_session, somsri, chiangmai):
    participant = _one(vc_session, "สมศรี มีสุข เชียงใหม่")
    assert participant.kind == VcParticipantKind.UNMATCHED and participant.suggestions == []
    assert _one(vc_session, "สมศรี มีสข เชียงใหม่").kind == VcParticipantKind.UNMATCHED


@pytest.mark.parametrize("name", ["สนง.พช.จ.ลำปาง", "ห้องประชุม พช.ลำปาง", "ห้องประชุมสำนักงานพัฒนาชุมชนจังหวัดลำปาง ชั้น 3", "Lampang CDD Office"])
def test_a_name_that_names_a_venue_is_that_venues_room(vc_session, somsri, lampang, chiangmai, name):
    participant = _one(vc_session, name)
    assert (participant.kind, participant.venue_id, participant.rule) == ("room", lampang.pk, VcMatchRule.ROOM)


def test_the_host_room_is_found_by_its_own_name(vc_session, host, lampang):
    participant = _one(vc_session, "กรมการพัฒนาชุมชน ห้องประชุม War Room")
    assert (participant.kind, participant.venue_id) == ("room", host.pk)


def test_a_person_who_adds_their_office_stays_a_person(vc_session, somsri, lampang):
    participant = _one(vc_session, "สมศรี มีสุข สนง.พช.ลำปาง")
    assert (participant.kind, participant.registration_id) == ("person", somsri.pk)


def test_a_room_signed_in_with_an_officers_account_is_the_room(vc_session, somsri, lampang):
    participant = _one(vc_session, "ห้องประชุม พช.ลำปาง", email="somsri@example.org")
    assert (participant.kind, participant.venue_id) == ("room", lampang.pk)


def test_unknown_names_get_no_match(vc_session, somsri):
    for name in ("iPhone", "Galaxy A52", "Zoom user"):
        participant = _one(vc_session, name)
        assert participant.kind == VcParticipantKind.UNMATCHED and participant.registration_id is None


def test_reconnects_merge_into_one_name_with_its_intervals_united(vc_session, somsri):
    connections = [
        Connection("สมศรี มีสุข", "", bangkok(2021, 11, 25, 8, 50), bangkok(2021, 11, 25, 10)),
        Connection("สมศรี มีสุข", "", bangkok(2021, 11, 25, 9, 30), bangkok(2021, 11, 25, 10, 30)),  # overlaps
        Connection("สมศรี มีสุข", "", bangkok(2021, 11, 25, 11), bangkok(2021, 11, 25, 12, 30)),
    ]
    participants = group_rows(read_report(zoom_csv(connections), session=vc_session).rows)
    assert len(participants) == 1 and participants[0].connections == 3
    spans = [
        [int(a.timestamp()), int(b.timestamp())]
        for a, b in ((connections[0].joined, connections[1].left), (connections[2].joined, connections[2].left))
    ]
    assert participants[0].intervals == spans


# --- quality on a generated report with known truth -----------------------------------------------------------

PROVINCES = ("TH-52", "TH-50", "TH-57", "TH-65", "TH-30", "TH-40", "TH-90", "TH-10")
DEVICES = ("iPhone", "iPad", "Galaxy A52", "HUAWEI P30", "Zoom user", "Admin", "Host", "OPPO A5s", "user", "Redmi Note 8")


def _typo(text, rng):
    position = rng.randrange(1, len(text) - 1)
    return text[:position] + text[position + 1 :]


def _truth_report(session, people, venues, rng, rows=1000):
    """(connections, {(name, email): truth}) with truth a registration pk, ("room", venue pk) or None."""
    truth = {}
    names = []
    provinces = {p.pk: p for p in {person.province for person in people}}
    for index, person in enumerate(people):
        style = index % 20
        province = provinces[person.province_id].name_th
        prefix = person.prefix if rng.random() < 0.5 else ""
        if style < 4:
            name, email = code_name(person), ""
        elif style < 7 and person.email:
            name, email = rng.choice(DEVICES), person.email
        elif style == 7:
            name, email = f"{person.first_name} {person.phone[:3]}-{person.phone[3:6]}-{person.phone[6:]}", ""
        elif style < 15:
            name = rng.choice(
                (
                    f"{prefix}{person.first_name} {person.last_name}",
                    f"{prefix} {person.first_name}  {person.last_name}",
                    f"{person.first_name}\u200b{person.last_name}",
                    f"{person.first_name} {person.last_name} ({province})",
                    f"{person.first_name} {person.last_name} จ.{province}",
                )
            )
            email = ""
        elif style < 18:
            name, email = f"{person.first_name} {_typo(person.last_name, rng)} {province}", ""
        elif style == 18:
            name, email = f"{person.first_name} {person.last_name} สนง.พช.{province}", ""
        else:  # a name in Latin letters: nothing can match it, and it counts against recall
            name, email = f"Khun {rng.choice(('Som', 'Noi', 'Lek', 'Ton', 'Bee'))} {index}", ""
        name = name.strip()
        names.append((name, email))
        # Two people written the same way (namesakes) cannot be told apart from the name: nobody is right.
        truth[(name, email)] = None if (name, email) in truth else person.pk
    for venue in venues.values():
        province = venue.province.name_th
        name = rng.choice((f"สนง.พช.จ.{province}", f"ห้องประชุม พช.{province}", f"ห้องประชุม{venue.name}"))
        names.append((name, ""))
        truth[(name, "")] = ("room", venue.pk)
    for n in range(40):
        name = f"{rng.choice(DEVICES)} {n}"
        names.append((name, ""))
        truth[(name, "")] = None
    connections = []
    while len(connections) < rows:
        name, email = names[len(connections) % len(names)] if len(connections) < len(names) else rng.choice(names)
        start = bangkok(2021, 11, 25, 8, 30) + datetime.timedelta(minutes=rng.randrange(0, 200))
        connections.append(Connection(name, email, start, start + datetime.timedelta(minutes=rng.randrange(5, 120))))
    return connections, truth


def test_matching_quality_on_a_generated_1000_row_report(vc_session):
    rng = random.Random(25641125)
    venues, people = demo_people(vc_session, PROVINCES, 75, rng=rng)
    connections, truth = _truth_report(vc_session, people, venues, rng)
    assert len(connections) == 1000
    participants = group_rows(read_report(zoom_csv(connections), session=vc_session).rows)
    match_participants(vc_session, participants)
    made = correct = expected = 0
    for participant in participants:
        written = participant.display_name + (f" ({participant.original_name})" if participant.original_name else "")
        want = truth[(written, participant.email)]
        got = participant.registration_id if participant.kind == "person" else ("room", participant.venue_id) if participant.kind == "room" else None
        expected += want is not None
        made += got is not None
        correct += got is not None and got == want
    precision, recall = correct / made, correct / expected
    print(f"precision {precision:.3f} recall {recall:.3f} ({made} matched, {expected} with a truth, {len(participants)} names)")
    assert precision >= 0.95, (precision, recall)
    assert recall >= 0.90, (precision, recall)


def test_directory_reads_the_session_once(vc_session, somsri, lampang, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        directory = Directory(vc_session)
    assert somsri.pk in directory.people
