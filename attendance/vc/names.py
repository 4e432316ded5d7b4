"""What a name in a meeting says: the person's name (without prefix, spaces or invisible characters), a
registration code, a phone number, a province, or that it is a venue's meeting room.

Everything is compared in one normal form (`normalise`): Unicode NFC, no zero-width characters or soft
hyphens, Thai digits as Latin digits, Latin letters case-folded. A name key (`name_key`) also drops spaces
and punctuation, so "นางสาว สมศรี  มีสุข", "สมศรี มีสุข" and "สมศรีมีสุข" are one key.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from attendance.vc.codes import find_codes, strip_codes
from registration.thai_phone import normalise_phone

ZERO_WIDTH_RE = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A Thai mobile number as people type it into a name: 0812345678, 081-234-5678, +66 81 234 5678.
PHONE_RE = re.compile(r"(?<!\d)(?:\+?66[\s\-.]?|0)[689](?:[\s\-.]?\d){8}(?!\d)")
# Characters that separate the words of a name in a meeting ("." stays: it belongs to สนง. and น.ส.).
SEPARATORS_RE = re.compile(r"[\s,;:|/\\()\[\]{}<>\"'“”‘’_\-–—+*#=~!?]+")
# What a name key keeps: Thai letters and marks, Latin letters, digits.
KEY_DROP_RE = re.compile(r"[^0-9a-z\u0e00-\u0e7f]+")

# Name prefixes as people type them, the longest first so that นางสาว is not read as นาง + สาว.
PREFIXES = sorted(
    {
        "นาย",
        "นาง",
        "นางสาว",
        "น.ส.",
        "นส.",
        "น.ส",
        "ดร.",
        "ดร",
        "ว่าที่",
        "ว่าที่ร้อยตรี",
        "ว่าที่ร้อยตรีหญิง",
        "ว่าที่ร.ต.",
        "ว่าที่ร.ต.หญิง",
        "ว่าที่ ร.ต.",
        "ว่าที่ ร.ต.หญิง",
        "ร.ต.",
        "ร.ท.",
        "ร.อ.",
        "ด.ต.",
        "ดาบตำรวจ",
        "จ.ส.อ.",
        "จ่าสิบเอก",
        "ส.ต.อ.",
        "พระ",
        "คุณ",
        "mr.",
        "mr",
        "mrs.",
        "mrs",
        "ms.",
        "ms",
        "miss",
        "dr.",
        "dr",
    },
    key=len,
    reverse=True,
)

# Words of a venue's or an office's name: a name holding one of them may be a meeting room.
ROOM_MARKERS = (
    "สนง.",
    "สำนักงาน",
    "ห้องประชุม",
    "ห้อง",
    "ศาลากลาง",
    "พช.",
    "พัฒนาชุมชน",
    "ที่ว่าการ",
    "ศูนย์ราชการ",
    "room",
    "office",
    "cdd",
)
# Words that say nothing about who is there ("ชั้น 3", "จุดที่ 2", "Zoom").
FILLER_WORDS = {"ชั้น", "จุด", "จุดที่", "ที่", "หมายเลข", "zoom", "webex", "teams", "vc", "no.", "no", "จ.", "จังหวัด", "อ.", "อำเภอ"}
# Province names are also written these ways.
PROVINCE_ALIASES = {"TH-10": ("กรุงเทพ", "กรุงเทพฯ", "กทม.", "กทม", "bangkok")}
# A province named with one of these in front of it is named for sure, even inside a longer word.
PROVINCE_LEADS = ("จ.", "จังหวัด", "พช.", "พช.จ.")


def normalise(text):
    text = unicodedata.normalize("NFC", str(text or ""))
    text = ZERO_WIDTH_RE.sub("", text).translate(THAI_DIGITS)
    return text.casefold()


def key(text):
    """The comparison key of a normalised text: letters and digits only."""
    return KEY_DROP_RE.sub("", text)


def strip_prefix(word):
    """`word` without a leading name prefix ("นางสาวสมศรี" → "สมศรี"); the word itself when nothing is left."""
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            return word[len(prefix) :]
    return word


def registration_key(first_name, last_name):
    return key(normalise(first_name) + normalise(last_name))


class ProvinceNames:
    """Every province's names (Thai, English, aliases), searched in a word with one regular expression."""

    def __init__(self, provinces):
        self.pk_of = {}
        for province in provinces:
            for name in (normalise(province.name_th), normalise(province.name_en), *PROVINCE_ALIASES.get(province.code, ())):
                self.pk_of[name] = province.pk
        names = sorted(self.pk_of, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(name) for name in names)) if names else None

    def named_in(self, word, room_word):
        """The pks of the provinces `word` names: the whole word is a province's name, or the name follows
        จ./จังหวัด/พช., or a venue's or office's word ends with it (สนง.พช.ลำปาง)."""
        found = set()
        if self.pattern is None:
            return found
        for match in self.pattern.finditer(word):
            name, start = match.group(), match.start()
            if (
                (start == 0 and match.end() == len(word))
                or any(word[:start].endswith(lead) for lead in PROVINCE_LEADS)
                or (room_word and match.end() == len(word))
            ):
                found.add(self.pk_of[name])
        return found


@dataclass
class Reading:
    """What one name in the meeting says."""

    text: str  # normalised
    words: list  # the words, prefixes and room words included
    codes: list = field(default_factory=list)  # registration numbers of valid codes
    phones: list = field(default_factory=list)  # 0XXXXXXXXX
    emails: list = field(default_factory=list)
    provinces: set = field(default_factory=set)  # province pks named
    room_words: bool = False  # holds a word of a venue's or office's name
    name_words: list = field(default_factory=list)  # the words left for a person's name


def read_name(*texts, provinces=None):
    """A Reading of the name(s) a report gives one participant (its name and its original name)."""
    text = normalise(" ".join(t for t in texts if t))
    reading = Reading(text=text, words=[])
    reading.emails = EMAIL_RE.findall(text)
    rest = EMAIL_RE.sub(" ", text)
    reading.codes = find_codes(rest.upper())
    rest = strip_codes(rest)
    for match in PHONE_RE.findall(rest):
        phone = normalise_phone(match)
        if phone:
            reading.phones.append(phone)
    rest = PHONE_RE.sub(" ", rest)
    words = [w for w in SEPARATORS_RE.split(rest) if w]
    reading.words = words
    for word in words:
        room_word = any(marker in word for marker in ROOM_MARKERS)
        reading.room_words = reading.room_words or room_word
        named = provinces.named_in(word, room_word) if provinces is not None else set()
        reading.provinces |= named
        if room_word or named or word in FILLER_WORDS or word.isdigit():
            continue
        reading.name_words.append(word)
    return reading


def name_candidates(words, *, widths=(1, 2, 3), limit=8):
    """Keys of the runs of 1 to 3 consecutive words of a name (the first `limit` words), each with its leading
    prefix dropped and as written: "นางสาว สมศรี มีสุข บ้านหนองบัว" gives "สมศรีมีสุข" among others."""
    words = [w for w in words[:limit] if w]
    found = []
    seen = set()
    for width in widths:
        for start in range(len(words) - width + 1):
            run = words[start : start + width]
            if run[0] in PREFIXES:
                continue  # the run without the prefix word is tried as its own run
            for first in {run[0], strip_prefix(run[0])}:
                candidate = key(first + "".join(run[1:]))
                if len(candidate) >= 4 and candidate not in seen:
                    seen.add(candidate)
                    found.append(candidate)
    return found
