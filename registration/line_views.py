"""LINE's pages: the webhook LINE calls (signed with the channel secret), and unlinking from the personal page."""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from meetings.audit import client_ip
from registration import line
from registration.selectors import get_registration_by_token

logger = logging.getLogger(__name__)


@csrf_exempt  # LINE's server posts here; the X-Line-Signature (HMAC with the channel secret) authenticates it
def line_webhook(request):
    """LINE's webhook: 404 when LINE is not set up, 400 for a request not signed with the channel secret,
    else 200 once each event is handled (LINE retries on anything else)."""
    if not line.is_configured():
        raise Http404("LINE is not set up")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        line.handle_webhook(body=request.body, signature=request.headers.get("X-Line-Signature", ""))
    except line.BadWebhook as error:
        logger.warning("LINE webhook refused from %s: %s", client_ip(request), error)
        return HttpResponseBadRequest("bad request", content_type="text/plain")
    return HttpResponse("{}", content_type="application/json")


@require_POST
def personal_line_unlink(request, token):
    """The person behind a personal link unlinks their own LINE account (no one else's: the link names them)."""
    registration = get_registration_by_token(token)
    if line.unlink_line_account(registration=registration, reason="personal_page", ip_address=client_ip(request)):
        messages.success(request, gettext("Your LINE account is no longer linked: messages about this session no longer go to LINE."))
    return redirect("registration:personal", token=token)
