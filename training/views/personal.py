"""Attendee pages under /p/<token>/learn/: no password, the signed personal link is the key.

Every lookup goes through the registration behind the token, so another attendee's attempt,
module or certificate answers 404.
"""

from functools import wraps

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from registration.selectors import get_registration_by_token
from training import selectors


def personal(view):
    """Resolve the token to its registration (404 when tampered, revoked or cancelled); keep pages private.

    Referrer-Policy same-origin keeps the token out of other sites' logs (video links, attachments) while
    form posts still carry a real Origin header; with no-referrer, browsers send "Origin: null" and
    Django's CSRF check refuses every button on the page.
    """

    @wraps(view)
    @never_cache
    def wrapper(request, token, *args, **kwargs):
        registration = get_registration_by_token(token)
        response = view(request, registration, token, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


@personal
def learn_home(request, registration, token):
    overview = selectors.get_learning_overview(registration)
    return render(
        request,
        "training/learn_home.html",
        {"registration": registration, "session": registration.session, "token": token, "overview": overview},
    )
