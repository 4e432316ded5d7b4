"""Reading participant lists from XLSX and CSV files, and the blank template the import page offers.

Every row goes through ParticipantForm, the form that registers one person on the page, so a cell gets
the same message as the same value typed into the form, with its row and column in front. This module
adds only what belongs to a file: headers, encodings, size, formula cells, the province column, and the
same person twice in one file (by the one duplicate rule, registration.models.same_person_keys); the rows
are read within the bounds of meetings.spreadsheets (settings.IMPORT_MAX_ROWS). The
writes (quota locks, duplicates against the database, the all-or-nothing insert) live in
registration.services.import_participants.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from meetings.models import Province, RoleCategory
from meetings.spreadsheets import SpreadsheetTooLarge, csv_rows, max_rows, xlsx_rows
from registration.errors import ImportFileError
from registration.forms import ParticipantForm
from registration.models import Prefix, same_person_keys
from registration.thai_id import mask_national_id

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
UTF8_BOM = b"\xef\xbb\xbf"
# Two Thai characters in a row encoded as UTF-8 (E0 B8/B9 xx): in a file that is not valid UTF-8
# this means UTF-8 and Windows-874 text were mixed (a real cp874 text almost never holds this sequence).
UTF8_THAI_PAIR = re.compile(rb"\xe0[\xb8\xb9][\x80-\xbf]\xe0[\xb8\xb9][\x80-\xbf]")


@dataclass(frozen=True)
class Column:
    key: str  # the ParticipantForm field the column fills ("province" is the file's own check)
    header: str  # the Thai header written in the template
    required: bool
    aliases: tuple = ()


COLUMNS = (
    Column("prefix", "คำนำหน้าชื่อ", True, ("คำนำหน้า", "คำนำหน้านาม", "prefix", "title")),
    Column("first_name", "ชื่อ", True, ("ชื่อจริง", "first name", "firstname", "given name", "name")),
    Column("last_name", "นามสกุล", True, ("สกุล", "last name", "lastname", "surname", "family name")),
    Column("position", "ตำแหน่ง", False, ("position",)),
    Column("organisation", "หน่วยงาน", False, ("สังกัด", "หน่วยงาน/สังกัด", "หน่วยงานต้นสังกัด", "organisation", "organization")),
    Column("village", "หมู่บ้าน", False, ("บ้าน", "หมู่บ้าน/ชุมชน", "village")),
    Column("subdistrict", "ตำบล", False, ("ตำบล/แขวง", "แขวง", "subdistrict", "sub-district", "tambon")),
    Column("district", "อำเภอ", False, ("อำเภอ/เขต", "เขต", "district", "amphoe")),
    Column("role", "ประเภทผู้เข้าร่วม", True, ("ประเภท", "บทบาท", "role", "role category")),
    Column(
        "phone",
        "โทรศัพท์มือถือ",
        True,
        ("เบอร์โทรศัพท์มือถือ", "เบอร์โทรศัพท์", "เบอร์โทร", "เบอร์มือถือ", "มือถือ", "โทรศัพท์", "หมายเลขโทรศัพท์", "mobile phone", "phone", "mobile", "telephone"),
    ),
    Column("email", "อีเมล", False, ("อีเมล์", "e-mail", "email")),
    Column(
        "national_id",
        "เลขประจำตัวประชาชน",
        False,
        ("เลขบัตรประชาชน", "เลขบัตรประจำตัวประชาชน", "หมายเลขบัตรประชาชน", "national id", "national_id", "citizen id"),
    ),
    Column("province", "จังหวัด", False, ("province",)),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
TEMPLATE_HEADERS = [c.header for c in COLUMNS]
# How people write prefixes in their own lists; the form takes the full Thai prefix.
PREFIX_ALIASES = {"น.ส.": "นางสาว", "นส.": "นางสาว", "ว่าที่ ร.ต.": "ว่าที่ร้อยตรี", "ว่าที่ร.ต.": "ว่าที่ร้อยตรี", "ด.ต.": "ดาบตำรวจ", "จ.ส.อ.": "จ่าสิบเอก"}
EXAMPLE_ROW = {
    "prefix": "นาย",
    "first_name": "สมชาย",
    "last_name": "ตัวอย่างดี",
    "position": "ประธานคณะกรรมการ",
    "organisation": "คณะกรรมการกองทุน กข.คจ. บ้านตัวอย่าง",
    "village": "บ้านตัวอย่าง หมู่ที่ 1",
    "subdistrict": "พระบาท",
    "district": "เมืองลำปาง",
    "phone": "0812345678",
    "email": "",
    "national_id": "1101700203450",
}


def _norm_header(text):
    return re.sub(r"[\s*_]+", " ", str(text or "")).strip().lower()


# Columns people keep in their own lists that carry nothing to import: a running number, remarks.
IGNORED_HEADERS = {"ลำดับ", "ลำดับที่", "ที่", "no.", "no", "#", "หมายเหตุ", "remarks", "note"}
HEADER_LOOKUP = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_LOOKUP[_norm_header(_name)] = _column.key


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet row number (1 = header row); 0 for the whole file
    column: str  # the column header as written in the file, or ""
    message: str

    def __str__(self):
        if self.row and self.column:
            return gettext("Row %(row)s, column “%(column)s”: %(message)s") % {"row": self.row, "column": self.column, "message": self.message}
        if self.row:
            return gettext("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return str(self.message)

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": str(self.message), "text": str(self)}


@dataclass
class Sheet:
    headers: list  # as written in the file
    rows: list  # (row number, [cell values as str])
    encoding: str = "xlsx"


@dataclass
class ParsedRow:
    row: int
    data: dict = field(default_factory=dict)  # ParticipantForm.participant_data(): the fields that validated

    @property
    def masked_national_id(self):
        return mask_national_id(self.data.get("national_id", ""))


@dataclass
class CheckedSheet:
    rows: list  # ParsedRow, one per row of the file
    problems: list  # Problem
    headers: dict  # column key: the header as written in the file

    def column(self, key):
        return self.headers.get(key) or COLUMNS_BY_KEY[key].header


# --- reading the file -----------------------------------------------------------------------------------


def check_file_size(size):
    """Refuse a file larger than settings.IMPORT_MAX_BYTES (the page checks an upload before reading it)."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            gettext("The file is %(size)s MB; the largest file accepted is %(limit)s MB.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"},
            code="too_big",
        )


def read_sheet(content, filename=""):
    """Read an uploaded XLSX or CSV (UTF-8 with or without BOM, or Windows-874/TIS-620) into a Sheet."""
    check_file_size(len(content))
    if not content.strip():
        raise ImportFileError(gettext("The file is empty."), code="empty")
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content)
    if content.startswith(OLE_MAGIC):
        raise ImportFileError(
            gettext("This is an old Excel 97–2003 (.xls) file. Save it as “Excel Workbook (.xlsx)” or CSV and upload again."),
            code="xls",
        )
    return _read_csv(content)


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(content):
    rows = []
    headers = None
    try:
        for number, values in xlsx_rows(content, limit=max_rows()):
            cells = [_cell_text(v) for v in values]
            if headers is None:
                headers = cells
            else:
                rows.append((number, cells))
    except SpreadsheetTooLarge as error:
        raise ImportFileError(error.message, code=error.code, details=error.details) from None
    except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException…: not a workbook we can read
        raise ImportFileError(gettext("The file is not a readable Excel workbook (.xlsx)."), code="not_spreadsheet") from None
    if headers is None:
        raise ImportFileError(gettext("The file is empty."), code="empty")
    return Sheet(headers=headers, rows=rows, encoding="xlsx")


def decode_text(content):
    """Decode CSV bytes: UTF-8 (BOM or not) or Windows-874/TIS-620; refuse mixed or unknown encodings."""
    if b"\x00" in content:
        raise ImportFileError(gettext("The file is not a spreadsheet (XLSX or CSV)."), code="not_spreadsheet")
    if content.startswith(UTF8_BOM):
        try:
            return content[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise _mixed_encoding_error() from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if UTF8_THAI_PAIR.search(content):
        raise _mixed_encoding_error()
    try:
        return content.decode("cp874"), "cp874"
    except UnicodeDecodeError:
        raise ImportFileError(
            gettext("The file's characters are neither UTF-8 nor Thai Windows (TIS-620/Windows-874). Save it as “CSV UTF-8” and upload again."),
            code="bad_encoding",
        ) from None


def _mixed_encoding_error():
    return ImportFileError(
        gettext(
            "The file mixes two character encodings (UTF-8 and Thai Windows/TIS-620), so some Thai text would be garbled. Save it again as “CSV UTF-8” and upload again."
        ),
        code="mixed_encoding",
    )


def _read_csv(content):
    text, encoding = decode_text(content)
    if not text.strip():
        raise ImportFileError(gettext("The file is empty."), code="empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    headers = None
    rows = []
    try:
        for number, cells in csv_rows(text, limit=max_rows(), delimiter=delimiter):
            if headers is None:
                headers = cells
            else:
                rows.append((number, cells))
    except SpreadsheetTooLarge as error:
        raise ImportFileError(error.message, code=error.code, details=error.details) from None
    except csv.Error:
        raise ImportFileError(gettext("The file is not a spreadsheet (XLSX or CSV)."), code="not_spreadsheet") from None
    if headers is None:
        raise ImportFileError(gettext("The file is empty."), code="empty")
    return Sheet(headers=headers, rows=rows, encoding=encoding)


# --- checking the cells ---------------------------------------------------------------------------------


def map_headers(headers):
    """Return {column key: index}; raise ImportFileError naming unknown, repeated and missing columns."""
    index = {}
    problems = []
    for position, header in enumerate(headers):
        if not header or _norm_header(header) in IGNORED_HEADERS:
            continue
        key = HEADER_LOOKUP.get(_norm_header(header))
        if key is None:
            problems.append(gettext("unknown column “%(header)s”") % {"header": header})
        elif key in index:
            problems.append(gettext("column “%(header)s” appears twice") % {"header": header})
        else:
            index[key] = position
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        problems.append(gettext("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    if problems:
        raise ImportFileError(
            gettext("The header row does not match the template (%(problems)s). Download the template and copy your rows into it.")
            % {"problems": "; ".join(problems)},
            code="bad_headers",
        )
    return index


def _prefix_lookup():
    """Prefixes as people write them: the Thai prefix, its English name ("Mr."), or a short form (น.ส.)."""
    prefixes = {}
    for language in ("en", translation.get_language() or "th"):
        with translation.override(language):
            prefixes.update({str(label).lower(): value for value, label in Prefix.choices})
    prefixes.update(PREFIX_ALIASES)
    prefixes.update({value: value for value in Prefix.values})
    return prefixes


def _province_lookup():
    provinces = {}
    for province in Province.objects.all():
        for name in (province.code, province.name_th, province.name_en, "จังหวัด" + province.name_th):
            provinces[_norm_header(name)] = province
    return provinces


def check_rows(sheet, *, province, roles):
    """Check every row of `sheet` for `province` (`roles`: those with seats there), in memory.

    Each row goes through ParticipantForm; a formula cell, a row of another province and the same person
    twice in the file are the file's own problems. Returns a CheckedSheet.
    """
    index = map_headers(sheet.headers)
    if not sheet.rows:
        raise ImportFileError(gettext("The file has a header row but no participants."), code="empty")
    checked = CheckedSheet(rows=[], problems=[], headers={key: sheet.headers[position] for key, position in index.items()})
    roles = list(roles)
    prefixes = _prefix_lookup()
    provinces = _province_lookup()
    first_row_of = {}  # same_person_keys(...) -> the first row that has it
    for number, cells in sheet.rows:
        problems = []
        values = {key: cells[position] if position < len(cells) else "" for key, position in index.items()}
        for key, value in values.items():
            if value.startswith("="):
                problems.append(Problem(number, checked.column(key), gettext("formulas are not accepted; copy the cell and paste it as a value")))
                values[key] = ""
        formula_columns = {problem.column for problem in problems}

        province_text = values.pop("province", "")
        if province_text:
            row_province = provinces.get(_norm_header(province_text))
            if row_province is None:
                problems.append(Problem(number, checked.column("province"), gettext("unknown province “%(value)s”") % {"value": province_text}))
            elif row_province.pk != province.pk:
                problems.append(
                    Problem(
                        number,
                        checked.column("province"),
                        gettext("this row is for %(row_province)s; this file can only register people of %(province)s")
                        % {"row_province": row_province.name, "province": province.name},
                    )
                )
        prefix = values.get("prefix", "")
        values["prefix"] = prefixes.get(prefix) or prefixes.get(prefix.lower()) or prefix

        form = ParticipantForm(data=values, roles=roles, province=province)
        form.is_valid()
        for key, messages in form.errors.items():
            column = "" if key == NON_FIELD_ERRORS else checked.column(key)
            if column not in formula_columns:  # an emptied formula cell is reported once, as a formula
                problems.extend(Problem(number, column, message) for message in messages)

        data = form.participant_data()
        for same in same_person_keys(data):
            first = first_row_of.setdefault(same, number)
            if first != number:
                if same[0] == "national_id":
                    problems.append(
                        Problem(
                            number,
                            checked.column("national_id"),
                            gettext("the same national ID is already in row %(row)s of this file") % {"row": first},
                        )
                    )
                else:
                    problems.append(
                        Problem(
                            number,
                            checked.column("first_name"),
                            gettext("the same name and phone are already in row %(row)s of this file") % {"row": first},
                        )
                    )
        checked.rows.append(ParsedRow(number, data))
        checked.problems.extend(problems)
    return checked


# --- the template ---------------------------------------------------------------------------------------


def template_bytes(roles=None, province=None):
    """The blank import template: Thai headers, one valid example row, drop-downs for prefix and role."""
    roles = list(roles if roles is not None else RoleCategory.objects.all())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "รายชื่อผู้เข้าร่วม"
    lists = workbook.create_sheet("รายการ")
    help_sheet = workbook.create_sheet("คำอธิบาย")

    sheet.append(TEMPLATE_HEADERS)
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for position, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center")
        if column.required:
            cell.fill = required_fill
        sheet.column_dimensions[cell.column_letter].width = max(14, len(column.header) + 6)
    example = dict(EXAMPLE_ROW)
    example["role"] = roles[0].name_th if roles else ""
    example["province"] = province.name_th if province else ""
    if province is not None and province.code != "TH-52":
        example["village"] = "บ้านตัวอย่าง หมู่ที่ 1"
        example["subdistrict"] = ""
        example["district"] = ""
    sheet.append([example.get(c.key, "") for c in COLUMNS])
    # Phone numbers and IDs as text, so Excel keeps the leading zero.
    for key in ("phone", "national_id"):
        letter = sheet.cell(row=1, column=TEMPLATE_HEADERS.index(COLUMNS_BY_KEY[key].header) + 1).column_letter
        sheet.column_dimensions[letter].number_format = "@"
        sheet[f"{letter}2"].number_format = "@"
    sheet.freeze_panes = "A2"

    lists.append(["คำนำหน้าชื่อ", "ประเภทผู้เข้าร่วม"])
    prefixes = [value for value, _label in Prefix.choices]
    for i in range(max(len(prefixes), len(roles))):
        lists.append([prefixes[i] if i < len(prefixes) else None, roles[i].name_th if i < len(roles) else None])
    lists.sheet_state = "hidden"

    prefix_letter = sheet.cell(row=1, column=TEMPLATE_HEADERS.index(COLUMNS_BY_KEY["prefix"].header) + 1).column_letter
    role_letter = sheet.cell(row=1, column=TEMPLATE_HEADERS.index(COLUMNS_BY_KEY["role"].header) + 1).column_letter
    prefix_dv = DataValidation(
        type="list",
        formula1=f"'รายการ'!$A$2:$A${len(prefixes) + 1}",
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="คำนำหน้าชื่อ",
        error="เลือกคำนำหน้าชื่อจากรายการ",
    )
    prefix_dv.add(f"{prefix_letter}2:{prefix_letter}3000")
    sheet.add_data_validation(prefix_dv)
    if roles:
        role_dv = DataValidation(
            type="list",
            formula1=f"'รายการ'!$B$2:$B${len(roles) + 1}",
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="ประเภทผู้เข้าร่วม",
            error="เลือกประเภทผู้เข้าร่วมจากรายการ",
        )
        role_dv.add(f"{role_letter}2:{role_letter}3000")
        sheet.add_data_validation(role_dv)

    help_sheet.column_dimensions["A"].width = 110
    for line in (
        "วิธีกรอกแบบฟอร์มนำเข้ารายชื่อผู้เข้าร่วมประชุม",
        "1. กรอกหนึ่งคนต่อหนึ่งแถวในแผ่นงาน “รายชื่อผู้เข้าร่วม” แถวที่ 2 เป็นตัวอย่าง ให้แทนที่ด้วยข้อมูลจริง",
        "2. ช่องที่มีพื้นหลังสีเหลืองต้องกรอก: คำนำหน้าชื่อ ชื่อ นามสกุล ประเภทผู้เข้าร่วม โทรศัพท์มือถือ",
        "3. เลือกคำนำหน้าชื่อและประเภทผู้เข้าร่วมจากรายการ",
        "4. โทรศัพท์มือถือ 10 หลัก เช่น 0812345678 (รับ +66, ขีด และช่องว่างได้)",
        "5. เลขประจำตัวประชาชน 13 หลัก (ไม่บังคับ) ระบบตรวจเลขตรวจสอบหลักสุดท้าย",
        "6. ห้ามใช้สูตรในเซลล์ ให้วางเป็นค่า (Paste Values)",
        "7. บันทึกเป็น .xlsx หรือ CSV (UTF-8 หรือ Windows ภาษาไทย) แล้วอัปโหลด ระบบจะแสดงตัวอย่างและข้อผิดพลาดก่อนยืนยัน",
    ):
        help_sheet.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TEMPLATE_FILENAME = "prachum-registration-template.xlsx"
