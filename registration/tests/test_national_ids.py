"""National IDs: encrypted at rest with a keyed hash beside them, masked wherever they are shown, the full
number only through the reveal (central staff, a reason, logged), never carried by the correction form."""

import base64
import io
import logging
import os
import re
import subprocess

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook
from stdnum.th import pin

from meetings.models import Province, RoleCategory
from meetings.tests.factories import PASSWORD, make_user
from registration.models import NationalIdReveal, Registration
from registration.services import find_same_people, import_participants, register_participant, substitute_registration
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403
from registration.thai_id import hash_national_id, mask_national_id

pytestmark = pytest.mark.django_db
VALID_ID = "1101700203450"
OTHER_ID = "3100600123450"  # another valid number
IMPORTED_ID = "1509901234569"
SUBSTITUTE_ID = "1100400012348"
CORRECTED_ID = "5100600123456"
ALL_IDS = (VALID_ID, OTHER_ID, IMPORTED_ID, SUBSTITUTE_ID, CORRECTED_ID)
COMMITTEE = "คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.)"


def person(**fields):
    data = {
        "prefix": "นาง",
        "first_name": "สมศรี",
        "last_name": "ใจงาม",
        "position": "",
        "organisation": "",
        "village": "",
        "subdistrict": "",
        "district": "",
        "phone": "0891234567",
        "email": "",
        "national_id": VALID_ID,
        "role": RoleCategory.objects.get(code="committee"),
    }
    data.update(fields)
    return data


def lampang():
    return Province.objects.get(code="TH-52")


def url(name, session, registration=None):
    kwargs = {"session_pk": session.pk}
    if registration is not None:
        kwargs["pk"] = registration.pk
    return reverse(f"registration:{name}", kwargs=kwargs)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def dashed(digits):
    return f"{digits[0]}-{digits[1:5]}-{digits[5:10]}-{digits[10:12]}-{digits[12]}"


@pytest.fixture
def lampang_person(open_session, lampang_officer):
    return register_participant(session=open_session, province=lampang(), data=person(), actor=lampang_officer)


def test_the_ids_used_here_are_valid_thai_ids():
    assert all(pin.is_valid(number) for number in ALL_IDS)


# --- at rest --------------------------------------------------------------------------------------------


def test_national_id_is_stored_encrypted_with_its_keyed_hash(lampang_person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM meetings_registration WHERE id = %s", [lampang_person.pk])
        stored = [str(value) for value in cursor.fetchone()]
    assert not any(VALID_ID in value for value in stored)
    row = Registration.objects.get(pk=lampang_person.pk)
    assert row.national_id_hash == hash_national_id(VALID_ID) and len(row.national_id_hash) == 64
    assert row.national_id_encrypted.startswith("gAAAAA")  # a Fernet token
    assert row.decrypt_national_id() == VALID_ID


def database_dump():
    """The whole database as SQL text: SQLite's .dump (iterdump), or pg_dump of the test database."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    command = ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


# Committed (transaction=True), so that pg_dump, another connection, sees the rows.
@pytest.mark.django_db(transaction=True)
def test_database_dump_holds_no_national_id_in_clear(client, open_session, lampang_officer, central_organiser, lampang_person):
    # Every way a number comes in: the service (lampang_person), the page's form, an imported file, a
    # substitute, a correction; and a reveal, whose log must not keep the number either.
    login(client, lampang_officer)
    form = {**{k: v for k, v in person().items() if k != "role"}, "first_name": "สมใจ", "phone": "0812345678", "national_id": dashed(OTHER_ID)}
    assert client.post(url("create", open_session), {**form, "role": RoleCategory.objects.get(code="committee").pk}).status_code == 302
    workbook = Workbook()
    workbook.active.append(["คำนำหน้าชื่อ", "ชื่อ", "นามสกุล", "ประเภทผู้เข้าร่วม", "โทรศัพท์มือถือ", "เลขประจำตัวประชาชน"])
    workbook.active.append(["นาย", "บุญมี", "ทองดี", COMMITTEE, "0891112222", IMPORTED_ID])
    content = io.BytesIO()
    workbook.save(content)
    import_participants(session=open_session, province=lampang(), content=content.getvalue(), filename="x.xlsx", actor=lampang_officer)
    substitute_registration(
        registration=lampang_person, data=person(first_name="สมหญิง", phone="0893334444", national_id=SUBSTITUTE_ID), actor=lampang_officer
    )
    corrected = Registration.objects.get(first_name="บุญมี")
    edit = {**{k: v for k, v in person().items() if k != "role"}, "first_name": "บุญมี", "phone": "0891112222", "national_id": CORRECTED_ID}
    assert client.post(url("edit", open_session, corrected), edit).status_code == 302
    login(client, central_organiser)
    substitute = Registration.objects.get(first_name="สมหญิง")
    assert SUBSTITUTE_ID in client.post(url("reveal_id", open_session, substitute), {"reason": "ตรวจสอบ"}).content.decode()
    assert Registration.objects.exclude(national_id_hash="").count() == 4  # the substituted person's number stays

    dump = database_dump()
    assert "meetings_registration" in dump and "บุญมี" in dump  # the dump is real and holds the people
    for number in ALL_IDS:
        assert number not in dump and dashed(number) not in dump


def test_a_second_active_registration_with_the_same_id_is_refused_by_the_database(open_session, lampang_person):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_registration(open_session, "TH-50", "committee", first_name="สมหญิง", national_id=VALID_ID)


def test_duplicates_within_a_session_are_found_through_the_hash(open_session, lampang_person):
    assert list(Registration.objects.with_national_id(VALID_ID)) == [lampang_person]
    [same, other] = find_same_people(open_session, [person(first_name="สมหญิง", phone="0800000000"), person(national_id=OTHER_ID, phone="0800000001")])
    assert same.existing.pk == lampang_person.pk and same.by_national_id
    assert other is None


def test_the_list_finds_a_person_by_national_id_through_the_hash(client, central_organiser, chiangmai_officer, open_session, lampang_person):
    make_registration(open_session, "TH-52", "committee", first_name="สมหมาย")
    html = login(client, central_organiser).get(url("list", open_session), {"q": dashed(VALID_ID)}).content.decode()
    assert "สมศรี" in html and "สมหมาย" not in html
    html = login(client, chiangmai_officer).get(url("list", open_session), {"q": VALID_ID}).content.decode()
    assert "สมศรี" not in html  # another province's person stays out of sight


def test_the_hash_depends_on_its_key(settings):
    before = hash_national_id(VALID_ID)
    settings.NATIONAL_ID_HASH_KEY = "another-national-id-hash-key-of-32-characters"
    assert hash_national_id(VALID_ID) != before


def test_the_full_number_cannot_be_read_from_the_model_attribute_nor_a_template(lampang_person):
    assert lampang_person.national_id == "x-xxxx-xxxxx-xx-0"
    html = Template("{{ r.national_id }}|{{ r.decrypt_national_id }}|{{ r.masked_national_id }}").render(Context({"r": lampang_person}))
    assert VALID_ID not in html and html.startswith("x-xxxx-xxxxx-xx-0|") and html.endswith("|x-xxxx-xxxxx-xx-0")


def test_set_national_id_replaces_and_clears(lampang_person):
    lampang_person.set_national_id(OTHER_ID)
    assert lampang_person.decrypt_national_id() == OTHER_ID and lampang_person.national_id_hash == hash_national_id(OTHER_ID)
    lampang_person.set_national_id("")
    assert (lampang_person.national_id_encrypted, lampang_person.national_id_hash, lampang_person.has_national_id) == ("", "", False)
    assert lampang_person.masked_national_id == ""


# --- keys and their rotation ----------------------------------------------------------------------------


def test_old_keys_still_decrypt_and_rotation_moves_every_id_to_the_newest_key(settings, lampang_person):
    old = list(settings.NATIONAL_ID_KEYS)
    new = Fernet.generate_key().decode()
    settings.NATIONAL_ID_KEYS = [new, *old]
    assert Registration.objects.get().decrypt_national_id() == VALID_ID  # the old key still opens it
    out = io.StringIO()
    call_command("rotate_national_id_key", stdout=out)
    assert "1 national IDs re-encrypted" in out.getvalue()
    settings.NATIONAL_ID_KEYS = [new]
    rotated = Registration.objects.get()
    assert rotated.decrypt_national_id() == VALID_ID and rotated.national_id_hash == hash_national_id(VALID_ID)
    settings.NATIONAL_ID_KEYS = old
    with pytest.raises(InvalidToken):
        Registration.objects.get().decrypt_national_id()


def test_rotation_recomputes_the_hash_under_a_new_hash_key(settings, open_session, lampang_person):
    settings.NATIONAL_ID_HASH_KEY = "a-new-national-id-hash-key-for-this-deployment"
    assert not Registration.objects.with_national_id(VALID_ID).exists()
    call_command("rotate_national_id_key", stdout=io.StringIO())
    assert list(Registration.objects.with_national_id(VALID_ID)) == [lampang_person]


def test_rotation_reports_ids_no_key_opens_and_leaves_them(settings, lampang_person):
    before = Registration.objects.get().national_id_encrypted
    settings.NATIONAL_ID_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError) as error:
        call_command("rotate_national_id_key", stdout=io.StringIO())
    assert str(lampang_person.pk) in str(error.value) and "NATIONAL_ID_KEYS" in str(error.value)
    assert Registration.objects.get().national_id_encrypted == before


def test_a_page_still_shows_the_list_when_a_key_is_missing(settings, client, lampang_officer, open_session, lampang_person):
    settings.NATIONAL_ID_KEYS = [Fernet.generate_key().decode()]
    html = login(client, lampang_officer).get(url("list", open_session)).content.decode()
    assert "x-xxxx-xxxxx-xx-?" in html


# --- masked everywhere ----------------------------------------------------------------------------------


def test_mask_shows_only_the_last_digit():
    assert mask_national_id(VALID_ID) == "x-xxxx-xxxxx-xx-0"
    assert mask_national_id(dashed(IMPORTED_ID)) == "x-xxxx-xxxxx-xx-9"
    assert mask_national_id("") == ""


@pytest.mark.parametrize("who", ["lampang_officer", "central_organiser"])
def test_pages_exports_and_pdfs_show_the_masked_id_only(request, client, open_session, lampang_person, who):
    login(client, request.getfixturevalue(who))
    for name in ("list", "detail", "edit", "substitute"):
        html = client.get(url(name, open_session, lampang_person if name in ("detail", "edit", "substitute") else None)).content.decode()
        assert VALID_ID not in html and dashed(VALID_ID) not in html, name
    assert "x-xxxx-xxxxx-xx-0" in client.get(url("list", open_session)).content.decode()
    for name in ("export_csv", "export_xlsx"):
        response = client.get(url(name, open_session))
        assert response.status_code == 200 and VALID_ID.encode() not in response.content
    pdf = client.get(url("list_pdf", open_session), {"province": "TH-52"}).content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert VALID_ID not in text and "x-xxxx-xxxxx-xx-0" in text


def test_admin_shows_the_masked_id_only(client, lampang_person):
    admin = make_user("admin-user")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    login(client, admin)
    response = client.get(reverse("admin:registration_registration_change", args=[lampang_person.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "x-xxxx-xxxxx-xx-0" in html
    assert VALID_ID not in html and lampang_person.national_id_encrypted not in html


def test_import_preview_shows_the_masked_id_and_the_waiting_file_is_encrypted(settings, tmp_path, client, lampang_officer, open_session):
    settings.IMPORT_STAGING_DIR = tmp_path
    workbook = Workbook()
    workbook.active.append(["คำนำหน้าชื่อ", "ชื่อ", "นามสกุล", "ประเภทผู้เข้าร่วม", "โทรศัพท์มือถือ", "เลขประจำตัวประชาชน"])
    workbook.active.append(["นาย", "บุญมี", "ทองดี", COMMITTEE, "0891112222", IMPORTED_ID])
    content = io.BytesIO()
    workbook.save(content)
    content.name = "list.xlsx"
    content.seek(0)
    response = login(client, lampang_officer).post(url("import", open_session), {"file": content})
    html = response.content.decode()
    assert response.status_code == 200 and "x-xxxx-xxxxx-xx-9" in html and IMPORTED_ID not in html
    [staged] = list(tmp_path.glob("*.upload"))
    assert staged.read_bytes() != content.getvalue() and not staged.read_bytes().startswith(b"PK")  # not the workbook as uploaded
    response = client.post(url("import_confirm", open_session), {"upload": response.context["signed"]})
    assert response.status_code == 302 and Registration.objects.get().decrypt_national_id() == IMPORTED_ID


def test_a_waiting_csv_upload_holds_no_national_id_in_clear(settings, tmp_path, client, lampang_officer, open_session):
    settings.IMPORT_STAGING_DIR = tmp_path
    csv = "คำนำหน้าชื่อ,ชื่อ,นามสกุล,ประเภทผู้เข้าร่วม,โทรศัพท์มือถือ,เลขประจำตัวประชาชน\n" + f"นาย,บุญมี,ทองดี,{COMMITTEE},0891112222,{IMPORTED_ID}\n"
    upload = io.BytesIO(csv.encode())
    upload.name = "list.csv"
    assert login(client, lampang_officer).post(url("import", open_session), {"file": upload}).status_code == 200
    [staged] = list(tmp_path.glob("*.upload"))
    assert IMPORTED_ID.encode() not in staged.read_bytes()


def test_log_lines_show_the_masked_id_only(caplog):
    # A search typed into a URL reaches django.request's warnings; a value can reach any message.
    with caplog.at_level(logging.INFO):
        logging.getLogger("prachum.anything").warning("lookup of %s failed", dashed(VALID_ID))
        logging.getLogger("django.request").warning("Not Found: %s", f"/registrations/?q={VALID_ID}")
    assert VALID_ID not in caplog.text and dashed(VALID_ID) not in caplog.text
    assert "lookup of x-xxxx-xxxxx-xx-0 failed" in caplog.text and "?q=x-xxxx-xxxxx-xx-0" in caplog.text


# --- the correction form --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lampang_officer", "central_organiser"])
def test_edit_form_never_carries_the_full_number(request, client, open_session, lampang_person, who):
    html = login(client, request.getfixturevalue(who)).get(url("edit", open_session, lampang_person)).content.decode()
    assert VALID_ID not in html and dashed(VALID_ID) not in html
    field = re.search(r'<input[^>]*name="national_id"[^>]*>', html).group(0)
    assert 'value="' not in field and 'placeholder="x-xxxx-xxxxx-xx-0"' in field


def edit_data(**fields):
    data = {k: v for k, v in person().items() if k not in ("role", "national_id")}
    data.update(fields)
    return data


def test_an_empty_id_on_edit_keeps_the_number(client, lampang_officer, open_session, lampang_person):
    response = login(client, lampang_officer).post(url("edit", open_session, lampang_person), edit_data(national_id="", last_name="ใจงามยิ่ง"))
    assert response.status_code == 302
    saved = Registration.objects.get(pk=lampang_person.pk)
    assert saved.last_name == "ใจงามยิ่ง" and saved.decrypt_national_id() == VALID_ID


def test_a_new_id_on_edit_replaces_the_number(client, lampang_officer, open_session, lampang_person):
    response = login(client, lampang_officer).post(url("edit", open_session, lampang_person), edit_data(national_id=dashed(OTHER_ID)))
    assert response.status_code == 302
    saved = Registration.objects.get(pk=lampang_person.pk)
    assert saved.decrypt_national_id() == OTHER_ID and saved.national_id_hash == hash_national_id(OTHER_ID)


def test_a_new_id_on_edit_is_checked_by_its_check_digit(client, lampang_officer, open_session, lampang_person):
    response = login(client, lampang_officer).post(url("edit", open_session, lampang_person), edit_data(national_id="3100600123451"))
    assert response.status_code == 200 and "ไม่ผ่านการตรวจเลขหลักสุดท้าย" in response.content.decode()
    assert Registration.objects.get(pk=lampang_person.pk).decrypt_national_id() == VALID_ID


def test_remove_on_edit_clears_the_number(client, lampang_officer, open_session, lampang_person):
    response = login(client, lampang_officer).post(url("edit", open_session, lampang_person), edit_data(national_id="", clear_national_id="on"))
    assert response.status_code == 302
    assert not Registration.objects.get(pk=lampang_person.pk).has_national_id


def test_a_new_id_on_edit_taken_in_another_province_names_nobody(client, lampang_officer, open_session, lampang_person):
    make_registration(open_session, "TH-50", "committee", first_name="สมหมาย", national_id=OTHER_ID)
    response = login(client, lampang_officer).post(url("edit", open_session, lampang_person), edit_data(national_id=OTHER_ID))
    html = response.content.decode()
    assert response.status_code == 200 and "ลงทะเบียนเข้าร่วมการประชุมนี้ไว้แล้วในจังหวัดอื่น" in html
    assert "สมหมาย" not in html and "เชียงใหม่" not in html
    assert Registration.objects.get(pk=lampang_person.pk).decrypt_national_id() == VALID_ID


# --- the audited reveal ---------------------------------------------------------------------------------


def test_reveal_without_a_reason_shows_nothing_and_records_nothing(client, central_organiser, open_session, lampang_person):
    response = login(client, central_organiser).post(url("reveal_id", open_session, lampang_person), {"reason": "  "})
    html = response.content.decode()
    assert response.status_code == 400 and VALID_ID not in html and "โปรดระบุเหตุผลที่ต้องดูเลขเต็ม" in html
    assert not NationalIdReveal.objects.exists()


def test_reveal_is_offered_to_central_staff_with_a_reason_field(client, central_organiser, lampang_officer, open_session, lampang_person):
    html = login(client, central_organiser).get(url("detail", open_session, lampang_person)).content.decode()
    assert 'name="reason"' in html and reverse("registration:reveal_id", args=[open_session.pk, lampang_person.pk]) in html
    html = login(client, lampang_officer).get(url("detail", open_session, lampang_person)).content.decode()
    assert 'name="reason"' not in html


def test_reveal_with_a_reason_is_recorded_with_who_and_why(client, central_organiser, open_session, lampang_person):
    response = login(client, central_organiser).post(url("reveal_id", open_session, lampang_person), {"reason": "ยืนยันตัวตนเพื่อเบิกจ่าย"})
    assert response.status_code == 200 and VALID_ID in response.content.decode()
    reveal = NationalIdReveal.objects.get()
    assert (reveal.registration, reveal.revealed_by, reveal.reason) == (lampang_person, central_organiser, "ยืนยันตัวตนเพื่อเบิกจ่าย")


# --- start-up --------------------------------------------------------------------------------------------


@override_settings(NATIONAL_ID_KEYS=[base64.urlsafe_b64encode(b"k" * 32).decode()])
def test_a_configured_key_is_the_one_used(open_session, lampang_officer):
    registration = register_participant(session=open_session, province=lampang(), data=person(), actor=lampang_officer)
    assert Fernet(base64.urlsafe_b64encode(b"k" * 32)).decrypt(registration.national_id_encrypted.encode()) == VALID_ID.encode()
