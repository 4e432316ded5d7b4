"""Reminder rules: messages a session sends by itself, before its start or after its end.

- **Who**: a rule's audience is the session's registrations filtered by role, province, registration status,
  check-in and post-test state (`audience`). Check-in and the post-test belong to the apps built on this one,
  which cannot be imported here (docs/ARCHITECTURE.md): attendance and training register their filters with
  `@audience_filter("checkin")` and `@audience_filter("posttest")` in their own ``reminders.py``, imported in
  their AppConfig.ready(), as they connect to the signals of registration/personal_data.py.
- **When**: a rule falls due at the start less its offset, or the end plus its offset (`ReminderRule.due_at`).
  The tick (`fire_due_reminders`, once a minute) marks each due rule fired, once, and starts the job that
  queues its messages (`fire_reminder`); a rule the tick reaches too late is skipped, and why is recorded.
- **Once**: each message's dedupe key is ``reminder:<rule>:<registration>:<channel>``, unique forever in the
  outbox (registration/messaging.py): each person gets each reminder once per channel, however often the
  tick or the job runs, whatever is edited afterwards.
- **What**: the subject and body are the staff's text with {placeholders} (`PLACEHOLDERS`), replaced by plain
  substitution (`render_text`): never a template language, never attribute access on user input.
"""

import dataclasses
import datetime
import logging
import re
import uuid

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.dates import format_date, format_time
from meetings.jobs import JobResult, every_tick, job_handler, start_job
from meetings.models import Province, SessionStatus
from meetings.permissions import is_central
from registration.errors import RegistrationError
from registration.line import line_addresses
from registration.message_templates import opt_out_url
from registration.messaging import deliver, queue_message
from registration.models import (
    OFFSET_UNIT_MINUTES,
    CheckinFilter,
    MessageChannel,
    MessageOptOut,
    MessageStatus,
    OffsetUnit,
    OutgoingMessage,
    PosttestFilter,
    Registration,
    RegistrationStatus,
    ReminderAnchor,
    ReminderRule,
    home_venue_id,
)

logger = logging.getLogger(__name__)

FIRE_KIND = "registration.fire_reminder"
# The footer every message of the outbox ends with (registration/message_templates.py's e-mails use it too).
FOOTER_TEMPLATE = "registration/email/_footer.txt"
TEST_KIND_PREFIX = "reminder-test:"
# A rule the tick reaches later than this after it fell due (the worker was down) is not sent.
STALE_AFTER = datetime.timedelta(days=1)
# A reminder before the start is still sent this long after the start (one "at the start" reaches the tick late).
START_GRACE = datetime.timedelta(minutes=15)
# The longest offset a rule may have (the form's limit).
MAX_OFFSET_MINUTES = 90 * 24 * 60


class ReminderError(RegistrationError):
    """A refused change to a reminder rule, or a test that cannot be sent."""


# --- audience filters registered by the apps built on registration ---------------------------------------

_audience_filters = {}


def audience_filter(name):
    """Register ``func(registrations, value) -> registrations`` as the filter `name` ("checkin", "posttest").
    The app that holds the facts calls this from its own module, imported in its AppConfig.ready()."""

    def decorator(func):
        _audience_filters[name] = func
        return func

    return decorator


def apply_audience_filter(name, registrations, value):
    """`registrations` narrowed by the registered filter `name`; "any" narrows nothing."""
    if not value or value == "any":
        return registrations
    func = _audience_filters.get(name)
    if func is None:
        raise ImproperlyConfigured(f"No reminder audience filter {name!r} is registered (is the app that provides it installed?).")
    return func(registrations, value)


def audience(rule):
    """The registrations `rule` is sent to (a queryset; people whose data was erased are never in it)."""
    registrations = Registration.objects.filter(session_id=rule.session_id, anonymised_at__isnull=True)
    if rule.registration_status:
        registrations = registrations.filter(status=rule.registration_status)
    if rule.pk:
        role_ids = list(rule.roles.values_list("pk", flat=True))
        province_ids = list(rule.provinces.values_list("pk", flat=True))
        if role_ids:
            registrations = registrations.filter(role_id__in=role_ids)
        if province_ids:
            registrations = registrations.filter(province_id__in=province_ids)
    registrations = apply_audience_filter("checkin", registrations, rule.checkin)
    return apply_audience_filter("posttest", registrations, rule.posttest)


# --- placeholders and rendering --------------------------------------------------------------------------

PLACEHOLDERS = (
    ("name", _("the person's name with prefix")),
    ("first_name", _("the person's first name")),
    ("session", _("the session's title")),
    ("date", _("the day of the start")),
    ("time", _("the time of the start")),
    ("end_time", _("the time of the end")),
    ("venue", _("the person's venue")),
    ("province", _("the person's province")),
    ("personal_link", _("the person's personal page (venue, join link, QR code for check-in, post-test, certificate)")),
    ("join_link", _("the video-conference join link of the person's venue")),
)
PLACEHOLDER_NAMES = frozenset(name for name, _label in PLACEHOLDERS)
# {anything without spaces or braces}: known names are replaced, anything else is left as it was written.
PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")


def braced(name):
    return "{" + name + "}"


def unknown_placeholders(text):
    """The {names} in `text` that are not placeholders, in order of appearance, each once."""
    seen = []
    for name in PLACEHOLDER.findall(text or ""):
        if name not in PLACEHOLDER_NAMES and name not in seen:
            seen.append(name)
    return seen


def render_text(text, values):
    """`text` with each {placeholder} replaced by its value; any other brace is left as written."""
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), text or "")


class RuleContext:
    """What rendering a rule's messages needs once per rule rather than once per person: the session and
    its venues (a person's venue is the expected-venue rule's, registration.models.expected_at)."""

    def __init__(self, rule):
        self.rule = rule
        self.session = rule.session
        venues = list(self.session.venues.all())
        self.venues = {venue.pk: venue for venue in venues}
        self.provincial = {venue.province_id: venue for venue in venues if not venue.is_host}
        self.host = next((venue for venue in venues if venue.is_host), None)

    def venue_of(self, registration):
        return self.venues.get(home_venue_id(registration.venue_id, registration.province_id, self.provincial))

    def values(self, registration, *, sample=False):
        """The placeholders' values for `registration` in the rule's language. A `sample` person (unsaved: a
        test to staff) sits at the host venue, and their links open nothing."""
        session, language = self.session, self.rule.language
        venue = self.venue_of(registration) or (self.host if sample else None)
        if registration.status == RegistrationStatus.ACTIVE and not registration.link_revoked:
            personal_link = registration.get_personal_url()
        else:
            personal_link = ""  # a cancelled or revoked link opens nothing: better none than a dead one
        province = registration.province
        return {
            "name": registration.full_name,
            "first_name": registration.first_name,
            "session": session.title,
            "date": format_date(timezone.localtime(session.starts_at).date(), "long", lang=language),
            "time": format_time(session.starts_at, lang=language),
            "end_time": format_time(session.ends_at, lang=language),
            "venue": str(venue) if venue is not None else "",
            "province": (province.name_en if language == "en" else province.name_th) if province is not None else "",
            "personal_link": personal_link,
            "join_link": (venue.join_url if venue is not None else "") or session.vc_join_url,
        }


@dataclasses.dataclass
class RenderedMessage:
    channel: str
    subject: str
    body: str


def render_message(context, registration, channel, *, sample=False):
    """The subject and body one person gets on `channel`, ending with the footer of every message (the
    organiser, and the link that stops messages on this channel). A LINE message has no subject line of its
    own: the subject opens the text."""
    rule = context.rule
    values = context.values(registration, sample=sample)
    subject = " ".join(render_text(rule.subject, values).split())
    body = render_text(rule.body, values).strip()
    if channel == MessageChannel.LINE and subject:
        body = f"{subject}\n\n{body}"
    with translation.override(rule.language):
        footer = render_to_string(FOOTER_TEMPLATE, {"session": context.session, "opt_out_url": opt_out_url(registration, channel)})
    return RenderedMessage(channel=channel, subject=subject, body=f"{body}\n{footer.rstrip()}\n")


def sample_person(context, language):
    """A person who does not exist, for a test sent to staff: no one's data leaves in a test."""
    province = context.host.province if context.host is not None else Province.objects.filter(code="TH-10").first()
    if language == "en":
        return Registration(session=context.session, province=province, prefix="Mr.", first_name="Sample", last_name="Person")
    return Registration(session=context.session, province=province, prefix="นาย", first_name="ตัวอย่าง", last_name="ทดสอบระบบ")


# --- timing ---------------------------------------------------------------------------------------------


class RuleState:
    WAITING = "waiting"
    DUE = "due"
    FIRED = "fired"
    SKIPPED = "skipped"
    INACTIVE = "inactive"


def too_late_reason(rule, session, now):
    """Why `rule`, due before `now`, must not be sent any more ("" when it still may be)."""
    due = rule.due_at(session)
    stale = now - due > STALE_AFTER
    started = rule.anchor == ReminderAnchor.BEFORE_START and now > session.starts_at + START_GRACE
    if not (stale or started):
        return ""
    with translation.override(rule.language):
        due_text = format_date(due, "datetime")
    if session.status == SessionStatus.DRAFT:
        return gettext("The session was still a draft when this reminder fell due (%(due)s).") % {"due": due_text}
    if started:
        return gettext("The session had already started when this reminder was to be sent (due %(due)s).") % {"due": due_text}
    return gettext("It fell due at %(due)s, more than a day before the server could send it (was the worker running?).") % {"due": due_text}


def rule_state(rule, now=None):
    now = now or timezone.now()
    if rule.fired_at:
        return RuleState.FIRED
    if rule.skipped_at:
        return RuleState.SKIPPED
    if not rule.is_active:
        return RuleState.INACTIVE
    return RuleState.DUE if rule.due_at() <= now else RuleState.WAITING


@every_tick
def fire_due_reminders(now):
    """The tick's part: mark each rule that fell due fired (once) and start the job that queues its messages,
    or record why it is skipped. Rules of a draft session wait until it is published (or until too late)."""
    fired = 0
    candidates = ReminderRule.objects.filter(is_active=True, fired_at__isnull=True, skipped_at__isnull=True).select_related("session")
    for rule in candidates:
        if rule.due_at() > now:
            continue
        with transaction.atomic():
            locked = (
                ReminderRule.objects.select_for_update()
                .select_related("session")
                .filter(pk=rule.pk, is_active=True, fired_at__isnull=True, skipped_at__isnull=True)
                .first()
            )
            if locked is None:
                continue  # another tick took it, or staff changed it meanwhile
            session = locked.session
            reason = too_late_reason(locked, session, now)
            if reason:
                locked.skipped_at, locked.skip_reason = now, reason[:300]
                locked.save(update_fields=["skipped_at", "skip_reason"])
                logger.warning("reminder rule %s skipped: %s", locked.pk, reason)
                continue
            if session.status == SessionStatus.DRAFT:
                continue
            locked.fired_at = now
            locked.save(update_fields=["fired_at"])
            start_job(
                kind=FIRE_KIND,
                actor=locked.created_by,
                title=gettext("Reminder: %(name)s") % {"name": locked.name},
                params={"rule": locked.pk},
                session=session,
                dedupe_key=f"reminder-fire:{locked.pk}",
            )
            fired += 1
    return fired


def dedupe_key(rule, registration, channel):
    return f"reminder:{rule.pk}:{registration.pk}:{channel}"


@job_handler(FIRE_KIND, max_attempts=5)
def fire_reminder(job, progress):
    """Queue one message per person per channel of the rule, then start their delivery. Idempotent: a message
    already queued (by an earlier run of this job) is not queued again, and every message of the rule still
    waiting for a delivery job is handed to one."""
    rule = ReminderRule.objects.select_related("session").filter(pk=job.params["rule"]).first()
    if rule is None:
        return JobResult(summary={"rule_deleted": 1})
    context = RuleContext(rule)
    people = list(audience(rule).select_related("province").order_by("pk"))
    channels = rule.channels
    lines = line_addresses([person.pk for person in people]) if MessageChannel.LINE in channels else {}
    total = len(people) * len(channels)
    progress(0, total, label=gettext("Queuing reminders"), force=True)
    done = queued = 0
    for registration in people:
        for channel in channels:
            message = render_message(context, registration, channel)
            created = queue_message(
                session=rule.session,
                registration=registration,
                channel=channel,
                kind=rule.message_kind,
                dedupe_key=dedupe_key(rule, registration, channel),
                to=registration.email if channel == MessageChannel.EMAIL else lines.get(registration.pk, ""),
                subject=message.subject,
                body=message.body,
                language=rule.language,
                attach_calendar=channel == MessageChannel.EMAIL,
            )
            queued += created is not None
            done += 1
            progress(done, total)
    waiting = OutgoingMessage.objects.filter(kind=rule.message_kind, session=rule.session, status=MessageStatus.PENDING, job__isnull=True)
    deliver(
        messages=list(waiting.values_list("pk", flat=True)),
        actor=job.created_by,
        title=gettext("Reminder: %(name)s") % {"name": rule.name},
        session=rule.session,
    )
    ReminderRule.objects.filter(pk=rule.pk).update(queued_count=OutgoingMessage.objects.filter(kind=rule.message_kind).count())
    return JobResult(summary={"people": len(people), "queued": queued})


# --- services: staff write rules and send themselves a test ---------------------------------------------


def _check_central(actor):
    if not is_central(actor):
        raise ReminderError(gettext("Only central staff can set up reminders."), code="forbidden")


RULE_FIELDS = (
    "name",
    "send_email",
    "send_line",
    "anchor",
    "offset_minutes",
    "offset_unit",
    "language",
    "subject",
    "body",
    "registration_status",
    "checkin",
    "posttest",
    "is_active",
)


def check_rule_values(values):
    """The rules a rule's values keep whoever writes them (the form shows the same errors on its fields)."""
    if not (values.get("send_email") or values.get("send_line")):
        raise ReminderError(gettext("Choose at least one channel."), code="no_channel", details={"field": "send_email"})
    if not 0 <= int(values.get("offset_minutes") or 0) <= MAX_OFFSET_MINUTES:
        raise ReminderError(gettext("The offset can be at most 90 days."), code="offset_range", details={"field": "offset_amount"})
    for field in ("subject", "body"):
        unknown = unknown_placeholders(values.get(field, ""))
        if unknown:
            raise ReminderError(
                gettext("Unknown placeholder %(names)s. Use only: %(known)s.")
                % {"names": ", ".join(braced(name) for name in unknown), "known": ", ".join(braced(name) for name, _label in PLACEHOLDERS)},
                code="unknown_placeholder",
                details={"field": field},
            )


def create_rule(*, session, actor, values, roles=(), provinces=()):
    """A new reminder rule of `session` (central staff only)."""
    _check_central(actor)
    check_rule_values(values)
    with transaction.atomic():
        rule = ReminderRule.objects.create(session=session, created_by=actor, **{key: values[key] for key in RULE_FIELDS if key in values})
        rule.roles.set(roles)
        rule.provinces.set(provinces)
    return rule


def update_rule(*, rule, actor, values, roles=None, provinces=None):
    """Change a rule (`values` holds the fields that change; roles and provinces None: unchanged). A rule already
    sent stays sent: the people who got it do not get it again. A rule skipped (too late) gets another chance
    with its new timing."""
    _check_central(actor)
    check_rule_values({**{key: getattr(rule, key) for key in RULE_FIELDS}, **values})
    with transaction.atomic():
        for key in RULE_FIELDS:
            if key in values:
                setattr(rule, key, values[key])
        if rule.fired_at is None:
            rule.skipped_at, rule.skip_reason = None, ""
        rule.save()
        if roles is not None:
            rule.roles.set(roles)
        if provinces is not None:
            rule.provinces.set(provinces)
    return rule


def delete_rule(*, rule, actor):
    """Remove a rule. The messages it sent stay in the log."""
    _check_central(actor)
    rule.delete()


def send_test(*, rule, actor):
    """E-mail the rule's message, as a sample person would get it, to the staff member themself; returns the
    delivery job. Not subject to any opt-out, and sent again each time it is asked for."""
    _check_central(actor)
    if not actor.email:
        raise ReminderError(gettext("Your account has no e-mail address. Add one to receive a test."), code="no_email")
    context = RuleContext(rule)
    message = render_message(context, sample_person(context, rule.language), MessageChannel.EMAIL, sample=True)
    with transaction.atomic():
        queued = queue_message(
            session=rule.session,
            channel=MessageChannel.EMAIL,
            kind=f"{TEST_KIND_PREFIX}{rule.pk}",
            dedupe_key=f"{TEST_KIND_PREFIX}{rule.pk}:{actor.pk}:{uuid.uuid4().hex}",
            to=actor.email,
            subject=gettext("[Test] %(subject)s") % {"subject": message.subject},
            body=message.body,
            staff_recipient=actor,
            language=rule.language,
            attach_calendar=True,
            respects_opt_out=False,
            actor=actor,
        )
        return deliver(messages=[queued], actor=actor, title=gettext("Test of reminder: %(name)s") % {"name": rule.name}, session=rule.session)


# --- preview --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ProvinceCount:
    province: object
    people: int = 0
    email: int = 0  # with an e-mail address and not opted out
    line: int = 0  # with LINE linked and not opted out
    opted_out: int = 0  # opted out of at least one of the rule's channels


def audience_by_province(rule):
    """How many people the rule reaches in each province, and how many it can reach on each channel."""
    opted = {
        channel: Exists(MessageOptOut.objects.filter(registration=OuterRef("pk"), channel=channel))
        for channel in (MessageChannel.EMAIL, MessageChannel.LINE)
    }
    people = list(audience(rule).select_related("province").annotate(email_out=opted[MessageChannel.EMAIL], line_out=opted[MessageChannel.LINE]))
    lines = line_addresses([person.pk for person in people]) if rule.send_line else {}
    counts = {}
    for person in people:
        row = counts.setdefault(person.province_id, ProvinceCount(person.province))
        row.people += 1
        if rule.send_email and person.email and not person.email_out:
            row.email += 1
        if rule.send_line and not person.line_out and lines.get(person.pk):
            row.line += 1
        if (rule.send_email and person.email_out) or (rule.send_line and person.line_out):
            row.opted_out += 1
    return list(counts.values())


def example_person(rule):
    """The first person of the rule's audience in the list's database order, or None."""
    return audience(rule).select_related("province", "role").in_list_order().first()


# --- presets ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Preset:
    key: str
    label: object  # lazy: the name in the page's language
    anchor: str
    offset_amount: int
    offset_unit: str
    texts: dict  # language -> (name, subject, body)
    checkin: str = CheckinFilter.ANY
    posttest: str = PosttestFilter.ANY

    def initial(self, language):
        name, subject, body = self.texts.get(language) or self.texts["th"]
        return {
            "name": name,
            "anchor": self.anchor,
            "offset_amount": self.offset_amount,
            "offset_unit": self.offset_unit,
            "language": language if language in self.texts else "th",
            "subject": subject,
            "body": body,
            "checkin": self.checkin,
            "posttest": self.posttest,
            "registration_status": RegistrationStatus.ACTIVE,
            "send_email": True,
            "is_active": True,
        }


# The texts people receive are written out in both languages (not through the catalogue: the rule's language
# is the reader's, not the page's).
PRESETS = (
    Preset(
        "3_days_before",
        _("3 days before"),
        ReminderAnchor.BEFORE_START,
        3,
        OffsetUnit.DAYS,
        {
            "th": (
                "เตือนล่วงหน้า 3 วัน",
                "อีก 3 วัน: {session}",
                "เรียน {name}\n\nขอเรียนเตือนว่าท่านได้ลงทะเบียนเข้าร่วม “{session}” ใน{date} เวลา {time}\nสถานที่ของท่าน: {venue}\n\n"
                "ดูรายละเอียด กำหนดการ ลิงก์เข้าร่วมประชุม และคิวอาร์โค้ดสำหรับลงชื่อเข้าร่วมได้ที่หน้าส่วนตัวของท่าน:\n{personal_link}",
            ),
            "en": (
                "3 days before",
                "In 3 days: {session}",
                "Dear {name},\n\nThis is a reminder that you are registered for “{session}” on {date} at {time}.\nYour venue: {venue}\n\n"
                "Your personal page has the details, the agenda, the join link and your QR code for check-in:\n{personal_link}",
            ),
        },
    ),
    Preset(
        "1_day_before",
        _("1 day before"),
        ReminderAnchor.BEFORE_START,
        1,
        OffsetUnit.DAYS,
        {
            "th": (
                "เตือนล่วงหน้า 1 วัน",
                "พรุ่งนี้: {session}",
                "เรียน {name}\n\nพรุ่งนี้ท่านมีกำหนดเข้าร่วม “{session}” เวลา {time}\nสถานที่ของท่าน: {venue}\n\n"
                "โปรดแสดงคิวอาร์โค้ดในหน้าส่วนตัวของท่านเพื่อลงชื่อเข้าร่วม:\n{personal_link}",
            ),
            "en": (
                "1 day before",
                "Tomorrow: {session}",
                "Dear {name},\n\nTomorrow you take part in “{session}” at {time}.\nYour venue: {venue}\n\n"
                "Please show the QR code on your personal page to check in:\n{personal_link}",
            ),
        },
    ),
    Preset(
        "1_hour_before",
        _("1 hour before"),
        ReminderAnchor.BEFORE_START,
        1,
        OffsetUnit.HOURS,
        {
            "th": (
                "เตือนล่วงหน้า 1 ชั่วโมง",
                "อีก 1 ชั่วโมง: {session}",
                "เรียน {name}\n\n“{session}” จะเริ่มเวลา {time}\nสถานที่ของท่าน: {venue}\nลิงก์เข้าร่วมประชุมออนไลน์: {join_link}\n\n"
                "หน้าส่วนตัวของท่าน: {personal_link}",
            ),
            "en": (
                "1 hour before",
                "In 1 hour: {session}",
                "Dear {name},\n\n“{session}” starts at {time}.\nYour venue: {venue}\nJoin online: {join_link}\n\nYour personal page: {personal_link}",
            ),
        },
    ),
    Preset(
        "posttest",
        _("After the end: take the post-test"),
        ReminderAnchor.AFTER_END,
        30,
        OffsetUnit.MINUTES,
        {
            "th": (
                "หลังจบ: เชิญทำแบบทดสอบหลังเรียน",
                "เชิญทำแบบทดสอบหลังเรียน: {session}",
                "เรียน {name}\n\nขอบคุณที่เข้าร่วม “{session}”\nโปรดทำแบบทดสอบหลังเรียนจากหน้าส่วนตัวของท่าน:\n{personal_link}",
            ),
            "en": (
                "After the end: take the post-test",
                "Please take the post-test: {session}",
                "Dear {name},\n\nThank you for taking part in “{session}”.\nPlease take the post-test from your personal page:\n{personal_link}",
            ),
        },
        posttest=PosttestFilter.NOT_PASSED,
    ),
    Preset(
        "certificate",
        _("After the end: certificate ready"),
        ReminderAnchor.AFTER_END,
        1,
        OffsetUnit.DAYS,
        {
            "th": (
                "หลังจบ: เกียรติบัตรพร้อมแล้ว",
                "เกียรติบัตรของท่านพร้อมแล้ว: {session}",
                "เรียน {name}\n\nเกียรติบัตรการเข้าร่วม “{session}” ของท่านพร้อมแล้ว ดาวน์โหลดได้จากหน้าส่วนตัวของท่าน:\n{personal_link}",
            ),
            "en": (
                "After the end: certificate ready",
                "Your certificate is ready: {session}",
                "Dear {name},\n\nYour certificate for “{session}” is ready. Download it from your personal page:\n{personal_link}",
            ),
        },
        posttest=PosttestFilter.PASSED,
    ),
)
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}


def offset_minutes(amount, unit):
    return int(amount) * OFFSET_UNIT_MINUTES.get(unit, 1)
