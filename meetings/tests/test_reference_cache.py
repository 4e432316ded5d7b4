"""Provinces and roles cached per process (meetings/reference_cache.py)."""

import pytest

from meetings.models import Province, RoleCategory
from meetings.reference_cache import attach_reference_data, provinces_by_id, roles_by_id
from meetings.tests.factories import make_session
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db


def test_saving_a_province_or_role_refreshes_the_cache(django_assert_num_queries):
    lampang = Province.objects.get(code="TH-52")
    assert provinces_by_id()[lampang.pk].name_th == "ลำปาง"
    with django_assert_num_queries(0):
        provinces_by_id(), roles_by_id()
    lampang.name_en = "Lampang (renamed)"
    lampang.save()
    assert provinces_by_id()[lampang.pk].name_en == "Lampang (renamed)"
    role = RoleCategory.objects.get(code="committee")
    role.name_en = "Committee member"
    role.save()
    assert roles_by_id()[role.pk].name_en == "Committee member"


def test_registrations_get_their_province_and_role_without_a_join(django_assert_num_queries):
    registration = make_registration(make_session(), "TH-50", role_code="provincial_officer")
    provinces_by_id()
    from registration.models import Registration

    with django_assert_num_queries(1):
        (loaded,) = attach_reference_data(list(Registration.objects.filter(pk=registration.pk)))
        assert (loaded.province.code, loaded.role.code) == ("TH-50", "provincial_officer")
