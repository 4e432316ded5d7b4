"""Messages to people, by e-mail and LINE: queued in the outbox, delivered by a background job.

- ``queue_message`` writes one ``OutgoingMessage``. Its ``dedupe_key`` is unique, so queuing the same
  message again (a reminder rule evaluated twice, a bulk mail started twice) adds nothing.
- ``deliver`` starts the job that sends a set of queued messages; whoever started it watches its progress.
- The job (``deliver_messages``) sends each message through its channel's transport, one at a time,
  and records the outcome on the message: sent, failed (with the error), skipped (opted out, no address).
  A message is marked *sending* before it leaves and *sent* after; if the worker dies in between, the job
  taken up again finds it *sending* and marks it *uncertain* instead of sending it twice.
- A transport is registered per channel with ``@transport(channel)``: a context manager that opens the
  connection (an SMTP session, a LINE API client) and yields ``send(message)``. ``send`` raises
  ``PermanentSendError`` for a message that will never go (a refused address, a LINE user who blocked the
  account) and any other exception for a passing failure, which is retried with the job.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext

from meetings.jobs import JobResult, job_handler, start_job
from meetings.models import JobStatus
from registration.models import MessageChannel, MessageOptOut, MessageStatus, OutgoingMessage
from registration.personal_data import iso

logger = logging.getLogger(__name__)

DELIVER_KIND = "registration.deliver_messages"


class PermanentSendError(Exception):
    """This message will never be delivered as it is: record the failure, do not retry."""


class MessagesNotAllSent(Exception):
    """Some messages failed for a passing reason: the job is retried later for those."""


_transports = {}


def transport(channel):
    """Register the context manager that opens `channel` and yields ``send(message)``."""

    def decorator(func):
        _transports[channel] = func
        return func

    return decorator


def has_opted_out(registration_id, channel):
    return MessageOptOut.objects.filter(registration_id=registration_id, channel=channel).exists()


def queue_message(
    *,
    session,
    channel,
    kind,
    dedupe_key,
    to,
    body,
    subject="",
    html_body="",
    registration=None,
    staff_recipient=None,
    language="th",
    attach_calendar=False,
    respects_opt_out=True,
    actor=None,
):
    """Put one message in the outbox and return it, or None when a message with this `dedupe_key` exists."""
    status, error = MessageStatus.PENDING, ""
    if not to:
        status, error = MessageStatus.SKIPPED, gettext("No address on file for this channel.")
    elif respects_opt_out and registration is not None and has_opted_out(registration.pk, channel):
        status, error = MessageStatus.SKIPPED, gettext("The person asked for no more messages on this channel.")
    try:
        with transaction.atomic():
            return OutgoingMessage.objects.create(
                session=session,
                registration=registration,
                staff_recipient=staff_recipient,
                channel=channel,
                kind=kind,
                dedupe_key=dedupe_key[:200],
                to=to,
                language=language,
                subject=str(subject)[:300],
                body=str(body),
                html_body=str(html_body),
                attach_calendar=attach_calendar,
                respects_opt_out=respects_opt_out,
                status=status,
                error=error,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        return None


def deliver(*, messages, actor, title, session=None):
    """Start the job that sends `messages` (OutgoingMessage objects or ids still pending); returns the job,
    or None when there is nothing to send."""
    ids = [getattr(message, "pk", message) for message in messages if message is not None]
    with transaction.atomic():
        # Messages never handed to a job, or left waiting by a delivery job that gave up.
        pending = OutgoingMessage.objects.filter(pk__in=ids, status=MessageStatus.PENDING).filter(
            Q(job__isnull=True) | Q(job__status=JobStatus.FAILED)
        )
        if not pending.exists():
            return None
        job = start_job(kind=DELIVER_KIND, actor=actor, title=title, session=session)
        pending.update(job=job)
    return job


def _mark(message_id, status, **fields):
    return OutgoingMessage.objects.filter(pk=message_id).update(status=status, **fields)


@job_handler(DELIVER_KIND, max_attempts=5)
def deliver_messages(job, progress):
    mine = OutgoingMessage.objects.filter(job=job)
    # Left *sending* by a worker that died mid-send: it may have gone out. Never send twice.
    mine.filter(status=MessageStatus.SENDING).update(
        status=MessageStatus.UNCERTAIN, error=gettext("The worker stopped while sending this message; it was not sent again.")
    )
    total = mine.count()
    done = mine.exclude(status=MessageStatus.PENDING).count()
    progress(done, total, label=gettext("Sending messages"), force=True)
    passing_failures = 0
    for channel in MessageChannel.values:
        queue = mine.filter(channel=channel, status=MessageStatus.PENDING).order_by("pk")
        if not queue.exists():
            continue
        opener = _transports.get(channel)
        if opener is None:
            queue.update(status=MessageStatus.FAILED, error=gettext("This channel is not set up on the server."))
            continue
        # Who opted out of this channel among the queue's people, read once (not once a message).
        opted_out = set(
            MessageOptOut.objects.filter(channel=channel, registration__in=queue.values("registration")).values_list("registration_id", flat=True)
        )
        with opener() as send:
            for message in queue.select_related("registration", "session").iterator(chunk_size=200):
                if message.respects_opt_out and message.registration_id in opted_out:
                    _mark(message.pk, MessageStatus.SKIPPED, error=gettext("The person asked for no more messages on this channel."))
                elif _mark_sending(message):
                    passing_failures += _send_one(send, message)
                done += 1
                progress(done, total)
    summary = dict(mine.values_list("status").annotate(n=Count("pk")).order_by())
    if passing_failures and mine.filter(status=MessageStatus.PENDING).exists():
        raise MessagesNotAllSent(f"{passing_failures} messages failed for a passing reason")
    return JobResult(summary=summary)


def _mark_sending(message):
    return OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1
    )


def _send_one(send, message):
    """Send one message and record the outcome; returns 1 for a passing failure (to retry), else 0."""
    try:
        send(message)
    except PermanentSendError as error:
        _mark(message.pk, MessageStatus.FAILED, error=str(error)[:1000])
        return 0
    except Exception as error:
        logger.warning("message %s (%s) not sent: %s", message.pk, message.channel, error)
        give_up = message.attempts + 1 >= settings.MESSAGE_MAX_ATTEMPTS
        _mark(message.pk, MessageStatus.FAILED if give_up else MessageStatus.PENDING, error=str(error)[:1000] or type(error).__name__)
        return 0 if give_up else 1
    _mark(message.pk, MessageStatus.SENT, sent_at=timezone.now(), error="")
    return 0


def collect_message_data(sender, registration, **kwargs):
    """The messages sent to the person and their opt-outs, in the export of their data (registration/personal_data.py)."""
    messages = OutgoingMessage.objects.filter(registration_id=registration.pk).order_by("created_at", "pk")
    return "messages", {
        "sent": [
            {
                "channel": m.channel,
                "kind": m.kind,
                "to": m.to,
                "subject": m.subject,
                "status": m.status,
                "queued_at": iso(m.created_at),
                "sent_at": iso(m.sent_at),
            }
            for m in messages
        ],
        "opted_out": sorted(MessageOptOut.objects.filter(registration_id=registration.pk).values_list("channel", flat=True)),
    }
