"""Bad input on the staff forms: a Thai message on the right field, and nothing saved."""

import datetime

import pytest
from django.urls import reverse

from meetings.forms import SessionForm, VenueForm
from meetings.models import Province, Quota, RoleCategory, Session, Venue
from meetings.tests.factories import make_quota, make_venue, thai_datetime_post
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db

END_BEFORE_START = "เวลาสิ้นสุดการประชุมต้องอยู่หลังเวลาเริ่ม"
REGISTRATION_AFTER_START = "การลงทะเบียนต้องปิดไม่ช้ากว่าเวลาเริ่มประชุม"
NOT_HTTP = "ลิงก์เข้าร่วมประชุมต้องขึ้นต้นด้วย http:// หรือ https://"
DUPLICATE_PROVINCE = "ลำปาง มีห้องประชุมในการประชุมนี้แล้ว"


DATETIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "checkin_opens_at", "checkin_closes_at")


def session_post(**overrides):
    """The session form's POST; date-time fields given as ISO text ("2030-11-25T09:00") are sent as the
    form's two Thai parts (25/11/2573 and 09:00)."""
    values = {
        "title": "ประชุมชี้แจงโครงการ กข.คจ. ปี 2566",
        "starts_at": "2030-11-25T09:00",
        "ends_at": "2030-11-25T12:00",
        "registration_opens_at": "2030-11-10T08:30",
        "registration_closes_at": "2030-11-24T16:30",
        "organiser_department": "กรมการพัฒนาชุมชน",
        "vc_platform": "zoom",
        "vc_join_url": "https://zoom.us/j/123456789",
    }
    values.update(overrides)
    data = {}
    for name, value in values.items():
        data.update(thai_datetime_post(name, value) if name in DATETIME_FIELDS else {name: value})
    return data


def test_a_valid_session_form_is_valid():
    form = SessionForm(data=session_post())
    assert form.is_valid(), form.errors


def test_end_before_start_is_refused_in_thai():
    form = SessionForm(data=session_post(ends_at="2030-11-25T08:00"))
    assert not form.is_valid()
    assert form.errors["ends_at"] == [END_BEFORE_START]


def test_registration_closing_after_the_start_is_refused_in_thai():
    form = SessionForm(data=session_post(registration_closes_at="2030-11-25T10:00"))
    assert not form.is_valid()
    assert form.errors["registration_closes_at"] == [REGISTRATION_AFTER_START]


@pytest.mark.parametrize("url", ["ftp://zoom.us/j/1", "javascript:alert(1)", "mailto:someone@example.org", "file:///etc/passwd"])
def test_a_join_link_that_is_not_http_is_refused_in_thai(url):
    form = SessionForm(data=session_post(vc_join_url=url))
    assert not form.is_valid()
    assert form.errors["vc_join_url"] == [NOT_HTTP]


def test_a_join_link_without_a_scheme_gets_https():
    form = SessionForm(data=session_post(vc_join_url="zoom.us/j/123456789"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["vc_join_url"] == "https://zoom.us/j/123456789"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2030-11-25T08:00"}, "ends_at", END_BEFORE_START),
        ({"registration_closes_at": "2030-11-26T08:00"}, "registration_closes_at", REGISTRATION_AFTER_START),
        ({"vc_join_url": "ftp://zoom.us/j/1"}, "vc_join_url", NOT_HTTP),
    ],
)
def test_create_page_shows_the_error_and_saves_nothing(client, central_organiser, overrides, field, message):
    client.force_login(central_organiser)
    response = client.post(reverse("meetings:session_create"), session_post(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field] == [message]
    assert Session.objects.count() == 0


def test_create_page_saves_a_draft_and_goes_to_its_page(client, central_organiser):
    client.force_login(central_organiser)
    response = client.post(reverse("meetings:session_create"), session_post())
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert session.status == "draft"
    assert session.starts_at == datetime.datetime.fromisoformat("2030-11-25T09:00+07:00")


def test_edit_page_refuses_end_before_start_and_keeps_the_session(client, central_organiser, session):
    client.force_login(central_organiser)
    before = (session.title, session.starts_at, session.ends_at)
    response = client.post(reverse("meetings:session_edit", args=[session.pk]), session_post(title="ชื่อใหม่", ends_at="2030-11-25T08:00"))
    assert response.status_code == 200
    assert END_BEFORE_START in response.content.decode()
    session.refresh_from_db()
    assert (session.title, session.starts_at, session.ends_at) == before


def venue_post(province_code="TH-52", **overrides):
    data = {
        "province": Province.objects.get(code=province_code).pk,
        "name": "สำนักงานพัฒนาชุมชนจังหวัดลำปาง",
        "room": "ห้องประชุมชั้น 3",
        "capacity": "40",
    }
    data.update(overrides)
    return data


def test_two_venues_for_one_province_are_refused_in_thai(session):
    make_venue(session, "TH-52")
    form = VenueForm(data=venue_post(), session=session)
    assert not form.is_valid()
    assert form.errors["province"] == [DUPLICATE_PROVINCE]


def test_editing_a_venue_keeps_its_own_province(session):
    venue = make_venue(session, "TH-52")
    form = VenueForm(data=venue_post(name="ชื่อใหม่"), instance=venue, session=session)
    assert form.is_valid(), form.errors


def test_venue_page_refuses_a_duplicate_province_and_saves_nothing(client, central_organiser, session):
    make_venue(session, "TH-52")
    client.force_login(central_organiser)
    response = client.post(reverse("meetings:venue_create", args=[session.pk]), venue_post())
    assert response.status_code == 200
    assert DUPLICATE_PROVINCE in response.content.decode()
    assert Venue.objects.filter(session=session).count() == 1


def test_venue_page_refuses_a_non_http_join_link(client, central_organiser, session):
    client.force_login(central_organiser)
    response = client.post(reverse("meetings:venue_create", args=[session.pk]), venue_post(vc_join_url="javascript:alert(1)"))
    assert response.status_code == 200
    assert response.context["form"].errors["vc_join_url"] == [NOT_HTTP]
    assert not Venue.objects.exists()


def test_quota_below_registered_is_refused_in_thai_and_nothing_saved(client, central_organiser, session):
    make_quota(session, "TH-52", "committee", 10)
    make_quota(session, "TH-50", "committee", 10)
    for _ in range(4):
        make_registration(session, "TH-52", "committee")
    lampang, chiangmai = Province.objects.get(code="TH-52"), Province.objects.get(code="TH-50")
    committee = RoleCategory.objects.get(code="committee")
    client.force_login(central_organiser)
    page = client.get(reverse("meetings:quota_matrix", args=[session.pk]))
    data = {name: ("" if f.initial is None else f.initial) for name, f in page.context["form"].fields.items() if name.startswith("q_")}
    data.update({f"q_{lampang.pk}_{committee.pk}": "3", f"q_{chiangmai.pk}_{committee.pk}": "20"})
    response = client.post(reverse("meetings:quota_matrix", args=[session.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "โควตาบางช่องน้อยกว่าจำนวนผู้ที่ลงทะเบียนแล้ว จึงยังไม่ได้บันทึกข้อมูลใด ๆ" in html
    assert response.context["form"].errors[f"q_{lampang.pk}_{committee.pk}"] == [
        "ลำปาง, คณะกรรมการโครงการแก้ไขปัญหาความยากจน (กข.คจ.): ลงทะเบียนแล้ว 4 คน จึงกำหนดโควตาเป็น 3 ไม่ได้"
    ]
    # Nothing saved: not even the valid Chiang Mai cell.
    assert sorted(Quota.objects.values_list("province__code", "seats")) == [("TH-50", 10), ("TH-52", 10)]


def test_quota_matrix_refuses_a_negative_number(client, central_organiser, session):
    lampang, committee = Province.objects.get(code="TH-52"), RoleCategory.objects.get(code="committee")
    client.force_login(central_organiser)
    response = client.post(reverse("meetings:quota_matrix", args=[session.pk]), {f"q_{lampang.pk}_{committee.pk}": "-5"})
    assert response.status_code == 200
    assert response.context["form"].errors[f"q_{lampang.pk}_{committee.pk}"]
    assert not Quota.objects.exists()
