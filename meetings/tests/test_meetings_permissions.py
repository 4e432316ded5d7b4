"""Permission matrix over every URL of the meetings staff pages and session pages.

People: anonymous, an attendee (no login: a registered person reaches their pages by personal link,
registration/tests/test_personal_link.py, so staff pages treat them as anonymous), a Lampang officer, a Chiang Mai officer, central staff. LOGIN means a redirect to the
login page; another province's object answers 404, a staff-only page answers 403 to an officer.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from meetings.tests.factories import make_session, make_venue

pytestmark = pytest.mark.django_db

LOGIN = "login"
PEOPLE = ("anonymous", "attendee", "lampang", "chiangmai", "central")

# (name, method, url builder, {person: expected}) — url builders get the objects dict.
MATRIX = [
    (
        "session_list",
        "get",
        lambda o: reverse("meetings:session_list"),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 200, "chiangmai": 200, "central": 200},
    ),
    (
        "session_calendar",
        "get",
        lambda o: reverse("meetings:session_calendar") + "?year=2021&month=11",
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 200, "chiangmai": 200, "central": 200},
    ),
    (
        "session_create",
        "get",
        lambda o: reverse("meetings:session_create"),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "session_detail published",
        "get",
        lambda o: reverse("meetings:session_detail", args=[o["session"].pk]),
        {"anonymous": 200, "attendee": 200, "lampang": 200, "chiangmai": 200, "central": 200},
    ),
    (
        "session_detail draft",
        "get",
        lambda o: reverse("meetings:session_detail", args=[o["draft"].pk]),
        {"anonymous": 404, "attendee": 404, "lampang": 404, "chiangmai": 404, "central": 200},
    ),
    (
        "session_ics published",
        "get",
        lambda o: reverse("meetings:session_ics", args=[o["session"].pk]),
        {"anonymous": 200, "attendee": 200, "lampang": 200, "chiangmai": 200, "central": 200},
    ),
    (
        "session_ics draft",
        "get",
        lambda o: reverse("meetings:session_ics", args=[o["draft"].pk]),
        {"anonymous": 404, "attendee": 404, "lampang": 404, "chiangmai": 404, "central": 200},
    ),
    (
        "session_edit",
        "get",
        lambda o: reverse("meetings:session_edit", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "session_publish",
        "post",
        lambda o: reverse("meetings:session_publish", args=[o["draft"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 302},
    ),
    (
        "session_start",
        "post",
        lambda o: reverse("meetings:session_start", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 302},
    ),
    (
        "session_close",
        "post",
        lambda o: reverse("meetings:session_close", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 302},
    ),
    (
        "session_duplicate",
        "get",
        lambda o: reverse("meetings:session_duplicate", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "agenda_edit",
        "get",
        lambda o: reverse("meetings:agenda_edit", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "venue_list",
        "get",
        lambda o: reverse("meetings:venue_list", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "venue_create",
        "get",
        lambda o: reverse("meetings:venue_create", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "venues_add_all",
        "post",
        lambda o: reverse("meetings:venues_add_all", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 302},
    ),
    (
        "venue_detail Lampang",
        "get",
        lambda o: reverse("meetings:venue_detail", args=[o["session"].pk, o["lampang_venue"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 200, "chiangmai": 404, "central": 200},
    ),
    (
        "venue_detail Chiang Mai",
        "get",
        lambda o: reverse("meetings:venue_detail", args=[o["session"].pk, o["chiangmai_venue"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 404, "chiangmai": 200, "central": 200},
    ),
    (
        "venue_detail host",
        "get",
        lambda o: reverse("meetings:venue_detail", args=[o["session"].pk, o["host_venue"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 404, "chiangmai": 404, "central": 200},
    ),
    (
        "venue_detail of a draft",
        "get",
        lambda o: reverse("meetings:venue_detail", args=[o["draft"].pk, o["draft_venue"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 404, "chiangmai": 404, "central": 200},
    ),
    (
        "venue_detail wrong session",
        "get",
        lambda o: reverse("meetings:venue_detail", args=[o["draft"].pk, o["lampang_venue"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 404, "chiangmai": 404, "central": 404},
    ),
    (
        "venue_edit",
        "get",
        lambda o: reverse("meetings:venue_edit", args=[o["session"].pk, o["lampang_venue"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "venue_delete",
        "post",
        lambda o: reverse("meetings:venue_delete", args=[o["session"].pk, o["chiangmai_venue"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 302},
    ),
    (
        "quota_matrix",
        "get",
        lambda o: reverse("meetings:quota_matrix", args=[o["session"].pk]),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 403, "chiangmai": 403, "central": 200},
    ),
    (
        "audit_log",
        "get",
        lambda o: reverse("meetings:audit_log"),
        {"anonymous": LOGIN, "attendee": LOGIN, "lampang": 200, "chiangmai": 200, "central": 200},
    ),
]


@pytest.fixture
def objects(central_organiser):
    session = make_session(title="ประชุมเผยแพร่แล้ว", created_by=central_organiser)
    draft = make_session(status="draft", title="ร่าง", created_by=central_organiser)
    lampang_venue = make_venue(session, "TH-52")
    return {
        "session": session,
        "draft": draft,
        "host_venue": make_venue(session, "TH-10", is_host=True, name="War Room"),
        "lampang_venue": lampang_venue,
        "chiangmai_venue": make_venue(session, "TH-50"),
        "draft_venue": make_venue(draft, "TH-52"),
    }


def _client_for(person, client, objects, request):
    if person in ("lampang", "chiangmai", "central"):
        user = request.getfixturevalue({"lampang": "lampang_officer", "chiangmai": "chiangmai_officer", "central": "central_organiser"}[person])
        client.force_login(user)
    return client


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(("name", "method", "url", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(client, objects, request, person, name, method, url, expected):
    client = _client_for(person, client, objects, request)
    response = getattr(client, method)(url(objects))
    want = expected[person]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    else:
        assert response.status_code == want
        if want == 302:
            assert not response["Location"].startswith(reverse(settings.LOGIN_URL))


# Every URL name of the session, agenda, venue and quota pages and the audit log; other features keep their own matrices.
SESSION_PAGE_URLS = {
    "session_list",
    "session_calendar",
    "session_create",
    "session_detail",
    "session_ics",
    "session_edit",
    "session_publish",
    "session_start",
    "session_close",
    "session_duplicate",
    "agenda_edit",
    "venue_list",
    "venue_create",
    "venues_add_all",
    "venue_detail",
    "venue_edit",
    "venue_delete",
    "quota_matrix",
    "audit_log",
}


def test_matrix_covers_every_session_page_url():
    from meetings import urls

    names = {pattern.name for pattern in urls.urlpatterns}
    assert SESSION_PAGE_URLS <= names
    assert {row[0].split(" ")[0] for row in MATRIX} == SESSION_PAGE_URLS


@pytest.mark.parametrize("name", ["session_publish", "session_start", "session_close", "venues_add_all"])
def test_action_urls_refuse_get(client, central_organiser, objects, name):
    client.force_login(central_organiser)
    assert client.get(reverse(f"meetings:{name}", args=[objects["session"].pk])).status_code == 405
