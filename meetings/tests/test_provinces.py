from collections import Counter

import pytest

from meetings.models import Province

EXPECTED_CODES = {
    *(f"TH-{n}" for n in range(10, 28)),
    *(f"TH-{n}" for n in range(30, 50)),
    *(f"TH-{n}" for n in range(50, 59)),
    *(f"TH-{n}" for n in range(60, 68)),
    *(f"TH-{n}" for n in range(70, 78)),
    *(f"TH-{n}" for n in range(80, 87)),
    *(f"TH-{n}" for n in range(90, 97)),
} - {"TH-28", "TH-29"}

pytestmark = pytest.mark.django_db


def test_there_are_exactly_77_provinces_with_the_iso_codes():
    codes = set(Province.objects.values_list("code", flat=True))
    assert len(codes) == 77
    assert codes == EXPECTED_CODES


def test_pattaya_is_not_a_province():
    assert not Province.objects.filter(code="TH-S").exists()
    assert not Province.objects.filter(name_en__icontains="Phatthaya").exists()


@pytest.mark.parametrize(
    "code, name_th, name_en, region",
    [
        ("TH-10", "กรุงเทพมหานคร", "Bangkok", "central"),
        ("TH-52", "ลำปาง", "Lampang", "north"),
        ("TH-50", "เชียงใหม่", "Chiang Mai", "north"),
        ("TH-38", "บึงกาฬ", "Bueng Kan", "northeast"),
        ("TH-84", "สุราษฎร์ธานี", "Surat Thani", "south"),
        ("TH-14", "พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya", "central"),
        ("TH-27", "สระแก้ว", "Sa Kaeo", "east"),
        ("TH-63", "ตาก", "Tak", "west"),
    ],
)
def test_province_names_and_regions(code, name_th, name_en, region):
    province = Province.objects.get(code=code)
    assert (province.name_th, province.name_en, province.region) == (name_th, name_en, region)


def test_regions_follow_the_six_region_scheme():
    counts = Counter(Province.objects.values_list("region", flat=True))
    assert counts == {"north": 9, "northeast": 20, "central": 22, "east": 7, "west": 5, "south": 14}


def test_thai_names_are_thai_script_and_unique():
    names = list(Province.objects.values_list("name_th", flat=True))
    assert len(set(names)) == 77
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in name) for name in names)
