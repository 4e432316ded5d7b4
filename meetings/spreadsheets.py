"""Reading uploaded spreadsheets within bounds, for every import (participants, quiz questions).

An XLSX file is a zip of XML parts, and a few kilobytes of it can unpack to gigabytes: a sheet of a million
rows, one row of millions of cells, a huge shared-strings table. openpyxl's read-only mode streams the rows
of a sheet, but keeps a whole row, and the whole shared-strings table, in memory. So before openpyxl opens a
file, `check_xlsx_parts` streams every part through expat, counting rows, cells and unpacked bytes without
building a tree, and stops at the first bound passed. Then `xlsx_rows` and `csv_rows` stop reading at the
row limit (settings.IMPORT_MAX_ROWS): the rows past it are never read.
"""

import csv
import io
import zipfile
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext
from openpyxl import load_workbook

from meetings.errors import DomainError

# Values read from each row: the widest import (participants) has 13 columns.
MAX_COLUMNS = 100
# A row of more cells than this is not a list of people or questions (Excel writes only the cells in use).
MAX_CELLS_PER_ROW = 1000
# What an XLSX may unpack to, per row allowed: a row of 13 Thai columns written as inline strings takes about
# 1.3 kB of XML; shared strings take less.
UNPACKED_BYTES_PER_ROW = 4096
MIN_UNPACKED_BYTES = 16 * 1024 * 1024
# Blank rows are read too (a sheet may have some between its rows): as many as the row limit, and this many more.
MAX_BLANK_ROWS = 1000


class SpreadsheetTooLarge(DomainError):
    """The file has more rows than an import accepts, or unpacks to more than a list of that many rows could."""


def max_rows():
    return settings.IMPORT_MAX_ROWS


def too_many_rows(limit):
    return SpreadsheetTooLarge(
        gettext(
            "The file has more than %(limit)s rows; one import accepts at most %(limit)s rows. Split the list into smaller files and upload each."
        )
        % {"limit": f"{limit:,}"},
        code="too_many_rows",
        details={"limit": limit},
    )


def _too_big_unpacked(limit):
    return SpreadsheetTooLarge(
        gettext(
            "The workbook holds far more data than a list of %(limit)s rows (perhaps very many empty or formatted cells). "
            "Copy only the list into a new workbook and upload that."
        )
        % {"limit": f"{limit:,}"},
        code="too_big_unpacked",
        details={"limit": limit},
    )


def _too_long(limit):
    return SpreadsheetTooLarge(
        gettext(
            "The sheet goes on past row %(row)s (empty rows with formatting count too); one import accepts at most %(limit)s rows. "
            "Delete the empty rows below the list, or copy only the list into a new workbook, and upload again."
        )
        % {"row": f"{_row_bound(limit):,}", "limit": f"{limit:,}"},
        code="too_many_rows",
        details={"limit": limit},
    )


def _row_bound(limit):
    """The last sheet row read: a header, `limit` rows, and as many blank rows plus MAX_BLANK_ROWS."""
    return 2 * (limit + 1) + MAX_BLANK_ROWS


def _local(name):
    return name.rsplit(" ", 1)[-1]


class _PartScan:
    """Counts, in one XML part streamed through expat (no tree is built), the rows that hold a value and the
    cells of each row; raises SpreadsheetTooLarge as soon as a bound is passed."""

    def __init__(self, limit, budget, count_rows):
        self.limit, self.budget, self.count_rows = limit, budget, count_rows
        self.rows = self.rows_with_values = self.cells = 0
        self.has_value = False

    def start(self, name, _attributes):
        tag = _local(name)
        if tag == "c":
            self.cells += 1
            if self.cells > MAX_CELLS_PER_ROW:
                raise _too_big_unpacked(self.limit)
        elif tag in ("v", "is"):
            self.has_value = True
        elif tag == "row":
            self.cells, self.has_value = 0, False
            self.rows += 1
            if self.count_rows and self.rows > _row_bound(self.limit):
                raise _too_long(self.limit)

    def end(self, name):
        if self.count_rows and _local(name) == "row" and self.has_value:
            self.rows_with_values += 1
            if self.rows_with_values > self.limit + 1:
                raise too_many_rows(self.limit)

    def feed(self, stream):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        while chunk := stream.read(65536):
            self.budget -= len(chunk)
            if self.budget < 0:
                raise _too_big_unpacked(self.limit)
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


def check_xlsx_parts(content, limit):
    """Refuse an XLSX that holds more than a list of `limit` rows could: raises SpreadsheetTooLarge.

    Every part is streamed through expat: the sheets' rows with a value are counted, no row may have more
    than MAX_CELLS_PER_ROW cells, and all parts together may unpack to no more than what `limit` rows take.
    Other damage (not a zip, a part that is not XML) is left for openpyxl to report.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return
    budget = max(MIN_UNPACKED_BYTES, limit * UNPACKED_BYTES_PER_ROW)
    with archive:
        for part in archive.infolist():
            scan = _PartScan(limit, budget, count_rows=part.filename.startswith("xl/worksheets/"))
            try:
                with archive.open(part) as stream:
                    scan.feed(stream)
            except SpreadsheetTooLarge:
                raise
            except Exception:  # not XML (an image), damaged, encrypted: openpyxl refuses it if it needs it
                pass
            budget = scan.budget


def xlsx_rows(content, *, limit, data_only=False):
    """Yield (row number, values) for each row of the first sheet that has a value, at most `limit` + 1 of them
    (a header row and `limit` rows); raise SpreadsheetTooLarge on the next one, or past `MAX_BLANK_ROWS` blank
    rows beyond that. Values are openpyxl's, the first MAX_COLUMNS of each row.

    Raises ValueError-like errors of openpyxl (zipfile.BadZipFile, KeyError…) for a file that is not a workbook.
    """
    check_xlsx_parts(content, limit)
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    try:
        sheet = workbook.worksheets[0]
        seen = 0
        # openpyxl yields the rows missing from the file as blank rows: the bound on row numbers stops a sheet
        # whose only rows are number 1 and number 1,000,000 as soon as a sheet that has every row.
        row_bound = _row_bound(limit)
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            if number > row_bound:
                raise _too_long(limit)
            if not any(value is not None and str(value).strip() for value in values):
                continue
            seen += 1
            if seen > limit + 1:
                raise too_many_rows(limit)
            yield number, values
    finally:
        workbook.close()


def csv_rows(text, *, limit, delimiter=","):
    """Yield (row number, stripped cells) for each line of `text` that has a value, at most `limit` + 1 of them;
    raise SpreadsheetTooLarge on the next one. Raises csv.Error for text that is not CSV."""
    seen = 0
    for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        cells = [value.strip() for value in values[:MAX_COLUMNS]]
        if not any(cells):
            continue
        seen += 1
        if seen > limit + 1:
            raise too_many_rows(limit)
        yield number, cells
