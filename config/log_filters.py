"""Personal links and check-in tickets never reach a log.

Anyone holding a personal link (/p/<token>/…) opens that person's page, and a ticket (PT1.…) checks
them in, so neither may be written where operators, log shippers or backups can read it. Request
paths reach the logs from several places: Django's "Not Found: /p/…" and "Internal Server Error"
warnings (django.request), CSRF refusals (django.security.csrf), runserver's and daphne's request
lines, and uvicorn's access log when it is switched on. Rather than chase every logger and handler,
`configure_logging` (Django's LOGGING_CONFIG) installs a log record factory that masks them in every
record as it is made, before any filter, handler or formatter sees it.
"""

import logging
import logging.config
import re

from registration.thai_id import is_valid_national_id, mask_national_id
from registration.tickets import PREFIX as TICKET_PREFIX

MASK = "[hidden]"
# The personal page and everything under it (registration/urls.py, training/urls.py).
_PERSONAL_PATH = re.compile(r"(/p/)[^/?#\s\"'<>]+")
# Check-in tickets (registration/tickets.py): the prefix, then base64url.
_TICKET = re.compile(re.escape(TICKET_PREFIX) + r"[A-Za-z0-9_\-]+", re.IGNORECASE)
# The personal links of old (/sessions/<id>/calendar.ics?t=<token>) and any other ?t= or &t=.
_TOKEN_QUERY = re.compile(r"([?&]t=)[^&#\s\"'<>]*")
# A signed personal token on its own (registration/tokens.py: a random key, ":", a signature).
_SIGNED_TOKEN = re.compile(r"\b[A-Za-z0-9_\-]{16,}:[A-Za-z0-9_\-]{40,}")
# Thirteen digits, written together or grouped 1-2345-67890-12-3: masked (x-xxxx-xxxxx-xx-3) when the
# check digit says it is a Thai national ID (a search typed into a URL, a value in an error).
_NATIONAL_ID = re.compile(r"(?<![\d\-])\d(?:[\- ]?\d){12}(?![\d\-])")


def _mask_national_id(match):
    text = match.group(0)
    return mask_national_id(text) if is_valid_national_id(text) else text


def mask_personal_links(text):
    """`text` with every personal link, ticket and signed token replaced by a placeholder."""
    if "/p/" in text:
        text = _PERSONAL_PATH.sub(r"\1" + MASK, text)
    if "t=" in text:
        text = _TOKEN_QUERY.sub(r"\1" + MASK, text)
    if ":" in text:
        text = _SIGNED_TOKEN.sub(MASK, text)
    if "." in text:
        text = _TICKET.sub(TICKET_PREFIX + MASK, text)
    text = _NATIONAL_ID.sub(_mask_national_id, text)
    return text


def _masked(value):
    return mask_personal_links(value) if isinstance(value, str) else value


def mask_record(record):
    """Mask the message and its arguments in place, keeping their shape: formatters such as uvicorn's
    access log unpack the arguments (client, method, path, HTTP version, status)."""
    record.msg = _masked(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_masked(arg) for arg in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _masked(value) for key, value in record.args.items()}
    return record


class PersonalLinkFilter(logging.Filter):
    """The same masking as a filter, for a handler configured outside Django (it never drops a record)."""

    def filter(self, record):
        mask_record(record)
        return True


def _masking_factory(make_record):
    def make_masked_record(*args, **kwargs):
        return mask_record(make_record(*args, **kwargs))

    make_masked_record.masks_personal_links = True
    return make_masked_record


def configure_logging(logging_settings):
    """LOGGING_CONFIG: mask personal links in every log record of this process, then apply LOGGING."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "masks_personal_links", False):
        logging.setLogRecordFactory(_masking_factory(current))
    if logging_settings:
        logging.config.dictConfig(logging_settings)
