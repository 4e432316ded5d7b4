import pytest
from django.contrib.auth import BACKEND_SESSION_KEY

from meetings.auth import ProfileModelBackend
from meetings.permissions import is_central, user_province

pytestmark = pytest.mark.django_db


def test_get_user_loads_the_profile_and_province_in_one_query(lampang_officer, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = ProfileModelBackend().get_user(lampang_officer.pk)
        assert user_province(user).code == "TH-52"
        assert not is_central(user)


def test_login_uses_the_profile_backend(client, lampang_officer):
    from meetings.tests.factories import PASSWORD

    assert client.login(username="lampang", password=PASSWORD)
    assert client.session[BACKEND_SESSION_KEY] == "meetings.auth.ProfileModelBackend"


def test_inactive_users_are_not_loaded(lampang_officer):
    lampang_officer.is_active = False
    lampang_officer.save(update_fields=["is_active"])
    assert ProfileModelBackend().get_user(lampang_officer.pk) is None
