"""Personal links (/p/<token>/…), check-in tickets (PT1.…) and ?t= tokens never reach a log: whoever
reads the log would otherwise hold the person's page or badge (config/log_filters.py)."""

import io
import logging
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from uvicorn.logging import AccessFormatter

from attendance.tests.faults import ProductionServer
from config.log_filters import PersonalLinkFilter, mask_personal_links
from meetings.tests.factories import make_session, make_venue
from registration.tests.factories import make_registration
from registration.tickets import make_ticket
from registration.tokens import make_personal_token


@pytest.fixture
def attendee(db):
    session = make_session()
    return make_registration(session, "TH-52", venue=make_venue(session, "TH-52"))


def test_the_masked_path_prefix_is_the_personal_pages_prefix():
    assert reverse("registration:personal", args=["abc"]) == "/p/abc/"
    assert reverse("training:learn_home", kwargs={"token": "abc"}).startswith("/p/abc/")


def test_a_404_under_a_real_personal_link_logs_no_token(client, attendee, caplog):
    token = make_personal_token(attendee)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/p/{token}/no-such-page/").status_code == 404
    assert "Not Found: /p/[hidden]/no-such-page/" in caplog.text
    assert token not in caplog.text
    assert token.split(":")[0] not in caplog.text  # not even the random key before the signature


def test_a_csrf_refusal_on_a_personal_page_logs_no_token(attendee, caplog):
    token = make_personal_token(attendee)
    with caplog.at_level(logging.WARNING):
        response = Client(enforce_csrf_checks=True).post(f"/p/{token}/learn/modules/1/complete/")
    assert response.status_code == 403
    assert "Forbidden (CSRF" in caplog.text
    assert token not in caplog.text


def test_uvicorn_access_lines_mask_links_tickets_and_query_tokens(attendee):
    token, ticket = make_personal_token(attendee), make_ticket(attendee)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    try:
        # uvicorn's own call (uvicorn/protocols/http/httptools_impl.py), arguments and all.
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:50312", "GET", f"/sessions/3/calendar.ics?lang=th&t={token}", "1.1", 302)
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:50312", "GET", f"/p/{token}/calendar.ics", "1.1", 200)
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:50312", "GET", f"/api/lookup?code={ticket}", "1.1", 200)
    finally:
        access.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines == [
        '10.0.0.7:50312 - "GET /sessions/3/calendar.ics?lang=th&t=[hidden] HTTP/1.1" 302 Found',
        '10.0.0.7:50312 - "GET /p/[hidden]/calendar.ics HTTP/1.1" 200 OK',
        '10.0.0.7:50312 - "GET /api/lookup?code=PT1.[hidden] HTTP/1.1" 200 OK',
    ]


def test_a_ticket_or_a_bare_token_in_any_message_is_masked(attendee, caplog):
    token, ticket = make_personal_token(attendee), make_ticket(attendee)
    with caplog.at_level(logging.INFO, logger="prachum.anything"):
        logging.getLogger("prachum.anything").warning("scan refused: %s", ticket.lower())
        logging.getLogger("prachum.anything").info("token %(token)s rejected", {"token": token})
    assert ticket.lower() not in caplog.text and token not in caplog.text
    assert "scan refused: PT1.[hidden]" in caplog.text


def test_other_paths_and_numbers_are_left_alone():
    line = '127.0.0.1:1 - "GET /sessions/12/attendance/live/?province=TH-52&tab=2 HTTP/1.1" 200 at 09:15:02'
    assert mask_personal_links(line) == line


def test_the_filter_masks_for_handlers_configured_outside_django(attendee):
    token = make_personal_token(attendee)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET %s", (f"/p/{token}/",), None)
    # Built directly, not through the record factory: only the filter masks it.
    assert PersonalLinkFilter().filter(record) is True
    assert record.getMessage() == "GET /p/[hidden]/"


@pytest.mark.django_db(transaction=True)
def test_the_production_servers_access_log_and_404_warnings_carry_no_token():
    session = make_session()
    attendee = make_registration(session, "TH-52", venue=make_venue(session, "TH-52"))
    token = make_personal_token(attendee)
    with ProductionServer(access_log=True) as server:
        for path in (f"/p/{token}/no-such-page/", f"/sessions/{session.pk}/calendar.ics?t={token}"):
            try:
                urllib.request.urlopen(server.url + path, timeout=10).close()
            except urllib.error.HTTPError as error:
                error.close()
        server.log.flush()
    log = Path(server.log.name).read_text()
    assert '"GET /p/[hidden]/no-such-page/ HTTP/1.1" 404' in log
    assert "Not Found: /p/[hidden]/no-such-page/" in log
    assert f'"GET /sessions/{session.pk}/calendar.ics?t=[hidden] HTTP/1.1" 302' in log
    assert '"GET /p/[hidden]/calendar.ics HTTP/1.1" 200' in log  # where the old link leads
    assert token not in log and token.split(":")[0] not in log
