"""Questions in and out of Excel. One row per question:

    order | type | question | choice 1 … choice 6 | correct | explanation

`type` is single / multiple / truefalse (or the Thai labels), `correct` lists the numbers of the
correct choices ("2", or "1,3" for multiple choice). A true/false row may leave the choices empty:
they become ถูก / ผิด.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from meetings.spreadsheets import SpreadsheetTooLarge, max_rows, xlsx_rows
from training.models import QuestionKind
from training.models.quizzes import check_question

MAX_CHOICES = 6
WIDTH = 3 + MAX_CHOICES + 2  # order, type, question, the choices, correct, explanation
TRUE_FALSE_CHOICES = ("ถูก", "ผิด")
KIND_ALIASES = {
    "single": QuestionKind.SINGLE,
    "ตัวเลือกเดียว": QuestionKind.SINGLE,
    "ปรนัย": QuestionKind.SINGLE,
    "multiple": QuestionKind.MULTIPLE,
    "หลายคำตอบ": QuestionKind.MULTIPLE,
    "เลือกได้หลายข้อ": QuestionKind.MULTIPLE,
    "truefalse": QuestionKind.TRUE_FALSE,
    "true/false": QuestionKind.TRUE_FALSE,
    "ถูก/ผิด": QuestionKind.TRUE_FALSE,
    "ถูกผิด": QuestionKind.TRUE_FALSE,
}


def headers():
    return (
        [_("order"), _("type"), _("question")] + [_("choice %(n)d") % {"n": n} for n in range(1, MAX_CHOICES + 1)] + [_("correct"), _("explanation")]
    )


def export_rows(quiz):
    rows = []
    for question in quiz.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        texts = [c.text for c in choices] + [""] * (MAX_CHOICES - len(choices))
        correct = ",".join(str(i) for i, c in enumerate(choices, start=1) if c.is_correct)
        rows.append([question.order, question.kind, question.text, *texts[:MAX_CHOICES], correct, question.explanation])
    return rows


@dataclass
class QuestionRow:
    kind: str
    text: str
    explanation: str
    choices: list


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_questions_xlsx(uploaded_file):
    """Read and check every row. Returns (rows, errors); errors is a list of (row number, message)."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > settings.IMPORT_MAX_BYTES:
        return [], [(0, _("The file is larger than %(max)d MB.") % {"max": settings.IMPORT_MAX_BYTES // (1024 * 1024)})]
    try:
        # Row 1 is the header row.
        sheet = [(number, values) for number, values in xlsx_rows(uploaded_file.read(), limit=max_rows(), data_only=True) if number > 1]
    except SpreadsheetTooLarge as error:
        return [], [(0, error.message)]
    except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException: not an .xlsx workbook
        return [], [(0, _("The file is not an Excel workbook (.xlsx)."))]
    rows, errors = [], []
    for number, values in sheet:
        cells = [_text(v) for v in values[:WIDTH]] + [""] * (WIDTH - len(values))
        if any(cells):
            _check_row(number, cells, rows, errors)
    return rows, errors


def _check_row(number, cells, rows, errors):
    """Check one row of the sheet; append a QuestionRow to `rows` or (number, message) to `errors`."""
    kind_raw, text = cells[1].lower(), cells[2]
    raw_choices = cells[3 : 3 + MAX_CHOICES]
    correct_raw, explanation = cells[3 + MAX_CHOICES], cells[4 + MAX_CHOICES]
    kind = KIND_ALIASES.get(kind_raw)
    row_errors = []
    if kind is None:
        row_errors.append(_("unknown type “%(value)s” (use single, multiple or truefalse)") % {"value": cells[1]})
    if not text:
        row_errors.append(_("the question is empty"))
    choices = [c for c in raw_choices if c]
    if any(not c for c in raw_choices[: len(choices)]):
        row_errors.append(_("a choice column is empty between two choices"))
    if kind == QuestionKind.TRUE_FALSE and not choices:
        choices = list(TRUE_FALSE_CHOICES)
    correct_numbers = set()
    for part in correct_raw.replace(";", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if kind == QuestionKind.TRUE_FALSE and part.lower() in ("ถูก", "true", "จริง"):
            part = "1"
        elif kind == QuestionKind.TRUE_FALSE and part.lower() in ("ผิด", "false", "เท็จ"):
            part = "2"
        if not part.isdigit() or not 1 <= int(part) <= len(choices):
            row_errors.append(_("the correct answer “%(value)s” is not a choice number") % {"value": part})
            continue
        correct_numbers.add(int(part))
    if not correct_raw:
        row_errors.append(_("the correct answer is missing"))
    pairs = [(c, i in correct_numbers) for i, c in enumerate(choices, start=1)]
    if kind is not None and not row_errors:
        row_errors.extend(check_question(kind, pairs))
    if len(text) > 5000 or any(len(c) > 500 for c in choices):
        row_errors.append(_("a text is too long"))
    if row_errors:
        errors.append((number, "; ".join(str(e) for e in row_errors)))
    else:
        rows.append(QuestionRow(kind=kind, text=text, explanation=explanation, choices=pairs))
