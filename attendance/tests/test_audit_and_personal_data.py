"""Attendance and the audit log and PDPA: an undone check-in, the attendance spreadsheet and the sign-in
sheet are audited; a person's check-in is in their data export and survives their erasure, without the
address of the phone they checked in with."""

import pytest
from django.urls import reverse

from attendance.models import CheckIn, CheckInEvent, CheckInMethod, SelfCheckinTicket
from attendance.services import CheckinError, undo_checkin
from attendance.tests.checkins import record_checkin
from meetings.models import AuditAction, AuditEntry
from registration.services import anonymise_registration, export_personal_data

pytestmark = pytest.mark.django_db


def test_undoing_a_check_in_is_audited(attendee, lampang_venue, central_organiser):
    record_checkin(attendee, venue=lampang_venue)
    undo_checkin(registration=attendee, actor=central_organiser, reason="สแกนผิดคน", ip_address="10.0.0.5")
    [entry] = AuditEntry.objects.filter(action=AuditAction.CHECKIN_UNDONE)
    assert entry.user == central_organiser and entry.object_id == attendee.pk and entry.province.code == "TH-52"
    assert entry.ip_address == "10.0.0.5" and entry.details["checkin_venue"] == lampang_venue.pk
    assert "สแกนผิดคน" not in entry.summary + str(entry.details)  # the reason stays with the check-in event


def test_a_refused_undo_is_not_audited(attendee, lampang_venue, lampang_officer):
    record_checkin(attendee, venue=lampang_venue)
    with pytest.raises(CheckinError):
        undo_checkin(registration=attendee, actor=lampang_officer, reason="x")
    assert not AuditEntry.objects.exists()


def test_the_undo_page_records_the_client_ip_behind_a_trusted_proxy(client, attendee, lampang_venue, central_organiser, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    record_checkin(attendee, venue=lampang_venue)
    client.force_login(central_organiser)
    url = reverse("attendance:undo_checkin", kwargs={"session_pk": attendee.session_id, "registration_pk": attendee.pk})
    client.post(url, {"reason": "สแกนผิดคน"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.23")
    assert CheckInEvent.objects.get(action="undo").ip_address == "198.51.100.23"
    assert AuditEntry.objects.get(action=AuditAction.CHECKIN_UNDONE).ip_address == "198.51.100.23"


def test_attendance_spreadsheet_of_people_is_audited(client, lampang_officer, attendee, chiangmai_attendee):
    client.force_login(lampang_officer)
    response = client.get(reverse("attendance:report_xlsx", kwargs={"session_pk": attendee.session_id}))
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED)
    assert entry.details["kind"] == "attendance.xlsx" and entry.details["count"] == 1 and entry.province.code == "TH-52"


def test_attendance_summary_tables_are_not_personal_data(client, lampang_officer, attendee):
    client.force_login(lampang_officer)
    client.get(reverse("attendance:report_xlsx", kwargs={"session_pk": attendee.session_id}), {"table": "province"})
    assert not AuditEntry.objects.exists()


def test_signin_sheet_is_audited(client, central_organiser, attendee, lampang_venue):
    client.force_login(central_organiser)
    response = client.get(reverse("attendance:signin_sheet", kwargs={"session_pk": attendee.session_id, "venue_pk": lampang_venue.pk}))
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action=AuditAction.LIST_EXPORTED)
    assert entry.details == {"kind": "signin-sheet.pdf", "session": attendee.session_id, "count": 1, "venue": lampang_venue.pk}
    assert entry.province.code == "TH-52"


def test_a_persons_export_holds_their_check_in(attendee, lampang_venue):
    perform = record_checkin(attendee, venue=lampang_venue, method=CheckInMethod.SELF)
    CheckInEvent.objects.filter(registration=attendee).update(ip_address="203.0.113.7")
    data = export_personal_data(registration=attendee, actor=None)
    assert data["attendance"]["checkin"]["checked_in_at"] == perform.checked_in_at.isoformat()
    assert data["attendance"]["checkin"]["method"] == "self"
    assert data["attendance"]["history"][0]["ip_address"] == "203.0.113.7"


def test_a_persons_export_lists_the_venue_qr_scans_they_used_without_the_tickets_key(attendee, lampang_venue):
    ticket = SelfCheckinTicket.objects.create(key="k" * 32, registration=attendee, venue=lampang_venue)
    data = export_personal_data(registration=attendee, actor=None)
    assert data["attendance"]["venue_qr_scans"] == [{"used_at": ticket.used_at.isoformat(), "venue": str(lampang_venue)}]
    assert "k" * 32 not in str(data)


def test_erasure_keeps_the_check_in_and_drops_the_phones_address(attendee, lampang_venue, central_organiser):
    checkin = record_checkin(attendee, venue=lampang_venue, method=CheckInMethod.SELF)
    CheckInEvent.objects.filter(registration=attendee).update(ip_address="203.0.113.7", reason="นายสมชายขอแก้")
    anonymise_registration(registration=attendee, actor=central_organiser, reason="คำขอของเจ้าของข้อมูล")
    kept = CheckIn.objects.get(registration=attendee)
    assert kept.checked_in_at == checkin.checked_in_at and kept.venue == lampang_venue
    event = CheckInEvent.objects.get(registration=attendee)
    assert event.ip_address is None and event.reason == ""
