"""Signing in: the backend that loads the staff profile, and the limits on failed sign-ins.

Failed sign-ins are counted by django-axes (settings AXES_*): a user name at one address is locked out
after settings.LOGIN_FAILURE_LIMIT wrong passwords, and an address for every user name after
settings.LOGIN_FAILURES_PER_IP, both until LOGIN_COOLOFF_MINUTES have passed since the last failure.
While locked out, the right password is refused too (with the lockout page, 429).
"""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone

from meetings.audit import client_ip


class ProfileModelBackend(ModelBackend):
    """ModelBackend that loads the staff profile and its province with the user.

    Every staff page asks "central or which province?" (meetings.permissions); fetching the
    profile in the same query saves a round trip on each request, check-ins included.
    """

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("profile__province").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def failures_from_address(address):
    """Failed sign-ins from `address`, for every user name, within the cool-off (axes' own records)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(n=Sum("failures_since_start"))["n"]
    return failures or 0


class LoginThrottleBackend(AxesStandaloneBackend):
    """First of AUTHENTICATION_BACKENDS: refuses a sign-in from an address locked out for every user name,
    then leaves the per-user-and-address lockout to django-axes. Authenticates nobody itself.

    A call without a request (a management command, the test client's login()) is not a sign-in through
    a page: it is left to the next backends, uncounted.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not settings.AXES_ENABLED:
            return None
        address = client_ip(request)
        if address and failures_from_address(address) >= settings.LOGIN_FAILURES_PER_IP:
            # What axes' own backend does for a locked-out user: AxesMiddleware answers with lockout_response.
            request.axes_locked_out = True
            request.axes_credentials = get_credentials(username)
            raise AxesBackendPermissionDenied("too many failed sign-ins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, *args, **kwargs):
    """The page for a locked-out sign-in (settings.AXES_LOCKOUT_CALLABLE): 429, Thai first, with Retry-After."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(request, "accounts/locked_out.html", {"minutes": seconds // 60}, status=429)
    response["Retry-After"] = str(seconds)
    return response
