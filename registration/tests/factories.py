"""Plain factory functions for registration tests: every argument has a sensible default."""

import itertools

from meetings.models import Province, RoleCategory
from registration.models import Registration

_seq = itertools.count(1)


def make_registration(session, province_code="TH-52", role_code="committee", **fields):
    n = next(_seq)
    defaults = {
        "prefix": "นาย",
        "first_name": f"ทดสอบ{n}",
        "last_name": "ใจดี",
        "phone": f"08{n:08d}",
    }
    defaults.update(fields)
    return Registration.objects.create(
        session=session,
        province=Province.objects.get(code=province_code),
        role=RoleCategory.objects.get(code=role_code),
        **defaults,
    )
