"""Shared printable helpers: QR codes that a real decoder reads, PDFs in Sarabun, safe spreadsheet cells."""

import datetime
import io

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from meetings.exports import DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT, csv_bytes, safe_cell, xlsx_bytes
from meetings.pdf import html_to_pdf
from meetings.qr import qr_png, qr_svg

URL = "http://testserver/p/abc:def/"


def test_qr_png_decodes_with_zxing():
    image = Image.open(io.BytesIO(qr_png(URL)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [URL]


def test_qr_svg_is_an_svg_element():
    svg = qr_svg(URL)
    assert svg.startswith("<svg") and "<path" in svg


@pytest.mark.parametrize("value", ["=1+1", "+66812345678", "-2", "@SUM(A1)", "\t=cmd"])
def test_formula_triggers_are_neutralised(value):
    assert safe_cell(value) == "'" + value


def test_ordinary_values_are_untouched():
    assert safe_cell("สมชาย") == "สมชาย"
    assert safe_cell(42) == 42


def test_xlsx_round_trip_keeps_thai_and_neutralises_formulas():
    content = xlsx_bytes(["ชื่อ", "สูตร"], [["สมศรี", '=HYPERLINK("http://evil")']], "รายชื่อ")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.values)
    assert rows[0] == ("ชื่อ", "สูตร")
    assert rows[1] == ("สมศรี", '\'=HYPERLINK("http://evil")')


def test_xlsx_dates_and_times_are_excel_values_in_bangkok_time_shown_in_the_buddhist_era():
    checked_in = datetime.datetime(2021, 11, 25, 2, 3, 4, 567000, tzinfo=datetime.UTC)  # 09:03:04 in Bangkok
    content = xlsx_bytes(["เวลาเข้างาน", "วันที่", "เวลา"], [[checked_in, datetime.date(2021, 11, 25), datetime.time(13, 30)]])
    sheet = load_workbook(io.BytesIO(content)).active
    when, day, time = sheet[2]
    # Excel has no time zones: the cell holds Bangkok's wall-clock time, as every page shows it.
    assert isinstance(when.value, datetime.datetime) and when.value == datetime.datetime(2021, 11, 25, 9, 3, 4)
    assert when.number_format == DATETIME_FORMAT == "[$-107041E]dd/mm/yyyy hh:mm"
    assert isinstance(day.value, datetime.datetime) and day.value.date() == datetime.date(2021, 11, 25)
    assert day.number_format == DATE_FORMAT
    assert time.value == datetime.time(13, 30) and time.number_format == TIME_FORMAT
    assert not any(isinstance(cell.value, str) for cell in sheet[2])


def test_xlsx_columns_are_as_wide_as_their_longest_value():
    organisation = "คณะกรรมการบริหารกองทุน กข.คจ. ระดับหมู่บ้าน"
    when = datetime.datetime(2021, 11, 25, 9, 0, tzinfo=datetime.UTC)
    content = xlsx_bytes(["ที่", "หน่วยงาน", "เวลา"], [[1, organisation, when], [2, "กรมการพัฒนาชุมชน", None]])
    widths = load_workbook(io.BytesIO(content)).active.column_dimensions
    # Thai vowel and tone marks take no width of their own: 37 letters wide, not 43 characters.
    assert widths["B"].width == pytest.approx(37 + 2)
    assert widths["C"].width >= len("25/11/2564 09:00")
    assert 6 <= widths["A"].width < 10


def test_csv_has_a_bom_for_excel():
    assert csv_bytes(["ชื่อ"], [["=1"]]).decode("utf-8") == "\ufeffชื่อ\r\n'=1\r\n"


def test_pdf_embeds_sarabun_for_thai_text():
    from django.template.loader import render_to_string

    html = render_to_string("print/base.html").replace("<body></body>", "<body><p>วันพฤหัสบดีที่ 25 พฤศจิกายน พ.ศ. 2564 ผู้ใหญ่บ้าน</p></body>")
    assert "ผู้ใหญ่บ้าน" in html
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    fonts = pdf_fonts(pdf)
    assert fonts and all("Sarabun" in name for name in fonts), fonts


def pdf_fonts(pdf_bytes):
    """Names of the fonts embedded in a PDF, read by poppler's pdffonts."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf_bytes)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
