"""The check-in batch's precompiled statements (attendance/batch_sql.py) store and read exactly what
the ORM's queryset and bulk_create would."""
import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance.batch_sql import insert_all, registrations_by_token_key
from attendance.models import CheckIn, CheckInEvent, CheckInMethod
from attendance.services import checkin_event
from meetings.models import Registration
from meetings.tests.factories import make_registration

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_lookup_reads_what_the_orm_reads(open_session, lampang_venue):
    people = [
        make_registration(open_session, "TH-52", venue=lampang_venue, first_name="สมหญิง", position="ประธาน"),
        make_registration(open_session, "TH-50", role_code="provincial_officer", first_name="Somchai"),
    ]
    keys = [person.token_key for person in people] + ["no-such-key"]
    found = sorted(registrations_by_token_key(keys), key=lambda r: r.pk)
    expected = sorted(Registration.objects.filter(token_key__in=keys), key=lambda r: r.pk)
    assert [_fields(r) for r in found] == [_fields(r) for r in expected]
    assert len(found) == 2
    assert timezone.is_aware(found[0].created_at)
    assert all(not r._state.adding and r._state.db == "default" for r in found)
    assert registrations_by_token_key([]) == []


def test_lookup_is_one_query_and_reuses_its_statement(open_session):
    person = make_registration(open_session, "TH-52")
    with CaptureQueriesContext(connection) as queries:
        assert registrations_by_token_key([person.token_key, person.token_key])[0].pk == person.pk
        assert registrations_by_token_key([person.token_key])[0].pk == person.pk
    assert len(queries) == 2


def _new_checkins(session, venue, people, user=None):
    return [
        CheckIn(registration=person, session=session, venue=venue, method=CheckInMethod.API, nonce=f"n{person.pk}",
                wrong_venue=bool(i % 2), recorded_by=user, checked_in_at=timezone.now())
        for i, person in enumerate(people)
    ]


def test_insert_all_stores_what_bulk_create_stores(open_session, lampang_venue, lampang_officer):
    people = [make_registration(open_session, "TH-52", venue=lampang_venue) for _ in range(6)]
    mine = _new_checkins(open_session, lampang_venue, people[:3], user=lampang_officer)
    theirs = _new_checkins(open_session, lampang_venue, people[3:], user=lampang_officer)
    with CaptureQueriesContext(connection) as queries:
        insert_all(mine)
    assert len(queries) == 1
    CheckIn.objects.bulk_create(theirs)
    assert len({c.pk for c in mine}) == 3 and all(c.pk and not c._state.adding for c in mine)
    for inserted, via_orm in zip(mine, theirs):
        stored, stored_orm = CheckIn.objects.get(pk=inserted.pk), CheckIn.objects.get(pk=via_orm.pk)
        assert _fields(stored) == _fields(inserted)  # each row got its own primary key back
        same = {k: v for k, v in model_to_dict(stored).items() if k not in ("id", "registration", "nonce", "checked_in_at")}
        assert same == {k: v for k, v in model_to_dict(stored_orm).items() if k not in ("id", "registration", "nonce", "checked_in_at")}


def test_insert_all_events_with_ip_addresses_and_blanks(open_session, lampang_venue):
    checkins = insert_all(_new_checkins(open_session, lampang_venue, [make_registration(open_session, "TH-52") for _ in range(2)]))
    events = insert_all([checkin_event(checkins[0], ip_address="2001:db8::1"), checkin_event(checkins[1], reason="มาสาย")])
    stored = {e.pk: e for e in CheckInEvent.objects.all()}
    assert stored[events[0].pk].ip_address == "2001:db8::1" and stored[events[0].pk].user_id is None
    assert stored[events[1].pk].reason == "มาสาย" and stored[events[1].pk].ip_address is None
    assert stored[events[1].pk].at == checkins[1].checked_in_at
    assert insert_all([]) == []


def test_insert_all_falls_back_to_bulk_create_without_returning(open_session, lampang_venue, monkeypatch):
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    checkins = insert_all(_new_checkins(open_session, lampang_venue, [make_registration(open_session, "TH-52")]))
    assert CheckIn.objects.get().registration_id == checkins[0].registration_id


def test_compiled_statements_live_and_die_with_their_connection_object(open_session):
    """A thread's connection object is not kept alive by the cache (threads that come and go, as
    under a WSGI server, would otherwise leave one behind each)."""
    import gc
    import threading
    import weakref

    from django.db import connections

    person = make_registration(open_session, "TH-52")
    seen = []

    def in_another_thread():
        # A fresh connection object of this thread's own (SQLite test databases are files or shared memory).
        registrations_by_token_key([person.token_key])
        seen.append(weakref.ref(connections["default"]))
        connections["default"].close()

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    gc.collect()
    assert seen and seen[0]() is None
