"""Remember an attendee's personal link on their phone (a signed cookie), so that scanning a
venue QR later needs only a tap to confirm. Set on the first visit to /p/<token>/."""

from django.conf import settings

COOKIE_NAME = "prachum_personal"
COOKIE_SALT = "prachum.attendance.personal-cookie"
COOKIE_MAX_AGE = 60 * 60 * 24 * 90


def remember_personal_token(response, token):
    response.set_signed_cookie(
        COOKIE_NAME,
        token,
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def remembered_personal_token(request):
    return request.get_signed_cookie(COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)


def forget_personal_token(response):
    response.delete_cookie(COOKIE_NAME, samesite="Lax")
    return response
