"""The one audit log: who viewed, exported, changed or erased personal data (meetings.models.AuditEntry).

Every app writes to it with `record`, inside the transaction of the write it describes (for a download,
when the file is made). An entry names the object by type and id and keeps ids, counts and field names in
`details`, never a person's data in clear: the log must stay true after the person is erased.

`client_ip` is the one place a request's address is read: REMOTE_ADDR, unless that is one of the
TRUSTED_PROXIES (settings), in which case the right-most address in X-Forwarded-For that is not a
trusted proxy (the left part of that header is whatever the client chose to send).
"""

import ipaddress

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from meetings.models import AuditAction, AuditEntry
from meetings.permissions import user_province

# Keys that would put a person's data in clear into `details`; record() refuses them.
PERSONAL_KEYS = frozenset(
    {"name", "full_name", "first_name", "last_name", "prefix", "phone", "email", "national_id", "position", "address", "holder_name"}
)


def _networks():
    return [ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXIES]


def _address(text):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_ip(request):
    """The client's IP address as a string (None when the request has none that is valid)."""
    peer = _address(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = _networks()

    def trusted(address):
        return any(address in network for network in networks)

    if not trusted(peer):
        return str(peer)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: nothing to its left can be believed
        client = address
        if not trusted(address):
            break
    return str(client)


def _check_details(details, path="details"):
    if isinstance(details, dict):
        for key, value in details.items():
            if key in PERSONAL_KEYS:
                raise ValueError(f"{path}[{key!r}] would put personal data into the audit log")
            _check_details(value, f"{path}[{key!r}]")
    elif isinstance(details, list | tuple):
        for value in details:
            _check_details(value, path)


def record(*, action, actor=None, obj=None, province=None, summary, params=None, details=None, request=None, ip_address=None):
    """Add one entry to the audit log and return it. Call inside the transaction of the write.

    `action` is an AuditAction; `actor` the staff user (None: the person themself through their
    personal link, or the command line); `obj` the model instance acted on; `province` whose data it is
    (defaults to `obj.province_id` when the object has one). `summary` is a lazily translated text with
    `params` for its placeholders, stored in the site's language (Thai) so the log reads the same for
    everyone; it must not name the person. `details`: ids, counts, field names (no personal data).
    The IP address comes from `request` (client_ip) unless given.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    details = dict(details or {})
    _check_details(details)
    with translation.override(settings.LANGUAGE_CODE):
        text = str(summary) % params if params else str(summary)
    if province is None and obj is not None:
        province_id = getattr(obj, "province_id", None)
    else:
        province_id = getattr(province, "pk", province)
    if ip_address is None and request is not None:
        ip_address = client_ip(request)
    return AuditEntry.objects.create(
        action=action,
        user=actor if getattr(actor, "is_authenticated", False) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        province_id=province_id,
        summary=text[:300],
        details=details,
        ip_address=ip_address,
    )


EXPORT_SUMMARY = _("%(kind)s of session %(session)s downloaded (%(count)s people)")


def record_list_export(request, *, kind, session, count, province=None, details=None):
    """Log a download of a list of people (a spreadsheet, a PDF): `kind` names it ("registrations.xlsx",
    "badges.pdf"…), `count` the people in it, `province` the one it was limited to (None: every province
    the user may see; an officer's own province is filled in). Call once the file is made."""
    if province is None:
        province = user_province(request.user)
    return record(
        action=AuditAction.LIST_EXPORTED,
        actor=request.user,
        province=province,
        summary=EXPORT_SUMMARY,
        params={"kind": kind, "session": session.pk, "count": count},
        details={"kind": kind, "session": session.pk, "count": count, **(details or {})},
        request=request,
    )
