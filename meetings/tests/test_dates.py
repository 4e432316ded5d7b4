import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from meetings.dates import format_date

BKK = ZoneInfo("Asia/Bangkok")
SEED = datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BKK)


@pytest.mark.parametrize(
    "style, expected",
    [
        ("long", "วันพฤหัสบดีที่ 25 พฤศจิกายน พ.ศ. 2564 เวลา 09.00 น."),
        ("medium", "25 พฤศจิกายน 2564"),
        ("short", "25 พ.ย. 2564"),
        ("datetime", "25 พ.ย. 2564 09.00 น."),
        ("time", "09.00 น."),
    ],
)
def test_seed_date_in_thai(style, expected):
    assert format_date(SEED, style, lang="th") == expected


@pytest.mark.parametrize(
    "style, expected",
    [
        ("long", "Thursday 25 November 2021, 09:00"),
        ("medium", "25 November 2021"),
        ("short", "25 Nov 2021"),
    ],
)
def test_english_shows_the_gregorian_date(style, expected):
    assert format_date(SEED, style, lang="en") == expected


def test_january_date():
    value = datetime.datetime(2022, 1, 3, 13, 30, tzinfo=BKK)
    assert format_date(value, "long", lang="th") == "วันจันทร์ที่ 3 มกราคม พ.ศ. 2565 เวลา 13.30 น."
    assert format_date(value, "short", lang="th") == "3 ม.ค. 2565"


def test_just_after_midnight_bangkok_is_already_the_new_year():
    # 17:30 UTC on 31 Dec 2021 is 00:30 on 1 Jan 2022 in Bangkok: a new BE year, 2565.
    value = datetime.datetime(2021, 12, 31, 17, 30, tzinfo=datetime.UTC)
    assert format_date(value, "long", lang="th") == "วันเสาร์ที่ 1 มกราคม พ.ศ. 2565 เวลา 00.30 น."


def test_just_before_midnight_bangkok_is_still_the_old_year():
    value = datetime.datetime(2021, 12, 31, 16, 59, tzinfo=datetime.UTC)
    assert format_date(value, "medium", lang="th") == "31 ธันวาคม 2564"


def test_plain_date_has_no_time():
    assert format_date(datetime.date(2021, 11, 25), "long", lang="th") == "วันพฤหัสบดีที่ 25 พฤศจิกายน พ.ศ. 2564"


def test_unknown_style_is_an_error():
    with pytest.raises(ValueError):
        format_date(SEED, "fancy")


def test_template_filter_follows_the_active_language():
    template = Template('{{ when|thaidate:"long" }} | {{ when|thaidate }}')
    with translation.override("th"):
        assert template.render(Context({"when": SEED})) == ("วันพฤหัสบดีที่ 25 พฤศจิกายน พ.ศ. 2564 เวลา 09.00 น. | 25 พฤศจิกายน 2564")
    with translation.override("en"):
        assert template.render(Context({"when": SEED})) == "Thursday 25 November 2021, 09:00 | 25 November 2021"
