"""100 desks scanning one QR code at the same moment record exactly one check-in."""

import threading
from collections import Counter

import pytest
from django.db import connection

from attendance.models import CheckIn, CheckInEvent, CheckInMethod
from attendance.services import ALREADY_CHECKED_IN, OK, perform_checkin

pytestmark = pytest.mark.django_db(transaction=True)

SCANS = 100
# 100 scans from 25 threads at once: PostgreSQL's default max_connections (100) is shared with
# the test database itself and other clients, so a connection per scan would fail to connect.
THREADS = 25


def test_hundred_concurrent_scans_of_one_qr_record_one_checkin(open_session, lampang_venue, attendee):
    url = attendee.get_personal_url()
    start = threading.Barrier(THREADS)
    codes, errors = [], []

    def desk(i):
        try:
            start.wait()
            for n in range(SCANS // THREADS):
                result = perform_checkin(session=open_session, method=CheckInMethod.SCANNER, scanned=url, venue=lampang_venue, nonce=f"desk-{i}-{n}")
                codes.append(result.code)
        except Exception as exc:  # collected and asserted below: a thread must not die silently
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Counter(codes) == {OK: 1, ALREADY_CHECKED_IN: SCANS - 1}
    assert CheckIn.objects.filter(registration=attendee).count() == 1
    assert CheckInEvent.objects.filter(registration=attendee).count() == 1


def test_concurrent_retries_of_one_request_record_once(open_session, lampang_venue, attendee):
    url = attendee.get_personal_url()
    start = threading.Barrier(20)
    codes = []

    def retry():
        try:
            start.wait()
            codes.append(perform_checkin(session=open_session, method=CheckInMethod.API, scanned=url, venue=lampang_venue, nonce="one-request").code)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [OK] * 20
    assert CheckIn.objects.count() == 1 and CheckInEvent.objects.count() == 1
