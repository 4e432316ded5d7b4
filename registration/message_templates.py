"""What a message says, for every kind and channel: its subject, text and HTML rendered from templates in the
message's language, and the opt-out link a message that respects opt-outs carries.

The outbox (registration/messaging.py) stores what these return; the transports (registration/email.py, the
LINE one) only send it.

- ``render_message("registration/email/personal_link", context, "th")`` renders ``<base>_subject.txt``,
  ``<base>.txt`` and ``<base>.html`` under ``translation.override(language)``: the subject on one line, the
  HTML part "" when the kind has no ``.html`` template (LINE messages, plain reminders). Text templates wrap
  themselves in ``{% autoescape off %}``.
- ``opt_out_url(registration, channel)``: the absolute address of the page where the person stops messages of
  `channel` for this registration (registration/views.py ``opt_out``); its token carries the link key and
  the channel, never a primary key or personal data (registration/tokens.py).
"""

from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from meetings.site import site_url
from registration.tokens import make_opt_out_token


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def _render_optional(name, context):
    try:
        return render_to_string(name, context)
    except TemplateDoesNotExist:
        return ""


def render_message(template_base, context, language):
    """The subject, text and HTML of a message from the templates named `template_base` + ``_subject.txt``,
    ``.txt`` and ``.html``, in `language` ("th" or "en"). The text template is required; the others may be
    missing (a LINE message has no subject, a plain message no HTML)."""
    with translation.override(language):
        subject = " ".join(_render_optional(f"{template_base}_subject.txt", context).split())
        context = {**context, "subject": subject}
        text = render_to_string(f"{template_base}.txt", context).strip() + "\n"
        html = _render_optional(f"{template_base}.html", context).strip()
    return RenderedMessage(subject=subject, text=text, html=html)


def opt_out_path(registration, channel):
    return reverse("registration:opt_out", kwargs={"token": make_opt_out_token(registration, channel)})


def opt_out_url(registration, channel, base_url=None):
    """The absolute opt-out link for `registration` on `channel` (a MessageChannel value). `base_url` is the
    site's address (``meetings.site.site_url(request)`` from a page); by default SITE_URL or the local one."""
    return (base_url or site_url()) + opt_out_path(registration, channel)
