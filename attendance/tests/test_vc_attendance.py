"""Attendance from both sources: each status of session_attendance, minutes clipped to the session, the report
per province and venue with its Excel export, the pages (upload, review, attendance), an officer's part of
it, the join code on the personal page, and a person's data export and erasure."""

import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from attendance.models import VcParticipant, VcParticipantKind
from attendance.tests.checkins import record_checkin
from attendance.tests.vc_files import Connection, bangkok, code_name, demo_people, zoom_csv
from attendance.vc.codes import join_code
from attendance.vc.outcomes import AttendanceStatus, registration_attendance, session_attendance
from attendance.vc.services import import_vc_report
from meetings.models import AuditEntry
from meetings.tests.factories import make_session, make_venue
from registration.personal_data import anonymise_personal_data, collect_personal_data
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db

NINE, NOON = bangkok(2021, 11, 25, 9), bangkok(2021, 11, 25, 12)


@pytest.fixture
def vc_session(central_organiser):
    return make_session(starts_at=NINE, created_by=central_organiser)


@pytest.fixture
def venues(vc_session):
    return {
        "TH-52": make_venue(vc_session, "TH-52", name="สำนักงานพัฒนาชุมชนจังหวัดลำปาง"),
        "TH-50": make_venue(vc_session, "TH-50", name="สำนักงานพัฒนาชุมชนจังหวัดเชียงใหม่"),
    }


def _person(session, venue, first, last, code="TH-52"):
    return make_registration(session, code, venue=venue, first_name=first, last_name=last)


def _import(session, connections, actor):
    return import_vc_report(session=session, content=zoom_csv(connections), filename="zoom.csv", actor=actor).report


def _checkin(registration, venue, _actor):
    return record_checkin(registration, at=bangkok(2021, 11, 25, 8, 50), venue=venue)


@pytest.fixture
def five(vc_session, venues, central_organiser):
    """Five Lampang people, one for each status, and a report where Lampang's room was connected all along."""
    lampang = venues["TH-52"]
    people = {
        "room": _person(vc_session, lampang, "สมศรี", "มีสุข"),
        "on_site": _person(vc_session, venues["TH-50"], "บุญมี", "ใจงาม", code="TH-50"),
        "online": _person(vc_session, lampang, "มาลี", "ศรีสุข"),
        "partial": _person(vc_session, lampang, "ทองดี", "บุญมา"),
        "absent": _person(vc_session, lampang, "วิไล", "รักไทย"),
    }
    _checkin(people["room"], lampang, central_organiser)
    _checkin(people["on_site"], venues["TH-50"], central_organiser)
    _import(
        vc_session,
        [
            Connection("สนง.พช.จ.ลำปาง", "", bangkok(2021, 11, 25, 8, 30), bangkok(2021, 11, 25, 12, 30)),
            # online: reconnects, and a second device overlapping the first; 09:00–11:40 = 160 of 180 minutes
            Connection(code_name(people["online"]), "", bangkok(2021, 11, 25, 8, 50), bangkok(2021, 11, 25, 10, 0)),
            Connection(code_name(people["online"]), "", bangkok(2021, 11, 25, 10, 10), bangkok(2021, 11, 25, 11, 40)),
            Connection("มาลี ศรีสุข (iPad)", "", bangkok(2021, 11, 25, 9, 55), bangkok(2021, 11, 25, 10, 15)),
            Connection("ทองดี บุญมา", "", bangkok(2021, 11, 25, 11, 0), bangkok(2021, 11, 25, 12, 45)),
        ],
        central_organiser,
    )
    return people


def test_each_status_from_both_sources(vc_session, five):
    outcome = session_attendance(vc_session)
    assert {name: outcome[person.pk].status for name, person in five.items()} == {
        "room": AttendanceStatus.ROOM,
        "on_site": AttendanceStatus.ON_SITE,
        "online": AttendanceStatus.ONLINE,
        "partial": AttendanceStatus.PARTIAL,
        "absent": AttendanceStatus.ABSENT,
    }


def test_minutes_are_the_union_of_connections_clipped_to_the_session(vc_session, five):
    outcome = session_attendance(vc_session)
    online = outcome[five["online"].pk]
    assert online.online_minutes == 160 and online.session_minutes == 180  # 09:00–11:40, the iPad's overlap counted once
    assert outcome[five["partial"].pk].online_minutes == 60  # 11:00–12:00; after noon does not count
    assert outcome[five["room"].pk].room_minutes == 180 and outcome[five["room"].pk].minutes == 180
    assert registration_attendance(five["absent"]).minutes == 0


def test_the_share_needed_online_is_a_setting(vc_session, five, settings):
    settings.VC_PRESENT_PERCENT = 95
    assert session_attendance(vc_session)[five["online"].pk].status == AttendanceStatus.PARTIAL
    settings.VC_PRESENT_PERCENT = 30
    assert session_attendance(vc_session)[five["partial"].pk].status == AttendanceStatus.ONLINE


def test_a_room_connected_too_briefly_leaves_its_people_on_site(vc_session, venues, central_organiser):
    person = _person(vc_session, venues["TH-52"], "สมศรี", "มีสุข")
    _checkin(person, venues["TH-52"], central_organiser)
    _import(vc_session, [Connection("ห้องประชุม พช.ลำปาง", "", NINE, bangkok(2021, 11, 25, 9, 30))], central_organiser)
    assert session_attendance(vc_session)[person.pk].status == AttendanceStatus.ON_SITE


def test_a_person_checked_in_at_another_venue_counts_that_venues_room(vc_session, venues, central_organiser):
    """Seen in two rooms: registered in Lampang, checked in at Chiang Mai; Chiang Mai's room was connected."""
    person = _person(vc_session, venues["TH-52"], "สมศรี", "มีสุข")
    _checkin(person, venues["TH-50"], central_organiser)
    _import(
        vc_session,
        [Connection("ห้องประชุม พช.ลำปาง", "", NINE, bangkok(2021, 11, 25, 9, 10)), Connection("สนง.พช.จ.เชียงใหม่", "", NINE, NOON)],
        central_organiser,
    )
    attendance = session_attendance(vc_session)[person.pk]
    assert attendance.status == AttendanceStatus.ROOM and attendance.checkin_venue_id == venues["TH-50"].pk


def test_report_per_province_and_venue(client, central_organiser, vc_session, five, venues):
    client.force_login(central_organiser)
    response = client.get(f"/sessions/{vc_session.pk}/attendance/combined/")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report["total"].registered, report["total"].present_on_site, report["total"].online, report["total"].present) == (5, 2, 1, 3)
    lampang = next(row for row in report["venues"] if row.key == venues["TH-52"])
    assert (lampang.room, lampang.online, lampang.partial, lampang.absent, lampang.room_minutes) == (1, 1, 1, 1, 180)


def test_excel_export_has_real_number_and_time_cells(client, central_organiser, vc_session, five):
    client.force_login(central_organiser)
    response = client.get(f"/sessions/{vc_session.pk}/attendance/combined.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    by_name = {row[3]: row for row in rows[1:]}
    online = by_name[five["online"].full_name]
    assert online[7] == 160 and isinstance(online[10], float) and online[6] is None
    room_row = 2 + [r[3] for r in rows[1:]].index(five["room"].full_name)
    checked_in = sheet.cell(row=room_row, column=7)
    assert checked_in.is_date and checked_in.value == datetime.datetime(2021, 11, 25, 8, 50)  # Bangkok wall-clock time
    assert AuditEntry.objects.filter(details__kind="vc-attendance.xlsx").exists()
    venue_sheet = load_workbook(io.BytesIO(client.get(f"/sessions/{vc_session.pk}/attendance/combined.xlsx?table=venue").content)).active
    assert isinstance(list(venue_sheet.iter_rows(values_only=True))[1][1], int)


def test_an_officer_sees_only_their_provinces_part(client, chiangmai_officer, vc_session, five):
    client.force_login(chiangmai_officer)
    report = client.get(f"/sessions/{vc_session.pk}/attendance/combined/").context["report"]
    assert report["total"].registered == 1 and [row.label for row in report["provinces"]] == ["เชียงใหม่"]
    sheet = load_workbook(io.BytesIO(client.get(f"/sessions/{vc_session.pk}/attendance/combined.xlsx").content)).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == [five["on_site"].full_name]


def test_upload_page_imports_and_shows_the_review(client, central_organiser, vc_session, venues):
    person = _person(vc_session, venues["TH-52"], "สมศรี", "มีสุข")
    client.force_login(central_organiser)
    upload = io.BytesIO(zoom_csv([Connection("iPhone", "", NINE, NOON), Connection(person.full_name, "", NINE, NOON)]))
    upload.name = "zoom.csv"
    response = client.post(f"/sessions/{vc_session.pk}/attendance/vc/upload/", {"file": upload, "platform": ""}, follow=True)
    assert response.status_code == 200 and response.context["show"] == "unmatched"
    assert "iPhone" in response.content.decode()
    people = client.get(response.request["PATH_INFO"] + "?show=people").content.decode()
    assert "สมศรี" in people


def test_upload_page_shows_a_bad_files_message(client, central_organiser, vc_session):
    client.force_login(central_organiser)
    upload = io.BytesIO("ชื่อ,นามสกุล\r\nสมชาย,ใจดี\r\n".encode())
    upload.name = "list.csv"
    response = client.post(f"/sessions/{vc_session.pk}/attendance/vc/upload/", {"file": upload})
    assert response.status_code == 400 and "Zoom" in response.content.decode()
    assert not VcParticipant.objects.exists()


def test_review_page_fixes_a_match_by_code(client, central_organiser, vc_session, venues):
    person = _person(vc_session, venues["TH-52"], "สมศรี", "มีสุข")
    report = _import(vc_session, [Connection("แม่ศรี", "", NINE, NOON)], central_organiser)
    participant = report.participants.get()
    client.force_login(central_organiser)
    url = f"/sessions/{vc_session.pk}/attendance/vc/{report.pk}/names/{participant.pk}/"
    response = client.post(url, {"action": "person", "who": join_code(person.pk), "show": "unmatched"})
    assert response.status_code == 302 and response["Location"].endswith("?show=unmatched")
    participant.refresh_from_db()
    assert participant.registration_id == person.pk
    client.post(url, {"action": "person", "who": "P999999"})
    participant.refresh_from_db()
    assert participant.registration_id == person.pk  # an unknown code changes nothing


def test_review_page_lists_registrations_without_evidence(client, central_organiser, vc_session, five):
    client.force_login(central_organiser)
    report = VcParticipant.objects.first().report
    html = client.get(f"/sessions/{vc_session.pk}/attendance/vc/{report.pk}/?show=absent").content.decode()
    assert five["absent"].full_name in html and five["online"].full_name not in html


@pytest.mark.parametrize("size", [5, 40])
def test_review_page_queries_do_not_grow_with_the_names(client, central_organiser, vc_session, size, django_assert_max_num_queries):
    venues, people = demo_people(vc_session, ("TH-52", "TH-50"), size)
    connections = [Connection(f"{p.first_name} {p.last_name[:-1]}x", "", NINE, NOON) for p in people]
    connections += [Connection(code_name(p), "", NINE, NOON) for p in people]
    report = _import(vc_session, connections, central_organiser)
    client.force_login(central_organiser)
    for show in ("unmatched", "people", "rooms", "absent"):
        with django_assert_max_num_queries(16):
            assert client.get(f"/sessions/{vc_session.pk}/attendance/vc/{report.pk}/?show={show}").status_code == 200


def test_personal_page_shows_the_name_to_join_as_with_a_copy_button(client, vc_session, venues):
    vc_session.vc_join_url = "https://zoom.us/j/95125112564"
    vc_session.save(update_fields=["vc_join_url"])
    person = _person(vc_session, venues["TH-52"], "สมศรี", "มีสุข")
    html = client.get(person.get_personal_path()).content.decode()
    assert f'value="{join_code(person.pk)} สมศรี มีสุข"' in html and 'data-copy="vc-join-name"' in html


def test_a_persons_data_export_and_erasure_include_their_names_in_reports(vc_session, five):
    person = five["online"]
    parts = dict(response for _receiver, response in collect_personal_data.send(sender=None, registration=person))
    names = {entry["name"] for entry in parts["attendance"]["video_conference"]}
    assert names == {code_name(person), "มาลี ศรีสุข"}
    json.dumps(parts["attendance"])
    anonymise_personal_data.send(sender=None, registration_ids=[person.pk])
    assert set(VcParticipant.objects.filter(registration=person).values_list("display_name", flat=True)) == {""}
    assert session_attendance(vc_session)[person.pk].online_minutes == 160  # the attendance stays true
    assert VcParticipant.objects.filter(kind=VcParticipantKind.PERSON, registration=person).count() == 2
