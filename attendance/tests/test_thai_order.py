"""Attendance lists read in Thai dictionary order (meetings/collation.py): the report's provinces and
venues, the people export, the check-in search, and the live dashboard's province table."""

import pytest
from django.utils import translation

from attendance.reports import attendance_report, people_for_report
from attendance.search import search_registrations_for_user
from attendance.selectors import get_dashboard_labels
from meetings.tests.factories import make_venue
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db

# อุบลราชธานี, แพร่, อ่างทอง, เชียงใหม่, เชียงราย, แม่ฮ่องสอน: by code the leading-vowel ones are
# scattered, by code point they come last; in Thai dictionary order they sit among ช, พ and ม.
CODES = ("TH-34", "TH-54", "TH-15", "TH-50", "TH-57", "TH-58")
THAI_ORDER = ["เชียงราย", "เชียงใหม่", "แพร่", "แม่ฮ่องสอน", "อ่างทอง", "อุบลราชธานี"]


def test_the_report_lists_provinces_and_venues_by_thai_name(session, central_organiser):
    for code in CODES:
        make_venue(session, code)
        make_registration(session, code)
    with translation.override("th"):
        report = attendance_report(session, central_organiser)
    assert [row.label for row in report["provinces"]] == THAI_ORDER
    assert [row.key.province.name_th for row in report["venues"]] == THAI_ORDER


def test_the_people_export_lists_people_by_province_then_name_in_thai_order(session, central_organiser):
    make_registration(session, "TH-50", first_name="อรุณี")
    make_registration(session, "TH-54", first_name="กานดา")
    make_registration(session, "TH-50", first_name="เกศินี")
    make_registration(session, "TH-50", first_name="กมล")
    with translation.override("th"):
        people = people_for_report(session, central_organiser)
    assert [(p.province.name_th, p.first_name) for p in people] == [
        ("เชียงใหม่", "กมล"),
        ("เชียงใหม่", "เกศินี"),
        ("เชียงใหม่", "อรุณี"),
        ("แพร่", "กานดา"),
    ]


def test_the_check_in_search_lists_matches_by_thai_name(session, central_organiser):
    for first_name in ("โสภา", "สมหญิง", "เกศินี", "กานดา"):
        make_registration(session, "TH-52", first_name=first_name, last_name="ทดสอบสกุล")
    found = search_registrations_for_user(central_organiser, session, "ทดสอบสกุล")
    assert [r.first_name for r in found] == ["กานดา", "เกศินี", "สมหญิง", "โสภา"]


def test_the_dashboard_is_told_the_province_order_of_its_language():
    with translation.override("th"):
        labels = get_dashboard_labels()
    names = [labels["provinces"][code] for code in labels["province_order"]]
    assert len(names) == 77 and list(labels["provinces"]) == labels["province_order"]
    assert [name for name in names if name in THAI_ORDER] == THAI_ORDER
    assert names[0] == "กระบี่" and names[-1] == "อุบลราชธานี"
    with translation.override("en"):
        labels = get_dashboard_labels()
    assert [labels["provinces"][code] for code in labels["province_order"]][:2] == ["Amnat Charoen", "Ang Thong"]
