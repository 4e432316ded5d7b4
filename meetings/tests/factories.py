"""Plain factory functions for tests: every argument has a sensible default."""

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from meetings.models import Profile, Province, Quota, RoleCategory, Session, SessionStatus, Venue
from meetings.permissions import CENTRAL_GROUP, PROVINCIAL_GROUP

_seq = itertools.count(1)
PASSWORD = "test-pass-2564"


def make_user(username=None, kind="central", province_code=None):
    User = get_user_model()
    user = User.objects.create_user(username or f"user{next(_seq)}", password=PASSWORD)
    province = Province.objects.get(code=province_code) if province_code else None
    Profile.objects.create(user=user, kind=kind, province=province)
    user.groups.add(Group.objects.get_or_create(name=CENTRAL_GROUP if kind == "central" else PROVINCIAL_GROUP)[0])
    return user


def make_session(starts_at=None, status=SessionStatus.PUBLISHED, **fields):
    starts_at = starts_at or timezone.now() + datetime.timedelta(days=7)
    n = next(_seq)
    defaults = {
        "title": f"การประชุมทดสอบ {n}",
        "slug": f"test-session-{n}",
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=3),
        "status": status,
        "organiser_department": "กรมการพัฒนาชุมชน",
    }
    defaults.update(fields)
    return Session.objects.create(**defaults)


def make_venue(session, province_code="TH-52", is_host=False, **fields):
    province = Province.objects.get(code=province_code)
    defaults = {"name": f"สำนักงานพัฒนาชุมชนจังหวัด{province.name_th}", "room": "ห้องประชุม"}
    defaults.update(fields)
    return Venue.objects.create(session=session, province=province, is_host=is_host, **defaults)


def make_quota(session, province_code="TH-52", role_code="committee", seats=10):
    return Quota.objects.create(
        session=session,
        province=Province.objects.get(code=province_code),
        role=RoleCategory.objects.get(code=role_code),
        seats=seats,
    )


def thai_datetime_post(name, value):
    """What a staff form posts for a date-and-time field (meetings.fields.ThaiDateTimeField):
    "2030-11-25T09:00" → {name_0: "25/11/2573", name_1: "09:00"}; "" → both parts empty."""
    if not value:
        return {f"{name}_0": "", f"{name}_1": ""}
    moment = datetime.datetime.fromisoformat(value)
    return {f"{name}_0": f"{moment.day:02d}/{moment.month:02d}/{moment.year + 543}", f"{name}_1": f"{moment:%H:%M}"}
