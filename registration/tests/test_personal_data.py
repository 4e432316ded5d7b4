"""The PDPA: the privacy notice, a person's copy of their data, erasure by anonymisation, and the
retention purge (docs/PRIVACY.md)."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from meetings.models import AuditAction, AuditEntry
from meetings.tests.factories import make_quota, make_session, make_venue
from registration.errors import RegistrationError
from registration.models import Registration, RegistrationStatus
from registration.personal_data import ANONYMISED_NAME
from registration.selectors import get_registration_by_token
from registration.services import anonymise_registration, export_personal_data, update_participant
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403
from registration.tokens import make_personal_token

pytestmark = pytest.mark.django_db
VALID_ID = "1101700203450"
PERSON = {
    "first_name": "สมศรี",
    "last_name": "ใจงาม",
    "position": "กรรมการ กข.คจ.",
    "organisation": "บ้านแม่ทะ",
    "village": "บ้านทุ่ง",
    "subdistrict": "พระบาท",
    "district": "เมืองลำปาง",
    "phone": "0891234567",
    "email": "somsri@example.org",
}


@pytest.fixture
def somsri(open_session):
    venue = open_session.venues.get(province__code="TH-52")
    return make_registration(open_session, "TH-52", "committee", venue=venue, national_id=VALID_ID, **PERSON)


def _url(name, registration):
    return reverse(f"registration:{name}", kwargs={"session_pk": registration.session_id, "pk": registration.pk})


# --- the privacy notice -------------------------------------------------------------------------------


def test_privacy_notice_is_on_the_registration_form_in_thai_then_english(client, lampang_officer, open_session):
    client.force_login(lampang_officer)
    html = client.get(reverse("registration:create", kwargs={"session_pk": open_session.pk})).content.decode()
    assert 'id="privacy-notice"' in html
    thai, english = html.index("มาตรา 24(4)"), html.index("section 24(4)")
    assert thai < english
    assert "365" in html  # the retention period, from settings


@pytest.mark.parametrize("name", ["edit", "substitute"])
def test_privacy_notice_is_on_the_correction_and_substitute_forms(client, lampang_officer, somsri, name):
    client.force_login(lampang_officer)
    assert 'id="privacy-notice"' in client.get(_url(name, somsri)).content.decode()


def test_privacy_notice_is_on_the_import_form(client, lampang_officer, open_session):
    client.force_login(lampang_officer)
    assert 'id="privacy-notice"' in client.get(reverse("registration:import", kwargs={"session_pk": open_session.pk})).content.decode()


def test_privacy_notice_on_the_personal_page_offers_the_persons_data(client, somsri, settings):
    settings.PRIVACY_CONTACT = "dpo@cdd.go.th"
    html = client.get(somsri.get_personal_path()).content.decode()
    assert 'id="privacy-notice"' in html and "dpo@cdd.go.th" in html
    assert "มาตรา 24(4)" in html and "section 24(4)" in html
    assert reverse("registration:personal_data", kwargs={"token": make_personal_token(somsri)}) in html


# --- a copy of a person's data -------------------------------------------------------------------------


def test_participant_export_contains_their_data_and_is_audited(client, somsri):
    response = client.get(reverse("registration:personal_data", kwargs={"token": make_personal_token(somsri)}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    person = data["registration"]
    assert {key: person[key] for key in PERSON} == PERSON
    assert person["province"]["code"] == "TH-52" and person["status"] == "active"
    assert person["national_id_masked"] == somsri.masked_national_id != "" and VALID_ID not in response.content.decode()
    # The apps built on registration add their parts (training/attendance tests check the contents).
    assert {"attendance", "training"} <= set(data)
    entry = AuditEntry.objects.get(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert entry.user is None and entry.object_id == somsri.pk and entry.details["by"] == "participant"
    assert entry.province.code == "TH-52"


def test_a_revoked_link_gives_no_data(client, somsri):
    token = make_personal_token(somsri)
    somsri.link_revoked = True
    somsri.save(update_fields=["link_revoked"])
    assert client.get(reverse("registration:personal_data", kwargs={"token": token})).status_code == 404
    assert not AuditEntry.objects.exists()


def test_staff_export_of_a_person_is_audited_and_scoped(client, lampang_officer, chiangmai_officer, central_organiser, somsri):
    client.force_login(chiangmai_officer)
    assert client.get(_url("personal_data_export", somsri)).status_code == 404
    for user in (lampang_officer, central_organiser):
        client.force_login(user)
        response = client.get(_url("personal_data_export", somsri))
        assert json.loads(response.content)["registration"]["first_name"] == "สมศรี"
    entries = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert {e.user for e in entries} == {lampang_officer, central_organiser}
    assert all(e.details["by"] == "staff" for e in entries)


# --- erasure --------------------------------------------------------------------------------------------


def test_erasure_keeps_counts_and_blanks_personal_fields(central_organiser, somsri, open_session):
    token = make_personal_token(somsri)
    before = Registration.objects.filter(session=open_session).active().count()
    anonymise_registration(registration=somsri, actor=central_organiser, reason="คำขอของเจ้าของข้อมูล ลงวันที่ 1 ต.ค.")
    somsri.refresh_from_db()
    assert Registration.objects.filter(session=open_session).active().count() == before
    assert (somsri.status, somsri.province.code, somsri.role.code, somsri.venue.province.code) == ("active", "TH-52", "committee", "TH-52")
    assert somsri.first_name == ANONYMISED_NAME and somsri.last_name == str(somsri.pk) and somsri.prefix == ""
    for name in ("position", "organisation", "village", "subdistrict", "district", "phone", "email"):
        assert getattr(somsri, name) == "", name
    assert somsri.masked_national_id == "" and somsri.anonymised_at is not None
    with pytest.raises(Http404):
        get_registration_by_token(token)
    entry = AuditEntry.objects.get(action=AuditAction.PERSONAL_DATA_ANONYMISED)
    assert entry.user == central_organiser and entry.details["reason"].startswith("คำขอของเจ้าของข้อมูล")


def test_erasure_needs_central_staff(lampang_officer, somsri):
    with pytest.raises(RegistrationError) as refused:
        anonymise_registration(registration=somsri, actor=lampang_officer, reason="ขอลบ")
    assert refused.value.code == "forbidden"
    with pytest.raises(RegistrationError):
        anonymise_registration(registration=somsri, actor=None, reason="ขอลบ")
    somsri.refresh_from_db()
    assert somsri.first_name == "สมศรี" and somsri.anonymised_at is None


def test_erasure_needs_a_reason(central_organiser, somsri):
    with pytest.raises(RegistrationError) as refused:
        anonymise_registration(registration=somsri, actor=central_organiser, reason="   ")
    assert refused.value.code == "reason_required"
    somsri.refresh_from_db()
    assert somsri.first_name == "สมศรี" and not AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_ANONYMISED).exists()


def test_erasure_is_idempotent(central_organiser, somsri):
    first = anonymise_registration(registration=somsri, actor=central_organiser, reason="ขอลบ")
    again = anonymise_registration(registration=somsri, actor=central_organiser, reason="ขอลบอีกครั้ง")
    assert again.token_key == first.token_key and again.anonymised_at == first.anonymised_at
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_ANONYMISED).count() == 1


def test_two_people_erased_in_one_session_do_not_collide(central_organiser, open_session):
    first = make_registration(open_session, "TH-52", phone="0811111111")
    second = make_registration(open_session, "TH-52", phone="0822222222")
    anonymise_registration(registration=first, actor=central_organiser, reason="ขอลบ")
    anonymise_registration(registration=second, actor=central_organiser, reason="ขอลบ")
    assert Registration.objects.filter(anonymised_at__isnull=False).count() == 2


def test_an_erased_registration_can_no_longer_be_edited(central_organiser, somsri):
    anonymise_registration(registration=somsri, actor=central_organiser, reason="ขอลบ")
    with pytest.raises(RegistrationError) as refused:
        update_participant(registration=somsri, data={"prefix": "นาง", **PERSON}, actor=central_organiser)
    assert refused.value.code == "anonymised"


def test_erasure_page_is_central_only_and_needs_a_reason(client, lampang_officer, central_organiser, somsri):
    client.force_login(lampang_officer)
    assert client.post(_url("anonymise", somsri), {"reason": "ขอลบ"}).status_code == 403
    client.force_login(central_organiser)
    response = client.post(_url("anonymise", somsri), {"reason": ""})
    assert response.status_code == 400 and "ระบุเหตุผล" in response.content.decode()
    somsri.refresh_from_db()
    assert somsri.anonymised_at is None
    response = client.post(_url("anonymise", somsri), {"reason": "คำขอของเจ้าของข้อมูล"})
    assert response.status_code == 302
    somsri.refresh_from_db()
    assert somsri.anonymised_at is not None


def test_export_after_erasure_holds_no_personal_data(central_organiser, somsri):
    anonymise_registration(registration=somsri, actor=central_organiser, reason="ขอลบ")
    somsri.refresh_from_db()
    text = json.dumps(export_personal_data(registration=somsri, actor=central_organiser), ensure_ascii=False)
    for value in PERSON.values():
        assert value not in text


# --- the retention purge --------------------------------------------------------------------------------


@pytest.fixture
def old_and_recent(db):
    now = timezone.now()
    old = make_session(starts_at=now - datetime.timedelta(days=400))
    recent = make_session(starts_at=now - datetime.timedelta(days=30))
    for session in (old, recent):
        make_venue(session, "TH-52")
        make_quota(session, "TH-52", "committee", seats=5)
    old_people = [make_registration(old, "TH-52", first_name="เก่า", phone=f"081000000{i}") for i in range(3)]
    cancelled = make_registration(old, "TH-52", first_name="เก่ายกเลิก", status=RegistrationStatus.CANCELLED)
    recent_person = make_registration(recent, "TH-52", first_name="ใหม่")
    return {"old": old, "recent": recent, "old_people": [*old_people, cancelled], "recent_person": recent_person}


def test_purge_dry_run_changes_nothing(old_and_recent, capsys):
    call_command("purge_personal_data", "--older-than", "365d")
    out = capsys.readouterr().out
    assert f"would anonymise 4 registrations of session {old_and_recent['old'].pk}" in out
    assert "dry run" in out
    assert not Registration.objects.filter(anonymised_at__isnull=False).exists()
    assert Registration.objects.filter(first_name="เก่า").count() == 3
    assert not AuditEntry.objects.exists()


def test_purge_apply_anonymises_only_old_sessions(old_and_recent, capsys):
    call_command("purge_personal_data", "--older-than", "365d", "--apply")
    assert "anonymised 4 registrations" in capsys.readouterr().out
    for person in old_and_recent["old_people"]:
        person.refresh_from_db()
        assert person.anonymised_at is not None and person.first_name == ANONYMISED_NAME and person.phone == ""
    recent = old_and_recent["recent_person"]
    recent.refresh_from_db()
    assert recent.anonymised_at is None and recent.first_name == "ใหม่"
    # counts kept
    assert Registration.objects.filter(session=old_and_recent["old"]).active().count() == 3
    entry = AuditEntry.objects.get(action=AuditAction.PERSONAL_DATA_PURGED)
    assert entry.details["count"] == 4 and entry.details["session"] == old_and_recent["old"].pk and entry.user is None
    # Running it again finds nothing more to do.
    call_command("purge_personal_data", "--older-than", "365", "--no-dry-run")
    assert AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_PURGED).count() == 1


def test_purge_uses_the_retention_setting_by_default(old_and_recent, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 10
    call_command("purge_personal_data", "--apply")
    recent = old_and_recent["recent_person"]
    recent.refresh_from_db()
    assert recent.anonymised_at is not None


@pytest.mark.parametrize("period", ["a year", "0d", "-5d"])
def test_purge_refuses_a_bad_period(old_and_recent, period):
    with pytest.raises(CommandError):
        call_command("purge_personal_data", "--older-than", period, "--apply")
    assert not Registration.objects.filter(anonymised_at__isnull=False).exists()
