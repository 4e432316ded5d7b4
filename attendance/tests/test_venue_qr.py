"""Rotating venue QR: window edges, grace, expired and tampered codes (time injected, no sleeps),
and the self check-in pages an attendee's phone sees."""

import io
import re
import threading
from collections import Counter

import pytest
import zxingcpp
from django.core import signing
from django.db import connection
from django.utils import translation
from PIL import Image

from attendance import venue_codes
from attendance.models import CheckIn, CheckInEvent, SelfCheckinTicket
from attendance.services import TICKET_USED_MESSAGE, perform_self_checkin
from attendance.venue_codes import GRACE_SECONDS, ROTATION_SECONDS, VenueCodeError, make_venue_code, read_venue_code
from attendance.views.selfcheckin import TICKET_SALT
from meetings.qr import qr_png
from meetings.tests.factories import make_session, make_venue
from registration.personal_cookie import COOKIE_NAME
from registration.tests.factories import make_registration

T0 = 1_700_000_010.0  # 1700000010 is a multiple of 15: the start of a window


def test_t0_is_a_window_start():
    assert T0 % ROTATION_SECONDS == 0


@pytest.mark.parametrize("offset", [0, 0.001, 7.5, ROTATION_SECONDS - 0.001])
def test_code_is_valid_throughout_its_window(offset):
    code = make_venue_code(7, T0)
    assert read_venue_code(code, T0 + offset) == 7


def test_code_is_the_same_within_a_window_and_changes_at_the_boundary():
    assert make_venue_code(7, T0) == make_venue_code(7, T0 + ROTATION_SECONDS - 0.001)
    assert make_venue_code(7, T0) != make_venue_code(7, T0 + ROTATION_SECONDS)
    assert make_venue_code(7, T0) != make_venue_code(8, T0)


@pytest.mark.parametrize("after_change", [0, 1, GRACE_SECONDS])
def test_previous_code_is_accepted_within_the_grace(after_change):
    code = make_venue_code(7, T0)
    assert read_venue_code(code, T0 + ROTATION_SECONDS + after_change) == 7


@pytest.mark.parametrize("after_change", [GRACE_SECONDS + 0.001, 5, ROTATION_SECONDS, 3600])
def test_old_code_is_expired_after_the_grace(after_change):
    code = make_venue_code(7, T0)
    with pytest.raises(VenueCodeError) as error:
        read_venue_code(code, T0 + ROTATION_SECONDS + after_change)
    assert error.value.code == "expired"


def test_code_from_the_future_is_refused():
    code = make_venue_code(7, T0 + ROTATION_SECONDS)
    with pytest.raises(VenueCodeError) as error:
        read_venue_code(code, T0)
    assert error.value.code == "invalid"


def _tamper_mac(code):
    venue, window, mac = code.split("-")
    return f"{venue}-{window}-{mac[:-1]}{'0' if mac[-1] != '0' else '1'}"


def _other_venue(code):
    venue, window, mac = code.split("-")
    return f"{int(venue) + 1}-{window}-{mac}"


def _newer_window(code):
    venue, window, mac = code.split("-")
    return f"{venue}-{int(window) + 1}-{mac}"


@pytest.mark.parametrize(
    "mangle",
    [
        _tamper_mac,
        _other_venue,
        _newer_window,
        lambda c: c + "x",
        lambda c: "",
        lambda c: "abc",
        lambda c: "1-2",
        lambda c: "0-1-abc",
        lambda c: c.replace("-", "_"),
    ],
)
def test_tampered_codes_are_invalid(mangle):
    code = make_venue_code(7, T0)
    with pytest.raises(VenueCodeError) as error:
        read_venue_code(mangle(code), T0 + 1)
    assert error.value.code == "invalid"


def test_code_depends_on_the_secret_key(settings):
    code = make_venue_code(7, T0)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-000000"
    with pytest.raises(VenueCodeError):
        read_venue_code(code, T0)


# --- the pages -------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch):
    """Pin the clock the self check-in views read; tests move it by assigning .now."""

    class Clock:
        now = T0 + 1

    clock = Clock()
    monkeypatch.setattr("attendance.views.selfcheckin.clock", lambda: clock.now)
    return clock


@pytest.fixture
def open_at_t0(open_session, monkeypatch):
    # The window check in perform_checkin reads the real time; the session is open now.
    return open_session


def test_venue_display_qr_decodes_to_the_self_checkin_url(client, lampang_officer, lampang_venue, frozen):
    client.force_login(lampang_officer)
    data = client.get(f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/display/code/").json()
    assert data["url"] == "http://testserver/c/" + make_venue_code(lampang_venue.pk, frozen.now) + "/"
    assert 0 < data["expires_in"] <= ROTATION_SECONDS
    assert data["svg"].startswith("<svg")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(data["url"]))))
    assert decoded[0].text == data["url"]


def test_display_page_shows_a_qr_and_loads_its_script(client, lampang_officer, lampang_venue, frozen):
    client.force_login(lampang_officer)
    html = client.get(f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/display/").content.decode()
    assert "<svg" in html and "attendance/venue_display.js" in html


def _scan(client, venue, at):
    return client.get(f"/c/{make_venue_code(venue.pk, at)}/")


def test_first_visit_to_personal_link_remembers_it_on_the_phone(client, attendee):
    response = client.get(attendee.get_personal_path())
    assert COOKIE_NAME in response.cookies
    assert response.cookies[COOKIE_NAME]["httponly"]


def test_remembered_attendee_confirms_and_is_checked_in(client, attendee, lampang_venue, frozen):
    client.get(attendee.get_personal_path())
    page = _scan(client, lampang_venue, frozen.now)
    html = page.content.decode()
    assert page.status_code == 200 and "สมศรี" in html
    ticket = re.search(r'name="ticket" value="([^"]+)"', html).group(1)
    frozen.now += 60  # reading and tapping takes longer than a rotation: the ticket still holds
    response = client.post(page.wsgi_request.path, {"ticket": ticket, "nonce": "tap-1"})
    assert response.status_code == 200
    assert 'data-code="ok"' in response.content.decode()
    checkin = CheckIn.objects.get(registration=attendee)
    assert checkin.method == "self" and checkin.venue == lampang_venue
    # A double tap records once.
    again = client.post(page.wsgi_request.path, {"ticket": ticket, "nonce": "tap-1"})
    assert 'data-code="ok"' in again.content.decode()
    assert CheckInEvent.objects.count() == 1


def test_photo_of_an_old_code_is_refused_in_plain_thai(client, attendee, lampang_venue, frozen):
    client.get(attendee.get_personal_path())
    code = make_venue_code(lampang_venue.pk, frozen.now)
    frozen.now += ROTATION_SECONDS + GRACE_SECONDS + 1
    response = client.get(f"/c/{code}/", HTTP_ACCEPT_LANGUAGE="th")
    assert response.status_code == 410
    assert "หมดอายุ" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_tampered_venue_code_is_refused(client, lampang_venue, frozen):
    code = _tamper_mac(make_venue_code(lampang_venue.pk, frozen.now))
    response = client.get(f"/c/{code}/")
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_code_scanned_just_before_the_change_still_works(client, attendee, lampang_venue, frozen):
    client.get(attendee.get_personal_path())
    code = make_venue_code(lampang_venue.pk, T0 + ROTATION_SECONDS - 0.5)
    frozen.now = T0 + ROTATION_SECONDS + GRACE_SECONDS
    assert client.get(f"/c/{code}/").status_code == 200


def test_forged_ticket_is_refused(client, attendee, lampang_venue, frozen):
    client.get(attendee.get_personal_path())
    code = make_venue_code(lampang_venue.pk, frozen.now)
    forged = signing.TimestampSigner(salt="something-else").sign_object({"v": lampang_venue.pk, "c": code})
    response = client.post(f"/c/{code}/", {"ticket": forged, "nonce": "x"})
    assert response.status_code == 400 and not CheckIn.objects.exists()


def test_expired_ticket_is_refused(client, attendee, lampang_venue, frozen, monkeypatch):
    client.get(attendee.get_personal_path())
    page = _scan(client, lampang_venue, frozen.now)
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.content.decode()).group(1)
    monkeypatch.setattr("attendance.views.selfcheckin.TICKET_MAX_AGE", -1)
    response = client.post(page.wsgi_request.path, {"ticket": ticket, "nonce": "x"})
    assert response.status_code == 410 and not CheckIn.objects.exists()


def test_unknown_phone_pastes_its_personal_link(client, attendee, lampang_venue, frozen):
    page = _scan(client, lampang_venue, frozen.now)
    html = page.content.decode()
    assert 'name="personal_link"' in html
    ticket = re.search(r'name="ticket" value="([^"]+)"', html).group(1)
    response = client.post(page.wsgi_request.path, {"ticket": ticket, "nonce": "n", "personal_link": attendee.get_personal_url()})
    assert 'data-code="ok"' in response.content.decode()
    assert COOKIE_NAME in response.cookies  # remembered for next time


def test_unknown_phone_without_link_records_nothing(client, lampang_venue, frozen):
    page = _scan(client, lampang_venue, frozen.now)
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(page.wsgi_request.path, {"ticket": ticket, "nonce": "n"})
    assert response.status_code == 400 and not CheckIn.objects.exists()


def test_attendee_of_another_province_is_recorded_with_a_warning(client, chiangmai_attendee, lampang_venue, frozen):
    client.get(chiangmai_attendee.get_personal_path())
    page = _scan(client, lampang_venue, frozen.now)
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(page.wsgi_request.path, {"ticket": ticket, "nonce": "n"})
    assert 'data-code="wrong_venue"' in response.content.decode()
    assert CheckIn.objects.get().wrong_venue


def test_forget_removes_the_remembered_link(client, attendee, lampang_venue, frozen):
    client.get(attendee.get_personal_path())
    response = client.post("/c/forget/", {"next": f"/c/{make_venue_code(lampang_venue.pk, frozen.now)}/"})
    assert response.status_code == 302 and response.cookies[COOKIE_NAME].value == ""


def test_draft_sessions_venue_code_answers_404(client, frozen):
    venue = make_venue(make_session(status="draft"), "TH-52")
    assert _scan(client, venue, frozen.now).status_code == 404


def test_rotation_constants():
    assert (venue_codes.ROTATION_SECONDS, venue_codes.GRACE_SECONDS) == (15, 2)


# --- one scan, one person ----------------------------------------------------------------------


def _ticket_of(page):
    return re.search(r'name="ticket" value="([^"]+)"', page.content.decode()).group(1)


def _confirm_with_link(client, page, registration, nonce):
    return client.post(page.wsgi_request.path, {"ticket": _ticket_of(page), "nonce": nonce, "personal_link": registration.get_personal_url()})


@pytest.fixture
def neighbour(open_session, lampang_venue):
    """A second Lampang attendee whose phone is not at hand: their link is typed on someone else's."""
    return make_registration(open_session, "TH-52", venue=lampang_venue, first_name="สมปอง", last_name="ข้างบ้าน")


def test_one_venue_scan_checks_in_one_person_and_refuses_another_link_in_thai(client, attendee, neighbour, lampang_venue, frozen):
    page = _scan(client, lampang_venue, frozen.now)
    first = _confirm_with_link(client, page, attendee, "tap-1")
    assert 'data-code="ok"' in first.content.decode()
    # The same scan, the same phone, another person's link (the form's nonce comes along too).
    second = _confirm_with_link(client, page, neighbour, "tap-1")
    html = second.content.decode()
    assert second.status_code == 400 and 'data-code="ticket_used"' in html
    assert "สแกนรหัสบนจอที่ห้องประชุมอีกครั้ง" in html and "เจ้าหน้าที่" in html
    assert "สมปอง" not in html
    assert list(CheckIn.objects.values_list("registration", flat=True)) == [attendee.pk]
    assert CheckInEvent.objects.count() == 1


def test_five_links_on_one_scan_check_in_only_the_first(client, open_session, lampang_venue, frozen):
    people = [make_registration(open_session, "TH-52", venue=lampang_venue) for _ in range(5)]
    page = _scan(client, lampang_venue, frozen.now)
    codes = [
        re.search(r'data-code="(\w+)"', _confirm_with_link(client, page, person, f"n-{i}").content.decode()).group(1)
        for i, person in enumerate(people)
    ]
    assert codes == ["ok"] + ["ticket_used"] * 4
    assert CheckIn.objects.count() == 1 and SelfCheckinTicket.objects.count() == 1


def test_the_same_person_may_send_the_same_scan_again(client, attendee, lampang_venue, frozen):
    page = _scan(client, lampang_venue, frozen.now)
    assert 'data-code="ok"' in _confirm_with_link(client, page, attendee, "tap-1").content.decode()
    again = _confirm_with_link(client, page, attendee, "tap-2")  # a reload of the form, a new nonce
    assert again.status_code == 200 and 'data-code="already_checked_in"' in again.content.decode()
    assert CheckIn.objects.count() == 1


def test_a_refused_attempt_leaves_the_scan_for_the_right_person(client, attendee, neighbour, lampang_venue, frozen):
    neighbour.link_revoked = True
    neighbour.save(update_fields=["link_revoked"])
    page = _scan(client, lampang_venue, frozen.now)
    assert 'data-code="revoked"' in _confirm_with_link(client, page, neighbour, "n-1").content.decode()
    assert not SelfCheckinTicket.objects.exists()
    assert 'data-code="ok"' in _confirm_with_link(client, page, attendee, "n-2").content.decode()


def test_a_new_scan_checks_in_the_next_person(client, attendee, neighbour, lampang_venue, frozen):
    assert 'data-code="ok"' in _confirm_with_link(client, _scan(client, lampang_venue, frozen.now), attendee, "n-1").content.decode()
    frozen.now += ROTATION_SECONDS
    assert 'data-code="ok"' in _confirm_with_link(client, _scan(client, lampang_venue, frozen.now), neighbour, "n-2").content.decode()
    assert CheckIn.objects.count() == 2


def test_a_ticket_without_its_key_is_refused(client, attendee, lampang_venue, frozen):
    """Tickets signed before one scan counted once carry no key: scan again."""
    code = make_venue_code(lampang_venue.pk, frozen.now)
    keyless = signing.TimestampSigner(salt=TICKET_SALT).sign_object({"v": lampang_venue.pk, "c": code})
    response = client.post(f"/c/{code}/", {"ticket": keyless, "nonce": "x", "personal_link": attendee.get_personal_url()})
    assert response.status_code == 400 and not CheckIn.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_five_people_racing_on_one_scan_check_in_exactly_one(open_session, lampang_venue):
    """The database decides, whichever process each request reaches (on PostgreSQL a concurrent
    claim waits for the first one's commit; SQLite runs one writer at a time)."""
    people = [make_registration(open_session, "TH-52", venue=lampang_venue) for _ in range(5)]
    start = threading.Barrier(len(people))
    codes, errors = [], []

    def phone(person):
        try:
            start.wait()
            codes.append(
                perform_self_checkin(venue=lampang_venue, ticket_key="one-scan", scanned=person.get_personal_url(), nonce=f"n-{person.pk}").code
            )
        except Exception as exc:  # asserted below: a thread must not die silently
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Counter(codes) == {"ok": 1, "ticket_used": 4}
    assert CheckIn.objects.count() == 1 and CheckInEvent.objects.count() == 1
    assert SelfCheckinTicket.objects.get().registration_id == CheckIn.objects.get().registration_id


def test_ticket_used_message_is_in_thai():
    with translation.override("th"):
        text = str(TICKET_USED_MESSAGE)
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in text), text


# --- after the check-in --------------------------------------------------------------------------


def test_success_page_leads_to_the_attendees_personal_page_and_learning(client, attendee, lampang_venue, frozen):
    response = _confirm_with_link(client, _scan(client, lampang_venue, frozen.now), attendee, "n-1")
    html = response.content.decode()
    assert 'data-code="ok"' in html
    path = attendee.get_personal_path()
    assert f'href="{path}"' in html and f'href="{path}#training"' in html
    assert "เปิดหน้าส่วนตัวของฉัน" in html and "บทเรียนและแบบทดสอบ" in html
    assert client.get(path).status_code == 200


def test_revoked_link_result_offers_no_personal_page(client, neighbour, lampang_venue, frozen):
    neighbour.link_revoked = True
    neighbour.save(update_fields=["link_revoked"])
    html = _confirm_with_link(client, _scan(client, lampang_venue, frozen.now), neighbour, "n-1").content.decode()
    assert 'data-code="revoked"' in html and 'data-next="personal"' not in html and "/p/" not in html
