"""Spreadsheet exports (XLSX and CSV) shared by every list and report.

Cells that a spreadsheet would read as a formula (=, +, -, @, and tab/CR tricks)
are prefixed with an apostrophe-like quote so they stay text: an exported name
such as "=HYPERLINK(...)" must never run in an officer's Excel.
"""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_bytes(headers, rows, sheet_title="Sheet1"):
    """A workbook with one sheet: a bold header row, then the rows (values neutralised)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
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
