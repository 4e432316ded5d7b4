"""Registration pages: the permission matrix, list filters and query counts, masking, exports, import flow."""

import csv
import datetime
import io
import json

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from meetings.jobs import execute_job
from meetings.models import RoleCategory
from meetings.tests.factories import PASSWORD, make_quota, make_session
from registration import urls
from registration.imports import TEMPLATE_HEADERS
from registration.models import NationalIdReveal, OutgoingMessage, Registration, RegistrationStatus
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403
from registration.views import IMPORT_SALT

pytestmark = pytest.mark.django_db
VALID_ID = "1101700203450"
COMMITTEE = "คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.)"


@pytest.fixture
def lampang_person(open_session):
    return make_registration(
        open_session, "TH-52", "committee", first_name="สมศรี", last_name="ใจงาม", phone="0891234567", national_id=VALID_ID, email="somsri@example.org"
    )


def login(client, user):
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def url(name, session, registration=None):
    kwargs = {"session_pk": session.pk}
    if registration is not None:
        kwargs["pk"] = registration.pk
    return reverse(f"registration:{name}", kwargs=kwargs)


# --- the permission matrix: every URL, every kind of user -----------------------------------------------

# (url name, method, needs a registration, expected for: anonymous, lampang officer, chiang mai officer, central)
MATRIX = [
    ("list", "get", False, (302, 200, 200, 200)),
    ("create", "get", False, (302, 200, 200, 200)),
    ("export_xlsx", "get", False, (302, 200, 200, 200)),
    ("export_csv", "get", False, (302, 200, 200, 200)),
    ("badges", "get", False, (302, 200, 200, 200)),
    ("list_pdf", "get", False, (302, 200, 200, 200)),
    ("import", "get", False, (302, 200, 200, 200)),
    ("import_template", "get", False, (302, 200, 200, 200)),
    ("send_links", "post", False, (302, 302, 302, 302)),  # to the job, or back to the list when nobody is left
    ("import_confirm", "post", False, (302, 302, 302, 302)),
    ("import_cancel", "post", False, (302, 302, 302, 302)),
    ("detail", "get", True, (302, 200, 404, 200)),
    ("substitute", "get", True, (302, 200, 404, 200)),
    ("edit", "get", True, (302, 200, 404, 200)),
    ("cancel", "post", True, (302, 302, 404, 302)),
    ("revoke_link", "post", True, (302, 302, 404, 302)),
    ("reissue_link", "post", True, (302, 302, 404, 302)),
    ("reissue_ticket", "post", True, (302, 302, 404, 302)),
    ("send_link", "post", True, (302, 302, 404, 302)),
    ("reveal_id", "post", True, (302, 403, 404, 400)),  # central staff without a reason: 400
    ("personal_data_export", "get", True, (302, 200, 404, 200)),
    ("anonymise", "get", True, (302, 403, 404, 200)),
]
USERS = ["anonymous", "lampang_officer", "chiangmai_officer", "central_organiser"]


@pytest.mark.parametrize("name,method,with_registration,expected", MATRIX, ids=[m[0] for m in MATRIX])
@pytest.mark.parametrize("who", range(4), ids=USERS)
def test_permission_matrix(request, client, open_session, lampang_person, name, method, with_registration, expected, who):
    user = None if who == 0 else request.getfixturevalue(USERS[who])
    login(client, user)
    target = url(name, open_session, lampang_person if with_registration else None)
    response = getattr(client, method)(target)
    assert response.status_code == expected[who], (name, USERS[who], response.status_code)
    if who == 0:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,method,with_registration,expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_officers_get_404_for_a_draft_session(client, lampang_officer, name, method, with_registration, expected):
    draft = make_session(status="draft")
    make_quota(draft, "TH-52", "committee", seats=3)
    registration = make_registration(draft, "TH-52")
    login(client, lampang_officer)
    response = getattr(client, method)(url(name, draft, registration if with_registration else None))
    assert response.status_code == 404


def test_get_on_a_post_only_action_is_refused(client, lampang_officer, open_session, lampang_person):
    login(client, lampang_officer)
    assert client.get(url("cancel", open_session, lampang_person)).status_code == 405
    lampang_person.refresh_from_db()
    assert lampang_person.status == RegistrationStatus.ACTIVE


# --- lists ----------------------------------------------------------------------------------------------


def test_officer_list_shows_only_own_province(client, lampang_officer, open_session, lampang_person):
    make_registration(open_session, "TH-50", "committee", first_name="สมหมาย")
    html = login(client, lampang_officer).get(url("list", open_session)).content.decode()
    assert "สมศรี" in html and "สมหมาย" not in html


def test_central_list_filters_and_search(client, central_organiser, open_session, lampang_person):
    make_registration(open_session, "TH-50", "committee", first_name="สมหมาย", phone="0861112222")
    cancelled = make_registration(open_session, "TH-52", "provincial_officer", first_name="สมปอง")
    cancelled.status = RegistrationStatus.CANCELLED
    cancelled.save()
    login(client, central_organiser)
    base = url("list", open_session)

    def names(query):
        html = client.get(base, query).content.decode()
        return {n for n in ("สมศรี", "สมหมาย", "สมปอง") if n in html}

    assert names({}) == {"สมศรี", "สมหมาย"}
    assert names({"province": "TH-50"}) == {"สมหมาย"}
    assert names({"role": "provincial_officer", "status": "all"}) == {"สมปอง"}
    assert names({"status": "cancelled"}) == {"สมปอง"}
    assert names({"q": "สมหมาย"}) == {"สมหมาย"}
    assert names({"q": "086-111-2222"}) == {"สมหมาย"}
    assert names({"q": "+66 89 123 4567"}) == {"สมศรี"}


def test_list_shows_counts_against_quotas(client, lampang_officer, open_session, lampang_person):
    response = login(client, lampang_officer).get(url("list", open_session))
    quotas = {row["role"].code: row for row in response.context["quotas"]}
    assert quotas["committee"]["used"] == 1 and quotas["committee"]["seats"] == 3 and quotas["committee"]["free"] == 2


def _fill(session, n):
    for i in range(n):
        make_registration(session, "TH-52" if i % 2 else "TH-50", "committee", phone=f"08{i:08d}", national_id="")


@pytest.mark.parametrize("who", ["lampang_officer", "central_organiser"])
def test_list_query_count_does_not_grow_with_rows(request, client, open_session, django_assert_max_num_queries, who):
    login(client, request.getfixturevalue(who))
    _fill(open_session, 4)
    with django_assert_max_num_queries(12) as small:
        client.get(url("list", open_session))
    _fill(open_session, 120)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("list", open_session))
    assert len(response.context["page"].object_list) == 50


# --- masking and exports --------------------------------------------------------------------------------


def test_national_id_is_masked_on_pages(client, central_organiser, lampang_officer, open_session, lampang_person):
    for user in (lampang_officer, central_organiser):
        login(client, user)
        for page in (url("list", open_session), url("detail", open_session, lampang_person)):
            html = client.get(page).content.decode()
            assert VALID_ID not in html and "x-xxxx-xxxxx-xx-0" in html


def test_list_page_and_exports_show_people_by_province_role_and_name_in_thai_dictionary_order(client, central_organiser, open_session):
    # Made in an order that is none of the shown ones, so the database's insertion order cannot pass for it.
    # By code point แพร่ (TH-54) and เกศินี would come last; in Thai dictionary order a vowel written before
    # its consonant is read after it: เชียงใหม่ < แพร่ < ลำปาง, กานดา < เกศินี < อรุณี.
    make_registration(open_session, "TH-52", "provincial_officer", first_name="กมล")
    make_registration(open_session, "TH-52", "committee", first_name="สมหญิง")
    make_registration(open_session, "TH-50", "committee", first_name="อรุณี")
    make_registration(open_session, "TH-54", "committee", first_name="ดวงใจ")
    make_registration(open_session, "TH-52", "committee", first_name="บุญมี")
    make_registration(open_session, "TH-50", "committee", first_name="เกศินี")
    make_registration(open_session, "TH-50", "committee", first_name="กานดา")
    expected = ["กานดา", "เกศินี", "อรุณี", "ดวงใจ", "กมล", "บุญมี", "สมหญิง"]
    login(client, central_organiser)
    page = client.get(url("list", open_session)).context["page"]
    assert [r.first_name for r in page.object_list] == expected
    text = client.get(url("export_csv", open_session)).content.decode("utf-8-sig")
    assert [row[3] for row in csv.reader(io.StringIO(text))][1:] == expected


def test_exports_mask_ids_and_neutralise_formulas(client, lampang_officer, open_session):
    make_registration(
        open_session, "TH-52", "committee", first_name="สมศรี", position='=HYPERLINK("http://evil")', organisation="+ทดสอบ", national_id=VALID_ID
    )
    login(client, lampang_officer)
    content = client.get(url("export_xlsx", open_session)).content
    rows = list(load_workbook(io.BytesIO(content)).active.values)
    assert len(rows) == 2
    flat = [str(v) for v in rows[1]]
    assert "x-xxxx-xxxxx-xx-0" in flat and VALID_ID not in flat
    assert '\'=HYPERLINK("http://evil")' in flat and "'+ทดสอบ" in flat
    text = client.get(url("export_csv", open_session)).content.decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert VALID_ID not in text and "x-xxxx-xxxxx-xx-0" in csv_rows[1]
    assert '\'=HYPERLINK("http://evil")' in csv_rows[1]


def test_reveal_by_central_staff_shows_the_id_once_and_logs_it(client, central_organiser, open_session, lampang_person):
    login(client, central_organiser)
    response = client.post(url("reveal_id", open_session, lampang_person), {"reason": "ยืนยันตัวตนกับกรมบัญชีกลาง"})
    assert VALID_ID in response.content.decode() and response["Cache-Control"] == "no-store"
    assert NationalIdReveal.objects.filter(registration=lampang_person, revealed_by=central_organiser, reason="ยืนยันตัวตนกับกรมบัญชีกลาง").count() == 1
    assert VALID_ID not in client.get(url("detail", open_session, lampang_person)).content.decode()


def test_officer_cannot_reveal(client, lampang_officer, open_session, lampang_person):
    login(client, lampang_officer)
    assert client.post(url("reveal_id", open_session, lampang_person)).status_code == 403
    assert not NationalIdReveal.objects.exists()


# --- forms and actions ----------------------------------------------------------------------------------


def form_data(**fields):
    data = {
        "prefix": "นาง",
        "first_name": "สมใจ",
        "last_name": "รักดี",
        "position": "",
        "organisation": "",
        "village": "",
        "subdistrict": "",
        "district": "",
        "phone": "+66 81 234 5678",
        "email": "",
        "national_id": "",
    }
    data.update(fields)
    return data


def test_officer_registers_through_the_form(client, lampang_officer, open_session):
    login(client, lampang_officer)
    role = RoleCategory.objects.get(code="committee")
    response = client.post(url("create", open_session), form_data(role=role.pk))
    registration = Registration.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", open_session, registration)
    assert registration.phone == "0812345678" and registration.province.code == "TH-52"


def test_form_only_offers_roles_with_seats(client, lampang_officer, open_session):
    form = login(client, lampang_officer).get(url("create", open_session)).context["form"]
    assert {r.code for r in form.fields["role"].roles} == {"committee", "provincial_officer"}


@pytest.mark.parametrize("same", ["national_id", "name_phone"])
def test_form_duplicate_in_another_province_names_nobody(client, lampang_officer, open_session, same):
    make_registration(open_session, "TH-50", "committee", first_name="สมใจ", last_name="รักดี", phone="0812345678", national_id=VALID_ID)
    login(client, lampang_officer)
    fields = {"national_id": VALID_ID, "first_name": "สมหญิง"} if same == "national_id" else {}
    response = client.post(url("create", open_session), form_data(role=RoleCategory.objects.get(code="committee").pk, **fields))
    html = response.content.decode()
    assert response.status_code == 200 and "ลงทะเบียนเข้าร่วมการประชุมนี้ไว้แล้วในจังหวัดอื่น โปรดติดต่อเจ้าหน้าที่ส่วนกลาง" in html
    assert "เชียงใหม่" not in html and "สมใจ" not in html.replace('value="สมใจ"', "")
    assert Registration.objects.count() == 1


def test_form_refuses_when_window_closed(client, lampang_officer, open_session):
    open_session.registration_closes_at = timezone.now() - datetime.timedelta(hours=1)
    open_session.save()
    login(client, lampang_officer)
    response = client.post(url("create", open_session), form_data(role=1))
    assert response.status_code == 302 and not Registration.objects.exists()


def test_central_chooses_a_province_first(client, central_organiser, open_session):
    login(client, central_organiser)
    response = client.get(url("create", open_session))
    assert "registration/choose_province.html" in [t.name for t in response.templates]
    response = client.get(url("create", open_session), {"province": "TH-50"})
    assert {r.code for r in response.context["form"].fields["role"].roles} == {"committee"}


def test_detail_shows_link_and_qr_and_actions_work(client, lampang_officer, open_session, lampang_person):
    login(client, lampang_officer)
    detail = url("detail", open_session, lampang_person)
    html = client.get(detail).content.decode()
    link = lampang_person.get_personal_url()
    assert link in html and "<svg" in html
    client.post(url("send_link", open_session, lampang_person))
    assert mail.outbox == []  # queued: the background worker sends it
    [message] = OutgoingMessage.objects.filter(registration=lampang_person)
    execute_job(message.job_id)
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body and mail.outbox[0].to == ["somsri@example.org"]
    client.post(url("revoke_link", open_session, lampang_person))
    assert client.get(lampang_person.get_personal_path()).status_code == 404
    client.post(url("reissue_link", open_session, lampang_person))
    lampang_person.refresh_from_db()
    assert client.get(lampang_person.get_personal_path()).status_code == 200
    old_ticket = lampang_person.get_ticket()
    client.post(url("reissue_ticket", open_session, lampang_person))
    lampang_person.refresh_from_db()
    assert lampang_person.ticket_version == 2 and lampang_person.get_ticket() != old_ticket
    client.post(url("cancel", open_session, lampang_person))
    lampang_person.refresh_from_db()
    assert lampang_person.status == RegistrationStatus.CANCELLED


def test_substitute_through_the_form(client, lampang_officer, open_session, lampang_person):
    login(client, lampang_officer)
    response = client.post(url("substitute", open_session, lampang_person), form_data(first_name="สมปอง", phone="0899998888"))
    substitute = Registration.objects.get(first_name="สมปอง")
    assert response["Location"] == url("detail", open_session, substitute)
    assert substitute.replaces == lampang_person and substitute.role == lampang_person.role


# --- import through the pages ---------------------------------------------------------------------------


def xlsx_upload(rows, name="list.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_HEADERS)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def import_row(first="สมศรี", phone="0812345678", national_id=""):
    return ["นาง", first, "ใจงาม", "", "", "", "", "", COMMITTEE, phone, "", national_id, ""]


def test_import_preview_then_confirm(client, lampang_officer, open_session):
    login(client, lampang_officer)
    response = client.post(url("import", open_session), {"file": xlsx_upload([import_row(), import_row("สมชาย", "0812345679")])})
    assert response.status_code == 200 and not Registration.objects.exists()
    assert len(response.context["result"].created) == 2
    signed = response.context["signed"]
    # The rows stay on the server: the signed value names the staged file, and holds no personal data.
    payload = json.dumps(signing.loads(signed, salt=IMPORT_SALT), ensure_ascii=False)
    assert "สมศรี" not in payload and "0812345678" not in payload
    response = client.post(url("import_confirm", open_session), {"upload": signed})
    assert response.status_code == 302 and Registration.objects.count() == 2
    # The same preview cannot be confirmed twice.
    client.post(url("import_confirm", open_session), {"upload": signed})
    assert Registration.objects.count() == 2


def test_import_preview_lists_problems_and_writes_nothing(client, lampang_officer, open_session):
    login(client, lampang_officer)
    response = client.post(url("import", open_session), {"file": xlsx_upload([import_row(), import_row("สมชาย", "0812345679", "1101700203451")])})
    assert response.status_code == 400
    problems = response.context["problems"]
    assert [p["row"] for p in problems] == [3] and "signed" not in response.context
    html = response.content.decode()
    assert "ไฟล์มีข้อผิดพลาด 1 รายการ" in html and problems[0]["message"] in html
    assert not Registration.objects.exists()


def test_import_confirm_refuses_a_tampered_or_foreign_id(client, lampang_officer, chiangmai_officer, open_session):
    login(client, lampang_officer)
    signed = client.post(url("import", open_session), {"file": xlsx_upload([import_row()])}).context["signed"]
    response = client.post(url("import_confirm", open_session), {"upload": signed[:-2] + "xx"})
    assert response.status_code == 302 and not Registration.objects.exists()
    client.logout()
    login(client, chiangmai_officer)
    assert client.post(url("import_confirm", open_session), {"upload": signed}).status_code == 404
    assert not Registration.objects.exists()


def upload_errors(response):
    """The upload form's errors, each of which the page shows."""
    errors = [str(message) for messages in response.context["form"].errors.values() for message in messages]
    html = response.content.decode()
    assert errors and all(message in html for message in errors)
    return errors


@pytest.mark.parametrize(
    "content,name,needle",
    [
        (b"", "empty.csv", "ว่าง"),  # Django's own check: the submitted file is empty
        (b"%PDF-1.4\x00\x01", "x.pdf", "XLSX"),
        (b"x" * 64, "x.xlsx", "แถวหัวตารางไม่ตรงกับแบบฟอร์ม"),  # read as CSV: one unknown column
    ],
)
def test_import_page_refuses_bad_files_with_a_message(client, lampang_officer, open_session, content, name, needle):
    login(client, lampang_officer)
    response = client.post(url("import", open_session), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400 and any(needle in message for message in upload_errors(response))
    assert not Registration.objects.exists()


def test_import_page_refuses_a_20_mb_file(client, lampang_officer, open_session):
    login(client, lampang_officer)
    response = client.post(url("import", open_session), {"file": SimpleUploadedFile("big.csv", b"x" * (20 * 1024 * 1024))})
    assert response.status_code == 400 and any("20.0 MB" in message for message in upload_errors(response))


def test_central_import_needs_a_province(client, central_organiser, open_session):
    login(client, central_organiser)
    response = client.post(url("import", open_session), {"file": xlsx_upload([import_row()])})
    assert response.status_code == 400
    response = client.post(url("import", open_session), {"file": xlsx_upload([import_row()]), "province": "TH-52"})
    assert response.status_code == 200 and response.context["signed"]


def test_template_download_offers_the_provinces_roles(client, lampang_officer, open_session):
    login(client, lampang_officer)
    content = client.get(url("import_template", open_session)).content
    workbook = load_workbook(io.BytesIO(content))
    roles = {c.value for c in workbook["รายการ"]["B"][1:] if c.value}
    assert roles == {COMMITTEE, "เจ้าหน้าที่พัฒนาชุมชนจังหวัด"}


def test_edit_corrects_details_and_refuses_a_duplicate(client, lampang_officer, open_session, lampang_person):
    make_registration(open_session, "TH-50", "committee", first_name="สมหมาย", last_name="ใจงาม", phone="0861112222")
    login(client, lampang_officer)
    edit = url("edit", open_session, lampang_person)
    response = client.post(edit, form_data(first_name="สมศรี", last_name="ใจงามยิ่ง", phone="089-123-4567", national_id=VALID_ID))
    assert response.status_code == 302
    lampang_person.refresh_from_db()
    assert lampang_person.last_name == "ใจงามยิ่ง" and lampang_person.phone == "0891234567"
    response = client.post(edit, form_data(first_name="สมหมาย", last_name="ใจงาม", phone="0861112222"))
    html = response.content.decode()
    assert response.status_code == 200 and "ลงทะเบียนเข้าร่วมการประชุมนี้ไว้แล้วในจังหวัดอื่น" in html and "เชียงใหม่" not in html
    lampang_person.refresh_from_db()
    assert lampang_person.first_name == "สมศรี"


def test_matrix_covers_every_registration_url():
    # The attendee's own pages are reached by personal link (or an opt-out link), not by login:
    # test_personal_link_matrix.py. LINE's webhook answers only LINE (signed): test_line.py, test_site_permissions.py.
    staff_pages = {pattern.name for pattern in urls.urlpatterns} - {
        "personal",
        "personal_calendar",
        "personal_data",
        "opt_out",
        "personal_line_unlink",
        "line_webhook",
    }
    # The reminder pages have their own matrix: test_reminders.py (REMINDER_MATRIX).
    staff_pages -= {name for name in staff_pages if name.startswith("reminder_")}
    assert staff_pages == {row[0] for row in MATRIX}
