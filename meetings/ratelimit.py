"""A rate limit on the pages reached by a token in their address: an attendee's personal link
(/p/<token>/ and everything under it: calendar, learning, quizzes, certificate), the venue check-in QR
(/c/<code>/), and certificate verification (/certificates/verify/<code>/).

Those links are signed, so guessing one is hopeless; the limit keeps anyone from trying at speed, and from
loading the server through pages that need no sign-in. It counts per client address (meetings.audit.
client_ip, so behind TRUSTED_PROXIES the real client) in a fixed window of WINDOW seconds, in Django's
cache: shared by every server process when the cache is Redis (settings.CACHES), per process otherwise.
Every request costs 1; a request the page refuses (any 4xx: an unknown, revoked or expired link or code)
costs settings.RATE_LIMIT_MISS_COST, so guesses run out long before people with their right links do.
Past settings.RATE_LIMIT_TOKEN_PER_MINUTE the address gets 429 with Retry-After until the window ends.

The default allows a province's whole room behind one address (a hotel's Wi-Fi): 30 people who each
open their page and calendar, check in, and answer a 20-question quiz in the same minute make about 750
requests (docs/DEPLOY.md, "Limits").
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from meetings.audit import client_ip
from meetings.middleware import wants_json

logger = logging.getLogger(__name__)

WINDOW = 60
# Routes limited besides every route that takes a `token` (the personal link's pages).
CODE_ROUTES = frozenset({"attendance:self_checkin", "training:verify_certificate"})


def clock():
    """Seconds since the epoch; tests replace it to move to the next window."""
    return time.time()


def is_limited(match):
    return match is not None and ("token" in match.kwargs or match.view_name in CODE_ROUTES)


def _key(address, window):
    return f"ratelimit:token:{address}:{window}"


def charge(address, cost):
    """Add `cost` to the address's count in the current window; return (count, seconds left in the window).
    When the cache cannot be reached the request is let through (count 0): a limit must not take the site down."""
    now = clock()
    window = int(now // WINDOW)
    key = _key(address, window)
    try:
        cache.add(key, 0, timeout=WINDOW + 5)
        count = cache.incr(key, cost)
    except ValueError:  # the key expired between add and incr
        cache.add(key, cost, timeout=WINDOW + 5)
        count = cost
    except Exception:
        logger.warning("rate limit cache unavailable; request let through", exc_info=True)
        count = 0
    return count, max(1, math.ceil((window + 1) * WINDOW - now))


def too_many_requests(request, retry_after):
    message = gettext("Too many requests from your network. Wait %(seconds)s seconds and try again.") % {"seconds": retry_after}
    if wants_json(request):
        response = JsonResponse({"code": "rate_limited", "message": message, "details": {"retry_after": retry_after}}, status=429)
    else:
        response = render(request, "429.html", {"message": message, "retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class TokenRateLimitMiddleware:
    """Counts the requests of each address to the token routes (is_limited) and answers 429 past the limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        address = getattr(request, "rate_limit_address", None)
        if address and 400 <= response.status_code < 500 and response.status_code != 429:
            charge(address, settings.RATE_LIMIT_MISS_COST - 1)  # a refused link: the rest of its cost
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_limited(request.resolver_match):
            return None
        address = client_ip(request) or "unknown"
        count, retry_after = charge(address, 1)
        if count > settings.RATE_LIMIT_TOKEN_PER_MINUTE:
            return too_many_requests(request, retry_after)
        request.rate_limit_address = address
        return None
