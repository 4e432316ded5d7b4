import io

import pytest
import zxingcpp
from PIL import Image

from meetings.qr import qr_png
from meetings.tests.factories import make_venue
from registration.models import RegistrationStatus
from registration.tests.factories import make_registration
from registration.tokens import make_personal_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def attendee(session):
    venue = make_venue(session, "TH-52")
    return make_registration(session, "TH-52", venue=venue, first_name="สมศรี", last_name="ทดสอบดี")


def test_personal_page_shows_the_session_and_qr(client, attendee):
    response = client.get(attendee.get_personal_path())
    assert response.status_code == 200
    html = response.content.decode()
    assert "สมศรี" in html and attendee.session.title in html
    assert "<svg" in html
    assert response["X-Robots-Tag"] == "noindex"


def test_token_holds_no_primary_key_or_personal_data(attendee):
    token = make_personal_token(attendee)
    value = token.split(":")[0]
    assert str(attendee.pk) != value and "สมศรี" not in token and attendee.phone not in token


def test_qr_encodes_the_absolute_personal_url(attendee, settings):
    url = attendee.get_personal_url()
    assert url.startswith(settings.SITE_URL + "/p/")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(url))))
    assert decoded[0].text == url


@pytest.mark.parametrize("mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "x" + t, lambda t: t.split(":")[0]])
def test_tampered_token_answers_404(client, attendee, mangle):
    token = make_personal_token(attendee)
    assert client.get(f"/p/{mangle(token)}/").status_code == 404


def test_revoked_link_answers_404(client, attendee):
    path = attendee.get_personal_path()
    attendee.link_revoked = True
    attendee.save(update_fields=["link_revoked"])
    assert client.get(path).status_code == 404


def test_cancelled_registration_link_answers_404(client, attendee):
    path = attendee.get_personal_path()
    attendee.status = RegistrationStatus.CANCELLED
    attendee.save(update_fields=["status"])
    assert client.get(path).status_code == 404
