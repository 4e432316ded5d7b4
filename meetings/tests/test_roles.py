"""Role scoping: central staff see everything; a provincial office only its own province."""

import pytest
from django.urls import reverse

from meetings.models import Venue
from meetings.permissions import is_central, scope_to_user, user_province
from meetings.tests.factories import make_session, make_venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def venues(session):
    return {
        "lampang": make_venue(session, "TH-52"),
        "chiangmai": make_venue(session, "TH-50"),
    }


def _venue_url(venue):
    return reverse("meetings:venue_detail", kwargs={"session_pk": venue.session_id, "pk": venue.pk})


def test_lampang_officer_gets_404_on_a_chiang_mai_venue(client, lampang_officer, venues):
    client.force_login(lampang_officer)
    assert client.get(_venue_url(venues["chiangmai"])).status_code == 404
    assert client.get(_venue_url(venues["lampang"])).status_code == 200


def test_chiangmai_officer_gets_404_on_a_lampang_venue(client, chiangmai_officer, venues):
    client.force_login(chiangmai_officer)
    assert client.get(_venue_url(venues["lampang"])).status_code == 404


def test_central_staff_see_every_province(client, central_organiser, venues):
    client.force_login(central_organiser)
    assert client.get(_venue_url(venues["lampang"])).status_code == 200
    assert client.get(_venue_url(venues["chiangmai"])).status_code == 200


def test_anonymous_is_sent_to_login(client, venues):
    response = client.get(_venue_url(venues["lampang"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_scope_helpers(lampang_officer, central_organiser, venues):
    assert is_central(central_organiser) and not is_central(lampang_officer)
    assert user_province(lampang_officer).code == "TH-52"
    assert list(scope_to_user(Venue.objects.all(), lampang_officer)) == [venues["lampang"]]
    assert scope_to_user(Venue.objects.all(), central_organiser).count() == 2


def test_officer_cannot_see_a_draft_session(client, lampang_officer):
    draft = make_session(status="draft")
    client.force_login(lampang_officer)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_groups_exist_with_permissions():
    from django.contrib.auth.models import Group

    central = Group.objects.get(name="central_staff")
    provincial = Group.objects.get(name="provincial_officer")
    assert central.permissions.filter(codename="change_session").exists()
    assert provincial.permissions.filter(codename="add_registration").exists()
    assert not provincial.permissions.filter(codename="change_session").exists()
