"""The JSON API keeps to its OpenAPI schema: schemathesis sends generated requests, valid and
invalid, to every operation of `/api/openapi.json` on the production server (uvicorn, PostgreSQL,
Redis) as a scanner device and as a member of staff, and every answer must be no server error, a
status the schema documents, with the body and headers it documents (run by `make test-services`)."""

import json
import urllib.request

import pytest
import schemathesis
from django.utils import timezone
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings

from attendance.api import api
from attendance.services import issue_scanner_device
from attendance.tests.faults import ProductionServer
from attendance.tests.sockets import session_cookie_value
from meetings.tests.factories import make_session, make_user, make_venue
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Enough for every operation's coverage phase (each documented status, boundary values, missing and
# malformed fields) and a fuzzing run on top, within a minute or two on two cores.
MAX_EXAMPLES = 100
CONFIG = {
    # No example database: nothing written into the work tree, and a run does not depend on the last one.
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        # A well-formed request may still be refused by the rules: an unknown code, an empty upload (400).
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404"]},
    },
}


@pytest.fixture
def scanners(services):
    """The production server with an open session: a device of the Lampang venue and a Lampang officer's login."""
    session = make_session(starts_at=timezone.now() + timezone.timedelta(minutes=30))
    lampang, chiangmai = make_venue(session, "TH-52"), make_venue(session, "TH-50")
    for province, venue in (("TH-52", lampang), ("TH-50", chiangmai)):
        for _ in range(3):
            make_registration(session, province, venue=venue)
    _device, token = issue_scanner_device(venue=lampang, name="โต๊ะ 1", actor=None)
    sessionid = session_cookie_value(make_user("lampang-desk", kind="provincial", province_code="TH-52"))
    # The desk page sends its CSRF cookie back as a header; Django takes any 32-character secret.
    csrf = get_random_string(32)
    with ProductionServer({"REDIS_URL": services["REDIS_URL"]}) as server:
        yield {
            "url": server.url,
            "identities": {
                "device": {"Authorization": f"Bearer {token}"},
                "staff": {"Cookie": f"sessionid={sessionid}; csrftoken={csrf}", "X-CSRFToken": csrf},
            },
        }


# The schema the API builds, as /api/openapi.json serves it (the test below checks they are the same);
# loaded here because schemathesis makes one test per operation when the module is collected.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=schemathesis.Config.from_dict(CONFIG))


@schema.parametrize()
# One server and one set of rows serve all the generated requests of an operation, on purpose.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_api_answer_is_documented_in_the_openapi_schema(case, scanners):
    for headers in scanners["identities"].values():
        # Credentials go in as plain headers, which schemathesis's ignored_auth check takes for
        # generated ones; who may call what is the permission matrix's (test_permissions.py).
        case.call_and_validate(base_url=scanners["url"], headers=headers, excluded_checks=[schemathesis.checks.ignored_auth])


def test_the_server_serves_the_schema_tested_here(scanners):
    with urllib.request.urlopen(scanners["url"] + "/api/openapi.json", timeout=15) as response:
        served = json.loads(response.read())
    assert served == json.loads(json.dumps(api.get_openapi_schema()))
