"""Attendance reports: per venue, province and role; XLSX; the sign-in sheet PDF in Sarabun."""

import datetime
import io
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from attendance.models import CheckInMethod
from attendance.reports import attendance_report
from attendance.services import perform_checkin
from registration.tests.factories import make_registration
from registration.tests.test_badges import pdf_lines, pdf_words, skeleton

MM = 72 / 25.4  # points in a millimetre

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(open_session, lampang_venue, chiangmai_venue, attendee, chiangmai_attendee):
    """Lampang: 3 registered, 1 on time, 1 late. Chiang Mai: 1 registered, absent."""
    late_one = make_registration(
        open_session,
        "TH-52",
        role_code="provincial_officer",
        venue=lampang_venue,
        first_name="มาสาย",
        last_name="ทดสอบ",
        position="นักวิชาการพัฒนาชุมชน",
        organisation="สำนักงานพัฒนาชุมชนจังหวัดลำปาง",
    )
    make_registration(open_session, "TH-52", venue=lampang_venue, first_name="ไม่มา", last_name="ทดสอบ")
    # The session started 30 minutes ago: both arrivals happened, one before and one after the start.
    start = open_session.starts_at = timezone.now() - datetime.timedelta(minutes=30)
    open_session.ends_at = start + datetime.timedelta(hours=3)
    open_session.save(update_fields=["starts_at", "ends_at"])
    perform_checkin(
        session=open_session,
        method=CheckInMethod.SCANNER,
        scanned=attendee.get_personal_url(),
        venue=lampang_venue,
        at=start - datetime.timedelta(minutes=10),
    )
    perform_checkin(
        session=open_session,
        method=CheckInMethod.SCANNER,
        scanned=late_one.get_personal_url(),
        venue=lampang_venue,
        at=start + datetime.timedelta(minutes=20),
    )
    return open_session


def test_report_counts(day, central_organiser):
    report = attendance_report(day, central_organiser)
    total = report["total"]
    assert (total.registered, total.present, total.on_time, total.late) == (4, 2, 1, 1)
    provinces = {row.key.code: row for row in report["provinces"]}
    assert (provinces["TH-52"].registered, provinces["TH-52"].present, provinces["TH-52"].late) == (3, 2, 1)
    assert (provinces["TH-50"].registered, provinces["TH-50"].present) == (1, 0)
    roles = {row.key.code: row for row in report["roles"]}
    assert roles["provincial_officer"].present == 1 and roles["provincial_officer"].late == 1
    venues = {row.key.province.code: row for row in report["venues"]}
    assert venues["TH-52"].percent == pytest.approx(66.7)


def test_lampang_officer_sees_only_lampang(day, lampang_officer, client):
    report = attendance_report(day, lampang_officer)
    assert [row.key.code for row in report["provinces"]] == ["TH-52"]
    assert report["total"].registered == 3
    client.force_login(lampang_officer)
    html = client.get(f"/sessions/{day.pk}/attendance/report/").content.decode()
    assert "เชียงใหม่" not in html


def test_report_page_query_count_does_not_grow(client, central_organiser, day, django_assert_max_num_queries, lampang_venue):
    client.force_login(central_organiser)
    with django_assert_max_num_queries(12):
        client.get(f"/sessions/{day.pk}/attendance/report/")
    for _ in range(30):
        make_registration(day, "TH-52", venue=lampang_venue)
    with django_assert_max_num_queries(12):
        client.get(f"/sessions/{day.pk}/attendance/report/")


def test_xlsx_people_export(client, central_organiser, day):
    client.force_login(central_organiser)
    response = client.get(f"/sessions/{day.pk}/attendance/report.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 4
    names = {row[3]: row for row in rows[1:]}
    late = names["นายมาสาย ทดสอบ"]
    absent = names["นายไม่มา ทดสอบ"]
    assert (late[8], absent[8]) == ("มาแล้ว", "ไม่มา")  # "Present", "Absent" in Thai
    assert late[9] and not absent[9]  # the present one with a time
    assert names["นายไม่มา ทดสอบ"][9] in (None, "")


def test_xlsx_check_in_times_are_excel_datetimes_in_bangkok_time(client, central_organiser, day):
    client.force_login(central_organiser)
    sheet = load_workbook(io.BytesIO(client.get(f"/sessions/{day.pk}/attendance/report.xlsx").content)).active
    column = 9  # "Check-in time"
    rows = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    late = rows["นายมาสาย ทดสอบ"][column]
    checked_in = day.registrations.get(first_name="มาสาย").checkin.checked_in_at
    assert isinstance(late.value, datetime.datetime)  # a date Excel sorts and subtracts, not text
    assert late.value == checked_in.astimezone(ZoneInfo("Asia/Bangkok")).replace(tzinfo=None, microsecond=0)
    assert late.number_format == "[$-107041E]dd/mm/yyyy hh:mm"  # shown 25/11/2564 09:20
    assert rows["นายไม่มา ทดสอบ"][column].value is None
    assert sheet.column_dimensions["D"].width >= len("นายมาสาย ทดสอบ")


@pytest.mark.parametrize("table", ["province", "venue", "role"])
def test_xlsx_summary_exports(client, central_organiser, day, table):
    client.force_login(central_organiser)
    response = client.get(f"/sessions/{day.pk}/attendance/report.xlsx", {"table": table})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sum(row[2] for row in rows[1:]) == 2  # present


def test_xlsx_neutralises_formulas(client, central_organiser, open_session, lampang_venue):
    make_registration(open_session, "TH-52", venue=lampang_venue, first_name='=HYPERLINK("http://x")', last_name="x")
    client.force_login(central_organiser)
    response = client.get(f"/sessions/{open_session.pk}/attendance/report.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert all(not str(cell).startswith("=") for row in sheet.iter_rows(values_only=True) for cell in row if cell)


def test_signin_sheet_pdf_in_sarabun_with_be_date(client, lampang_officer, day, lampang_venue, tmp_path):
    client.force_login(lampang_officer)
    response = client.get(f"/sessions/{day.pk}/venues/{lampang_venue.pk}/signin-sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Sarabun" in fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "ใบลงชื่อเข้าร่วมประชุม" in text
    assert str(day.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=7))).year + 543) in text
    # (pdftotext splits sara am, so headings with ำ are not compared here)
    for heading in ("ชื่อ - สกุล", "หน่วยงาน", "เวลาลง", "ลายมือชื่อ"):
        assert heading in text
    assert "สมศรี" in text and "มาสาย" in text and "ไม่มา" in text and "บุญมี" not in text
    assert "นักวิชาการพัฒนา" in text


def test_signin_sheet_keeps_a_long_surname_whole_and_the_number_heading_in_its_column(client, central_organiser, day, lampang_venue):
    make_registration(day, "TH-52", venue=lampang_venue, prefix="นางสาว", first_name="พรรณนภาภรณ์", last_name="ศรีสวัสดิ์วงศ์ตระกูล")
    client.force_login(central_organiser)
    pdf = client.get(f"/sessions/{day.pk}/venues/{lampang_venue.pk}/signin-sheet.pdf").content
    lines = pdf_lines(pdf)
    # The name column is too narrow for the whole name: it breaks between first name and surname only.
    assert any(skeleton("ศรีสวัสดิ์วงศ์ตระกูล") in skeleton(line) for line in lines)
    assert any(skeleton("นางสาวพรรณนภาภรณ์") in skeleton(line) for line in lines)
    # ลำดับ sits inside the 13 mm number column with room on both sides; the column's middle is where
    # the row numbers (centred) are printed.
    words = pdf_words(pdf)
    heading = next(word for word in words if skeleton(word[0]) == skeleton("ลำดับ"))
    number = next(word for word in words if word[0] == "1" and word[3] > heading[3])
    middle, half_column, clearance = (number[1] + number[2]) / 2, 6.5 * MM, 0.5 * MM
    assert middle - half_column + clearance <= heading[1] and heading[2] <= middle + half_column - clearance, (heading, number)


def test_signin_sheet_renders_as_an_image(client, central_organiser, day, lampang_venue, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.fail("poppler's pdftoppm is required (make system-deps)")
    client.force_login(central_organiser)
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(client.get(f"/sessions/{day.pk}/venues/{lampang_venue.pk}/signin-sheet.pdf").content)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    page = Image.open(next(tmp_path.glob("page*.png")))
    assert page.width < page.height  # A4 portrait
    assert page.convert("L").getextrema()[0] < 100  # ink on the page
