"""Reference data: the 77 provinces (Thai names, regions) and the standard role categories.

Thai names and regions of the 77 provinces, keyed by ISO 3166-2:TH code.

Codes and English names come from pycountry (the ISO 3166-2 database); it has no
Thai names, so they are kept here. Pattaya (TH-S) is a special administrative
city, not a province, and is left out.
"""
import pycountry

from meetings.reference_cache import clear_reference_cache

THAI_NAMES = {
    "TH-10": ("กรุงเทพมหานคร", "central"),
    "TH-11": ("สมุทรปราการ", "central"),
    "TH-12": ("นนทบุรี", "central"),
    "TH-13": ("ปทุมธานี", "central"),
    "TH-14": ("พระนครศรีอยุธยา", "central"),
    "TH-15": ("อ่างทอง", "central"),
    "TH-16": ("ลพบุรี", "central"),
    "TH-17": ("สิงห์บุรี", "central"),
    "TH-18": ("ชัยนาท", "central"),
    "TH-19": ("สระบุรี", "central"),
    "TH-20": ("ชลบุรี", "east"),
    "TH-21": ("ระยอง", "east"),
    "TH-22": ("จันทบุรี", "east"),
    "TH-23": ("ตราด", "east"),
    "TH-24": ("ฉะเชิงเทรา", "east"),
    "TH-25": ("ปราจีนบุรี", "east"),
    "TH-26": ("นครนายก", "central"),
    "TH-27": ("สระแก้ว", "east"),
    "TH-30": ("นครราชสีมา", "northeast"),
    "TH-31": ("บุรีรัมย์", "northeast"),
    "TH-32": ("สุรินทร์", "northeast"),
    "TH-33": ("ศรีสะเกษ", "northeast"),
    "TH-34": ("อุบลราชธานี", "northeast"),
    "TH-35": ("ยโสธร", "northeast"),
    "TH-36": ("ชัยภูมิ", "northeast"),
    "TH-37": ("อำนาจเจริญ", "northeast"),
    "TH-38": ("บึงกาฬ", "northeast"),
    "TH-39": ("หนองบัวลำภู", "northeast"),
    "TH-40": ("ขอนแก่น", "northeast"),
    "TH-41": ("อุดรธานี", "northeast"),
    "TH-42": ("เลย", "northeast"),
    "TH-43": ("หนองคาย", "northeast"),
    "TH-44": ("มหาสารคาม", "northeast"),
    "TH-45": ("ร้อยเอ็ด", "northeast"),
    "TH-46": ("กาฬสินธุ์", "northeast"),
    "TH-47": ("สกลนคร", "northeast"),
    "TH-48": ("นครพนม", "northeast"),
    "TH-49": ("มุกดาหาร", "northeast"),
    "TH-50": ("เชียงใหม่", "north"),
    "TH-51": ("ลำพูน", "north"),
    "TH-52": ("ลำปาง", "north"),
    "TH-53": ("อุตรดิตถ์", "north"),
    "TH-54": ("แพร่", "north"),
    "TH-55": ("น่าน", "north"),
    "TH-56": ("พะเยา", "north"),
    "TH-57": ("เชียงราย", "north"),
    "TH-58": ("แม่ฮ่องสอน", "north"),
    "TH-60": ("นครสวรรค์", "central"),
    "TH-61": ("อุทัยธานี", "central"),
    "TH-62": ("กำแพงเพชร", "central"),
    "TH-63": ("ตาก", "west"),
    "TH-64": ("สุโขทัย", "central"),
    "TH-65": ("พิษณุโลก", "central"),
    "TH-66": ("พิจิตร", "central"),
    "TH-67": ("เพชรบูรณ์", "central"),
    "TH-70": ("ราชบุรี", "west"),
    "TH-71": ("กาญจนบุรี", "west"),
    "TH-72": ("สุพรรณบุรี", "central"),
    "TH-73": ("นครปฐม", "central"),
    "TH-74": ("สมุทรสาคร", "central"),
    "TH-75": ("สมุทรสงคราม", "central"),
    "TH-76": ("เพชรบุรี", "west"),
    "TH-77": ("ประจวบคีรีขันธ์", "west"),
    "TH-80": ("นครศรีธรรมราช", "south"),
    "TH-81": ("กระบี่", "south"),
    "TH-82": ("พังงา", "south"),
    "TH-83": ("ภูเก็ต", "south"),
    "TH-84": ("สุราษฎร์ธานี", "south"),
    "TH-85": ("ระนอง", "south"),
    "TH-86": ("ชุมพร", "south"),
    "TH-90": ("สงขลา", "south"),
    "TH-91": ("สตูล", "south"),
    "TH-92": ("ตรัง", "south"),
    "TH-93": ("พัทลุง", "south"),
    "TH-94": ("ปัตตานี", "south"),
    "TH-95": ("ยะลา", "south"),
    "TH-96": ("นราธิวาส", "south"),
}

# pycountry gives Bangkok its formal name; staff and maps use the common one.
ENGLISH_OVERRIDES = {"TH-10": "Bangkok"}


def province_rows():
    """(code, name_th, name_en, region) for the 77 provinces, from pycountry + the Thai table."""
    rows = []
    for sub in pycountry.subdivisions.get(country_code="TH"):
        if sub.code not in THAI_NAMES:
            continue  # TH-S, Phatthaya: a special administrative city, not a province
        name_th, region = THAI_NAMES[sub.code]
        rows.append((sub.code, name_th, ENGLISH_OVERRIDES.get(sub.code, sub.name), region))
    missing = set(THAI_NAMES) - {row[0] for row in rows}
    if missing or len(rows) != 77:
        raise RuntimeError(f"pycountry's Thai subdivisions no longer match the 77 provinces: missing {sorted(missing)}")
    return sorted(rows)


ROLE_CATEGORIES = [
    # code, Thai, English, order
    ("provincial_officer", "เจ้าหน้าที่พัฒนาชุมชนจังหวัด", "Provincial community development officer", 10),
    ("committee", "คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.)", "Poverty Alleviation Project committee member", 20),
    ("central_staff", "เจ้าหน้าที่ส่วนกลาง", "Central staff", 30),
    ("district_officer", "เจ้าหน้าที่พัฒนาชุมชนอำเภอ", "District community development officer", 40),
]


def load_reference_data(Province, RoleCategory):
    """Insert the provinces and standard role categories that are missing (models may be historical)."""
    have = set(Province.objects.values_list("code", flat=True))
    Province.objects.bulk_create(
        Province(code=code, name_th=name_th, name_en=name_en, region=region)
        for code, name_th, name_en, region in province_rows()
        if code not in have
    )
    have = set(RoleCategory.objects.values_list("code", flat=True))
    RoleCategory.objects.bulk_create(
        RoleCategory(code=code, name_th=name_th, name_en=name_en, order=order)
        for code, name_th, name_en, order in ROLE_CATEGORIES
        if code not in have
    )
    clear_reference_cache()
