"""Imports are bounded: a file stops being read at settings.IMPORT_MAX_ROWS, with a message naming the limit,
and an XLSX built to unpack to far more than it weighs (a million rows, a row of a million cells, a huge
shared-strings table, a sheet that claims row 1,000,000) is refused without its size in memory. The preview
lists the first 200 problems and counts the rest. Staged uploads are deleted when confirmed, refused at
confirmation, cancelled, or expired."""

import io
import os
import stat
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from meetings.models import Province
from meetings.tests.factories import PASSWORD
from registration import staging
from registration.errors import ImportFileError
from registration.imports import TEMPLATE_HEADERS, read_sheet
from registration.models import Registration
from registration.services import import_participants
from registration.tests.registration_fixtures import *  # noqa: F403
from training.spreadsheets import parse_questions_xlsx

pytestmark = pytest.mark.django_db
COMMITTEE = "คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.)"
MB = 1024 * 1024


def thai_name(i):
    """A different Thai first name for each i (letters only, as a name must be)."""
    letters = ""
    while True:
        letters += chr(0x0E01 + i % 30)
        i //= 30
        if not i:
            return "สม" + letters


def person(i, phone=None):
    return ["นาง", thai_name(i), "ใจงาม", "", "", "", "", "", COMMITTEE, phone or f"089{i:07d}", "", "", ""]


def xlsx(rows, headers=TEMPLATE_HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def crafted_xlsx(sheet_rows=None, shared_strings=None):
    """A real workbook whose first sheet's XML (and shared strings) are replaced by what the generators yield,
    written to the zip as they come: the test never holds the unpacked XML."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml" and sheet_rows is not None:
                with archive.open(info.filename, "w", force_zip64=True) as part:
                    part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                    part.write(b'<dimension ref="A1:XFD1048576"/><sheetData>')
                    for chunk in sheet_rows:
                        part.write(chunk)
                    part.write(b"</sheetData></worksheet>")
            else:
                archive.writestr(info, source.read(info.filename))
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                for chunk in shared_strings:
                    part.write(chunk)
                part.write(b"</sst>")
    return out.getvalue()


def inline_row(number, text=b"x"):
    return b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (number, number, text)


def refused_within_memory(content, peak_mb=40):
    """read_sheet's ImportFileError for `content`; Python's memory must not have grown by more than `peak_mb`."""
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as refused:
            read_sheet(content, "x.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < peak_mb * MB, f"peak {peak / MB:.1f} MB"
    return refused.value


def lampang():
    return Province.objects.get(code="TH-52")


# --- the row limit ------------------------------------------------------------------------------------


def test_an_xlsx_over_the_row_limit_is_refused_with_a_thai_message_naming_the_limit(open_session, lampang_officer, settings):
    settings.IMPORT_MAX_ROWS = 10
    open_session.quotas.filter(province__code="TH-52", role__code="committee").update(seats=50)
    with translation.override("th"), pytest.raises(ImportFileError) as refused:
        import_participants(session=open_session, province=lampang(), content=xlsx([person(i) for i in range(11)]), actor=lampang_officer)
    assert refused.value.code == "too_many_rows"
    assert str(refused.value) == "ไฟล์มีมากกว่า 10 แถว การนำเข้าแต่ละครั้งรับได้ไม่เกิน 10 แถว แบ่งรายชื่อเป็นหลายไฟล์แล้วอัปโหลดทีละไฟล์"
    assert not Registration.objects.exists()


def test_a_file_of_exactly_the_row_limit_is_imported(open_session, lampang_officer, settings):
    settings.IMPORT_MAX_ROWS = 10
    open_session.quotas.filter(province__code="TH-52", role__code="committee").update(seats=50)
    result = import_participants(session=open_session, province=lampang(), content=xlsx([person(i) for i in range(10)]), actor=lampang_officer)
    assert len(result.created) == 10 and Registration.objects.count() == 10


def test_a_csv_over_the_row_limit_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 10
    lines = [",".join(TEMPLATE_HEADERS)] + [",".join(person(i)) for i in range(11)]
    with pytest.raises(ImportFileError) as refused:
        read_sheet(("\r\n".join(lines) + "\r\n").encode(), "x.csv")
    assert refused.value.code == "too_many_rows" and "10" in str(refused.value)
    # Blank lines do not count.
    read_sheet(("\r\n\r\n".join(lines[:11]) + "\r\n").encode(), "x.csv")


def test_the_quiz_question_import_has_the_same_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 10
    rows = [[n, "single", f"คำถาม {n}", "ก", "ข", "", "", "", "", "1", ""] for n in range(1, 12)]
    questions, errors = parse_questions_xlsx(SimpleUploadedFile("q.xlsx", xlsx(rows, headers=["order"] * 11)))
    assert questions == [] and len(errors) == 1
    assert errors[0][0] == 0 and "10" in str(errors[0][1])
    questions, errors = parse_questions_xlsx(SimpleUploadedFile("q.xlsx", xlsx(rows[:10], headers=["order"] * 11)))
    assert len(questions) == 10 and errors == []


# --- files built to unpack to far more than they weigh ----------------------------------------------------


def test_a_compressed_xlsx_of_a_million_rows_stops_at_the_limit():
    content = crafted_xlsx(sheet_rows=(inline_row(n) for n in range(1, 1_000_001)))
    assert len(content) < 5 * MB  # accepted by the size check: only the row limit stops it
    error = refused_within_memory(content)
    assert error.code == "too_many_rows" and "5,000" in str(error)


def test_a_sheet_that_claims_row_one_million_is_not_walked_to_the_end():
    content = crafted_xlsx(sheet_rows=[inline_row(1), inline_row(2, b"y"), inline_row(1_000_000, b"z")])
    error = refused_within_memory(content)
    assert error.code == "too_many_rows"


def test_a_million_empty_formatted_rows_are_refused():
    content = crafted_xlsx(sheet_rows=[inline_row(1), *(b'<row r="%d" s="1" customFormat="1"/>' % n for n in range(2, 1_000_001))])
    assert refused_within_memory(content).code == "too_many_rows"


def test_a_row_of_a_million_cells_is_refused_before_openpyxl_reads_it():
    content = crafted_xlsx(sheet_rows=[b'<row r="1">', *(b"<c/>" for _ in range(1_000_000)), b"</row>"])
    assert refused_within_memory(content).code == "too_big_unpacked"


def test_a_huge_shared_strings_table_is_refused_before_openpyxl_loads_it():
    content = crafted_xlsx(sheet_rows=[inline_row(1)], shared_strings=(b"<si><t>a</t></si>" for _ in range(1_400_000)))
    assert refused_within_memory(content).code == "too_big_unpacked"


def test_a_long_real_list_within_the_limit_is_read(settings):
    sheet = read_sheet(xlsx([person(i) for i in range(5000)]), "x.xlsx")
    assert len(sheet.rows) == 5000


# --- the preview page ---------------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def import_url(name, session):
    return reverse(f"registration:{name}", kwargs={"session_pk": session.pk})


def upload(rows):
    return {"file": SimpleUploadedFile("list.xlsx", xlsx(rows))}


def test_the_preview_lists_the_first_200_problems_and_counts_the_rest(client, lampang_officer, open_session):
    open_session.quotas.filter(province__code="TH-52", role__code="committee").update(seats=1000)
    login(client, lampang_officer)
    response = client.post(import_url("import", open_session), upload([person(i, phone="12") for i in range(250)]))  # one problem a row
    assert response.status_code == 400
    page = response.content.decode()
    table = page.split('id="import-problems"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 200  # the header and 200 problems
    assert "ไฟล์มีข้อผิดพลาด 250 รายการ" in page
    assert "และยังมีปัญหาอีก 50 รายการ" in page
    assert not Registration.objects.exists()


# --- staged uploads -----------------------------------------------------------------------------------


@pytest.fixture
def staging_dir(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "staged"
    return settings.IMPORT_STAGING_DIR


def staged_files(folder):
    return sorted(folder.glob("*.upload")) if folder.exists() else []


def preview(client, session, rows):
    response = client.post(import_url("import", session), upload(rows))
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.context["signed"]


def test_a_staged_upload_is_readable_by_the_service_user_only(client, lampang_officer, open_session, staging_dir):
    login(client, lampang_officer)
    preview(client, open_session, [person(1)])
    [path] = staged_files(staging_dir)
    assert stat.S_IMODE(os.stat(staging_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "สมศรี".encode() not in path.read_bytes()  # encrypted


def test_a_confirmed_import_deletes_its_staged_file(client, lampang_officer, open_session, staging_dir):
    login(client, lampang_officer)
    signed = preview(client, open_session, [person(1)])
    assert len(staged_files(staging_dir)) == 1
    assert client.post(import_url("import_confirm", open_session), {"upload": signed}).status_code == 302
    assert Registration.objects.count() == 1
    assert staged_files(staging_dir) == []


def test_a_confirmation_refused_for_a_change_since_the_preview_deletes_its_staged_file(client, lampang_officer, open_session, staging_dir):
    login(client, lampang_officer)
    signed = preview(client, open_session, [person(1), person(2), person(3)])
    open_session.quotas.filter(province__code="TH-52", role__code="committee").update(seats=1)  # seats cut meanwhile
    response = client.post(import_url("import_confirm", open_session), {"upload": signed})
    assert response.status_code == 400 and not Registration.objects.exists()
    assert staged_files(staging_dir) == []


def test_a_cancelled_preview_deletes_its_staged_file_and_imports_nobody(client, lampang_officer, open_session, staging_dir):
    login(client, lampang_officer)
    signed = preview(client, open_session, [person(1)])
    response = client.post(import_url("import_cancel", open_session), {"upload": signed})
    assert response.status_code == 302 and response["Location"] == import_url("import", open_session)
    assert staged_files(staging_dir) == []
    # Confirming the cancelled preview afterwards imports nobody.
    client.post(import_url("import_confirm", open_session), {"upload": signed})
    assert not Registration.objects.exists()


def test_another_officer_cannot_cancel_a_preview(client, lampang_officer, chiangmai_officer, open_session, staging_dir):
    login(client, lampang_officer)
    signed = preview(client, open_session, [person(1)])
    login(client, chiangmai_officer)
    assert client.post(import_url("import_cancel", open_session), {"upload": signed}).status_code == 404
    assert len(staged_files(staging_dir)) == 1


def test_a_preview_with_nobody_new_keeps_no_file(client, lampang_officer, open_session, staging_dir):
    login(client, lampang_officer)
    client.post(import_url("import_confirm", open_session), {"upload": preview(client, open_session, [person(1)])})
    preview(client, open_session, [person(1)])  # the same person again: already registered
    assert staged_files(staging_dir) == []


def test_staged_files_are_deleted_once_their_preview_has_expired(client, lampang_officer, open_session, staging_dir, monkeypatch):
    login(client, lampang_officer)
    first = preview(client, open_session, [person(1)])
    [old] = staged_files(staging_dir)
    now = staging.clock()
    # Just before expiry the file stays; an upload then sweeps only the expired.
    monkeypatch.setattr(staging, "clock", lambda: now + staging.MAX_AGE)
    preview(client, open_session, [person(2)])
    assert old in staged_files(staging_dir) and len(staged_files(staging_dir)) == 2
    monkeypatch.setattr(staging, "clock", lambda: now + staging.MAX_AGE + staging.GRACE + 1)
    preview(client, open_session, [person(3)])  # (the second file was written at the same real time: it goes too)
    assert old not in staged_files(staging_dir) and len(staged_files(staging_dir)) == 1
    # The command sweeps when nobody imports.
    out = io.StringIO()
    call_command("purge_staged_imports", stdout=out)
    assert staged_files(staging_dir) == [] and out.getvalue().startswith("1 ")
    # The expired preview cannot be confirmed.
    client.post(import_url("import_confirm", open_session), {"upload": first})
    assert not Registration.objects.exists()
