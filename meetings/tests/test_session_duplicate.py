"""The duplicate action: a new draft with the agenda, venues and quotas, moved to the new dates."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from meetings.models import AgendaItem, Session, SessionStatus
from meetings.tests.factories import make_quota
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db
BANGKOK = ZoneInfo("Asia/Bangkok")


def test_duplicate_page_offers_the_same_time_next_year(client, central_organiser, seeded_like_session):
    client.force_login(central_organiser)
    response = client.get(reverse("meetings:session_duplicate", args=[seeded_like_session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="new_start_0" value="25/11/2565"' in html and 'name="new_start_1" value="09:00"' in html


def test_duplicate_action_makes_a_shifted_draft_copy(client, central_organiser, seeded_like_session):
    session = seeded_like_session
    AgendaItem.objects.create(
        session=session, order=1, title="นโยบาย", starts_at=session.starts_at + datetime.timedelta(minutes=15), duration_minutes=40
    )
    make_quota(session, "TH-52", "committee", 35)
    make_registration(session, "TH-52", "committee")
    client.force_login(central_organiser)

    response = client.post(
        reverse("meetings:session_duplicate", args=[session.pk]),
        {"new_start_0": "24/11/2565", "new_start_1": "13:30", "title": "ประชุม กข.คจ. ปี 2566"},
    )

    copy = Session.objects.exclude(pk=session.pk).get()
    assert response.status_code == 302 and response["Location"] == copy.get_absolute_url()
    assert copy.status == SessionStatus.DRAFT and copy.title == "ประชุม กข.คจ. ปี 2566"
    assert copy.starts_at == datetime.datetime(2022, 11, 24, 13, 30, tzinfo=BANGKOK)
    assert copy.ends_at == datetime.datetime(2022, 11, 24, 16, 30, tzinfo=BANGKOK)
    assert copy.agenda_items.get().starts_at == datetime.datetime(2022, 11, 24, 13, 45, tzinfo=BANGKOK)
    assert copy.venues.count() == 3 and copy.venues.filter(is_host=True).count() == 1
    assert list(copy.quotas.values_list("province__code", "seats")) == [("TH-52", 35)]
    assert copy.registrations.count() == 0
    assert copy.created_by == central_organiser


def test_duplicate_without_a_start_saves_nothing(client, central_organiser, seeded_like_session):
    client.force_login(central_organiser)
    response = client.post(reverse("meetings:session_duplicate", args=[seeded_like_session.pk]), {"new_start_0": "", "new_start_1": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["new_start"]
    assert Session.objects.count() == 1


def test_duplicate_is_for_central_staff_only(client, lampang_officer, seeded_like_session):
    client.force_login(lampang_officer)
    response = client.post(
        reverse("meetings:session_duplicate", args=[seeded_like_session.pk]), {"new_start_0": "24/11/2565", "new_start_1": "09:00"}
    )
    assert response.status_code == 403
    assert Session.objects.count() == 1
