"""Services that write sessions, venues, agenda and quotas: rules, codes and what they leave behind."""

import datetime

import pytest
from django.utils import timezone

from meetings import services
from meetings.errors import DomainError
from meetings.models import AgendaItem, Province, Quota, RoleCategory, Session, SessionChange, SessionStatus, Venue
from meetings.tests.factories import make_quota, make_session, make_venue
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db


def _values(start, **extra):
    values = {"title": "ประชุมทดสอบ", "starts_at": start, "ends_at": start + datetime.timedelta(hours=3)}
    values.update(extra)
    return values


def test_create_session_makes_a_draft_with_a_unique_slug(central_organiser):
    start = timezone.now() + datetime.timedelta(days=10)
    first = services.create_session(actor=central_organiser, **_values(start))
    second = services.create_session(actor=central_organiser, **_values(start))
    assert first.status == SessionStatus.DRAFT
    assert first.created_by == central_organiser
    assert first.slug != second.slug
    assert Session.objects.count() == 2


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"ends_at_offset": -1}, "ends_before_start"),
        ({"ends_at_offset": 0}, "ends_before_start"),
        ({"registration_closes_at_offset": 1}, "registration_closes_after_start"),
        ({"vc_join_url": "ftp://files.example.org/meeting"}, "join_url_not_http"),
        ({"vc_join_url": "javascript:alert(1)"}, "join_url_not_http"),
    ],
)
def test_create_session_refuses_bad_input_and_writes_nothing(central_organiser, extra, code):
    start = timezone.now() + datetime.timedelta(days=10)
    values = _values(start)
    if "ends_at_offset" in extra:
        values["ends_at"] = start + datetime.timedelta(hours=extra["ends_at_offset"])
    elif "registration_closes_at_offset" in extra:
        values["registration_closes_at"] = start + datetime.timedelta(hours=extra["registration_closes_at_offset"])
    else:
        values.update(extra)
    with pytest.raises(services.SessionError) as raised:
        services.create_session(actor=central_organiser, **values)
    assert raised.value.code == code
    assert Session.objects.count() == 0


def test_moving_the_start_of_a_published_session_is_audited(session, central_organiser):
    old_start = session.starts_at
    new_start = old_start + datetime.timedelta(hours=1)
    services.update_session(session=session, actor=central_organiser, starts_at=new_start, ends_at=session.ends_at + datetime.timedelta(hours=1))
    change = SessionChange.objects.get(session=session)
    assert change.field == "starts_at"
    assert change.changed_by == central_organiser
    assert datetime.datetime.fromisoformat(change.old_value) == old_start
    assert datetime.datetime.fromisoformat(change.new_value) == new_start
    session.refresh_from_db()
    assert session.starts_at == new_start


def test_moving_the_start_of_a_draft_is_not_audited(draft_session, central_organiser):
    services.update_session(session=draft_session, actor=central_organiser, starts_at=draft_session.starts_at - datetime.timedelta(hours=1))
    assert not SessionChange.objects.exists()


def test_changing_other_fields_of_a_published_session_writes_no_audit_row(session, central_organiser):
    services.update_session(session=session, actor=central_organiser, title="ชื่อใหม่", starts_at=session.starts_at)
    assert not SessionChange.objects.exists()
    session.refresh_from_db()
    assert session.title == "ชื่อใหม่"


def test_update_session_refuses_end_before_start_and_keeps_the_old_times(session, central_organiser):
    before = (session.starts_at, session.ends_at)
    with pytest.raises(services.SessionError) as raised:
        services.update_session(session=session, actor=central_organiser, ends_at=session.starts_at - datetime.timedelta(minutes=5))
    assert raised.value.code == "ends_before_start"
    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == before
    assert not SessionChange.objects.exists()


def test_publish_then_close(draft_session, central_organiser):
    services.publish_session(session=draft_session, actor=central_organiser)
    draft_session.refresh_from_db()
    assert draft_session.status == SessionStatus.PUBLISHED
    with pytest.raises(services.SessionError) as raised:
        services.publish_session(session=draft_session, actor=central_organiser)
    assert raised.value.code == "not_draft"
    services.close_session(session=draft_session, actor=central_organiser)
    draft_session.refresh_from_db()
    assert draft_session.status == SessionStatus.CLOSED


def test_a_draft_cannot_be_closed_and_a_closed_session_cannot_be_edited(draft_session, central_organiser):
    with pytest.raises(services.SessionError) as raised:
        services.close_session(session=draft_session, actor=central_organiser)
    assert raised.value.code == "not_open"
    Session.objects.filter(pk=draft_session.pk).update(status=SessionStatus.CLOSED)
    with pytest.raises(services.SessionError) as raised:
        services.update_session(session=draft_session, actor=central_organiser, title="x")
    assert raised.value.code == "closed"


def test_duplicate_copies_agenda_venues_and_quotas_shifted_to_the_new_dates(seeded_like_session, central_organiser):
    session = seeded_like_session
    AgendaItem.objects.create(
        session=session,
        order=1,
        title="นโยบาย",
        presenter="รองอธิบดี",
        starts_at=session.starts_at + datetime.timedelta(minutes=15),
        duration_minutes=40,
    )
    AgendaItem.objects.create(
        session=session, order=2, title="กรณีศึกษา", starts_at=session.starts_at + datetime.timedelta(minutes=55), duration_minutes=40
    )
    make_quota(session, "TH-52", "committee", 30)
    make_quota(session, "TH-50", "provincial_officer", 2)
    make_registration(session, "TH-52", "committee")
    new_start = session.starts_at + datetime.timedelta(days=364)

    copy = services.duplicate_session(session=session, new_start=new_start, actor=central_organiser)

    assert copy.pk != session.pk and copy.status == SessionStatus.DRAFT
    assert copy.title == session.title and copy.slug != session.slug
    assert copy.starts_at == new_start
    assert copy.ends_at - copy.starts_at == session.ends_at - session.starts_at
    assert copy.registration_closes_at == session.registration_closes_at + datetime.timedelta(days=364)
    assert copy.vc_join_url == session.vc_join_url
    assert [(a.order, a.title, a.presenter, a.starts_at - copy.starts_at, a.duration_minutes) for a in copy.agenda_items.all()] == [
        (a.order, a.title, a.presenter, a.starts_at - session.starts_at, a.duration_minutes) for a in session.agenda_items.all()
    ]
    assert sorted((v.province.code, v.is_host, v.name, v.room) for v in copy.venues.all()) == sorted(
        (v.province.code, v.is_host, v.name, v.room) for v in session.venues.all()
    )
    assert sorted(copy.quotas.values_list("province__code", "role__code", "seats")) == [
        ("TH-50", "provincial_officer", 2),
        ("TH-52", "committee", 30),
    ]
    assert copy.registrations.count() == 0
    # The original is untouched.
    assert session.agenda_items.count() == 2 and session.quotas.count() == 2 and session.registrations.count() == 1


def test_add_venue_refuses_a_second_venue_for_one_province(session, central_organiser):
    lampang = Province.objects.get(code="TH-52")
    services.add_venue(session=session, actor=central_organiser, province=lampang, name="ห้องประชุม 1")
    with pytest.raises(services.VenueError) as raised:
        services.add_venue(session=session, actor=central_organiser, province=lampang, name="ห้องประชุม 2")
    assert raised.value.code == "duplicate_province"
    assert session.venues.count() == 1


def test_the_host_venue_may_share_a_province_with_a_remote_venue_but_is_unique(session, central_organiser):
    bangkok = Province.objects.get(code="TH-10")
    services.add_venue(session=session, actor=central_organiser, province=bangkok, is_host=True, name="War Room")
    services.add_venue(session=session, actor=central_organiser, province=bangkok, name="ห้องชั้น 3")
    with pytest.raises(services.VenueError) as raised:
        services.add_venue(session=session, actor=central_organiser, province=bangkok, is_host=True, name="อีกห้อง")
    assert raised.value.code == "duplicate_host"
    assert session.venues.count() == 2


def test_venue_join_link_must_be_http(session, central_organiser):
    with pytest.raises(services.SessionError) as raised:
        services.add_venue(
            session=session, actor=central_organiser, province=Province.objects.get(code="TH-52"), name="x", vc_join_url="ftp://x.org/"
        )
    assert raised.value.code == "join_url_not_http"
    assert not session.venues.exists()


def test_add_venues_for_all_provinces_fills_only_the_gaps(session, central_organiser):
    make_venue(session, "TH-52", name="ของเดิม")
    make_venue(session, "TH-10", is_host=True, name="War Room")
    added = services.add_venues_for_all_provinces(session=session, actor=central_organiser)
    assert added == 76
    remote = session.venues.filter(is_host=False)
    assert remote.count() == 77
    assert remote.values("province").distinct().count() == 77
    assert remote.get(province__code="TH-52").name == "ของเดิม"
    assert remote.get(province__code="TH-50").name == "สำนักงานพัฒนาชุมชนจังหวัดเชียงใหม่"
    assert services.add_venues_for_all_provinces(session=session, actor=central_organiser) == 0


def test_delete_venue_with_people_registered_there_is_refused(session, central_organiser):
    venue = make_venue(session, "TH-52")
    make_registration(session, "TH-52", venue=venue)
    with pytest.raises(services.VenueError) as raised:
        services.delete_venue(venue=venue, actor=central_organiser)
    assert raised.value.code == "venue_in_use"
    assert Venue.objects.filter(pk=venue.pk).exists()


def test_save_agenda_orders_items_and_keeps_ids(session, central_organiser):
    first = AgendaItem.objects.create(session=session, order=1, title="หนึ่ง")
    second = AgendaItem.objects.create(session=session, order=2, title="สอง")
    dropped = AgendaItem.objects.create(session=session, order=3, title="ลบ")
    services.save_agenda(
        session=session,
        rows=[
            {"id": second.pk, "title": "สอง", "presenter": "", "starts_at": session.starts_at, "duration_minutes": 30},
            {"id": None, "title": "ใหม่", "presenter": "วิทยากร", "starts_at": None, "duration_minutes": None},
            {"id": first.pk, "title": "หนึ่ง (แก้)", "presenter": "", "starts_at": None, "duration_minutes": 20},
        ],
        actor=central_organiser,
    )
    items = list(session.agenda_items.all())
    assert [(i.order, i.title) for i in items] == [(1, "สอง"), (2, "ใหม่"), (3, "หนึ่ง (แก้)")]
    assert items[0].pk == second.pk and items[2].pk == first.pk
    assert not AgendaItem.objects.filter(pk=dropped.pk).exists()


def test_save_agenda_refuses_an_item_of_another_session(session, central_organiser):
    other = make_session()
    foreign = AgendaItem.objects.create(session=other, order=1, title="ของคนอื่น")
    with pytest.raises(services.AgendaError) as raised:
        services.save_agenda(session=session, rows=[{"id": foreign.pk, "title": "x"}], actor=central_organiser)
    assert raised.value.code == "wrong_session"
    foreign.refresh_from_db()
    assert foreign.session == other


def test_save_quota_matrix_creates_updates_and_removes(session, central_organiser):
    lampang, chiangmai = Province.objects.get(code="TH-52"), Province.objects.get(code="TH-50")
    committee, officer = RoleCategory.objects.get(code="committee"), RoleCategory.objects.get(code="provincial_officer")
    make_quota(session, "TH-52", "committee", 10)
    make_quota(session, "TH-50", "committee", 5)
    changed = services.save_quota_matrix(
        session=session,
        cells={(lampang.pk, committee.pk): 12, (lampang.pk, officer.pk): 2, (chiangmai.pk, committee.pk): None},
        actor=central_organiser,
    )
    assert changed == 3
    assert sorted(session.quotas.values_list("province__code", "role__code", "seats")) == [
        ("TH-52", "committee", 12),
        ("TH-52", "provincial_officer", 2),
    ]


def test_quota_below_active_registrations_is_refused_and_nothing_changes(session, central_organiser):
    lampang, chiangmai = Province.objects.get(code="TH-52"), Province.objects.get(code="TH-50")
    committee = RoleCategory.objects.get(code="committee")
    make_quota(session, "TH-52", "committee", 10)
    for _ in range(3):
        make_registration(session, "TH-52", "committee")
    cancelled = make_registration(session, "TH-52", "committee")
    cancelled.status = "cancelled"
    cancelled.save()
    with pytest.raises(services.QuotaError) as raised:
        services.save_quota_matrix(session=session, cells={(lampang.pk, committee.pk): 2, (chiangmai.pk, committee.pk): 8}, actor=central_organiser)
    assert raised.value.code == "quota_below_registered"
    assert [(c["province_id"], c["role_id"]) for c in raised.value.details["cells"]] == [(lampang.pk, committee.pk)]
    assert list(session.quotas.values_list("province__code", "seats")) == [("TH-52", 10)]
    # Exactly the active registrations is allowed (the cancelled one does not count).
    services.save_quota_matrix(session=session, cells={(lampang.pk, committee.pk): 3}, actor=central_organiser)
    assert Quota.objects.get(session=session).seats == 3


def test_removing_a_quota_that_people_use_is_refused(session, central_organiser):
    lampang, committee = Province.objects.get(code="TH-52"), RoleCategory.objects.get(code="committee")
    make_quota(session, "TH-52", "committee", 10)
    make_registration(session, "TH-52", "committee")
    with pytest.raises(services.QuotaError):
        services.save_quota_matrix(session=session, cells={(lampang.pk, committee.pk): None}, actor=central_organiser)
    assert session.quotas.count() == 1


def test_domain_errors_carry_thai_messages(central_organiser):
    start = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(services.SessionError) as raised:
        services.create_session(actor=central_organiser, **_values(start, ends_at=start))
    assert str(raised.value) == "เวลาสิ้นสุดการประชุมต้องอยู่หลังเวลาเริ่ม"
    assert isinstance(raised.value, DomainError)
    assert (raised.value.code, raised.value.details) == ("ends_before_start", {"field": "ends_at"})
