"""E-mail, the outbox's transport for MessageChannel.EMAIL (registration/messaging.py).

The delivery job opens one connection with Django's mail backend (settings EMAIL_*: SMTP in a deployment,
the console in the demo, memory in the tests) and sends every e-mail of its batch over it:

- **What goes out** is what was queued (registration/message_templates.py rendered it): the text, the HTML
  part when there is one, from DEFAULT_FROM_EMAIL. The Message-ID is made from the message's id and dedupe
  key, so the same message always carries the same one (a mail server or a test counts copies by it).
  A message that respects opt-outs and belongs to a registration carries ``List-Unsubscribe`` with its
  opt-out link (and ``List-Unsubscribe-Post`` for one-click, RFC 8058); ``attach_calendar`` attaches the
  session's .ics with the join details of the person's venue, as their personal page offers it.
- **Failures**: a refusal of this message (every recipient refused, or the message refused, with a 5xx) is
  permanent: PermanentSendError, recorded, never retried. Anything else passes: a 4xx, a refusal of the
  sender or the login (they concern every message, and a fixed setting sends them all), a dropped or
  unreachable server. A connection the server dropped (it said 421 or hung up) is opened again and the
  message sent once more at once: SMTP counts a message delivered only on the server's 250, so one that
  was cut off before it was not delivered. When the server cannot be reached again, the rest of the batch
  is left for the job's next attempt instead of waiting EMAIL_TIMEOUT for each message.
"""

import contextlib
import hashlib
import logging
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import translation
from django.utils.translation import gettext

from meetings.errors import DomainError
from meetings.ical import session_calendar
from meetings.site import absolute_url
from registration.message_templates import opt_out_url
from registration.messaging import PermanentSendError, transport
from registration.models import MessageChannel

logger = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class EmailNotConfigured(DomainError):
    """No mail server is set: the job fails at once with this message; its messages stay in the outbox."""


class ServerUnreachable(ConnectionError):
    """The mail server could not be reached again in this attempt of the job (a passing failure)."""


def message_id(message):
    """A Message-ID that stays the same for the same outbox message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    return f"<prachum.{message.pk}.{digest}@{domain}>"


def calendar_filename(session):
    return f"prachum-session-{session.pk}.ics"


def build_email(message, calendar=None, connection=None):
    """The EmailMultiAlternatives for an outbox message; `calendar` the .ics bytes to attach, if any."""
    headers = {"Message-ID": message_id(message), "Auto-Submitted": "auto-generated"}
    if message.respects_opt_out and message.registration_id:
        headers["List-Unsubscribe"] = f"<{opt_out_url(message.registration, MessageChannel.EMAIL)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers=headers,
        connection=connection,
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    if calendar is not None:
        email.attach(calendar_filename(message.session), calendar, "text/calendar")
    return email


def _text(value):
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _refusal(error):
    """(permanent?, the server's reply) for an SMTP refusal, or None when `error` is not a refusal."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        text = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
        return bool(codes) and all(code >= 500 for code in codes), text
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError | smtplib.SMTPHeloError):
        # About the sender, the login or the greeting: the same for every message, so never this one's fault.
        return False, f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500 and error.smtp_code != 503, f"{error.smtp_code} {_text(error.smtp_error)}"
    return None


def _dropped(error):
    """The server hung up, or said 421 (closing the connection): a new connection may send the message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionResetError | BrokenPipeError)


class EmailSender:
    """One mail connection for a batch: `send(message)` for each outbox message, `close()` at the end."""

    def __init__(self):
        if settings.EMAIL_BACKEND == SMTP_BACKEND and not settings.EMAIL_HOST:
            raise EmailNotConfigured(
                gettext(
                    "E-mail is not set up on this server (EMAIL_URL or EMAIL_HOST). The messages wait in the outbox; tell the system administrator."
                ),
                "email_not_configured",
            )
        self.backend = get_connection(fail_silently=False)
        self.calendars = {}
        self.unreachable = None
        # Opened at once: a server that cannot be reached fails the job's attempt (retried later) before any
        # message is marked as being sent. A refused login is a setting to fix: the job says so at once.
        try:
            self.backend.open()
        except smtplib.SMTPAuthenticationError as error:
            if error.smtp_code < 500:
                raise
            raise EmailNotConfigured(
                gettext("The mail server refused the login (%(reply)s): check EMAIL_HOST_USER and EMAIL_HOST_PASSWORD.")
                % {"reply": f"{error.smtp_code} {_text(error.smtp_error)}"},
                "email_login_refused",
            ) from error

    def close(self):
        with contextlib.suppress(Exception):
            self.backend.close()

    def _open(self):
        """The connection, opened again if it was closed; a server that cannot be reached stops the batch."""
        if self.unreachable is None:
            try:
                self.backend.open()
                return
            except OSError as error:
                self.close()
                self.unreachable = error
        raise ServerUnreachable(gettext("The mail server cannot be reached: %(error)s") % {"error": self.unreachable})

    def calendar(self, message):
        """The session's .ics for the person's venue, made once per session, venue and language in a batch."""
        registration = message.registration
        key = (message.session_id, registration.venue_id if registration is not None else None, message.language)
        if key not in self.calendars:
            session, venue = message.session, registration.venue if registration is not None else None
            with translation.override(message.language):
                self.calendars[key] = session_calendar(
                    session, venue=venue, include_join=registration is not None, url=absolute_url(session.get_absolute_url())
                )
        return self.calendars[key]

    def send(self, message):
        email = build_email(message, self.calendar(message) if message.attach_calendar else None, connection=self.backend)
        try:
            self._send(email)
        except OSError as error:
            if not _dropped(error):
                raise
            logger.info("mail connection dropped (%s); connecting again", type(error).__name__)
            self._send(email)

    def _send(self, email):
        self._open()
        try:
            sent = self.backend.send_messages([email])
        except ValueError as error:  # an address that cannot be written in a mail: found before anything is sent
            raise PermanentSendError(gettext("The address cannot be used: %(error)s") % {"error": error}) from error
        except OSError as error:
            refusal = _refusal(error)
            if refusal is not None and refusal[0]:
                raise PermanentSendError(gettext("Refused by the mail server: %(reply)s") % {"reply": refusal[1]}) from error
            if refusal is None or _dropped(error):
                # Hung up, timed out, or closing: the next try opens a new connection.
                self.close()
            if refusal is not None and not _dropped(error):
                raise ConnectionError(gettext("Not accepted for now by the mail server: %(reply)s") % {"reply": refusal[1]}) from error
            raise
        if sent != 1:
            raise PermanentSendError(gettext("The message has no recipient."))


@transport(MessageChannel.EMAIL)
@contextlib.contextmanager
def email_transport():
    sender = EmailSender()
    try:
        yield sender.send
    finally:
        sender.close()
