"""Every registration write, national ID reveal and download of people's data leaves one audit entry
(meetings.models.AuditEntry), scoped to the person's province and holding no personal data in clear."""

import json

import pytest
from django.db import transaction
from django.urls import reverse

from meetings.models import AuditAction, AuditEntry, Province, RoleCategory
from meetings.tests.factories import PASSWORD
from registration.errors import RegistrationError
from registration.imports import template_bytes
from registration.services import (
    cancel_registration,
    import_participants,
    register_participant,
    reissue_personal_link,
    reissue_ticket,
    reveal_national_id,
    revoke_personal_link,
    substitute_registration,
    update_participant,
)
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
VALID_ID = "1101700203450"
NAME = "สมศรี"
PHONE = "0891234567"


def person(**fields):
    data = {
        "prefix": "นาง",
        "first_name": NAME,
        "last_name": "ใจงาม",
        "position": "กรรมการ",
        "organisation": "",
        "village": "บ้านทุ่ง",
        "subdistrict": "",
        "district": "",
        "phone": PHONE,
        "email": "",
        "national_id": VALID_ID,
        "role": RoleCategory.objects.get(code="committee"),
    }
    data.update(fields)
    return data


def lampang():
    return Province.objects.get(code="TH-52")


def only_entry(action):
    [entry] = AuditEntry.objects.filter(action=action)
    return entry


def assert_no_personal_data(entry):
    text = json.dumps(entry.details, ensure_ascii=False) + entry.summary
    for value in (NAME, PHONE, VALID_ID, "ใจงาม"):
        assert value not in text


@pytest.fixture
def registered(open_session, lampang_officer):
    return register_participant(session=open_session, province=lampang(), data=person(), actor=lampang_officer)


def test_registering_a_person_is_audited(registered, lampang_officer):
    entry = only_entry(AuditAction.REGISTRATION_CREATED)
    assert entry.user == lampang_officer and entry.province.code == "TH-52"
    assert (entry.object_type, entry.object_id) == ("registration.registration", registered.pk)
    assert entry.details["session"] == registered.session_id
    assert_no_personal_data(entry)


def test_a_correction_is_audited_with_the_changed_field_names_only(registered, lampang_officer):
    update_participant(registration=registered, data=person(phone="0811111111", position="ประธาน"), actor=lampang_officer)
    entry = only_entry(AuditAction.REGISTRATION_UPDATED)
    assert sorted(entry.details["fields"]) == ["phone", "position"]
    assert "0811111111" not in json.dumps(entry.details) and "ประธาน" not in entry.summary


def test_cancel_substitute_and_link_changes_are_audited(registered, lampang_officer):
    revoke_personal_link(registration=registered, actor=lampang_officer)
    reissue_personal_link(registration=registered, actor=lampang_officer)
    reissue_ticket(registration=registered, actor=lampang_officer)
    substitute = substitute_registration(
        registration=registered, data=person(first_name="สมหญิง", phone="0822222222", national_id=""), actor=lampang_officer
    )
    cancel_registration(registration=substitute, actor=lampang_officer)
    assert only_entry(AuditAction.LINK_REVOKED).object_id == registered.pk
    assert only_entry(AuditAction.LINK_REISSUED).object_id == registered.pk
    assert only_entry(AuditAction.TICKET_REISSUED).details["ticket_version"] == 2
    substituted = only_entry(AuditAction.REGISTRATION_SUBSTITUTED)
    assert substituted.object_id == substitute.pk and substituted.details["replaces"] == registered.pk
    assert only_entry(AuditAction.REGISTRATION_CANCELLED).object_id == substitute.pk
    assert AuditEntry.objects.filter(user=lampang_officer, province__code="TH-52").count() == 6


def test_a_refused_write_leaves_no_audit_entry(registered, chiangmai_officer):
    with pytest.raises(RegistrationError):
        cancel_registration(registration=registered, actor=chiangmai_officer)
    assert not AuditEntry.objects.filter(action=AuditAction.REGISTRATION_CANCELLED).exists()


def test_the_audit_entry_is_rolled_back_with_its_write(registered, lampang_officer):
    with pytest.raises(RuntimeError), transaction.atomic():
        cancel_registration(registration=registered, actor=lampang_officer)
        raise RuntimeError("the caller's transaction fails after the write")
    assert not AuditEntry.objects.filter(action=AuditAction.REGISTRATION_CANCELLED).exists()


def test_an_import_is_one_audit_entry_with_its_count(open_session, lampang_officer):
    result = import_participants(session=open_session, province=lampang(), content=template_bytes(), filename="t.xlsx", actor=lampang_officer)
    entry = only_entry(AuditAction.REGISTRATION_IMPORTED)
    assert entry.details["created"] == len(result.created) == 1
    assert entry.province.code == "TH-52" and entry.user == lampang_officer


def test_a_dry_run_import_is_not_audited(open_session, lampang_officer):
    import_participants(session=open_session, province=lampang(), content=template_bytes(), filename="t.xlsx", actor=lampang_officer, dry_run=True)
    assert not AuditEntry.objects.exists()


def test_revealing_a_national_id_writes_an_audit_entry(open_session, central_organiser):
    registration = make_registration(open_session, "TH-52", national_id=VALID_ID)
    reveal_national_id(registration=registration, actor=central_organiser, reason="ตรวจสอบสิทธิ์", ip_address="10.0.0.1")
    entry = only_entry(AuditAction.NATIONAL_ID_REVEALED)
    assert entry.user == central_organiser and entry.ip_address == "10.0.0.1" and entry.object_id == registration.pk
    assert_no_personal_data(entry)


# --- downloads of people's data ----------------------------------------------------------------------


@pytest.fixture
def people(open_session):
    make_registration(open_session, "TH-52", "committee", first_name=NAME, phone=PHONE)
    make_registration(open_session, "TH-50", "committee", first_name="บุญมี")


def _get(client, user, name, session, query=None):
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse(f"registration:{name}", kwargs={"session_pk": session.pk}), query or {})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("name", "kind"), [("export_xlsx", "registrations.xlsx"), ("export_csv", "registrations.csv")])
def test_spreadsheet_exports_are_audited(client, lampang_officer, open_session, people, name, kind):
    _get(client, lampang_officer, name, open_session, {"q": NAME})
    entry = only_entry(AuditAction.LIST_EXPORTED)
    assert entry.details["kind"] == kind and entry.details["count"] == 1
    assert entry.details["filters"]["search"] is True  # that a search was typed, not what
    assert entry.province.code == "TH-52" and entry.user == lampang_officer
    assert_no_personal_data(entry)


@pytest.mark.parametrize(("name", "kind"), [("badges", "badges.pdf"), ("list_pdf", "registrations.pdf")])
def test_pdfs_of_people_are_audited(client, central_organiser, open_session, people, name, kind):
    """Every province's PDF is logged when its background job is started (registration/jobs.py); the page
    that offers to start it logs nothing."""
    _get(client, central_organiser, name, open_session)
    assert not AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED).exists()
    response = client.post(reverse(f"registration:{name}", kwargs={"session_pk": open_session.pk}))
    assert response.status_code == 302
    entry = only_entry(AuditAction.LIST_EXPORTED)
    assert entry.details["kind"] == kind and entry.details["count"] == 2 and entry.details["job"]
    assert entry.province is None  # every province


def test_a_pdf_of_one_province_is_scoped_to_it(client, central_organiser, open_session, people):
    _get(client, central_organiser, "list_pdf", open_session, {"province": "TH-50"})
    entry = only_entry(AuditAction.LIST_EXPORTED)
    assert entry.province.code == "TH-50" and entry.details["count"] == 1


def test_the_reveal_page_records_the_client_ip_behind_a_trusted_proxy(client, central_organiser, open_session, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    registration = make_registration(open_session, "TH-52", national_id=VALID_ID)
    client.force_login(central_organiser)
    url = reverse("registration:reveal_id", kwargs={"session_pk": open_session.pk, "pk": registration.pk})
    client.post(url, {"reason": "ตรวจสอบสิทธิ์"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.23")
    assert only_entry(AuditAction.NATIONAL_ID_REVEALED).ip_address == "198.51.100.23"
