"""Reads for registrations with the permission check built in (another province's rows answer 404)."""

import re

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from meetings.models import Quota, RoleCategory
from meetings.permissions import is_central, scope_to_user
from registration.models import MessageChannel, Registration, RegistrationStatus
from registration.thai_id import clean_national_id, hash_national_id, is_valid_national_id
from registration.thai_phone import normalise_phone
from registration.tokens import read_opt_out_token, read_personal_token


def get_registrations_for_user(user, session):
    """Registrations of `session` the user may see: all for central staff, their province's for an officer."""
    registrations = Registration.objects.filter(session=session).select_related("province", "role", "venue")
    return scope_to_user(registrations, user)


def roles_with_seats(session, province):
    """The role categories `session` has seats for in `province`: what the participant form offers."""
    return RoleCategory.objects.filter(quota__session=session, quota__province=province).distinct()


def get_registration_for_user(user, session, pk):
    return get_object_or_404(get_registrations_for_user(user, session), pk=pk)


def filter_registrations(registrations, q="", province=None, role=None, status=""):
    """Filters of the list page and exports. status "" means active only; "all" means every status."""
    if province is not None:
        registrations = registrations.filter(province=province)
    if role is not None:
        registrations = registrations.filter(role=role)
    if status == "all":
        pass
    elif status in RegistrationStatus.values:
        registrations = registrations.filter(status=status)
    else:
        registrations = registrations.filter(status=RegistrationStatus.ACTIVE)
    q = (q or "").strip()
    if q and is_valid_national_id(q):
        # A national ID is found by its keyed hash: the number itself is stored encrypted.
        return registrations.filter(national_id_hash=hash_national_id(clean_national_id(q)))
    if q:
        phone = normalise_phone(q)
        digits = re.sub(r"\D", "", q)
        if phone or (digits and len(digits) >= 3 and not re.search(r"[\u0e00-\u0e7fA-Za-z]", q)):
            registrations = registrations.filter(phone__contains=phone or digits)
        else:
            for word in q.split():
                registrations = registrations.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return registrations


def quota_rows(session, user, province=None):
    """Quota cells with seats used, as the list page shows them: per province and role, or totals per role."""
    quotas = scope_to_user(Quota.objects.filter(session=session), user).select_related("role", "province")
    registrations = scope_to_user(Registration.objects.active().filter(session=session), user)
    if province is not None:
        quotas = quotas.filter(province=province)
        registrations = registrations.filter(province=province)
    # One grouped count instead of Quota.with_used(): that joins every quota with every registration.
    used = {(row["province_id"], row["role_id"]): row["n"] for row in registrations.values("province_id", "role_id").annotate(n=Count("id"))}
    cells = [{"role": q.role, "province": q.province, "seats": q.seats, "used": used.get((q.province_id, q.role_id), 0)} for q in quotas]
    if not is_central(user) or province is not None:
        return [{**cell, "free": max(cell["seats"] - cell["used"], 0)} for cell in cells]
    totals = {}
    for cell in sorted(cells, key=lambda c: (c["role"].order, c["role"].code)):
        row = totals.setdefault(cell["role"].pk, {"role": cell["role"], "province": None, "seats": 0, "used": 0})
        row["seats"] += cell["seats"]
        row["used"] += cell["used"]
    return [{**row, "free": max(row["seats"] - row["used"], 0)} for row in totals.values()]


def get_registration_by_token(token, select_related=("session", "province", "role", "venue")):
    """The active registration behind a personal link; 404 when tampered, revoked or cancelled."""
    key = read_personal_token(token)
    if key is None:
        raise Http404("invalid personal link")
    registration = Registration.objects.active().select_related(*select_related).filter(token_key=key, link_revoked=False).first()
    if registration is None:
        raise Http404("unknown or revoked personal link")
    return registration


def people_to_email_links(session, province):
    """Who the province's "E-mail personal links" reaches: active registrations of `province` in `session`
    with an e-mail address and a working personal link."""
    return Registration.objects.active().filter(session=session, province=province, link_revoked=False, anonymised_at__isnull=True).exclude(email="")


def get_opt_out_by_token(token):
    """(registration, channel) behind an opt-out link; 404 when tampered, for an unknown channel, or when the
    personal link it was made with is revoked, replaced or cancelled (the opt-out link lives as long as it)."""
    found = read_opt_out_token(token)
    if found is None or found[1] not in MessageChannel.values:
        raise Http404("invalid opt-out link")
    key, channel = found
    registration = Registration.objects.active().select_related("session").filter(token_key=key, link_revoked=False).first()
    if registration is None:
        raise Http404("unknown or revoked opt-out link")
    return registration, channel
