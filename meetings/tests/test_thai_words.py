"""The Thai catalogue keeps one word for each act: ลงทะเบียน is registration (a seat, before the day),
ลงชื่อเข้าร่วม is check-in (arriving on the day). Labels name their own thing, and no English is left
where Thai is shown."""

import ast
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, pgettext

from attendance.forms import ScannerDeviceForm
from meetings.models import Session, Venue
from training.forms import AttachmentForm
from training.models import Module, ModuleAttachment, Quiz

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "th" / "LC_MESSAGES" / "django.po"
CHECK_IN = re.compile(r"\bcheck(?:ed|s|ing)?[- ]in\b|\bchecks? (?:people|participants|someone|anyone|you) in\b", re.IGNORECASE)


def catalogue_entries():
    """(msgid, msgstr) of every singular, current entry of the Thai catalogue."""
    entries = []
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        fields, current = {}, None
        for line in lines:
            match = re.match(r"^(msgctxt|msgid|msgid_plural|msgstr)\s+(\".*\")$", line)
            if match:
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid") and "msgstr" in fields:
            entries.append((fields["msgid"], fields["msgstr"]))
    return entries


def test_the_catalogue_reader_finds_the_entries():
    entries = dict(catalogue_entries())
    assert len(entries) > 900
    assert entries["Check in"] and entries["Register"] == "ลงทะเบียน"


def test_check_in_is_never_called_registration_in_thai():
    wrong = []
    for msgid, msgstr in catalogue_entries():
        if "ลงทะเบียนเข้างาน" in msgstr:
            wrong.append((msgid, msgstr))
        elif CHECK_IN.search(msgid) and "ลงทะเบียน" in msgstr and not re.search(r"regist", msgid, re.IGNORECASE):
            wrong.append((msgid, msgstr))
    assert wrong == []


def test_check_in_words_say_ลงชื่อเข้าร่วม():
    with translation.override("th"):
        for msgid in (
            "Check in",
            "Checked in",
            "Check-in",
            "Manual check-in and undo",
            "Check in at your venue.",
            "Latest check-ins",
            "Check-in desk",
        ):
            assert "ลงชื่อเข้าร่วม" in gettext(msgid), msgid
            assert "ลงทะเบียน" not in gettext(msgid), msgid
        assert "ลงทะเบียน" in gettext("Register") and "ลงชื่อเข้าร่วม" not in gettext("Register a person")


def test_module_attachment_and_quiz_titles_are_not_called_the_session_title():
    with translation.override("th"):
        session_title = str(Session._meta.get_field("title").verbose_name)
        titles = {
            str(Module._meta.get_field("title").verbose_name),
            str(ModuleAttachment._meta.get_field("title").verbose_name),
            str(Quiz._meta.get_field("title").verbose_name),
            str(AttachmentForm.base_fields["title"].label),
        }
        assert session_title == "ชื่อการประชุม"
        assert session_title not in titles
        assert str(Module._meta.get_field("title").verbose_name) == pgettext("training module", "title") == "ชื่อบทเรียน"


def test_the_scanner_device_name_is_not_called_the_venue_name():
    with translation.override("th"):
        device = str(ScannerDeviceForm.base_fields["name"].label)
        assert device != str(Venue._meta.get_field("name").verbose_name)
        assert "อุปกรณ์" in device


def test_no_english_is_left_in_these_thai_labels():
    with translation.override("th"):
        for msgid in ("Meeting ID", "meeting ID", "own meeting ID", "normalised gain", "Mean normalised gain", "point-biserial"):
            assert not re.search(r"[A-Za-z]", gettext(msgid)), msgid
        assert not re.search(r"[A-Za-z]{3,}", gettext("Meeting ID: %(id)s") % {"id": "951"})
