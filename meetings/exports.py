"""Spreadsheet exports (XLSX and CSV) shared by every list and report.

Cells that a spreadsheet would read as a formula (=, +, -, @, and tab/CR tricks)
are prefixed with an apostrophe-like quote so they stay text: an exported name
such as "=HYPERLINK(...)" must never run in an officer's Excel.

Dates and times are real Excel values (they sort, filter and subtract), in Bangkok
time: Excel has no time zones, so the cell holds the wall-clock time in Thailand.
Their number format asks for the Thai Buddhist calendar ([$-107041E]: locale 041E,
Thai, calendar 07, Thai Buddhist), so Excel and LibreOffice show 25/11/2564 09:00
while the value stays an ordinary date.
"""

import csv
import datetime
import io
import unicodedata

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DATETIME_FORMAT = "[$-107041E]dd/mm/yyyy hh:mm"
DATE_FORMAT = "[$-107041E]dd/mm/yyyy"
TIME_FORMAT = "hh:mm"
# What each formatted value takes on screen, in characters: 25/11/2564 09:00.
FORMAT_WIDTHS = {DATETIME_FORMAT: 16, DATE_FORMAT: 10, TIME_FORMAT: 5}
MIN_WIDTH, MAX_WIDTH = 6, 60


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def text_width(value):
    """How many character cells a text takes: Thai vowel and tone marks sit above or below a letter."""
    return sum(1 for ch in str(value) if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def excel_value(value):
    """(value, number format) for a cell: aware datetimes in Bangkok wall-clock time, without tzinfo."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value.replace(microsecond=0), DATETIME_FORMAT
    if isinstance(value, datetime.date):
        return value, DATE_FORMAT
    if isinstance(value, datetime.time):
        return value.replace(tzinfo=None), TIME_FORMAT
    return safe_cell(value), None


def _width(value, number_format):
    if value is None:
        return 0
    if number_format in FORMAT_WIDTHS:
        return FORMAT_WIDTHS[number_format]
    return max((text_width(line) for line in str(value).splitlines()), default=0)


def xlsx_bytes(headers, rows, sheet_title="Sheet1"):
    """A workbook with one sheet: a bold header row, then the rows (values neutralised).

    Dates, datetimes and times become Excel date cells with a Buddhist-era format; each column is
    as wide as its longest value (within MIN_WIDTH and MAX_WIDTH).
    """
    cells = [[excel_value(value) for value in row] for row in rows]
    headers = [str(header) for header in headers]
    widths = [text_width(header) for header in headers]
    for row in cells:
        for index, (value, number_format) in enumerate(row):
            if index >= len(widths):
                widths.append(0)
            widths[index] = max(widths[index], _width(value, number_format))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for index, width in enumerate(widths, start=1):
        # +2: the cell padding, and bold headers run a little wider.
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in cells:
        out = []
        for value, number_format in row:
            if number_format is None:
                out.append(value)
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers, rows):
    """UTF-8 with a BOM, so Thai text opens correctly in Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def download_response(content, filename, content_type):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(headers, rows, filename, sheet_title="Sheet1"):
    return download_response(xlsx_bytes(headers, rows, sheet_title), filename, XLSX_TYPE)


def csv_response(headers, rows, filename):
    return download_response(csv_bytes(headers, rows), filename, "text/csv; charset=utf-8")
