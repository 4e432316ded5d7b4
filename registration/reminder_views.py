"""Reminder pages of a session (registration/reminders.py): the rules (central staff write them, provincial
officers read them), a rule's preview and a test to oneself, and the log of what was sent to whom (an officer
sees their province's people only).

Views parse input, check permission, call one service and render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from meetings.collation import sorted_thai
from meetings.dates import format_date
from meetings.errors import add_error_message, add_form_error
from meetings.permissions import central_required, is_central, scope_to_user, staff_required, user_province
from meetings.selectors import get_session_for_user
from registration.models import (
    CheckinFilter,
    MessageStatus,
    OffsetUnit,
    OutgoingMessage,
    PosttestFilter,
    ReminderAnchor,
    ReminderRule,
)
from registration.reminder_forms import MessageLogFilterForm, ReminderRuleForm, preset_initial
from registration.reminders import (
    PLACEHOLDERS,
    PRESETS,
    TEST_KIND_PREFIX,
    ReminderError,
    RuleContext,
    RuleState,
    audience_by_province,
    create_rule,
    delete_rule,
    example_person,
    render_message,
    rule_state,
    sample_person,
    send_test,
    too_late_reason,
    update_rule,
)

LOG_PAGE_SIZE = 50
# How the list counts a rule's messages: waiting, sent, not sent.
WAITING_STATUSES = (MessageStatus.PENDING, MessageStatus.SENDING)
NOT_SENT_STATUSES = (MessageStatus.FAILED, MessageStatus.SKIPPED, MessageStatus.UNCERTAIN)


def _session(request, session_pk):
    return get_session_for_user(request.user, session_pk)


def _rule(session, pk):
    return get_object_or_404(ReminderRule.objects.select_related("session"), session=session, pk=pk)


def _list_url(session):
    return reverse("registration:reminder_list", kwargs={"session_pk": session.pk})


def timing_text(rule):
    """The rule's timing in words: 3 days before the start, 30 minutes after the end, at the start."""
    amount, before = rule.offset_amount, rule.anchor == ReminderAnchor.BEFORE_START
    if amount == 0:
        return gettext("At the start") if before else gettext("At the end")
    texts = {
        (OffsetUnit.MINUTES, True): ngettext("%(count)s minute before the start", "%(count)s minutes before the start", amount),
        (OffsetUnit.HOURS, True): ngettext("%(count)s hour before the start", "%(count)s hours before the start", amount),
        (OffsetUnit.DAYS, True): ngettext("%(count)s day before the start", "%(count)s days before the start", amount),
        (OffsetUnit.MINUTES, False): ngettext("%(count)s minute after the end", "%(count)s minutes after the end", amount),
        (OffsetUnit.HOURS, False): ngettext("%(count)s hour after the end", "%(count)s hours after the end", amount),
        (OffsetUnit.DAYS, False): ngettext("%(count)s day after the end", "%(count)s days after the end", amount),
    }
    return texts[(rule.offset_unit, before)] % {"count": amount}


def audience_text(rule):
    """Who the rule is for, in a few words per filter."""
    parts = []
    roles = [role.name for role in rule.roles.all()]
    parts.append(", ".join(roles) if roles else gettext("every role"))
    provinces = sorted_thai(province.name for province in rule.provinces.all())
    if not provinces:
        parts.append(gettext("every province"))
    elif len(provinces) <= 3:
        parts.append(", ".join(provinces))
    else:
        parts.append(ngettext("%(count)s province", "%(count)s provinces", len(provinces)) % {"count": len(provinces)})
    parts.append(rule.get_registration_status_display() if rule.registration_status else gettext("any registration status"))
    if rule.checkin != CheckinFilter.ANY:
        parts.append(rule.get_checkin_display())
    if rule.posttest != PosttestFilter.ANY:
        parts.append(rule.get_posttest_display())
    return " · ".join(str(part) for part in parts)


def _after_save_message(request, rule):
    now = timezone.now()
    due = rule.due_at()
    if rule.fired_at:
        messages.info(request, gettext("Saved. This reminder was already sent; the people who got it will not get it again."))
    elif not rule.is_active:
        messages.info(request, gettext("Saved. The reminder is off: it will not be sent until you turn it on."))
    elif due > now:
        messages.success(request, gettext("Saved. It will be sent at %(due)s.") % {"due": format_date(due, "datetime")})
    elif too_late_reason(rule, rule.session, now):
        messages.warning(request, gettext("Saved, but it is too late for this reminder: it will not be sent."))
    else:
        messages.warning(request, gettext("Saved. Its time has already come: it will be sent within a minute."))


def _form_context(session, form, rule=None):
    return {"session": session, "form": form, "rule": rule, "placeholders": PLACEHOLDERS}


@staff_required
def reminder_list(request, session_pk):
    session = _session(request, session_pk)
    rules = list(session.reminder_rules.prefetch_related("roles", "provinces").order_by("pk"))
    mine = scope_to_user(OutgoingMessage.objects.filter(session=session), request.user, province_field="registration__province")
    counts = {}
    for row in mine.filter(kind__in=[rule.message_kind for rule in rules]).values("kind", "status").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["kind"], {})[row["status"]] = row["n"]
    now = timezone.now()
    rows = []
    for rule in rules:
        rule.session = session
        by_status = counts.get(rule.message_kind, {})
        rows.append(
            {
                "rule": rule,
                "due": rule.due_at(session),
                "timing": timing_text(rule),
                "audience": audience_text(rule),
                "state": rule_state(rule, now),
                "sent": by_status.get(MessageStatus.SENT, 0),
                "waiting": sum(by_status.get(status, 0) for status in WAITING_STATUSES),
                "not_sent": sum(by_status.get(status, 0) for status in NOT_SENT_STATUSES),
            }
        )
    rows.sort(key=lambda row: (row["due"], row["rule"].pk))
    return render(
        request,
        "registration/reminder_list.html",
        {
            "session": session,
            "rows": rows,
            "presets": PRESETS,
            "can_edit": is_central(request.user),
            "states": RuleState,
            "province": user_province(request.user),
        },
    )


def _rule_form(request, session, rule=None, initial=None):
    """The rule form, new (`rule` None) or editing: on a valid POST the service writes it and the list follows."""
    if request.method != "POST":
        form = ReminderRuleForm(instance=rule, initial=initial)
        return render(request, "registration/reminder_form.html", _form_context(session, form, rule))
    form = ReminderRuleForm(request.POST, instance=rule)
    if form.is_valid():
        changes = {
            "actor": request.user,
            "values": form.rule_values(),
            "roles": form.cleaned_data["roles"],
            "provinces": form.cleaned_data["provinces"],
        }
        try:
            saved = create_rule(session=session, **changes) if rule is None else update_rule(rule=rule, **changes)
        except ReminderError as error:
            add_form_error(form, error)
        else:
            _after_save_message(request, saved)
            return redirect(_list_url(session))
    if rule is not None:
        rule.refresh_from_db()  # the form wrote its values on the instance; the page shows the stored rule
    return render(request, "registration/reminder_form.html", _form_context(session, form, rule), status=400)


@central_required
def reminder_create(request, session_pk):
    session = _session(request, session_pk)
    return _rule_form(request, session, initial=preset_initial(request.GET.get("preset", ""), request.GET.get("language", "th")))


@central_required
def reminder_edit(request, session_pk, pk):
    session = _session(request, session_pk)
    return _rule_form(request, session, rule=_rule(session, pk))


@require_POST
@central_required
def reminder_delete(request, session_pk, pk):
    session = _session(request, session_pk)
    rule = _rule(session, pk)
    try:
        delete_rule(rule=rule, actor=request.user)
    except ReminderError as error:
        add_error_message(request, error)
    else:
        messages.success(request, gettext("The reminder “%(name)s” was deleted. The messages it sent stay in the log.") % {"name": rule.name})
    return redirect(_list_url(session))


@central_required
def reminder_preview(request, session_pk, pk):
    """How many people the rule reaches, province by province, and its message as one of them would get it."""
    session = _session(request, session_pk)
    rule = _rule(session, pk)
    rows = sorted_thai(audience_by_province(rule), key=lambda row: row.province.name)
    totals = {
        "people": sum(row.people for row in rows),
        "email": sum(row.email for row in rows),
        "line": sum(row.line for row in rows),
        "opted_out": sum(row.opted_out for row in rows),
    }
    context = RuleContext(rule)
    person = example_person(rule)
    sample = person is None
    if sample:
        person = sample_person(context, rule.language)
    rendered = [render_message(context, person, channel, sample=sample) for channel in rule.channels]
    return render(
        request,
        "registration/reminder_preview.html",
        {
            "session": session,
            "rule": rule,
            "rows": rows,
            "totals": totals,
            "person": person,
            "sample": sample,
            "rendered": rendered,
            "timing": timing_text(rule),
            "audience": audience_text(rule),
            "due": rule.due_at(session),
        },
    )


@require_POST
@central_required
def reminder_test(request, session_pk, pk):
    session = _session(request, session_pk)
    rule = _rule(session, pk)
    try:
        job = send_test(rule=rule, actor=request.user)
    except ReminderError as error:
        add_error_message(request, error)
        return redirect(reverse("registration:reminder_preview", kwargs={"session_pk": session.pk, "pk": rule.pk}))
    messages.success(request, gettext("A test is on its way to %(email)s.") % {"email": request.user.email})
    if job is None:
        return redirect(reverse("registration:reminder_preview", kwargs={"session_pk": session.pk, "pk": rule.pk}))
    return redirect(reverse("meetings:job_detail", kwargs={"job_id": job.pk}))


@staff_required
def reminder_log(request, session_pk):
    """What was sent to whom: every message of the session, newest first (an officer: their province's people)."""
    session = _session(request, session_pk)
    central = is_central(request.user)
    rules = list(session.reminder_rules.order_by("pk"))
    form = MessageLogFilterForm(request.GET or None, rules=rules, central=central)
    sent = scope_to_user(OutgoingMessage.objects.filter(session=session), request.user, province_field="registration__province")
    if form.is_valid():
        data = form.cleaned_data
        if data["what"] == "tests":
            sent = sent.filter(kind__startswith=TEST_KIND_PREFIX)
        elif data["what"]:
            sent = sent.filter(kind=data["what"])
        if data["channel"]:
            sent = sent.filter(channel=data["channel"])
        if data["status"]:
            sent = sent.filter(status=data["status"])
        if data.get("province"):
            sent = sent.filter(registration__province=data["province"])
        for word in (data["q"] or "").split():
            sent = sent.filter(Q(registration__first_name__icontains=word) | Q(registration__last_name__icontains=word))
    sent = sent.select_related("registration__province", "staff_recipient").order_by("-created_at", "-pk")
    page = Paginator(sent, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    names = {rule.message_kind: rule.name for rule in rules}
    tests = {f"{TEST_KIND_PREFIX}{rule.pk}": rule.name for rule in rules}
    for message in page.object_list:
        if message.kind in names:
            message.what = names[message.kind]
        elif message.kind in tests:
            message.what = gettext("Test: %(name)s") % {"name": tests[message.kind]}
        elif message.kind.startswith("reminder"):
            message.what = gettext("A deleted reminder")
        else:
            message.what = message.kind
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registration/reminder_log.html",
        {"session": session, "form": form, "page": page, "query": query.urlencode(), "is_central": central, "province": user_province(request.user)},
    )
