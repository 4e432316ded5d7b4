"""perform_checkin: every result code, idempotency, audit, undo, broadcast after commit.

Every check-in case runs twice: scanning the badge's signed ticket, and scanning a personal-link
QR code (still accepted during the change), which must answer alike."""

import datetime

import pytest
from django.utils import timezone, translation

from attendance.models import CheckIn, CheckInEvent, CheckInMethod
from attendance.services import (
    ALREADY_CHECKED_IN,
    CLOCK_GRACE,
    FUTURE_TIME,
    MESSAGES,
    NOT_OPEN,
    OK,
    RESULT_CODES,
    REVOKED,
    UNKNOWN_TOKEN,
    WRONG_SESSION,
    WRONG_VENUE,
    CheckinError,
    extract_personal_token,
    perform_checkin,
    undo_checkin,
)
from meetings.tests.factories import make_session
from registration.models import RegistrationStatus
from registration.services import reissue_ticket
from registration.tests.factories import make_registration
from registration.tokens import make_personal_token

pytestmark = pytest.mark.django_db


QR = {"kind": "ticket"}


@pytest.fixture(autouse=True, params=["ticket", "personal link"])
def qr_kind(request, monkeypatch):
    """Badges carry signed tickets; personal-link QR codes from before the change still scan."""
    monkeypatch.setitem(QR, "kind", request.param)


def scan(session, registration_or_text, venue, **kwargs):
    if isinstance(registration_or_text, str):
        scanned = registration_or_text
    elif QR["kind"] == "ticket":
        scanned = registration_or_text.get_ticket()
    else:
        scanned = registration_or_text.get_personal_url()
    return perform_checkin(session=session, method=CheckInMethod.SCANNER, scanned=scanned, venue=venue, **kwargs)


def test_ok_records_checkin_and_audit_event(open_session, lampang_venue, attendee, lampang_officer):
    result = scan(open_session, attendee, lampang_venue, actor=lampang_officer, ip_address="10.0.0.5")
    assert result.code == OK and result.created
    checkin = CheckIn.objects.get(registration=attendee)
    assert checkin.venue == lampang_venue and checkin.method == "scanner" and not checkin.wrong_venue
    assert checkin.recorded_by == lampang_officer
    event = CheckInEvent.objects.get()
    assert (event.action, event.user, event.venue, event.method, event.ip_address) == (
        "checkin",
        lampang_officer,
        lampang_venue,
        "scanner",
        "10.0.0.5",
    )
    data = result.as_dict()
    assert data["registration"]["name"] == "นายสมศรี มีสุข" and data["level"] == "success"


def test_bare_token_is_accepted_as_well_as_the_url(open_session, lampang_venue, attendee):
    assert scan(open_session, make_personal_token(attendee), lampang_venue).code == OK


def test_second_scan_is_already_checked_in_with_first_time(open_session, lampang_venue, attendee):
    first = scan(open_session, attendee, lampang_venue, at=timezone.now() - datetime.timedelta(minutes=5))
    second = scan(open_session, attendee, lampang_venue)
    assert second.code == ALREADY_CHECKED_IN
    assert second.extra["first_checked_in_at"] == first.checkin.checked_in_at
    assert second.as_dict()["level"] == "warning"
    assert CheckIn.objects.count() == 1 and CheckInEvent.objects.count() == 1


@pytest.mark.parametrize("scanned", ["", "hello", "https://example.com/p/abc/", "http://testserver/p/forged:sig/", "/p/x/"])
def test_unknown_token_records_nothing(open_session, lampang_venue, scanned):
    result = scan(open_session, scanned, lampang_venue)
    assert result.code == UNKNOWN_TOKEN and result.level == "danger"
    assert not CheckIn.objects.exists() and not CheckInEvent.objects.exists()


def test_well_signed_token_of_deleted_registration_is_unknown(open_session, lampang_venue, attendee):
    url = attendee.get_personal_url()
    attendee.delete()
    assert scan(open_session, url, lampang_venue).code == UNKNOWN_TOKEN


def test_revoked_link_is_refused_but_the_badge_still_checks_in(open_session, lampang_venue, attendee):
    """A revoked personal link (a forwarded message, a lost phone) is not a lost badge."""
    attendee.link_revoked = True
    attendee.save(update_fields=["link_revoked"])
    assert perform_checkin(session=open_session, method="scanner", scanned=attendee.get_personal_url(), venue=lampang_venue).code == REVOKED
    assert not CheckIn.objects.exists()
    assert perform_checkin(session=open_session, method="scanner", scanned=attendee.get_ticket(), venue=lampang_venue).code == OK


def test_replaced_badge_is_refused(open_session, lampang_venue, attendee, lampang_officer):
    old_ticket = attendee.get_ticket()
    reissue_ticket(registration=attendee, actor=lampang_officer)
    result = perform_checkin(session=open_session, method="scanner", scanned=old_ticket, venue=lampang_venue)
    assert result.code == REVOKED and "บัตรใหม่" in result.message  # "replaced by a newer badge", in Thai
    assert not CheckIn.objects.exists()
    assert perform_checkin(session=open_session, method="scanner", scanned=attendee.get_ticket(), venue=lampang_venue).code == OK


def test_forged_and_malformed_tickets_are_unknown(open_session, lampang_venue, attendee):
    ticket = attendee.get_ticket()
    flipped = ticket[:-3] + ("A" if ticket[-3] != "A" else "B") + ticket[-2:]
    for text in (flipped, "PT1.", "PT1.!!!!", ticket + "AAAA", "pt1." + ticket[4:20]):
        assert perform_checkin(session=open_session, method="scanner", scanned=text, venue=lampang_venue).code == UNKNOWN_TOKEN, text
    assert not CheckIn.objects.exists()


def test_another_sessions_ticket_is_wrong_session(open_session, lampang_venue):
    other = make_registration(make_session(), "TH-52")
    result = perform_checkin(session=open_session, method="scanner", scanned=other.get_ticket(), venue=lampang_venue)
    assert result.code == WRONG_SESSION and result.registration is None
    assert not CheckIn.objects.exists()


def test_scan_time_in_the_future_is_refused(open_session, lampang_venue, attendee):
    result = scan(open_session, attendee, lampang_venue, at=timezone.now() + datetime.timedelta(minutes=10))
    assert result.code == FUTURE_TIME
    assert not CheckIn.objects.exists()


def test_offline_scan_is_recorded_at_its_scanned_time(open_session, lampang_venue, attendee):
    scanned_at = timezone.now() - datetime.timedelta(minutes=7)
    result = scan(open_session, attendee, lampang_venue, at=scanned_at, nonce="offline-1")
    assert result.code == OK
    checkin = CheckIn.objects.get()
    assert checkin.checked_in_at == scanned_at and checkin.received_at > scanned_at


def test_cancelled_registration_is_refused_as_revoked(open_session, lampang_venue, attendee):
    attendee.status = RegistrationStatus.CANCELLED
    attendee.save(update_fields=["status"])
    assert scan(open_session, attendee, lampang_venue).code == REVOKED


def test_other_sessions_attendee_is_wrong_session_and_not_named(open_session, lampang_venue):
    other = make_registration(make_session(), "TH-52")
    result = scan(open_session, other, lampang_venue)
    assert result.code == WRONG_SESSION
    assert "registration" not in result.as_dict()
    assert not CheckIn.objects.exists()


def test_scanned_before_the_window_beyond_the_grace_is_not_open(open_session, lampang_venue, attendee):
    opens, _closes = open_session.checkin_window
    result = scan(open_session, attendee, lampang_venue, at=opens - CLOCK_GRACE - datetime.timedelta(seconds=1))
    assert result.code == NOT_OPEN
    assert not CheckIn.objects.exists()


def test_scanned_within_the_grace_before_the_window_is_recorded(open_session, lampang_venue, attendee):
    opens, _closes = open_session.checkin_window
    assert scan(open_session, attendee, lampang_venue, at=opens - CLOCK_GRACE + datetime.timedelta(seconds=1)).code == OK


def test_live_scan_after_the_session_ended_is_not_open(lampang_venue, attendee):
    session = attendee.session
    session.starts_at = timezone.now() - datetime.timedelta(hours=4)
    session.ends_at = timezone.now() - datetime.timedelta(seconds=1)
    session.save(update_fields=["starts_at", "ends_at"])
    assert scan(session, attendee, lampang_venue).code == NOT_OPEN
    assert not CheckIn.objects.exists()


def test_window_opening_edge_is_inclusive(open_session, lampang_venue, attendee):
    opens, _closes = open_session.checkin_window
    assert scan(open_session, attendee, lampang_venue, at=opens).code == OK


def test_window_closing_edge_is_inclusive_and_the_grace_ends_it(lampang_venue, attendee):
    """A session that ended a minute ago: a scan made as it closed still counts (uploaded late)."""
    session = attendee.session
    session.ends_at = timezone.now() - datetime.timedelta(minutes=1)
    session.starts_at = session.ends_at - datetime.timedelta(hours=3)
    session.save(update_fields=["starts_at", "ends_at"])
    _opens, closes = session.checkin_window
    other = make_registration(session, "TH-52", venue=lampang_venue)
    assert scan(session, other, lampang_venue, at=closes + CLOCK_GRACE + datetime.timedelta(seconds=1)).code == NOT_OPEN
    assert scan(session, attendee, lampang_venue, at=closes).code == OK
    assert list(CheckIn.objects.values_list("registration_id", flat=True)) == [attendee.pk]


def test_wrong_venue_is_recorded_with_a_warning(open_session, chiangmai_venue, attendee):
    result = scan(open_session, attendee, chiangmai_venue)
    assert result.code == WRONG_VENUE and result.level == "warning" and result.recorded
    checkin = CheckIn.objects.get()
    assert checkin.wrong_venue and checkin.venue == chiangmai_venue
    assert CheckInEvent.objects.get().wrong_venue


def test_registration_without_venue_belongs_to_its_province_room(open_session, lampang_venue, host_venue):
    person = make_registration(open_session, "TH-52")
    assert scan(open_session, person, lampang_venue).code == OK
    other = make_registration(open_session, "TH-52")
    assert scan(open_session, other, host_venue).code == WRONG_VENUE


def test_same_nonce_retry_records_once_and_answers_ok(open_session, lampang_venue, attendee):
    first = scan(open_session, attendee, lampang_venue, nonce="n-123")
    retry = scan(open_session, attendee, lampang_venue, nonce="n-123")
    assert first.code == OK and retry.code == OK and retry.replayed and not retry.created
    assert retry.checkin.pk == first.checkin.pk
    assert CheckIn.objects.count() == 1 and CheckInEvent.objects.count() == 1
    # A new nonce (another scan of the same person) is a plain duplicate.
    assert scan(open_session, attendee, lampang_venue, nonce="n-456").code == ALREADY_CHECKED_IN


def test_reused_nonce_for_another_person_still_checks_them_in(open_session, lampang_venue, attendee):
    other = make_registration(open_session, "TH-52", venue=lampang_venue)
    scan(open_session, attendee, lampang_venue, nonce="same")
    assert scan(open_session, other, lampang_venue, nonce="same").code == OK
    assert CheckIn.objects.count() == 2


def test_every_result_code_has_a_thai_message():
    for code in RESULT_CODES:
        with translation.override("th"):
            text = str(MESSAGES[code])
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in text), (code, text)


def test_messages_are_translated_to_thai(open_session, lampang_venue, attendee):
    from django.utils import translation

    with translation.override("th"):
        assert scan(open_session, "garbage", lampang_venue).message.startswith("ไม่รู้จัก")


def test_broadcast_only_after_commit(open_session, lampang_venue, attendee, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("attendance.services.notify_attendance", sent.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scan(open_session, attendee, lampang_venue)
        assert sent == []
    assert len(callbacks) == 1 and sent == [open_session.pk]


def test_rejected_checkin_sends_no_broadcast(open_session, lampang_venue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        scan(open_session, "garbage", lampang_venue)
    assert callbacks == []


def test_undo_by_central_staff_with_reason(open_session, lampang_venue, attendee, central_organiser, django_capture_on_commit_callbacks):
    scan(open_session, attendee, lampang_venue)
    with django_capture_on_commit_callbacks() as callbacks:
        undo_checkin(registration=attendee, actor=central_organiser, reason="สแกนผิดคน")
    assert len(callbacks) == 1
    assert not CheckIn.objects.exists()
    undo = CheckInEvent.objects.get(action="undo")
    assert undo.user == central_organiser and undo.reason == "สแกนผิดคน" and undo.venue == lampang_venue
    # The person can be checked in again afterwards.
    assert scan(open_session, attendee, lampang_venue).code == OK


@pytest.mark.parametrize(
    "who,reason,code",
    [("lampang_officer", "x", "not_allowed"), ("central_organiser", "  ", "reason_required")],
)
def test_undo_refusals(request, open_session, lampang_venue, attendee, who, reason, code):
    scan(open_session, attendee, lampang_venue)
    with pytest.raises(CheckinError) as error:
        undo_checkin(registration=attendee, actor=request.getfixturevalue(who), reason=reason)
    assert error.value.code == code
    assert CheckIn.objects.count() == 1


def test_undo_of_absent_person(attendee, central_organiser):
    with pytest.raises(CheckinError) as error:
        undo_checkin(registration=attendee, actor=central_organiser, reason="ทดสอบ")
    assert error.value.code == "not_checked_in"


def test_extract_personal_token():
    assert extract_personal_token("https://prachum.example/p/abc:def/") == "abc:def"
    assert extract_personal_token("  abc:def ") == "abc:def"
    assert extract_personal_token("https://evil.example/other/") is None
