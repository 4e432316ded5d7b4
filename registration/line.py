"""LINE: messages through the department's Official Account on the LINE Messaging API (docs/DEPLOY.md, "LINE").

LINE Notify closed in 2025; this is the Messaging API with LINE's own SDK (line-bot-sdk, ``linebot.v3``).
Settings: LINE_CHANNEL_ACCESS_TOKEN and LINE_CHANNEL_SECRET (both or neither; unset, LINE is hidden),
LINE_API_HOST (LINE's; tests point it at a local fake, registration/tests/fake_line.py), LINE_BOT_BASIC_ID.

- **Linking.** The personal page shows a short-lived code (``create_line_link_code``) and the account's
  "add friend" link; the person adds the account and sends the code. The webhook (``handle_webhook``, signed
  by LINE with the channel secret) links the sender's userId to that registration (``link_line_account``).
  Blocking the account (an *unfollow* event) or the button on the personal page unlinks
  (``unlink_line_account``). A LINE userId is personal data: both are audited, exported with the person's
  data and erased with it.
- **Sending.** ``line_address(registration)`` is the userId to queue a LINE message to
  (registration/messaging.py); the LINE transport pushes each message with a retry key derived from its
  ``dedupe_key``, so a push retried after a lost answer is delivered once (LINE answers 409 to a key it
  has accepted). A refused recipient (400, 403, 404) fails that message alone; 429, 5xx and network
  errors are passing failures, retried by the outbox.
- **Redeliveries.** Each webhook event is handled once (its webhookEventId is remembered a week).
"""

import contextlib
import datetime
import json
import logging
import re
import uuid
from urllib.parse import quote

import urllib3
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import FollowEvent, MessageEvent, TextMessageContent, UnfollowEvent, UserSource

from meetings.audit import record
from meetings.jobs import every_tick
from meetings.models import AuditAction
from meetings.qr import qr_svg
from registration.errors import RegistrationError
from registration.messaging import PermanentSendError, transport
from registration.models import (
    LINE_CODE_ALPHABET,
    LINE_CODE_LENGTH,
    LineLink,
    LineLinkCode,
    LineWebhookEvent,
    MessageChannel,
    MessageOptOut,
    Registration,
    RegistrationStatus,
)
from registration.personal_data import iso

logger = logging.getLogger(__name__)

CODE_LIFETIME = datetime.timedelta(minutes=30)
# A code shown on the page has at least this long left; an older one is replaced by a new one.
CODE_MIN_LEFT = datetime.timedelta(minutes=10)
# Used and expired codes, and the ids of handled webhook events, are forgotten after these.
CODE_MEMORY = datetime.timedelta(days=1)
EVENT_MEMORY = datetime.timedelta(days=7)
TEXT_LIMIT = 5000  # LINE's limit for one text message
TIMEOUT = (5, 20)  # seconds to connect, to read
# Retry keys are UUIDs derived from each message's dedupe_key within this namespace (fixed: changing it
# would let LINE deliver again a message retried across the change).
RETRY_KEY_NAMESPACE = uuid.UUID("0d7c55a4-3d1e-4a43-9b9e-2f8f3c6b1a52")
# LINE's answers for a recipient or message that will never go as it is.
PERMANENT_STATUSES = frozenset({400, 403, 404, 413, 415, 422})
_CODE_PATTERN = re.compile(r"(?<![A-Z0-9])([A-Z0-9]{4})[- ]?([A-Z0-9]{4})(?![A-Z0-9])")


class LineLinkError(RegistrationError):
    """A link code LINE passed on that links nothing (unknown, expired, used, or its registration gone)."""


class BadWebhook(Exception):
    """A webhook request that is not LINE's: bad or missing signature, or a body that is not LINE's JSON."""


def is_configured():
    """True when the Official Account's token and secret are set; otherwise LINE is hidden everywhere."""
    return bool(settings.LINE_CHANNEL_ACCESS_TOKEN and settings.LINE_CHANNEL_SECRET)


# --- addresses and links ----------------------------------------------------------------------------------


def line_address(registration):
    """The LINE userId to queue `registration`'s LINE messages to, or "" (not linked, or LINE not set up):
    queue_message skips a message without an address."""
    if not is_configured():
        return ""
    return LineLink.objects.filter(registration_id=registration.pk).values_list("line_user_id", flat=True).first() or ""


def line_addresses(registration_ids):
    """``{registration id: LINE userId}`` for those of `registration_ids` who linked LINE (one query)."""
    if not is_configured():
        return {}
    return dict(LineLink.objects.filter(registration_id__in=list(registration_ids)).values_list("registration_id", "line_user_id"))


def add_friend_url():
    """LINE's "add friend" link for the Official Account (LINE_BOT_BASIC_ID), or "" when it is not set."""
    basic_id = settings.LINE_BOT_BASIC_ID
    return f"https://line.me/R/ti/p/{quote(basic_id, safe='')}" if basic_id else ""


def send_text_url(text):
    """A link that opens the chat with the Official Account with `text` typed in, ready to send ("" without LINE_BOT_BASIC_ID)."""
    basic_id = settings.LINE_BOT_BASIC_ID
    return f"https://line.me/R/oaMessage/{quote(basic_id, safe='')}/?{quote(text, safe='')}" if basic_id else ""


def with_personal_link(registration, text, request=None):
    """`text` followed by the person's personal link (LINE makes it tappable): for LINE messages that must
    lead back to the session."""
    return f"{text}\n\n{gettext('Your page for this session')}: {registration.get_personal_url(request)}"


# --- linking (services) -----------------------------------------------------------------------------------


def normalise_code(text):
    """The link code in a message (``ABCD2346``, ``abcd-2346``, ``รหัส ABCD 2346``), or "" when it holds none."""
    for first, second in _CODE_PATTERN.findall((text or "").upper()):
        code = first + second
        if len(code) == LINE_CODE_LENGTH and all(char in LINE_CODE_ALPHABET for char in code):
            return code
    return ""


def create_line_link_code(*, registration, now=None):
    """A code for the personal page of `registration`: the one shown before while it has CODE_MIN_LEFT to
    go, else a new one valid for CODE_LIFETIME. Holds no personal data (not audited)."""
    now = now or timezone.now()
    current = registration.line_link_codes.filter(used_at__isnull=True, expires_at__gt=now + CODE_MIN_LEFT).order_by("-expires_at").first()
    if current is not None:
        return current
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return LineLinkCode.objects.create(registration=registration, expires_at=now + CODE_LIFETIME)
        except IntegrityError:  # the same random code twice: draw again
            continue
    raise RuntimeError("could not draw an unused LINE link code")


def _unknown_code():
    return LineLinkError(
        gettext("This code is unknown or has expired. Open your personal page for a new code and send it here."), code="line_code_unknown"
    )


def link_line_account(*, code, line_user_id, now=None, ip_address=None):
    """Link the LINE account `line_user_id` to the registration whose personal page showed `code`; returns
    the LineLink. Sending the same code again from the same account returns the same link (LINE may
    deliver a message twice). Raises LineLinkError (`line_code_unknown`) for a code that is unknown,
    expired, used by another account, or whose registration was cancelled or its link revoked."""
    now = now or timezone.now()
    code = normalise_code(code)
    if not code or not line_user_id:
        raise _unknown_code()
    with transaction.atomic():
        row = LineLinkCode.objects.select_for_update().filter(code=code).first()
        if row is None or row.expires_at <= now:
            raise _unknown_code()
        registration = Registration.objects.select_for_update().get(pk=row.registration_id)
        if registration.status != RegistrationStatus.ACTIVE or registration.link_revoked or registration.anonymised_at is not None:
            raise _unknown_code()
        previous = LineLink.objects.filter(registration=registration).first()
        if row.used_at is not None:
            if row.used_by == line_user_id and previous is not None and previous.line_user_id == line_user_id:
                return previous
            raise _unknown_code()
        row.used_at, row.used_by = now, line_user_id
        row.save(update_fields=["used_at", "used_by"])
        registration.line_link_codes.filter(used_at__isnull=True).delete()
        if previous is not None and previous.line_user_id == line_user_id:
            return previous
        link = previous or LineLink(registration=registration)
        link.line_user_id = line_user_id
        link.save()
        # Linking is asking for LINE messages: an earlier "no more LINE messages" no longer holds.
        MessageOptOut.objects.filter(registration=registration, channel=MessageChannel.LINE).delete()
        record(
            action=AuditAction.LINE_LINKED,
            obj=registration,
            summary=_("LINE account linked by the code from the personal page"),
            details={"replaced_another_account": previous is not None},
            ip_address=ip_address,
        )
    return link


def unlink_line_account(*, registration, actor=None, reason="personal_page", ip_address=None):
    """Forget `registration`'s LINE account: no more LINE messages to it. `reason` is logged:
    "personal_page" (the person's button), "blocked" (they blocked the Official Account), "staff".
    Returns True when there was a link."""
    with transaction.atomic():
        deleted, _counts = LineLink.objects.filter(registration_id=registration.pk).delete()
        LineLinkCode.objects.filter(registration_id=registration.pk).delete()
        if not deleted:
            return False
        record(
            action=AuditAction.LINE_UNLINKED,
            actor=actor,
            obj=registration,
            summary=_("LINE account unlinked"),
            details={"reason": reason},
            ip_address=ip_address,
        )
    return True


def unlink_line_user(*, line_user_id):
    """Unlink the LINE account `line_user_id` from every registration (it blocked the Official Account);
    returns how many were linked."""
    registrations = Registration.objects.filter(line_link__line_user_id=line_user_id).order_by("pk")
    return sum(unlink_line_account(registration=registration, reason="blocked") for registration in registrations)


def line_card(registration, now=None):
    """What the personal page shows under "Get messages on LINE"; None when LINE is not set up."""
    if not is_configured():
        return None
    link = LineLink.objects.filter(registration_id=registration.pk).first()
    if link is not None:
        return {"linked": True, "linked_at": link.linked_at}
    code = create_line_link_code(registration=registration, now=now)
    add_url = add_friend_url()
    return {
        "linked": False,
        "code": code.code,
        "expires_at": code.expires_at,
        "add_friend_url": add_url,
        "send_code_url": send_text_url(code.code),
        "qr": qr_svg(add_url) if add_url else "",
        "basic_id": settings.LINE_BOT_BASIC_ID,
    }


# --- the Messaging API --------------------------------------------------------------------------------------


@contextlib.contextmanager
def messaging_api():
    """The SDK's MessagingApi on LINE_API_HOST with the channel's token. No retries inside the client: the
    outbox retries a message, with the same retry key."""
    configuration = Configuration(host=settings.LINE_API_HOST, access_token=settings.LINE_CHANNEL_ACCESS_TOKEN)
    configuration.retries = 0
    with ApiClient(configuration) as client:
        yield MessagingApi(client)


def retry_key(message):
    """The X-Line-Retry-Key of an outbox message: the same for every attempt at it, different for every message."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, message.dedupe_key or f"message:{message.pk}"))


def describe(error):
    """A short text for an ApiException: the status and LINE's own message (never the recipient)."""
    detail = ""
    try:
        body = json.loads(error.body or b"{}")
        detail = str(body.get("message", ""))
        if body.get("details"):
            detail += f" ({body['details'][0].get('message', '')})"
    except (ValueError, TypeError, AttributeError, IndexError):
        pass
    return f"LINE {error.status}: {detail or error.reason or ''}".strip()


class LineUnavailable(Exception):
    """LINE did not take the message this time (rate limit, a server error, the network): try again later."""


@transport(MessageChannel.LINE)
@contextlib.contextmanager
def line_transport():
    """The outbox's LINE transport: yields ``send(message)``, which pushes ``message.body`` as one text
    message to the userId ``message.to``."""
    if not is_configured():

        def refuse(message):
            raise PermanentSendError(gettext("LINE is not set up on this server."))

        yield refuse
        return
    with messaging_api() as api:

        def send(message):
            try:
                request = PushMessageRequest(to=message.to, messages=[TextMessage(text=message.body[:TEXT_LIMIT])])
            except ValueError as error:  # the SDK's own check of the request (pydantic)
                raise PermanentSendError(f"LINE: {error}") from None
            try:
                api.push_message(request, x_line_retry_key=retry_key(message), _request_timeout=TIMEOUT)
            except ApiException as error:
                if error.status == 409:
                    return  # LINE accepted this retry key before: the message went, once
                if error.status in PERMANENT_STATUSES:
                    raise PermanentSendError(describe(error)) from None
                raise LineUnavailable(describe(error)) from None

        yield send


def send_reply(reply_token, text):
    """Answer a webhook event (free of the monthly message quota). A reply that fails is logged, not raised:
    the event was handled, and LINE must get its 200."""
    try:
        with messaging_api() as api:
            api.reply_message(ReplyMessageRequest(reply_token=reply_token, messages=[TextMessage(text=text[:TEXT_LIMIT])]), _request_timeout=TIMEOUT)
    except (ApiException, urllib3.exceptions.HTTPError, OSError, ValueError) as error:
        logger.warning("LINE reply not sent: %s", describe(error) if isinstance(error, ApiException) else error)


# --- the webhook ----------------------------------------------------------------------------------------------


def parse_webhook(body, signature):
    """The events of a webhook request signed with the channel secret; raises BadWebhook otherwise."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        return WebhookParser(settings.LINE_CHANNEL_SECRET).parse(text, signature or "")
    except InvalidSignatureError:
        raise BadWebhook("bad signature") from None
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise BadWebhook(f"not a LINE webhook body: {type(error).__name__}") from None


def handle_webhook(*, body, signature):
    """Check and handle one webhook request from LINE; returns the number of events handled (redeliveries
    of events already handled are not counted). Raises BadWebhook for a request that is not LINE's."""
    events = parse_webhook(body, signature)
    return sum(handle_event(event) for event in events)


def handle_event(event):
    """Handle one event once: a text message with a link code links, an unfollow unlinks, a follow is
    greeted. Returns 1 when handled now, 0 when skipped (handled before, or another channel's to answer)."""
    if getattr(event, "mode", "active") != "active":
        return 0  # standby: another channel answers this chat
    event_id = getattr(event, "webhook_event_id", None)
    with transaction.atomic():
        if event_id:
            try:
                with transaction.atomic():
                    LineWebhookEvent.objects.create(event_id=event_id[:64])
            except IntegrityError:
                return 0  # a redelivery of an event handled already
        with translation.override(settings.LANGUAGE_CODE):
            answer = _answer(event)
    reply_token = getattr(event, "reply_token", None)
    if answer and reply_token:
        send_reply(reply_token, answer)
    return 1


def _user_id(event):
    source = getattr(event, "source", None)
    return source.user_id if isinstance(source, UserSource) and source.user_id else ""


def _answer(event):
    """Do what `event` asks and return the reply's text (or "" for none), in the site's language."""
    user_id = _user_id(event)
    if not user_id:
        return ""  # a group or a room: linking is one to one
    if isinstance(event, UnfollowEvent):
        unlink_line_user(line_user_id=user_id)
        return ""
    if isinstance(event, FollowEvent):
        return gettext(
            "Thank you for adding us. To get messages about your session here, open your personal page, "
            "find “Get messages on LINE” and send us the code shown there."
        )
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        code = normalise_code(event.message.text)
        if not code:
            return ""  # a chat message: the Official Account's own auto-reply, if any, answers it
        try:
            link = link_line_account(code=code, line_user_id=user_id)
        except LineLinkError as error:
            return str(error.message)
        # No personal link in this answer: whoever photographed the code on a screen must not get the page by it.
        return gettext("Linked. Messages about “%(session)s” will come to you here on LINE.") % {"session": link.registration.session.title}
    return ""


# --- housekeeping and the person's data ------------------------------------------------------------------


@every_tick
def forget_old_line_records(now):
    """Used and expired link codes after CODE_MEMORY, handled webhook event ids after EVENT_MEMORY."""
    LineLinkCode.objects.filter(expires_at__lt=now - CODE_MEMORY).delete()
    LineWebhookEvent.objects.filter(received_at__lt=now - EVENT_MEMORY).delete()


def collect_line_data(sender, registration, **kwargs):
    """The person's LINE link in the export of their data (registration/personal_data.py)."""
    link = LineLink.objects.filter(registration_id=registration.pk).first()
    return "line", {
        "linked": link is not None,
        "line_user_id": link.line_user_id if link else None,
        "linked_at": iso(link.linked_at) if link else None,
    }


def anonymise_line_data(sender, registration_ids, **kwargs):
    """Erasing a person forgets their LINE account and their codes."""
    LineLink.objects.filter(registration_id__in=registration_ids).delete()
    LineLinkCode.objects.filter(registration_id__in=registration_ids).delete()
