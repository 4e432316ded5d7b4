"""Permission matrix for the live dashboard page; another province's or a draft session answers 404."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from meetings.models import SessionStatus
from meetings.tests.factories import PASSWORD, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(central_organiser):
    return make_session(created_by=central_organiser)


@pytest.fixture
def draft(central_organiser):
    return make_session(status=SessionStatus.DRAFT, created_by=central_organiser)


@pytest.fixture
def nobody(db):
    """A login without a staff profile: nobody's officer."""
    return get_user_model().objects.create_user("nobody", password=PASSWORD)


URLS = [
    ("attendance:live_dashboard", "published"),
    ("attendance:live_dashboard", "draft"),
    ("attendance:live_dashboard", "missing"),
]

# who -> expected status for (published, draft, missing)
MATRIX = {
    None: (302, 302, 302),
    "nobody": (403, 403, 403),
    "central_organiser": (200, 200, 404),
    "lampang_officer": (200, 404, 404),
    "chiangmai_officer": (200, 404, 404),
}


@pytest.mark.parametrize("who", list(MATRIX))
@pytest.mark.parametrize("index", range(len(URLS)))
def test_permission_matrix(client, request, published, draft, who, index):
    name, which = URLS[index]
    session_pk = {"published": published.pk, "draft": draft.pk, "missing": 999999}[which]
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(name, kwargs={"session_pk": session_pk}))
    assert response.status_code == MATRIX[who][index]
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))


def test_central_staff_page_is_national(client, central_organiser, published):
    client.force_login(central_organiser)
    response = client.get(reverse("attendance:live_dashboard", kwargs={"session_pk": published.pk}))
    html = response.content.decode()
    assert 'data-scope="national"' in html
    assert f'data-socket-path="/ws/sessions/{published.pk}/attendance/"' in html
    assert "ทั้งประเทศ" in html
    assert "chart.js-4.6.1/chart.umd.min.js" in html
    assert "attendance/dashboard.js" in html
    assert response.context["labels"]["provinces"]["TH-52"] == "ลำปาง"
    assert len(response.context["labels"]["provinces"]) == 77


def test_officer_page_is_their_province(client, lampang_officer, published):
    client.force_login(lampang_officer)
    response = client.get(reverse("attendance:live_dashboard", kwargs={"session_pk": published.pk}))
    html = response.content.decode()
    assert 'data-scope="province"' in html
    assert "จังหวัดลำปาง" in html


@pytest.mark.parametrize("size", [3, 40])
def test_page_queries_do_not_grow(client, central_organiser, published, size, django_assert_max_num_queries):
    from registration.tests.factories import make_registration

    for _ in range(size):
        make_registration(published, "TH-52")
    client.force_login(central_organiser)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("attendance:live_dashboard", kwargs={"session_pk": published.pk}))
    assert response.status_code == 200
