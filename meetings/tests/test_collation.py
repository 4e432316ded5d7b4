"""Thai dictionary order (meetings/collation.py): provinces, venues and choices read as a Thai reader expects."""

import pytest
from django.utils import translation

from meetings.collation import sorted_provinces, sorted_thai, sorted_venues, thai_ranks
from meetings.forms import VenueForm
from meetings.models import Province
from meetings.province_data import PROVINCES
from meetings.tests.factories import make_venue
from registration.forms import ProvinceChoiceForm, RegistrationFilterForm

# The 77 names as ICU's Thai collation (CLDR "th", the Royal Institute dictionary's order) sorts them,
# taken from Intl.Collator("th") of ICU 72.
ICU_THAI_ORDER = [
    "กระบี่", "กรุงเทพมหานคร", "กาญจนบุรี", "กาฬสินธุ์", "กำแพงเพชร", "ขอนแก่น", "จันทบุรี", "ฉะเชิงเทรา",
    "ชลบุรี", "ชัยนาท", "ชัยภูมิ", "ชุมพร", "เชียงราย", "เชียงใหม่", "ตรัง", "ตราด", "ตาก", "นครนายก",
    "นครปฐม", "นครพนม", "นครราชสีมา", "นครศรีธรรมราช", "นครสวรรค์", "นนทบุรี", "นราธิวาส", "น่าน",
    "บึงกาฬ", "บุรีรัมย์", "ปทุมธานี", "ประจวบคีรีขันธ์", "ปราจีนบุรี", "ปัตตานี", "พระนครศรีอยุธยา",
    "พะเยา", "พังงา", "พัทลุง", "พิจิตร", "พิษณุโลก", "เพชรบุรี", "เพชรบูรณ์", "แพร่", "ภูเก็ต",
    "มหาสารคาม", "มุกดาหาร", "แม่ฮ่องสอน", "ยโสธร", "ยะลา", "ร้อยเอ็ด", "ระนอง", "ระยอง", "ราชบุรี",
    "ลพบุรี", "ลำปาง", "ลำพูน", "เลย", "ศรีสะเกษ", "สกลนคร", "สงขลา", "สตูล", "สมุทรปราการ",
    "สมุทรสงคราม", "สมุทรสาคร", "สระแก้ว", "สระบุรี", "สิงห์บุรี", "สุโขทัย", "สุพรรณบุรี",
    "สุราษฎร์ธานี", "สุรินทร์", "หนองคาย", "หนองบัวลำภู", "อ่างทอง", "อำนาจเจริญ", "อุดรธานี",
    "อุตรดิตถ์", "อุทัยธานี", "อุบลราชธานี",
]  # fmt: skip


def test_the_77_provinces_sort_as_icu_thai_collation_sorts_them():
    names = [name_th for _code, name_th, _name_en, _region in PROVINCES]
    assert sorted(ICU_THAI_ORDER) == sorted(names)  # the same 77 names
    assert sorted_thai(names) == ICU_THAI_ORDER


def test_provinces_written_with_a_leading_vowel_sort_among_their_consonant_not_last():
    names = ["อุบลราชธานี", "แม่ฮ่องสอน", "เชียงใหม่", "แพร่", "อ่างทอง", "เชียงราย", "ชลบุรี", "ลำปาง", "พะเยา", "มหาสารคาม"]
    assert sorted_thai(names) == ["ชลบุรี", "เชียงราย", "เชียงใหม่", "พะเยา", "แพร่", "มหาสารคาม", "แม่ฮ่องสอน", "ลำปาง", "อ่างทอง", "อุบลราชธานี"]


def test_code_point_order_is_what_went_wrong():
    # Python's and the database's plain comparison: every leading-vowel name after อุบลราชธานี.
    by_code_point = sorted(["เชียงใหม่", "อุบลราชธานี", "แพร่", "อ่างทอง"])
    assert by_code_point == ["อุบลราชธานี", "อ่างทอง", "เชียงใหม่", "แพร่"]
    assert sorted_thai(by_code_point) == ["เชียงใหม่", "แพร่", "อ่างทอง", "อุบลราชธานี"]


def test_people_names_follow_the_dictionary_too():
    assert sorted_thai(["สมหญิง", "เกศินี", "กานดา", "ไพรวัลย์", "บุญมี", "โสภา"]) == ["กานดา", "เกศินี", "บุญมี", "ไพรวัลย์", "สมหญิง", "โสภา"]


def test_latin_names_sort_a_to_z_whatever_their_case():
    assert sorted_thai(["nan", "Bangkok", "ang Thong", "Amnat Charoen"]) == ["Amnat Charoen", "ang Thong", "Bangkok", "nan"]


def test_sorting_by_a_key_keeps_equal_texts_in_their_given_order():
    items = [("แพร่", 1), ("เชียงราย", 2), ("แพร่", 3), ("เชียงราย", 4)]
    assert sorted_thai(items, key=lambda item: item[0]) == [("เชียงราย", 2), ("เชียงราย", 4), ("แพร่", 1), ("แพร่", 3)]


def test_ranks_are_shared_by_texts_equal_but_for_case_and_spaces():
    ranks = thai_ranks(["Nan", " nan ", "Loei"])
    assert ranks["Nan"] == ranks[" nan "] and ranks["Loei"] < ranks["Nan"]


@pytest.mark.django_db
def test_provinces_sort_by_their_name_in_the_active_language():
    provinces = Province.objects.all()
    with translation.override("th"):
        assert [p.name_th for p in sorted_provinces(provinces)] == ICU_THAI_ORDER
    with translation.override("en"):
        names = [p.name_en for p in sorted_provinces(provinces)]
    assert names[:3] == ["Amnat Charoen", "Ang Thong", "Bangkok"] and names == sorted(names, key=str.casefold)


@pytest.mark.django_db
def test_the_venue_form_lists_provinces_in_thai_dictionary_order(session):
    with translation.override("th"):
        labels = [str(label) for value, label in VenueForm(session=session).fields["province"].choices if value]
    assert labels == ICU_THAI_ORDER


@pytest.mark.django_db
def test_the_registration_province_selects_list_provinces_in_thai_dictionary_order():
    with translation.override("th"):
        for form in (ProvinceChoiceForm(), RegistrationFilterForm(central=True)):
            labels = [str(label) for value, label in form.fields["province"].choices if value]
            assert labels == ICU_THAI_ORDER
            assert form.fields["province"].clean("TH-50").name_th == "เชียงใหม่"  # still chosen by code


@pytest.mark.django_db
def test_venues_list_the_host_first_then_the_provinces_by_name(session):
    for code in ("TH-34", "TH-54", "TH-15", "TH-50", "TH-57"):  # อุบลราชธานี, แพร่, อ่างทอง, เชียงใหม่, เชียงราย
        make_venue(session, code)
    make_venue(session, "TH-10", is_host=True)
    with translation.override("th"):
        names = [v.province.name for v in sorted_venues(session.venues.select_related("province"))]
    assert names == ["กรุงเทพมหานคร", "เชียงราย", "เชียงใหม่", "แพร่", "อ่างทอง", "อุบลราชธานี"]
