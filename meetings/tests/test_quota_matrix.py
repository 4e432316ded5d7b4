"""The quota matrix: 77 provinces × role categories in one form, column fill, totals, fixed query count."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from meetings import services
from meetings.models import Province, Quota, RoleCategory
from meetings.tests.factories import make_quota
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db

# Showing: login session, user, profile, the session row, provinces, roles, quotas, seats used (8).
# Saving: the same 8, then inside the transaction the session lock, the used recount, provinces, roles,
# current quotas, and at most one delete, one insert and one update (plus the savepoint pair).
PAGE_QUERIES = 8
SAVE_QUERIES = 18


def matrix_url(session):
    return reverse("meetings:quota_matrix", args=[session.pk])


def current_post_data(response):
    form = response.context["form"]
    return {name: ("" if field.initial is None else field.initial) for name, field in form.fields.items() if name.startswith("q_")}


def fill_everything(session, extra_roles=0):
    """A full matrix: every province × every role, and some registrations in each province."""
    for i in range(extra_roles):
        RoleCategory.objects.create(code=f"extra_{i}", name_th=f"บทบาทเพิ่ม {i}", name_en=f"Extra {i}", order=100 + i)
    roles = list(RoleCategory.objects.all())
    Quota.objects.bulk_create(Quota(session=session, province=p, role=r, seats=5) for p in Province.objects.all() for r in roles)
    for code in ("TH-52", "TH-50", "TH-10", "TH-90"):
        for _ in range(2):
            make_registration(session, code, "committee")


def test_matrix_page_has_a_cell_for_every_province_and_role(client, central_organiser, session):
    client.force_login(central_organiser)
    response = client.get(matrix_url(session))
    assert response.status_code == 200
    html = response.content.decode()
    n_roles = RoleCategory.objects.count()
    assert html.count('class="form-control form-control-sm quota-cell"') == 77 * n_roles
    assert html.count('quota-fill"') == n_roles
    assert "ลำปาง" in html and "เชียงใหม่" in html and "กรุงเทพมหานคร" in html


@pytest.mark.parametrize("size", ["empty", "full"])
def test_matrix_page_runs_a_fixed_number_of_queries(client, central_organiser, session, django_assert_max_num_queries, size):
    if size == "full":
        fill_everything(session, extra_roles=4)
    client.force_login(central_organiser)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(matrix_url(session))
    assert response.status_code == 200


@pytest.mark.parametrize("size", ["empty", "full"])
def test_saving_the_matrix_runs_a_fixed_number_of_queries(client, central_organiser, session, django_assert_max_num_queries, size):
    if size == "full":
        fill_everything(session, extra_roles=4)
    client.force_login(central_organiser)
    data = current_post_data(client.get(matrix_url(session)))
    committee = RoleCategory.objects.get(code="committee")
    data[f"fill_{committee.pk}"] = "30"
    with django_assert_max_num_queries(SAVE_QUERIES):
        response = client.post(matrix_url(session), data)
    assert response.status_code == 302
    assert Quota.objects.filter(session=session, role=committee, seats=30).count() == 77


def test_fill_column_sets_every_province_and_keeps_other_columns(client, central_organiser, session):
    officer = RoleCategory.objects.get(code="provincial_officer")
    committee = RoleCategory.objects.get(code="committee")
    make_quota(session, "TH-52", "committee", 33)
    client.force_login(central_organiser)
    data = current_post_data(client.get(matrix_url(session)))
    data[f"fill_{officer.pk}"] = "2"
    response = client.post(matrix_url(session), data)
    assert response.status_code == 302
    assert Quota.objects.filter(session=session, role=officer).count() == 77
    assert set(Quota.objects.filter(session=session, role=officer).values_list("seats", flat=True)) == {2}
    assert list(Quota.objects.filter(session=session, role=committee).values_list("seats", flat=True)) == [33]
    page = client.get(matrix_url(session))
    assert page.context["grand_total"] == 77 * 2 + 33


def test_fill_column_below_registered_saves_nothing(client, central_organiser, session):
    committee = RoleCategory.objects.get(code="committee")
    make_quota(session, "TH-52", "committee", 10)
    for _ in range(3):
        make_registration(session, "TH-52", "committee")
    client.force_login(central_organiser)
    data = current_post_data(client.get(matrix_url(session)))
    data[f"fill_{committee.pk}"] = "1"
    response = client.post(matrix_url(session), data)
    assert response.status_code == 200
    assert list(Quota.objects.filter(session=session).values_list("seats", flat=True)) == [10]


def test_totals_show_seats_and_registrations(client, central_organiser, session):
    make_quota(session, "TH-52", "committee", 10)
    make_quota(session, "TH-50", "committee", 7)
    make_quota(session, "TH-52", "provincial_officer", 2)
    make_registration(session, "TH-52", "committee")
    client.force_login(central_organiser)
    response = client.get(matrix_url(session))
    totals = {role.code: (seats, used) for role, _, seats, used in response.context["totals"]}
    assert totals["committee"] == (17, 1)
    assert totals["provincial_officer"] == (2, 0)
    assert response.context["grand_total"] == 19 and response.context["grand_used"] == 1
    lampang_row = next(row for row in response.context["rows"] if row[0].code == "TH-52")
    assert lampang_row[2] == 12


def test_a_cell_missing_from_the_request_is_left_alone(client, central_organiser, session):
    make_quota(session, "TH-52", "committee", 10)
    chiangmai, committee = Province.objects.get(code="TH-50"), RoleCategory.objects.get(code="committee")
    client.force_login(central_organiser)
    response = client.post(matrix_url(session), {f"q_{chiangmai.pk}_{committee.pk}": "4"})
    assert response.status_code == 302
    assert sorted(Quota.objects.values_list("province__code", "seats")) == [("TH-50", 4), ("TH-52", 10)]


def test_an_emptied_cell_removes_the_quota(client, central_organiser, session):
    make_quota(session, "TH-52", "committee", 10)
    client.force_login(central_organiser)
    data = current_post_data(client.get(matrix_url(session)))
    lampang, committee = Province.objects.get(code="TH-52"), RoleCategory.objects.get(code="committee")
    assert data[f"q_{lampang.pk}_{committee.pk}"] == 10
    data[f"q_{lampang.pk}_{committee.pk}"] = ""
    assert client.post(matrix_url(session), data).status_code == 302
    assert not Quota.objects.exists()


def test_registrations_counted_while_saving_show_on_their_cells_and_nothing_is_saved(client, central_organiser, session, monkeypatch):
    """The page's form checks against the seats used when it was read; the save counts again inside its
    transaction. People registered in between make the save refuse, and the matrix shows which cell."""
    lampang, committee = Province.objects.get(code="TH-52"), RoleCategory.objects.get(code="committee")
    make_quota(session, "TH-52", "committee", 10)
    for _ in range(3):
        make_registration(session, "TH-52", "committee")
    counted = services.used_seats
    calls = []

    def used_seats(session):
        calls.append(session.pk)
        return {} if len(calls) == 1 else counted(session)  # the page read before the three registered

    monkeypatch.setattr(services, "used_seats", used_seats)
    client.force_login(central_organiser)
    response = client.post(matrix_url(session), {f"q_{lampang.pk}_{committee.pk}": "2"})
    assert response.status_code == 200
    assert len(calls) == 2
    form = response.context["form"]
    assert form.errors[f"q_{lampang.pk}_{committee.pk}"][0].startswith("ลำปาง")
    with translation.override("th"):
        summary = gettext("Some quotas are below the number of people already registered; nothing was saved.")
    assert form.non_field_errors() == [summary]
    assert list(Quota.objects.values_list("seats", flat=True)) == [10]
