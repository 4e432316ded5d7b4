"""Permission matrix over the pages a personal link opens (no login): the attendee's own link opens
them; a tampered, revoked or cancelled link answers 404, whoever is logged in."""

import pytest
from django.urls import get_resolver

from registration.models import MessageChannel, RegistrationStatus
from registration.tests.factories import make_registration
from registration.tokens import make_opt_out_token

pytestmark = pytest.mark.django_db

OWN, TAMPERED, REVOKED, CANCELLED, OFFICER_WITHOUT_LINK = "own link", "tampered link", "revoked link", "cancelled", "officer, tampered link"
WHO = [OWN, TAMPERED, REVOKED, CANCELLED, OFFICER_WITHOUT_LINK]
PERSONAL_LINK_MATRIX = [
    ("personal", "/p/{t}/"),
    ("personal_calendar", "/p/{t}/calendar.ics"),
    ("personal_data", "/p/{t}/my-data.json"),
    # Its own token (the link key and a channel, registration/tokens.py), living as long as the personal link.
    ("opt_out", "/optout/{t}/"),
    ("personal_line_unlink", "/p/{t}/line/unlink/"),
]
EXPECTED = {OWN: 200, TAMPERED: 404, REVOKED: 404, CANCELLED: 404, OFFICER_WITHOUT_LINK: 404}
# Pages that take a POST, and what the own link gets: back to the personal page.
POSTED = {"personal_line_unlink": 302}


def _token(registration):
    return registration.get_personal_path().rstrip("/").rsplit("/", 1)[1]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name,template", PERSONAL_LINK_MATRIX, ids=[row[0] for row in PERSONAL_LINK_MATRIX])
def test_personal_link_matrix(client, attendee, lampang_officer, who, name, template):
    token = make_opt_out_token(attendee, MessageChannel.EMAIL) if name == "opt_out" else _token(attendee)
    if who in (TAMPERED, OFFICER_WITHOUT_LINK):
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    if who == OFFICER_WITHOUT_LINK:
        client.force_login(lampang_officer)
    if who == REVOKED:
        attendee.link_revoked = True
        attendee.save(update_fields=["link_revoked"])
    if who == CANCELLED:
        attendee.status = RegistrationStatus.CANCELLED
        attendee.save(update_fields=["status"])
    if name in POSTED:
        response = client.post(template.format(t=token))
        assert response.status_code == (POSTED[name] if who == OWN else EXPECTED[who])
    else:
        response = client.get(template.format(t=token))
        assert response.status_code == EXPECTED[who]
    if response.status_code == 404:
        assert attendee.first_name not in response.content.decode()


def test_another_attendees_link_shows_only_their_own_page(client, attendee):
    other = make_registration(attendee.session, "TH-50", first_name="บุญมาก", last_name="คนอื่น")
    html = client.get(f"/p/{_token(other)}/").content.decode()
    assert "บุญมาก" in html and attendee.first_name not in html


def test_every_personal_link_page_is_in_the_matrix():
    """The registration URLs that take a personal token, not a login: each needs a row here."""
    _prefix, resolver = get_resolver().namespace_dict["registration"]
    by_token = {name for name, pattern in _named(resolver.url_patterns) if "<str:token>" in str(pattern.pattern)}
    assert by_token == {row[0] for row in PERSONAL_LINK_MATRIX}


def _named(patterns):
    for pattern in patterns:
        if getattr(pattern, "name", None):
            yield pattern.name, pattern
