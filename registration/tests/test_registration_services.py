"""Registration services: quotas (also under concurrency), duplicates, the window, links, ID reveals."""

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone

from meetings.models import Province, RoleCategory
from meetings.tests.factories import make_quota, make_session, make_user, make_venue
from registration.errors import RegistrationError
from registration.forms import ParticipantForm
from registration.models import NationalIdReveal, Registration, RegistrationStatus
from registration.selectors import roles_with_seats
from registration.services import (
    cancel_registration,
    register_participant,
    reissue_personal_link,
    reveal_national_id,
    revoke_personal_link,
    substitute_registration,
)
from registration.tests.registration_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
LAMPANG = "TH-52"
VALID_ID = "1101700203450"


def person(**fields):
    data = {
        "prefix": "นาง",
        "first_name": "สมศรี",
        "last_name": "ใจงาม",
        "position": "กรรมการ",
        "organisation": "",
        "village": "บ้านทุ่ง",
        "subdistrict": "",
        "district": "",
        "phone": "0891234567",
        "email": "",
        "national_id": "",
        "role": RoleCategory.objects.get(code="committee"),
    }
    data.update(fields)
    return data


def lampang():
    return Province.objects.get(code=LAMPANG)


def test_officer_registers_into_own_province_and_venue(open_session, lampang_officer):
    registration = register_participant(session=open_session, province=lampang(), data=person(), actor=lampang_officer)
    assert registration.pk and registration.status == RegistrationStatus.ACTIVE
    assert registration.venue.province.code == LAMPANG
    assert registration.created_by == lampang_officer


def test_officer_cannot_register_for_another_province(open_session, chiangmai_officer):
    with pytest.raises(RegistrationError) as error:
        register_participant(session=open_session, province=lampang(), data=person(), actor=chiangmai_officer)
    assert error.value.code == "other_province"
    assert not Registration.objects.exists()


def test_quota_is_enforced(open_session, lampang_officer):
    for n in range(3):
        register_participant(session=open_session, province=lampang(), data=person(phone=f"089000000{n}"), actor=lampang_officer)
    with pytest.raises(RegistrationError) as error:
        register_participant(session=open_session, province=lampang(), data=person(phone="0890000009"), actor=lampang_officer)
    assert error.value.code == "over_quota"
    assert Registration.objects.count() == 3


def test_role_without_quota_is_refused(open_session, lampang_officer):
    with pytest.raises(RegistrationError) as error:
        register_participant(
            session=open_session, province=lampang(), data=person(role=RoleCategory.objects.get(code="central_staff")), actor=lampang_officer
        )
    assert error.value.code == "no_quota"


@pytest.mark.parametrize("same", ["national_id", "name_phone"])
def test_duplicate_in_another_province_is_refused_naming_nobody(open_session, chiangmai_officer, lampang_officer, same):
    register_participant(
        session=open_session, province=Province.objects.get(code="TH-50"), data=person(national_id=VALID_ID), actor=chiangmai_officer
    )
    other = person(national_id=VALID_ID, first_name="สมหญิง") if same == "national_id" else person()
    with pytest.raises(RegistrationError) as error:
        register_participant(session=open_session, province=lampang(), data=other, actor=lampang_officer)
    assert error.value.code == "duplicate"
    message = str(error.value.message)
    assert message == "บุคคลนี้ลงทะเบียนเข้าร่วมการประชุมนี้ไว้แล้วในจังหวัดอื่น โปรดติดต่อเจ้าหน้าที่ส่วนกลาง"
    assert Registration.objects.count() == 1


def test_central_staff_are_told_who_and_where_a_duplicate_is(open_session, chiangmai_officer, central_organiser):
    register_participant(
        session=open_session, province=Province.objects.get(code="TH-50"), data=person(national_id=VALID_ID), actor=chiangmai_officer
    )
    with pytest.raises(RegistrationError) as error:
        register_participant(session=open_session, province=lampang(), data=person(national_id=VALID_ID, first_name="สมหญิง"), actor=central_organiser)
    assert error.value.code == "duplicate" and "เชียงใหม่" in error.value.message and "สมศรี" in error.value.message


def test_duplicate_in_the_officers_own_province_names_the_person(open_session, lampang_officer):
    register_participant(session=open_session, province=lampang(), data=person(national_id=VALID_ID), actor=lampang_officer)
    with pytest.raises(RegistrationError) as error:
        register_participant(session=open_session, province=lampang(), data=person(national_id=VALID_ID, first_name="สมหญิง"), actor=lampang_officer)
    assert "สมศรี" in error.value.message and "ลำปาง" in error.value.message


def test_same_person_may_register_in_another_session(open_session, lampang_officer):
    register_participant(session=open_session, province=lampang(), data=person(national_id=VALID_ID), actor=lampang_officer)
    second = make_session()
    make_quota(second, LAMPANG, "committee", seats=1)
    register_participant(session=second, province=lampang(), data=person(national_id=VALID_ID), actor=lampang_officer)
    assert Registration.objects.count() == 2


def test_closed_window_refuses_officers_but_not_central_staff(open_session, lampang_officer, central_organiser):
    open_session.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    open_session.save()
    with pytest.raises(RegistrationError) as error:
        register_participant(session=open_session, province=lampang(), data=person(), actor=lampang_officer)
    assert error.value.code == "registration_closed"
    registration = register_participant(session=open_session, province=lampang(), data=person(), actor=central_organiser)
    with pytest.raises(RegistrationError):
        cancel_registration(registration=registration, actor=lampang_officer)
    cancel_registration(registration=registration, actor=central_organiser)


def test_not_yet_open_and_draft_sessions_refuse_officers(lampang_officer):
    for session in (make_session(registration_opens_at=timezone.now() + datetime.timedelta(days=1)), make_session(status="draft")):
        make_quota(session, LAMPANG, "committee", seats=5)
        with pytest.raises(RegistrationError):
            register_participant(session=session, province=lampang(), data=person(), actor=lampang_officer)


def test_cancel_frees_the_seat_and_kills_the_link(client, open_session, lampang_officer):
    registrations = [
        register_participant(session=open_session, province=lampang(), data=person(phone=f"089000000{n}"), actor=lampang_officer) for n in range(3)
    ]
    path = registrations[0].get_personal_path()
    cancel_registration(registration=registrations[0], actor=lampang_officer)
    assert client.get(path).status_code == 404
    register_participant(session=open_session, province=lampang(), data=person(phone="0890000009"), actor=lampang_officer)
    with pytest.raises(RegistrationError):
        cancel_registration(registration=registrations[0], actor=lampang_officer)


def test_substitute_takes_the_same_seat(open_session, lampang_officer):
    for n in range(3):
        register_participant(session=open_session, province=lampang(), data=person(phone=f"089000000{n}"), actor=lampang_officer)
    old = Registration.objects.first()
    new = substitute_registration(registration=old, data=person(first_name="สมปอง", phone="0812223333"), actor=lampang_officer)
    old.refresh_from_db()
    assert old.status == RegistrationStatus.SUBSTITUTED and new.replaces == old
    assert new.role == old.role and new.province == old.province and new.venue == old.venue
    assert Registration.objects.active().count() == 3


def test_substitute_cannot_be_an_already_registered_person(open_session, lampang_officer):
    first = register_participant(session=open_session, province=lampang(), data=person(phone="0890000001"), actor=lampang_officer)
    register_participant(session=open_session, province=lampang(), data=person(phone="0890000002", first_name="สมหมาย"), actor=lampang_officer)
    with pytest.raises(RegistrationError) as error:
        substitute_registration(registration=first, data=person(phone="0890000002", first_name="สมหมาย"), actor=lampang_officer)
    assert error.value.code == "duplicate"
    first.refresh_from_db()
    assert first.status == RegistrationStatus.ACTIVE


def test_revoke_and_reissue_personal_link(client, open_session, lampang_officer):
    registration = register_participant(session=open_session, province=lampang(), data=person(), actor=lampang_officer)
    old_path = registration.get_personal_path()
    assert client.get(old_path).status_code == 200
    revoke_personal_link(registration=registration, actor=lampang_officer)
    assert client.get(old_path).status_code == 404
    reissue_personal_link(registration=registration, actor=lampang_officer)
    new_path = registration.get_personal_path()
    assert new_path != old_path
    assert client.get(new_path).status_code == 200
    assert client.get(old_path).status_code == 404


def test_reveal_needs_central_staff_and_a_reason_and_is_recorded(open_session, lampang_officer, central_organiser):
    registration = register_participant(session=open_session, province=lampang(), data=person(national_id=VALID_ID), actor=lampang_officer)
    with pytest.raises(RegistrationError) as error:
        reveal_national_id(registration=registration, actor=lampang_officer, reason="ตรวจสอบสิทธิ์")
    assert error.value.code == "forbidden"
    with pytest.raises(RegistrationError) as error:
        reveal_national_id(registration=registration, actor=central_organiser, reason="   ")
    assert error.value.code == "reason_required"
    assert not NationalIdReveal.objects.exists()
    assert reveal_national_id(registration=registration, actor=central_organiser, reason="ตรวจสอบสิทธิ์เบิกค่าเดินทาง", ip_address="10.0.0.1") == VALID_ID
    log = NationalIdReveal.objects.get()
    assert (log.revealed_by, log.ip_address, log.reason) == (central_organiser, "10.0.0.1", "ตรวจสอบสิทธิ์เบิกค่าเดินทาง")


@pytest.mark.parametrize("raw", ["081-234-5678", "+66 81 234 5678", "66812345678", "081 234 5678", "0812345678", "+66-81-234-5678"])
def test_form_normalises_thai_mobile_numbers(raw):
    form = ParticipantForm(data=person(phone=raw), with_role=False)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "0812345678"


@pytest.mark.parametrize("raw", ["02-123-4567", "12345", "+1 415 555 0100", "08123456789", "abc"])
def test_form_refuses_other_numbers(raw):
    form = ParticipantForm(data=person(phone=raw), with_role=False)
    assert not form.is_valid() and "phone" in form.errors


def test_form_checks_the_national_id_check_digit():
    form = ParticipantForm(data=person(national_id="1-1017-00203-45-0"), with_role=False)
    assert form.is_valid() and form.cleaned_data["national_id"] == VALID_ID
    form = ParticipantForm(data=person(national_id="1101700203451"), with_role=False)
    assert not form.is_valid() and form.errors["national_id"]


def test_form_wants_thai_names():
    form = ParticipantForm(data=person(first_name="John"), with_role=False)
    assert not form.is_valid() and "first_name" in form.errors


def test_form_takes_a_role_with_seats_by_id_or_by_name(open_session):
    roles = roles_with_seats(open_session, lampang())
    committee = RoleCategory.objects.get(code="committee")
    for value in (committee.pk, committee.name_th, committee.name_en.upper(), "committee"):
        form = ParticipantForm(data=person(role=value), roles=roles, province=lampang())
        assert form.is_valid(), (value, form.errors)
        assert form.participant_data()["role"] == committee


@pytest.mark.parametrize("role", ["central_staff", "ผู้สังเกตการณ์"])
def test_form_refuses_a_role_without_seats_naming_the_province(open_session, role):
    form = ParticipantForm(data=person(role=role), roles=roles_with_seats(open_session, lampang()), province=lampang())
    assert not form.is_valid()
    assert form.errors["role"] == [f"การประชุมนี้ไม่มีโควตา{role}สำหรับจังหวัดลำปาง"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_the_quota():
    """Eight officers' requests race for three seats: exactly three succeed, on SQLite and PostgreSQL."""
    session = make_session()
    make_venue(session, LAMPANG)
    quota = make_quota(session, LAMPANG, "committee", seats=3)
    officer = make_user("lampang-race", kind="provincial", province_code=LAMPANG)
    province, role = quota.province, quota.role
    barrier = threading.Barrier(8)
    outcomes = []

    def worker(n):
        try:
            barrier.wait()
            register_participant(session=session, province=province, data=person(phone=f"08900000{n:02d}", role=role), actor=officer)
            outcomes.append("ok")
        except RegistrationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 3 + ["over_quota"] * 5, outcomes
    assert Registration.objects.filter(session=session).active().count() == 3
