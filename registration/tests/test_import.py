"""Bulk import: the template, every kind of bad file, all-or-nothing, idempotent re-upload, the command,
and the rule that a cell gets the participant form's own message."""

import datetime
import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from meetings.models import Province
from registration.errors import ImportFileError, ImportRejected, RegistrationError
from registration.forms import ParticipantForm
from registration.imports import TEMPLATE_HEADERS, template_bytes
from registration.models import Registration
from registration.selectors import roles_with_seats
from registration.services import import_participants
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
COMMITTEE = "คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.)"
OFFICER = "เจ้าหน้าที่พัฒนาชุมชนจังหวัด"
HEADERS = TEMPLATE_HEADERS
VALID_ID = "1101700203450"


def row(first="สมศรี", last="ใจงาม", phone="081-234-5678", national_id="", prefix="นาง", role=COMMITTEE, province="ลำปาง"):
    return [prefix, first, last, "กรรมการ", "กองทุน กข.คจ.", "บ้านทุ่ง", "พระบาท", "เมืองลำปาง", role, phone, "", national_id, province]


def people(n, start=0, role=COMMITTEE):
    return [row(first=f"สมชาย{chr(0x0E01 + i)}", phone=f"08900000{i:02d}", role=role) for i in range(start, start + n)]


def xlsx(rows, headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows, headers=HEADERS):
    return "\r\n".join(",".join(f'"{v}"' for v in values) for values in [headers, *rows]) + "\r\n"


def lampang():
    return Province.objects.get(code="TH-52")


def problems_of(session, content, actor=None, province=None):
    before = list(Registration.objects.filter(session=session).values_list("pk", "updated_at"))
    with pytest.raises(ImportRejected) as rejected:
        import_participants(session=session, province=province or lampang(), content=content, filename="x.xlsx", actor=actor)
    # A rejected import writes no row and changes none.
    assert list(Registration.objects.filter(session=session).values_list("pk", "updated_at")) == before
    assert rejected.value.code == "import_rejected"
    return [problem["text"] for problem in rejected.value.details["problems"]]


def file_error(session, content):
    with pytest.raises(ImportFileError) as error:
        import_participants(session=session, province=lampang(), content=content, filename="x", actor=None)
    return error.value


# --- the template ---------------------------------------------------------------------------------------


def test_template_has_thai_headers_dropdowns_and_an_importable_example(open_session):
    content = template_bytes(roles=[q.role for q in open_session.quotas.filter(province__code="TH-52")], province=lampang())
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    validations = sheet.data_validations.dataValidation
    lists = {str(v.sqref).split(":")[0][0]: v.formula1 for v in validations if v.type == "list"}
    assert set(lists) == {"A", "I"}
    prefix_cells = [c.value for c in workbook["รายการ"]["A"][1:] if c.value]
    assert "นาย" in prefix_cells and "นางสาว" in prefix_cells
    result = import_participants(session=open_session, province=lampang(), content=content, filename="template.xlsx", actor=None)
    assert len(result.created) == 1
    assert Registration.objects.get().phone == "0812345678"


def test_command_writes_the_same_template_and_it_imports(tmp_path, open_session):
    path = tmp_path / "template.xlsx"
    call_command("import_participants", "--template", str(path))
    sheet = load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    out = io.StringIO()
    call_command("import_participants", open_session.slug, str(path), "--province", "TH-52", stdout=out)
    assert Registration.objects.count() == 1 and "registered 1," in out.getvalue()


# --- good files -----------------------------------------------------------------------------------------


def test_xlsx_import_registers_everyone(open_session, lampang_officer):
    result = import_participants(session=open_session, province=lampang(), content=xlsx(people(3)), filename="list.xlsx", actor=lampang_officer)
    assert len(result.created) == 3
    assert set(Registration.objects.values_list("phone", flat=True)) == {"0890000000", "0890000001", "0890000002"}
    assert all(r.venue and r.venue.province.code == "TH-52" for r in Registration.objects.all())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874", "tis-620"])
def test_csv_in_every_thai_encoding(open_session, encoding):
    content = csv_text([row(national_id="1101700203450")]).encode(encoding)
    result = import_participants(session=open_session, province=lampang(), content=content, filename="list.csv", actor=None)
    registration = Registration.objects.get()
    assert registration.first_name == "สมศรี" and registration.last_name == "ใจงาม"
    assert registration.decrypt_national_id() == "1101700203450"
    assert result.encoding == {"tis-620": "cp874"}.get(encoding, encoding)


def test_number_cells_from_excel_keep_their_leading_zero(open_session):
    values = row()
    values[9] = 812345678  # Excel dropped the zero
    values[11] = 1101700203450
    import_participants(session=open_session, province=lampang(), content=xlsx([values]), filename="x.xlsx", actor=None)
    registration = Registration.objects.get()
    assert registration.phone == "0812345678" and registration.decrypt_national_id() == "1101700203450"


def test_english_headers_and_codes_are_understood(open_session):
    headers = ["prefix", "first name", "last name", "role", "phone"]
    import_participants(
        session=open_session,
        province=lampang(),
        content=xlsx([["น.ส.", "สมใจ", "ดีมาก", "committee", "+66 89 123 4567"]], headers),
        filename="x.xlsx",
        actor=None,
    )
    registration = Registration.objects.get()
    assert registration.prefix == "นางสาว" and registration.phone == "0891234567"


def test_same_file_twice_creates_no_duplicates(open_session, lampang_officer):
    content = xlsx(people(3))
    import_participants(session=open_session, province=lampang(), content=content, filename="x.xlsx", actor=lampang_officer)
    again = import_participants(session=open_session, province=lampang(), content=content, filename="x.xlsx", actor=lampang_officer)
    assert len(again.created) == 0 and len(again.already_registered) == 3
    assert Registration.objects.count() == 3


def test_a_longer_file_adds_only_the_new_people(open_session):
    import_participants(session=open_session, province=lampang(), content=xlsx(people(2)), filename="x.xlsx", actor=None)
    result = import_participants(session=open_session, province=lampang(), content=xlsx(people(3)), filename="x.xlsx", actor=None)
    assert len(result.created) == 1 and len(result.already_registered) == 2
    assert Registration.objects.count() == 3


def test_dry_run_writes_nothing(open_session):
    result = import_participants(session=open_session, province=lampang(), content=xlsx(people(2)), filename="x.xlsx", dry_run=True, actor=None)
    assert len(result.created) == 2 and not Registration.objects.exists()


# --- bad files: nothing written, a clear Thai message ---------------------------------------------------


def test_one_bad_row_means_no_row_is_written(open_session):
    rows = people(2) + [row(first="สมหมาย", national_id="1101700203451")]
    problems = problems_of(open_session, xlsx(rows))
    assert len(problems) == 1 and "แถว 4" in problems[0] and "เลขประจำตัวประชาชน" in problems[0]
    assert not Registration.objects.exists()


def test_every_problem_is_listed_by_row_and_column(open_session):
    rows = [
        row(prefix="ท่าน"),
        row(first="สมปอง", role="ผู้สังเกตการณ์", phone="0890000001"),
        row(first="สมหมาย", phone="12345"),
        row(first="สมใจ", phone="0890000003", national_id="1234"),
        row(first='=HYPERLINK("http://evil")', phone="0890000004"),
        row(first="สมพร", phone="0890000005", province="เชียงใหม่"),
        row(first="Somchai", phone="0890000006"),
    ]
    problems = problems_of(open_session, xlsx(rows))
    text = "\n".join(problems)
    assert "แถว 2, คอลัมน์ “คำนำหน้าชื่อ”" in text and "ท่าน" in text
    assert "แถว 3, คอลัมน์ “ประเภทผู้เข้าร่วม”" in text
    assert "แถว 4, คอลัมน์ “โทรศัพท์มือถือ”" in text
    assert "แถว 5, คอลัมน์ “เลขประจำตัวประชาชน”" in text
    assert "แถว 6, คอลัมน์ “ชื่อ”" in text and "สูตร" in text
    assert "แถว 7, คอลัมน์ “จังหวัด”" in text and "เชียงใหม่" in text
    assert "แถว 8, คอลัมน์ “ชื่อ”" in text
    assert not Registration.objects.exists()


# (column index in the template, a bad cell): each says what the participant form says of the same value.
SAME_AS_THE_FORM = [
    (0, "ท่าน"),  # not a prefix
    (1, "Somchai"),  # not Thai letters
    (2, ""),  # required
    (4, "ก" * 301),  # longer than the organisation field
    (8, "ผู้สังเกตการณ์"),  # no such role
    (8, "เจ้าหน้าที่ส่วนกลาง"),  # a role without seats in Lampang
    (9, "12345"),  # not a Thai mobile number
    (10, "somsri@"),  # not an e-mail address
    (11, "1101700203451"),  # fails the check digit
    (11, "1234"),  # not 13 digits
]


@pytest.mark.parametrize("position,cell", SAME_AS_THE_FORM, ids=[f"{HEADERS[p]}:{c[:12]}" for p, c in SAME_AS_THE_FORM])
def test_a_bad_cell_gets_the_participant_forms_message_with_row_and_column(open_session, position, cell):
    values = row()
    values[position] = cell
    problems = problems_of(open_session, xlsx([values]))
    field = {0: "prefix", 1: "first_name", 2: "last_name", 4: "organisation", 8: "role", 9: "phone", 10: "email", 11: "national_id"}[position]
    form = ParticipantForm(
        data=dict(
            zip(
                (
                    "prefix",
                    "first_name",
                    "last_name",
                    "position",
                    "organisation",
                    "village",
                    "subdistrict",
                    "district",
                    "role",
                    "phone",
                    "email",
                    "national_id",
                ),
                values[:12],
                strict=True,
            )
        ),
        roles=roles_with_seats(open_session, lampang()),
        province=lampang(),
    )
    assert not form.is_valid()
    [message] = form.errors[field]
    assert problems == [gettext("Row %(row)s, column “%(column)s”: %(message)s") % {"row": 2, "column": HEADERS[position], "message": message}]
    assert problems[0].startswith(f"แถว 2, คอลัมน์ “{HEADERS[position]}”: ")


def test_the_same_messages_in_english(open_session):
    with translation.override("en"):
        problems = problems_of(open_session, xlsx([row(phone="12345")]))
    assert problems == ["Row 2, column “โทรศัพท์มือถือ”: Enter a Thai mobile number of 10 digits, such as 081-234-5678 or +66 81 234 5678."]


def test_checking_a_file_costs_no_query_per_row(open_session, django_assert_max_num_queries):
    open_session.quotas.filter(province__code="TH-52", role__code="committee").update(seats=100)
    with django_assert_max_num_queries(20) as small:
        import_participants(session=open_session, province=lampang(), content=xlsx(people(2)), filename="x.xlsx", actor=None, dry_run=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        result = import_participants(session=open_session, province=lampang(), content=xlsx(people(40)), filename="x.xlsx", actor=None, dry_run=True)
    assert len(result.created) == 40


def test_formula_cells_are_refused(open_session):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(row())
    sheet["J2"] = '="081"&"2345678"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = problems_of(open_session, buffer.getvalue())
    assert "สูตร" in problems[0] and "โทรศัพท์มือถือ" in problems[0]


def test_role_without_seats_in_the_province_is_refused(open_session):
    problems = problems_of(open_session, xlsx([row(role="เจ้าหน้าที่ส่วนกลาง")]))
    assert "ลำปาง" in problems[0]


def test_over_quota_is_refused_and_nothing_written(open_session):
    make_registration(open_session, "TH-52", "committee", phone="0811111111")
    problems = problems_of(open_session, xlsx(people(3)))
    assert problems and all("โควตา" in p for p in problems)
    assert Registration.objects.count() == 1


def test_duplicates_inside_the_file(open_session):
    rows = [
        row(national_id="1101700203450"),
        row(first="สมหญิง", phone="0890000001", national_id="1101700203450"),
        row(first="สมปอง", phone="0890000002"),
        row(first="สมปอง", phone="089-000-0002"),
    ]
    problems = problems_of(open_session, xlsx(rows))
    assert any("แถว 3" in p and "แถว 2" in p.split(":", 1)[1] for p in problems)
    assert any("แถว 5" in p and "แถว 4" in p.split(":", 1)[1] for p in problems)


@pytest.mark.parametrize("same", ["national_id", "name_phone"])
def test_duplicate_against_another_province_names_nobody(open_session, same):
    make_registration(open_session, "TH-50", "committee", first_name="สมศรี", last_name="ใจงาม", phone="0812345678", national_id="1101700203450")
    other = row(first="สมหญิง", phone="0890000009", national_id="1101700203450") if same == "national_id" else row()
    problems = problems_of(open_session, xlsx([other]))
    assert len(problems) == 1 and "ลงทะเบียนเข้าร่วมการประชุมนี้ไว้แล้วในจังหวัดอื่น โปรดติดต่อเจ้าหน้าที่ส่วนกลาง" in problems[0]
    assert "เชียงใหม่" not in problems[0] and "สมศรี" not in problems[0] and "ใจงาม" not in problems[0]
    assert Registration.objects.count() == 1


def test_same_national_id_with_another_name_is_refused(open_session):
    make_registration(open_session, "TH-52", "committee", first_name="สมหญิง", national_id="1101700203450")
    problems = problems_of(open_session, xlsx([row(national_id="1101700203450")]))
    assert "ลำปาง" in problems[0]


def test_officer_of_another_province_is_refused(open_session, chiangmai_officer):
    with pytest.raises(RegistrationError) as error:
        import_participants(session=open_session, province=lampang(), content=xlsx(people(1)), filename="x.xlsx", actor=chiangmai_officer)
    assert error.value.code == "other_province"
    assert not Registration.objects.exists()


def test_closed_window_refuses_the_import(open_session, lampang_officer):
    open_session.registration_closes_at = timezone.now() - datetime.timedelta(hours=1)
    open_session.save()
    with pytest.raises(RegistrationError) as error:
        import_participants(session=open_session, province=lampang(), content=xlsx(people(1)), filename="x.xlsx", actor=lampang_officer)
    assert error.value.code == "registration_closed"
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    "headers,needle",
    [
        (["ชื่อ", "นามสกุล", "โทรศัพท์มือถือ"], "คำนำหน้าชื่อ"),
        ([*HEADERS[:-1], "สีที่ชอบ"], "สีที่ชอบ"),
        (["a", "b", "c"], "คอลัมน์"),
    ],
)
def test_wrong_or_missing_headers(open_session, headers, needle):
    error = file_error(open_session, xlsx([["x"] * len(headers)], headers))
    assert error.code == "bad_headers" and needle in error.message


@pytest.mark.parametrize(
    "content,code",
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (",".join(HEADERS).encode(), "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00", "not_spreadsheet"),
        (b"PK\x03\x04 this is not really a zip", "not_spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_spreadsheet"),
    ],
)
def test_files_that_are_not_participant_lists(open_session, content, code):
    assert file_error(open_session, content).code == code


def test_empty_workbook(open_session):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert file_error(open_session, buffer.getvalue()).code == "empty"


def test_a_20_mb_file_is_refused(open_session):
    content = csv_text(people(1)).encode() + b"x" * (20 * 1024 * 1024)
    error = file_error(open_session, content)
    assert error.code == "too_big" and "MB" in error.message


def test_mixed_encodings_are_refused(open_session):
    content = csv_text([row()]).encode("utf-8") + csv_text([row(first="สมหญิง", phone="0890000009")], headers=[]).encode("cp874")
    error = file_error(open_session, content)
    assert error.code == "mixed_encoding" and "UTF-8" in error.message


def test_undecodable_bytes_are_refused(open_session):
    content = b"prefix,first name,last name,role,phone\r\n\xff\xfe\xdb\xdc,\xfc\r\n"
    assert file_error(open_session, content).code == "bad_encoding"


# --- the command line -----------------------------------------------------------------------------------


def test_command_imports_and_prints_a_summary(tmp_path, open_session):
    path = tmp_path / "lampang.xlsx"
    path.write_bytes(xlsx(people(2)))
    out = io.StringIO()
    call_command("import_participants", str(open_session.pk), str(path), "--province", "TH-52", stdout=out)
    assert Registration.objects.count() == 2
    assert out.getvalue().startswith("TH-52 Lampang: registered 2, already registered 0, rows 2")


def test_command_dry_run_writes_nothing(tmp_path, open_session):
    path = tmp_path / "lampang.csv"
    path.write_bytes(csv_text(people(2)).encode("cp874"))
    out = io.StringIO()
    call_command("import_participants", open_session.slug, str(path), "--province", "TH-52", "--dry-run", stdout=out)
    assert not Registration.objects.exists() and "would register 2," in out.getvalue()


def test_command_reports_each_bad_row_on_stderr_and_fails(tmp_path, open_session):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([row(prefix="ท่าน"), row(first="สมหมาย", phone="0890000001", national_id="1101700203451")]))
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_participants", open_session.slug, str(path), "--province", "TH-52", stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("แถว 2") and lines[1].startswith("แถว 3")
    assert error.value.returncode == 1
    assert not Registration.objects.exists()


def test_command_exit_status_is_non_zero():
    # A refusal the command makes before it needs a database, so the status is the command's own.
    result = subprocess.run([sys.executable, "manage.py", "import_participants"], capture_output=True, text=True)
    assert result.returncode == 1 and "usage: import_participants" in result.stderr


def test_a_real_world_sheet_with_a_running_number_and_other_header_names(open_session):
    headers = ["ลำดับ", "คำนำหน้า", "ชื่อ", "สกุล", "ตำแหน่ง", "ประเภท", "เบอร์โทร", "เลขบัตรประชาชน", "หมายเหตุ"]
    content = csv_text([["1", "นาย", "บุญมี", "ทองดี", "กรรมการ", COMMITTEE, "089 123 4567", "1-1017-00203-45-0", "มาแทน"]], headers)
    import_participants(session=open_session, province=lampang(), content=content.encode("cp874"), filename="list.csv", actor=None)
    registration = Registration.objects.get()
    assert (registration.first_name, registration.phone, registration.decrypt_national_id()) == ("บุญมี", "0891234567", VALID_ID)
