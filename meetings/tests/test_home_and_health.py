import pytest
from django.db import OperationalError
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


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}


def test_healthz_names_a_broken_channel_layer(client, settings):
    # Nothing listens on port 1, so the Redis layer cannot connect.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["channel_layer"]
    assert body["checks"]["database"] == "ok"


def test_healthz_names_a_broken_database(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    # Says so, without handing the driver's error text (hosts, ports, users) to the public.
    assert response.json()["checks"]["database"] == "unavailable"
    assert "connection refused" not in response.content.decode()


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
