import json

from django.http import JsonResponse

# The one reading of a request's address (REMOTE_ADDR, or X-Forwarded-For behind TRUSTED_PROXIES),
# shared with the audit log; check-in events record it too.
from meetings.audit import client_ip

__all__ = ["client_ip", "json_body", "json_error"]


def json_body(request):
    """The request's JSON object, or {} when the body is not a JSON object."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def json_error(message, code, status=400):
    return JsonResponse({"code": code, "ok": False, "level": "danger", "message": str(message)}, status=status)
