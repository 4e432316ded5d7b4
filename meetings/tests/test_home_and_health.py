import django
import pytest
from channels.layers import channel_layers
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.urls import reverse

from meetings.demo import seed_meetings_demo as seed_demo
from meetings.models import SessionStatus
from meetings.tests.factories import make_session

pytestmark = pytest.mark.django_db


def test_home_lists_the_seed_session_with_its_thai_date(client):
    seed_demo()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "25 พฤศจิกายน 2564" in html
    assert "09.00 น." in html
    assert "กข.คจ." in html


def test_home_switches_to_english(client):
    seed_demo()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert "25 November 2021" in html
    assert "Past sessions" in html


def test_home_hides_drafts_from_the_public_but_not_from_central_staff(client, central_organiser):
    make_session(title="ร่างการประชุมลับ", status=SessionStatus.DRAFT)
    assert "ร่างการประชุมลับ" not in client.get("/").content.decode()
    client.force_login(central_organiser)
    assert "ร่างการประชุมลับ" in client.get("/").content.decode()


def test_home_offers_login_and_logout(client, lampang_officer):
    html = client.get("/").content.decode()
    assert reverse("login") in html
    client.force_login(lampang_officer)
    html = client.get("/").content.decode()
    assert reverse("logout") in html


@pytest.fixture
def site_operator(db):
    """A Django staff user (admin access): the one who may read the health details."""
    return get_user_model().objects.create_user("operator", password="x", is_staff=True)


@pytest.fixture
def broken_channel_layer(settings):
    # Nothing listens on port 1, so the Redis layer cannot connect.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _broken_cursor(*args, **kwargs):
    raise OperationalError("connection refused by db.internal:5432 for user prachum")


@pytest.fixture
def broken_database(monkeypatch):
    monkeypatch.setattr(connection, "cursor", _broken_cursor)


def test_healthz_tells_the_public_only_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_healthz_tells_the_public_nothing_but_unavailable_when_a_check_fails(client, broken_channel_layer):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_healthz_gives_no_details_to_staff_of_the_app_who_are_not_site_operators(client, central_organiser, broken_channel_layer):
    client.force_login(central_organiser)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_healthz_gives_a_site_operator_each_check_and_the_versions(client, site_operator):
    client.force_login(site_operator)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "channel_layer": "ok"}
    assert body["versions"]["django"] == django.get_version()
    assert set(body["versions"]) == {"python", "django", "channels", "database"}


def test_healthz_names_a_broken_channel_layer_to_a_site_operator(client, site_operator, broken_channel_layer):
    client.force_login(site_operator)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["channel_layer"]
    assert body["checks"]["database"] == "ok"


def test_healthz_tells_the_public_of_a_broken_database_with_no_details(client, broken_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_healthz_without_a_database_answers_a_logged_in_operator_plainly_too(client, site_operator, monkeypatch):
    """Nobody can be recognised without the database; the driver's error text (hosts, ports, users)
    goes to the log only."""
    client.force_login(site_operator)
    monkeypatch.setattr(connection, "cursor", _broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_thai_is_the_default_language(client):
    seed_demo()
    html = client.get("/").content.decode()
    assert 'lang="th"' in html
    assert "การประชุมที่ผ่านมา" in html  # "Past sessions", from the compiled Thai catalogue
    assert "เข้าสู่ระบบ" in html


def test_an_english_browser_still_gets_thai_until_the_user_switches(client):
    seed_demo()
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "การประชุมที่ผ่านมา" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "Past sessions" in html
