"""System checks for e-mail, run at start-up (runserver, migrate, `manage.py check --deploy`), like
meetings/checks.py's for SITE_URL: a deployment that cannot send mail says so before anyone presses
"E-mail the link"."""

from email.utils import parseaddr

from django.conf import settings
from django.core.checks import Warning

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

EMAIL_HOST_UNSET = "prachum.W010"
DEFAULT_FROM_UNSET = "prachum.W011"


def check_email(app_configs=None, **kwargs):
    if settings.DEBUG or settings.EMAIL_BACKEND != SMTP_BACKEND:
        return []
    if not settings.EMAIL_HOST:
        return [
            Warning(
                "No mail server is set (EMAIL_URL or EMAIL_HOST): personal links and reminders cannot be e-mailed; "
                "they wait in the outbox and their jobs fail with this reason.",
                hint="Set EMAIL_URL=smtp+tls://user:password@smtp.example.go.th:587, or EMAIL_HOST and its neighbours (docs/DEPLOY.md, E-mail).",
                id=EMAIL_HOST_UNSET,
            )
        ]
    if parseaddr(settings.DEFAULT_FROM_EMAIL)[1].endswith("@localhost"):
        return [
            Warning(
                f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL}: mail servers usually refuse a sender at localhost.",
                hint="Set DEFAULT_FROM_EMAIL to an address of the department's domain, e.g. Prachum <noreply@example.go.th>.",
                id=DEFAULT_FROM_UNSET,
            )
        ]
    return []
