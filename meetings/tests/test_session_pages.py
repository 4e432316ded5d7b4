"""Session pages: what each person sees, the list with filters, the month calendar and the staff actions."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from meetings.models import AgendaItem, Session, SessionChange, SessionStatus, Venue
from meetings.tests.factories import make_quota, make_session
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db
BANGKOK = ZoneInfo("Asia/Bangkok")
JOIN_URL = "https://zoom.us/j/95125112564"


def detail(client, session):
    response = client.get(reverse("meetings:session_detail", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_session_page_shows_the_thai_date_and_agenda_but_never_join_details(client, seeded_like_session):
    AgendaItem.objects.create(session=seeded_like_session, order=1, title="นโยบายของผู้บริหาร", presenter="รองอธิบดี")
    html = detail(client, seeded_like_session)
    assert "วันพฤหัสบดีที่ 25 พฤศจิกายน พ.ศ. 2564 เวลา 09.00 น." in html
    assert "นโยบายของผู้บริหาร" in html
    assert JOIN_URL not in html and "951 2511 2564" not in html and 'id="join-details"' not in html
    assert 'id="province-share"' not in html and 'id="manage"' not in html


def test_lampang_officer_sees_join_details_their_venue_and_quota_usage(client, seeded_like_session, lampang_officer):
    make_quota(seeded_like_session, "TH-52", "committee", 30)
    make_quota(seeded_like_session, "TH-52", "provincial_officer", 2)
    make_quota(seeded_like_session, "TH-50", "committee", 99)
    for _ in range(3):
        make_registration(seeded_like_session, "TH-52", "committee")
    make_registration(seeded_like_session, "TH-50", "committee")
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:session_detail", args=[seeded_like_session.pk]))
    html = response.content.decode()
    assert JOIN_URL in html and "951 2511 2564" in html
    share = response.context["share"]
    assert share["province"].code == "TH-52"
    assert [(q.role.code, q.seats, q.used, q.free) for q in share["quotas"]] == [
        ("provincial_officer", 2, 0, 2),
        ("committee", 30, 3, 27),
    ]
    assert (share["seats"], share["used"], share["free"]) == (32, 3, 29)
    assert response.context["own_venue"].province.code == "TH-52"
    assert "99" not in html.split('id="province-share"')[1].split("</table>")[0]
    assert 'id="manage"' not in html


def test_a_venue_with_its_own_link_overrides_the_session_link_for_that_province(client, seeded_like_session, chiangmai_officer):
    Venue.objects.filter(session=seeded_like_session, province__code="TH-50").update(vc_join_url="https://meet.google.com/abc-defg-hij")
    client.force_login(chiangmai_officer)
    html = detail(client, seeded_like_session)
    assert "https://meet.google.com/abc-defg-hij" in html
    assert JOIN_URL not in html


def test_officers_see_published_sessions_but_not_drafts(client, lampang_officer, draft_session, session):
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:session_list"))
    listed = {s.pk for s in response.context["page"]}
    assert session.pk in listed and draft_session.pk not in listed
    assert "สร้างการประชุมใหม่" not in response.content.decode()


def test_central_staff_see_the_manage_bar_and_the_change_log(client, central_organiser, seeded_like_session):
    SessionChange.objects.create(
        session=seeded_like_session,
        field="starts_at",
        changed_by=central_organiser,
        old_value="2021-11-25T09:00:00+07:00",
        new_value="2021-11-25T09:30:00+07:00",
    )
    client.force_login(central_organiser)
    html = detail(client, seeded_like_session)
    assert 'id="manage"' in html and JOIN_URL in html
    assert "เลื่อนเวลาเริ่มจาก 25 พ.ย. 2564 09.00 น. เป็น 25 พ.ย. 2564 09.30 น." in html


def test_session_list_filters_by_search_status_period_and_be_year(client, central_organiser):
    old = make_session(starts_at=datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK), title="ประชุม กข.คจ. 2564", status="closed")
    new = make_session(title="อบรมกองทุนชุมชน")
    draft = make_session(title="ร่าง กข.คจ.", status="draft")
    client.force_login(central_organiser)

    def listed(**params):
        response = client.get(reverse("meetings:session_list"), params)
        assert response.status_code == 200
        return {s.pk for s in response.context["page"]}

    assert listed() == {old.pk, new.pk, draft.pk}
    assert listed(q="กข.คจ.") == {old.pk, draft.pk}
    assert listed(status="draft") == {draft.pk}
    assert listed(period="past") == {old.pk}
    assert listed(year="2564") == {old.pk}


def test_session_list_counts_venues_seats_and_registrations_without_n_plus_one(client, central_organiser, django_assert_max_num_queries):
    client.force_login(central_organiser)
    for size in (1, 8):
        while Session.objects.count() < size:
            s = make_session()
            make_quota(s, "TH-52", "committee", 5)
            make_registration(s, "TH-52", "committee")
        with django_assert_max_num_queries(6):
            response = client.get(reverse("meetings:session_list"))
        row = response.context["page"][0]
        assert (row.seat_count, row.registered_count) == (5, 1)


def test_month_calendar_places_the_session_on_its_day(client, lampang_officer, seeded_like_session):
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:session_calendar"), {"year": 2021, "month": 11})
    assert response.status_code == 200
    html = response.content.decode()
    assert "พฤศจิกายน 2564" in html
    day = next(cell for week in response.context["weeks"] for cell in week if cell[0] == datetime.date(2021, 11, 25))
    assert [s.pk for s in day[3]] == [seeded_like_session.pk]
    assert response.context["previous"]["month"] == 10 and response.context["following"]["month"] == 12


def test_month_calendar_rejects_a_bad_month(client, lampang_officer):
    client.force_login(lampang_officer)
    assert client.get(reverse("meetings:session_calendar"), {"year": 2021, "month": 13}).status_code == 404


def _opening_month(response):
    """The month a calendar page shows: the one its in-month cells belong to."""
    assert response.status_code == 200
    days = {cell[0] for week in response.context["weeks"] for cell in week if cell[1]}
    return {(d.year, d.month) for d in days}


def test_month_calendar_opens_on_the_month_of_the_next_session(client, lampang_officer, seeded_like_session):
    coming = make_session(starts_at=datetime.datetime(2099, 3, 10, 9, 0, tzinfo=BANGKOK))
    make_session(starts_at=datetime.datetime(2099, 6, 1, 9, 0, tzinfo=BANGKOK))
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:session_calendar"))
    assert _opening_month(response) == {(2099, 3)}
    day = next(cell for week in response.context["weeks"] for cell in week if cell[0] == datetime.date(2099, 3, 10))
    assert [s.pk for s in day[3]] == [coming.pk]
    assert "มีนาคม 2642" in response.content.decode()


def test_month_calendar_opens_on_the_latest_past_session_when_none_is_coming(client, lampang_officer, seeded_like_session):
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:session_calendar"))
    assert _opening_month(response) == {(2021, 11)}
    html = response.content.decode()
    assert "พฤศจิกายน 2564" in html and seeded_like_session.title in html
    today = datetime.datetime.now(BANGKOK).date()
    assert f"?year={today.year}&amp;month={today.month}" in html  # a way back to the current month


def test_month_calendar_without_sessions_opens_on_the_current_month(client, lampang_officer):
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:session_calendar"))
    today = datetime.datetime.now(BANGKOK).date()
    assert _opening_month(response) == {(today.year, today.month)}
    assert response.context["this_month"] is None


def test_publish_and_close_buttons(client, central_organiser, draft_session):
    client.force_login(central_organiser)
    client.post(reverse("meetings:session_publish", args=[draft_session.pk]))
    draft_session.refresh_from_db()
    assert draft_session.status == SessionStatus.PUBLISHED
    response = client.post(reverse("meetings:session_publish", args=[draft_session.pk]), follow=True)
    assert "เผยแพร่ได้เฉพาะการประชุมที่เป็นฉบับร่าง" in response.content.decode()
    client.post(reverse("meetings:session_start", args=[draft_session.pk]))
    draft_session.refresh_from_db()
    assert draft_session.status == SessionStatus.IN_PROGRESS
    client.post(reverse("meetings:session_close", args=[draft_session.pk]))
    draft_session.refresh_from_db()
    assert draft_session.status == SessionStatus.CLOSED


def test_editing_the_start_of_a_published_session_writes_the_audit_row(client, central_organiser, seeded_like_session):
    client.force_login(central_organiser)
    response = client.post(
        reverse("meetings:session_edit", args=[seeded_like_session.pk]),
        {
            "title": seeded_like_session.title,
            "starts_at_0": "25/11/2564",
            "starts_at_1": "10:00",
            "ends_at_0": "25/11/2564",
            "ends_at_1": "12:00",
            "vc_platform": "zoom",
            "vc_join_url": JOIN_URL,
        },
    )
    assert response.status_code == 302
    change = SessionChange.objects.get()
    assert change.changed_by == central_organiser
    assert datetime.datetime.fromisoformat(change.old_value) == datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK)
    assert datetime.datetime.fromisoformat(change.new_value) == datetime.datetime(2021, 11, 25, 10, 0, tzinfo=BANGKOK)


def test_agenda_page_saves_ordered_items(client, central_organiser, seeded_like_session):
    client.force_login(central_organiser)
    url = reverse("meetings:agenda_edit", args=[seeded_like_session.pk])
    data = {
        "agenda-TOTAL_FORMS": "3",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
        "agenda-0-title": "กรณีศึกษา",
        "agenda-0-ORDER": "2",
        "agenda-0-starts_at_0": "25/11/2564",
        "agenda-0-starts_at_1": "10:00",
        "agenda-0-duration_minutes": "40",
        "agenda-1-title": "นโยบายของผู้บริหาร",
        "agenda-1-ORDER": "1",
        "agenda-1-presenter": "รองอธิบดี",
        "agenda-2-title": "",
        "agenda-2-ORDER": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert [(i.order, i.title, i.presenter) for i in seeded_like_session.agenda_items.all()] == [
        (1, "นโยบายของผู้บริหาร", "รองอธิบดี"),
        (2, "กรณีศึกษา", ""),
    ]
    assert seeded_like_session.agenda_items.get(order=2).starts_at == datetime.datetime(2021, 11, 25, 10, 0, tzinfo=BANGKOK)


def test_agenda_page_refuses_a_start_outside_the_session(client, central_organiser, seeded_like_session):
    client.force_login(central_organiser)
    data = {
        "agenda-TOTAL_FORMS": "1",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
        "agenda-0-title": "หัวข้อ",
        "agenda-0-ORDER": "1",
        "agenda-0-starts_at_0": "27/11/2564",
        "agenda-0-starts_at_1": "10:00",
    }
    response = client.post(reverse("meetings:agenda_edit", args=[seeded_like_session.pk]), data)
    assert response.status_code == 200
    assert "เวลาเริ่มตามกำหนดการอยู่นอกช่วงเวลาของการประชุม" in response.content.decode()
    assert not seeded_like_session.agenda_items.exists()


def test_add_for_every_province_button(client, central_organiser, seeded_like_session):
    client.force_login(central_organiser)
    page = client.get(reverse("meetings:venue_list", args=[seeded_like_session.pk]))
    assert "ยังมี 75 จังหวัดที่ไม่มีห้องประชุม" in page.content.decode()
    response = client.post(
        reverse("meetings:venues_add_all", args=[seeded_like_session.pk]),
        {"name_prefix": "สำนักงานพัฒนาชุมชนจังหวัด", "room": "ห้องประชุม", "capacity": "40"},
        follow=True,
    )
    assert "เพิ่มห้องประชุม 75 แห่งแล้ว" in response.content.decode()
    remote = seeded_like_session.venues.filter(is_host=False)
    assert remote.count() == 77
    assert remote.get(province__code="TH-90").capacity == 40


def test_venue_edit_and_delete(client, central_organiser, seeded_like_session):
    venue = seeded_like_session.venues.get(province__code="TH-50")
    client.force_login(central_organiser)
    response = client.post(
        reverse("meetings:venue_edit", args=[seeded_like_session.pk, venue.pk]),
        {"province": venue.province_id, "name": "ห้องประชุมศาลากลาง", "room": "ชั้น 2", "capacity": "50"},
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.name, venue.capacity) == ("ห้องประชุมศาลากลาง", 50)
    client.post(reverse("meetings:venue_delete", args=[seeded_like_session.pk, venue.pk]))
    assert not Venue.objects.filter(pk=venue.pk).exists()


def test_session_detail_keeps_a_block_for_other_features():
    from django.template.loader import get_template

    source = get_template("meetings/session_detail.html").template.source
    assert "{% block session_actions %}" in source


def test_edit_page_shows_saved_times_in_the_buddhist_era_and_24_hour_time(client, central_organiser, seeded_like_session):
    client.force_login(central_organiser)
    html = client.get(reverse("meetings:session_edit", args=[seeded_like_session.pk])).content.decode()
    assert 'name="starts_at_0" value="25/11/2564"' in html and 'name="starts_at_1" value="09:00"' in html
    assert 'type="datetime-local"' not in html and 'type="date"' not in html


def test_officers_session_list_counts_only_their_province(client, lampang_officer, seeded_like_session):
    make_quota(seeded_like_session, "TH-52", "committee", 30)
    make_quota(seeded_like_session, "TH-50", "committee", 40)
    make_registration(seeded_like_session, "TH-52", "committee")
    make_registration(seeded_like_session, "TH-50", "committee")
    make_registration(seeded_like_session, "TH-50", "committee")
    client.force_login(lampang_officer)
    row = client.get(reverse("meetings:session_list")).context["page"][0]
    assert (row.venue_count, row.seat_count, row.registered_count) == (1, 30, 1)
