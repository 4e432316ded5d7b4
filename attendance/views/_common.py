import json

from django.http import JsonResponse


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def json_body(request):
    """The request's JSON object, or {} when the body is not a JSON object."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def json_error(message, code, status=400):
    return JsonResponse({"code": code, "ok": False, "level": "danger", "message": str(message)}, status=status)
