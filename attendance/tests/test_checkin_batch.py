"""Check-ins in batches (attendance/checkin_batch.py): several scans, one transaction, the answers of
one-by-one check-ins. The single-scan cases run through both paths in test_checkin_service.py."""
import asyncio
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from attendance.checkin_batch import CheckinJob, _queue, perform_checkins
from attendance.models import CheckIn, CheckInEvent, CheckInMethod
from attendance.services import ALREADY_CHECKED_IN, OK, REVOKED, UNKNOWN_TOKEN, WRONG_SESSION, issue_scanner_device, revoke_scanner_device
from meetings.tests.factories import make_registration, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def device_token(lampang_venue, lampang_officer):
    return issue_scanner_device(venue=lampang_venue, name="โต๊ะ 1", user=lampang_officer)[1]


def api_job(token, registration_or_text, nonce="", language="th"):
    scanned = registration_or_text if isinstance(registration_or_text, str) else registration_or_text.get_personal_url()
    return CheckinJob(method=CheckInMethod.API, scanned=scanned, device_token=token, nonce=nonce, language=language, at=timezone.now())


def people(session, venue, count):
    return [make_registration(session, "TH-52", venue=venue, first_name=f"คนที่{i}") for i in range(count)]


def test_a_batch_costs_the_same_queries_whatever_its_size(open_session, lampang_venue, device_token):
    counts = []
    for size in (1, 5, 40):
        registrations = people(open_session, lampang_venue, size)
        jobs = [api_job(device_token, r, nonce=f"{size}-{i}") for i, r in enumerate(registrations)]
        with CaptureQueriesContext(connection) as queries:
            outcomes = perform_checkins(jobs)
        assert [o.result.code for o in outcomes] == [OK] * size
        assert all(o.result.created for o in outcomes)
        counts.append(len(queries))
    assert CheckIn.objects.count() == 46 and CheckInEvent.objects.filter(action="checkin").count() == 46
    # Registrations, then one transaction with two INSERTs; the device is cached after the first batch.
    assert counts[1] == counts[2] <= 5


def test_one_person_scanned_three_times_in_one_batch(open_session, lampang_venue, device_token, attendee):
    outcomes = perform_checkins([
        api_job(device_token, attendee, nonce="first"),
        api_job(device_token, attendee, nonce="first"),  # the same request again (a retry)
        api_job(device_token, attendee, nonce="another desk"),
    ])
    first, retry, second = (o.result for o in outcomes)
    assert first.code == OK and first.created
    assert retry.code == OK and retry.replayed and not retry.created
    assert second.code == ALREADY_CHECKED_IN and second.extra["first_checked_in_at"] == first.checkin.checked_in_at
    assert CheckIn.objects.count() == 1 and CheckInEvent.objects.count() == 1


def test_a_nonce_given_to_two_people_checks_both_in(open_session, lampang_venue, device_token):
    one, two = people(open_session, lampang_venue, 2)
    outcomes = perform_checkins([api_job(device_token, one, nonce="same"), api_job(device_token, two, nonce="same")])
    assert [o.result.code for o in outcomes] == [OK, OK]
    assert sorted(CheckIn.objects.values_list("nonce", flat=True)) == ["", "same"]


def test_refusals_in_a_batch_write_nothing_for_them(open_session, lampang_venue, device_token, attendee):
    revoked = make_registration(open_session, "TH-52", venue=lampang_venue, link_revoked=True)
    stranger = make_registration(make_session(), "TH-52")
    outcomes = perform_checkins([
        api_job(device_token, "not a personal code"),
        api_job(device_token, revoked),
        api_job(device_token, stranger),
        api_job(device_token, attendee),
    ])
    assert [o.result.code for o in outcomes] == [UNKNOWN_TOKEN, REVOKED, WRONG_SESSION, OK]
    assert outcomes[2].data.get("registration") is None  # another session's attendee is never named
    assert list(CheckIn.objects.values_list("registration_id", flat=True)) == [attendee.pk]


def test_people_already_in_are_answered_from_the_database(open_session, lampang_venue, device_token, attendee):
    """The batch inserts first: a person already in makes the insert fail, and the batch goes one by one."""
    newcomer = people(open_session, lampang_venue, 1)[0]
    perform_checkins([api_job(device_token, attendee, nonce="early")])
    outcomes = perform_checkins([
        api_job(device_token, newcomer, nonce="x1"),
        api_job(device_token, attendee, nonce="early"),  # a retry of the earlier request
        api_job(device_token, attendee, nonce="x2"),
    ])
    assert [(o.result.code, o.result.replayed) for o in outcomes] == [(OK, False), (OK, True), (ALREADY_CHECKED_IN, False)]
    assert CheckIn.objects.count() == 2 and CheckInEvent.objects.count() == 2


def test_each_scan_is_answered_in_its_own_language(open_session, lampang_venue, device_token):
    thai, english = people(open_session, lampang_venue, 2)
    outcomes = perform_checkins([api_job(device_token, thai, language="th"), api_job(device_token, english, language="en")])
    with translation.override("th"):
        thai_message = str(translation.gettext("Checked in"))
    assert outcomes[0].data["message"] == thai_message != "Checked in"
    assert outcomes[1].data["message"] == "Checked in"
    assert outcomes[1].data["registration"]["province"] == "Lampang"
    assert outcomes[0].data["registration"]["province"] == "ลำปาง"


def test_unknown_and_revoked_devices_are_not_allowed(open_session, lampang_venue, lampang_officer, attendee):
    device, token = issue_scanner_device(venue=lampang_venue, name="โต๊ะ 2", user=lampang_officer)
    assert perform_checkins([api_job("prd_not-a-device", attendee)])[0].allowed is False
    assert perform_checkins([api_job(token, "garbage")])[0].allowed is True  # read, and now cached
    revoke_scanner_device(device=device, user=lampang_officer)
    outcome = perform_checkins([api_job(token, attendee)])[0]
    assert outcome.allowed is False and outcome.result is None
    assert not CheckIn.objects.exists()


def test_a_desk_job_needs_its_venue_in_its_session(open_session, lampang_venue, lampang_officer, attendee):
    other_session = make_session()
    job = CheckinJob(method=CheckInMethod.SCANNER, scanned=attendee.get_personal_url(), venue_id=lampang_venue.pk,
                     session_id=other_session.pk, user_id=lampang_officer.pk)
    assert perform_checkins([job])[0].allowed is False
    job.session_id = open_session.pk
    outcome = perform_checkins([job])[0]
    assert outcome.result.code == OK
    assert CheckIn.objects.get().recorded_by == lampang_officer


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_hundred_concurrent_api_scans_of_one_qr_through_the_queue(open_session, lampang_venue, lampang_officer, attendee):
    """The server's path: 100 scans of one code queued at once, drained by the database threads."""
    from channels.db import database_sync_to_async

    token = (await database_sync_to_async(issue_scanner_device)(venue=lampang_venue, name="โต๊ะ", user=lampang_officer))[1]
    url = await database_sync_to_async(attendee.get_personal_url)()
    outcomes = await asyncio.gather(*(_queue.submit(api_job(token, url, nonce=f"desk-{i}")) for i in range(100)))
    codes = Counter(o.result.code for o in outcomes)
    assert codes == {OK: 1, ALREADY_CHECKED_IN: 99}
    assert await database_sync_to_async(CheckIn.objects.count)() == 1
    assert await database_sync_to_async(CheckInEvent.objects.count)() == 1


def test_a_cached_venue_follows_a_change_of_its_session(open_session, lampang_venue, lampang_officer, attendee):
    """Venues and their sessions are cached for a few seconds, but saving a session clears the cache:
    closing the check-in window takes effect from the next scan."""
    job = CheckinJob(method=CheckInMethod.SCANNER, scanned=attendee.get_personal_url(), venue_id=lampang_venue.pk,
                     session_id=open_session.pk, user_id=lampang_officer.pk)
    assert perform_checkins([CheckinJob(**{**job.__dict__, "scanned": "garbage"})])[0].result.code == UNKNOWN_TOKEN  # cached now
    open_session.checkin_closes_at = timezone.now() - timezone.timedelta(minutes=1)
    open_session.save()
    assert perform_checkins([job])[0].result.code == "not_open"
    assert not CheckIn.objects.exists()
