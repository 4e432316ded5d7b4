"""Failed sign-ins are limited (django-axes and meetings/auth.py): a user name at one address is locked out
after LOGIN_FAILURE_LIMIT wrong passwords and then refused even with the right one, with a Thai page; an
address is locked for every user name after LOGIN_FAILURES_PER_IP; the lock ends after the cool-off."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from meetings.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
HOME_IP, OTHER_IP = "192.0.2.10", "198.51.100.20"


def sign_in(username, password, address=HOME_IP, client=None, **headers):
    client = client or Client()
    response = client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers)
    return response, client


def signed_in(client):
    return SESSION_KEY in client.session


def fail(username, times, address=HOME_IP, **headers):
    return [sign_in(username, "wrong-password", address, **headers)[0].status_code for _ in range(times)]


def test_after_five_wrong_passwords_the_right_one_is_refused_with_the_thai_message(lampang_officer):
    assert fail("lampang", 4) == [200] * 4  # the form again, with its message
    assert fail("lampang", 1) == [429]  # the fifth locks
    response, client = sign_in("lampang", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    page = response.content.decode()
    assert "ระงับการเข้าสู่ระบบเป็นเวลา 15 นาที" in page
    assert response["Retry-After"] == "900"


def test_fewer_failures_than_the_limit_let_the_right_password_in_and_start_the_count_again(lampang_officer):
    fail("lampang", 4)
    response, client = sign_in("lampang", PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    assert fail("lampang", 4) == [200] * 4  # counted from zero again


def test_a_different_user_from_another_address_is_unaffected(lampang_officer, chiangmai_officer):
    fail("lampang", 5)
    response, client = sign_in("chiangmai", PASSWORD, OTHER_IP)
    assert response.status_code == 302 and signed_in(client)
    # The lock is for this user name at this address: the same officer elsewhere can still sign in.
    response, client = sign_in("lampang", PASSWORD, OTHER_IP)
    assert response.status_code == 302 and signed_in(client)


def test_the_lock_ends_after_the_cool_off(lampang_officer, settings):
    fail("lampang", 5)
    assert sign_in("lampang", PASSWORD)[0].status_code == 429
    # 16 minutes pass since the last failure.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=16))
    response, client = sign_in("lampang", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_one_address_is_locked_for_every_user_name_after_the_per_address_limit(lampang_officer, central_organiser, settings):
    settings.LOGIN_FAILURES_PER_IP = 8
    for name in ("guess1", "guess2", "guess3", "guess4"):
        assert fail(name, 2) == [200, 200]  # each name below its own limit
    response, client = sign_in("organiser", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    assert "ระงับการเข้าสู่ระบบ" in response.content.decode()
    response, client = sign_in("organiser", PASSWORD, OTHER_IP)
    assert response.status_code == 302 and signed_in(client)


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(lampang_officer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    fail("lampang", 5, address="10.0.0.2", HTTP_X_FORWARDED_FOR=HOME_IP)
    assert sign_in("lampang", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=HOME_IP)[0].status_code == 429
    response, client = sign_in("lampang", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=OTHER_IP)
    assert response.status_code == 302 and signed_in(client)


def test_the_admin_sign_in_is_limited_too(central_organiser):
    for _ in range(5):
        Client().post(reverse("admin:login"), {"username": "organiser", "password": "wrong"}, REMOTE_ADDR=HOME_IP)
    client = Client()
    response = client.post(reverse("admin:login"), {"username": "organiser", "password": PASSWORD}, REMOTE_ADDR=HOME_IP)
    assert response.status_code == 429 and not signed_in(client)
