"""Reference data: the 77 provinces (ISO 3166-2:TH codes, Thai and English names, regions) and the
standard role categories. Pattaya (TH-S) is a special administrative city, not a province, and is
left out. Migration 0002 holds its own copy; this one serves the code and the tests.
"""

from meetings.reference_cache import clear_reference_cache

PROVINCES = [
    # ISO 3166-2:TH code, Thai name, English name (as ISO 3166-2 gives it; Bangkok by its common name), region
    ("TH-10", "กรุงเทพมหานคร", "Bangkok", "central"),
    ("TH-11", "สมุทรปราการ", "Samut Prakan", "central"),
    ("TH-12", "นนทบุรี", "Nonthaburi", "central"),
    ("TH-13", "ปทุมธานี", "Pathum Thani", "central"),
    ("TH-14", "พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya", "central"),
    ("TH-15", "อ่างทอง", "Ang Thong", "central"),
    ("TH-16", "ลพบุรี", "Lop Buri", "central"),
    ("TH-17", "สิงห์บุรี", "Sing Buri", "central"),
    ("TH-18", "ชัยนาท", "Chai Nat", "central"),
    ("TH-19", "สระบุรี", "Saraburi", "central"),
    ("TH-20", "ชลบุรี", "Chon Buri", "east"),
    ("TH-21", "ระยอง", "Rayong", "east"),
    ("TH-22", "จันทบุรี", "Chanthaburi", "east"),
    ("TH-23", "ตราด", "Trat", "east"),
    ("TH-24", "ฉะเชิงเทรา", "Chachoengsao", "east"),
    ("TH-25", "ปราจีนบุรี", "Prachin Buri", "east"),
    ("TH-26", "นครนายก", "Nakhon Nayok", "central"),
    ("TH-27", "สระแก้ว", "Sa Kaeo", "east"),
    ("TH-30", "นครราชสีมา", "Nakhon Ratchasima", "northeast"),
    ("TH-31", "บุรีรัมย์", "Buri Ram", "northeast"),
    ("TH-32", "สุรินทร์", "Surin", "northeast"),
    ("TH-33", "ศรีสะเกษ", "Si Sa Ket", "northeast"),
    ("TH-34", "อุบลราชธานี", "Ubon Ratchathani", "northeast"),
    ("TH-35", "ยโสธร", "Yasothon", "northeast"),
    ("TH-36", "ชัยภูมิ", "Chaiyaphum", "northeast"),
    ("TH-37", "อำนาจเจริญ", "Amnat Charoen", "northeast"),
    ("TH-38", "บึงกาฬ", "Bueng Kan", "northeast"),
    ("TH-39", "หนองบัวลำภู", "Nong Bua Lam Phu", "northeast"),
    ("TH-40", "ขอนแก่น", "Khon Kaen", "northeast"),
    ("TH-41", "อุดรธานี", "Udon Thani", "northeast"),
    ("TH-42", "เลย", "Loei", "northeast"),
    ("TH-43", "หนองคาย", "Nong Khai", "northeast"),
    ("TH-44", "มหาสารคาม", "Maha Sarakham", "northeast"),
    ("TH-45", "ร้อยเอ็ด", "Roi Et", "northeast"),
    ("TH-46", "กาฬสินธุ์", "Kalasin", "northeast"),
    ("TH-47", "สกลนคร", "Sakon Nakhon", "northeast"),
    ("TH-48", "นครพนม", "Nakhon Phanom", "northeast"),
    ("TH-49", "มุกดาหาร", "Mukdahan", "northeast"),
    ("TH-50", "เชียงใหม่", "Chiang Mai", "north"),
    ("TH-51", "ลำพูน", "Lamphun", "north"),
    ("TH-52", "ลำปาง", "Lampang", "north"),
    ("TH-53", "อุตรดิตถ์", "Uttaradit", "north"),
    ("TH-54", "แพร่", "Phrae", "north"),
    ("TH-55", "น่าน", "Nan", "north"),
    ("TH-56", "พะเยา", "Phayao", "north"),
    ("TH-57", "เชียงราย", "Chiang Rai", "north"),
    ("TH-58", "แม่ฮ่องสอน", "Mae Hong Son", "north"),
    ("TH-60", "นครสวรรค์", "Nakhon Sawan", "central"),
    ("TH-61", "อุทัยธานี", "Uthai Thani", "central"),
    ("TH-62", "กำแพงเพชร", "Kamphaeng Phet", "central"),
    ("TH-63", "ตาก", "Tak", "west"),
    ("TH-64", "สุโขทัย", "Sukhothai", "central"),
    ("TH-65", "พิษณุโลก", "Phitsanulok", "central"),
    ("TH-66", "พิจิตร", "Phichit", "central"),
    ("TH-67", "เพชรบูรณ์", "Phetchabun", "central"),
    ("TH-70", "ราชบุรี", "Ratchaburi", "west"),
    ("TH-71", "กาญจนบุรี", "Kanchanaburi", "west"),
    ("TH-72", "สุพรรณบุรี", "Suphan Buri", "central"),
    ("TH-73", "นครปฐม", "Nakhon Pathom", "central"),
    ("TH-74", "สมุทรสาคร", "Samut Sakhon", "central"),
    ("TH-75", "สมุทรสงคราม", "Samut Songkhram", "central"),
    ("TH-76", "เพชรบุรี", "Phetchaburi", "west"),
    ("TH-77", "ประจวบคีรีขันธ์", "Prachuap Khiri Khan", "west"),
    ("TH-80", "นครศรีธรรมราช", "Nakhon Si Thammarat", "south"),
    ("TH-81", "กระบี่", "Krabi", "south"),
    ("TH-82", "พังงา", "Phangnga", "south"),
    ("TH-83", "ภูเก็ต", "Phuket", "south"),
    ("TH-84", "สุราษฎร์ธานี", "Surat Thani", "south"),
    ("TH-85", "ระนอง", "Ranong", "south"),
    ("TH-86", "ชุมพร", "Chumphon", "south"),
    ("TH-90", "สงขลา", "Songkhla", "south"),
    ("TH-91", "สตูล", "Satun", "south"),
    ("TH-92", "ตรัง", "Trang", "south"),
    ("TH-93", "พัทลุง", "Phatthalung", "south"),
    ("TH-94", "ปัตตานี", "Pattani", "south"),
    ("TH-95", "ยะลา", "Yala", "south"),
    ("TH-96", "นราธิวาส", "Narathiwat", "south"),
]

ROLE_CATEGORIES = [
    # code, Thai, English, order
    ("provincial_officer", "เจ้าหน้าที่พัฒนาชุมชนจังหวัด", "Provincial community development officer", 10),
    ("committee", "คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.)", "Poverty Alleviation Project committee member", 20),
    ("central_staff", "เจ้าหน้าที่ส่วนกลาง", "Central staff", 30),
    ("district_officer", "เจ้าหน้าที่พัฒนาชุมชนอำเภอ", "District community development officer", 40),
]


def province_rows():
    """(code, name_th, name_en, region) for the 77 provinces, sorted by code."""
    return sorted(PROVINCES)


def load_reference_data(Province, RoleCategory):
    """Insert the provinces and standard role categories that are missing (models may be historical)."""
    have = set(Province.objects.values_list("code", flat=True))
    Province.objects.bulk_create(
        Province(code=code, name_th=name_th, name_en=name_en, region=region) for code, name_th, name_en, region in province_rows() if code not in have
    )
    have = set(RoleCategory.objects.values_list("code", flat=True))
    RoleCategory.objects.bulk_create(
        RoleCategory(code=code, name_th=name_th, name_en=name_en, order=order)
        for code, name_th, name_en, order in ROLE_CATEGORIES
        if code not in have
    )
    clear_reference_cache()
