"""Reminder rules (registration/reminders.py): when a rule falls due, who gets it, what it says, that each person
gets it once whatever happens, opt-outs, the staff pages (preview, test to oneself, the log) and who may use them."""

import contextlib
import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meetings import jobs
from meetings.models import Job, JobStatus, Province, RoleCategory, SessionStatus
from meetings.tests.factories import PASSWORD, make_session, make_venue
from registration import messaging, reminders, urls
from registration.line import create_line_link_code, link_line_account
from registration.message_templates import opt_out_url
from registration.messaging import queue_message
from registration.models import (
    MessageChannel,
    MessageStatus,
    OffsetUnit,
    OutgoingMessage,
    RegistrationStatus,
    ReminderAnchor,
    ReminderRule,
)
from registration.services import opt_out
from registration.tests.factories import make_registration

DAY = 24 * 60


def make_rule(session, actor, *, roles=(), provinces=(), **values):
    defaults = {
        "name": "เตือนล่วงหน้า",
        "send_email": True,
        "send_line": False,
        "anchor": ReminderAnchor.BEFORE_START,
        "offset_minutes": DAY,
        "offset_unit": OffsetUnit.DAYS,
        "language": "th",
        "subject": "เตือน: {session}",
        "body": "เรียน {name}\nสถานที่: {venue}\nหน้าส่วนตัว: {personal_link}",
        "registration_status": RegistrationStatus.ACTIVE,
        "checkin": "any",
        "posttest": "any",
        "is_active": True,
    }
    defaults.update(values)
    return reminders.create_rule(session=session, actor=actor, values=defaults, roles=roles, provinces=provinces)


def audience_names(rule):
    return set(reminders.audience(rule).values_list("first_name", flat=True))


def run_worker():
    call_command("worker", batch=True, interval=0, verbosity=0)


@pytest.fixture
def lampang_person(session):
    venue = make_venue(session, "TH-52", vc_join_url="https://vc.example.org/lampang")
    return make_registration(session, "TH-52", "committee", venue=venue, first_name="สมศรี", last_name="ใจดี", email="somsri@example.org")


@pytest.fixture
def chiangmai_person(session):
    make_venue(session, "TH-50")
    return make_registration(session, "TH-50", "committee", first_name="สมหมาย", last_name="รักงาน", email="sommai@example.org")


# --- when a rule falls due ---------------------------------------------------------------------------------


def test_a_rule_falls_due_before_the_start_or_after_the_end(session, central_organiser):
    before = make_rule(session, central_organiser, offset_minutes=3 * DAY)
    after = make_rule(session, central_organiser, anchor=ReminderAnchor.AFTER_END, offset_minutes=30, offset_unit=OffsetUnit.MINUTES)
    assert before.due_at() == session.starts_at - datetime.timedelta(days=3)
    assert after.due_at() == session.ends_at + datetime.timedelta(minutes=30)
    assert before.offset_amount == 3 and after.offset_amount == 30


def test_the_tick_fires_a_rule_once_when_it_falls_due(session, central_organiser):
    rule = make_rule(session, central_organiser)
    due = rule.due_at()
    assert reminders.fire_due_reminders(due - datetime.timedelta(minutes=1)) == 0
    rule.refresh_from_db()
    assert rule.fired_at is None

    assert reminders.fire_due_reminders(due + datetime.timedelta(minutes=1)) == 1
    assert reminders.fire_due_reminders(due + datetime.timedelta(minutes=2)) == 0
    rule.refresh_from_db()
    assert rule.fired_at == due + datetime.timedelta(minutes=1) and rule.skipped_at is None
    fire_jobs = Job.objects.filter(kind=reminders.FIRE_KIND)
    assert fire_jobs.count() == 1 and fire_jobs.get().params == {"rule": rule.pk}


def test_a_rule_reached_more_than_a_day_late_is_skipped_and_says_why(session, central_organiser):
    rule = make_rule(session, central_organiser, offset_minutes=3 * DAY)
    assert reminders.fire_due_reminders(rule.due_at() + datetime.timedelta(days=1, minutes=1)) == 0
    rule.refresh_from_db()
    assert rule.fired_at is None and rule.skipped_at is not None
    assert "worker" in rule.skip_reason
    assert not Job.objects.filter(kind=reminders.FIRE_KIND).exists()

    # Given a new time, a skipped rule gets another chance.
    reminders.update_rule(rule=rule, actor=central_organiser, values={"offset_minutes": DAY})
    rule.refresh_from_db()
    assert rule.skipped_at is None and rule.skip_reason == ""
    assert reminders.fire_due_reminders(rule.due_at() + datetime.timedelta(minutes=1)) == 1


def test_a_reminder_before_the_start_is_not_sent_once_the_session_has_begun(session, central_organiser):
    rule = make_rule(session, central_organiser, offset_minutes=10, offset_unit=OffsetUnit.MINUTES)
    reminders.fire_due_reminders(session.starts_at + datetime.timedelta(minutes=20))
    rule.refresh_from_db()
    assert rule.fired_at is None and rule.skipped_at is not None and "เริ่มไปแล้ว" in rule.skip_reason


def test_an_at_the_start_reminder_reached_a_little_late_still_goes(session, central_organiser):
    make_rule(session, central_organiser, offset_minutes=0, offset_unit=OffsetUnit.MINUTES)
    assert reminders.fire_due_reminders(session.starts_at + datetime.timedelta(minutes=1)) == 1


def test_a_rule_of_a_draft_session_waits_for_it_to_be_published(central_organiser):
    draft = make_session(status=SessionStatus.DRAFT)
    rule = make_rule(draft, central_organiser)
    now = rule.due_at() + datetime.timedelta(minutes=5)
    assert reminders.fire_due_reminders(now) == 0
    rule.refresh_from_db()
    assert rule.fired_at is None and rule.skipped_at is None
    draft.status = SessionStatus.PUBLISHED
    draft.save()
    assert reminders.fire_due_reminders(now) == 1


def test_a_rule_turned_off_is_not_fired(session, central_organiser):
    rule = make_rule(session, central_organiser, is_active=False)
    assert reminders.fire_due_reminders(rule.due_at() + datetime.timedelta(minutes=1)) == 0


# --- who gets it ---------------------------------------------------------------------------------------------


def test_the_audience_is_filtered_by_role_province_and_registration_status(session, central_organiser):
    make_registration(session, "TH-52", "committee", first_name="ก")
    make_registration(session, "TH-52", "provincial_officer", first_name="ข")
    make_registration(session, "TH-50", "committee", first_name="ค")
    cancelled = make_registration(session, "TH-52", "committee", first_name="ง")
    cancelled.status = RegistrationStatus.CANCELLED
    cancelled.save()
    erased = make_registration(session, "TH-52", "committee", first_name="จ", anonymised_at=timezone.now())
    assert erased.pk
    make_registration(make_session(), "TH-52", "committee", first_name="ฉ")  # another session

    assert audience_names(make_rule(session, central_organiser)) == {"ก", "ข", "ค"}
    committee = RoleCategory.objects.get(code="committee")
    assert audience_names(make_rule(session, central_organiser, roles=[committee])) == {"ก", "ค"}
    chiang_mai = Province.objects.get(code="TH-50")
    assert audience_names(make_rule(session, central_organiser, provinces=[chiang_mai])) == {"ค"}
    assert audience_names(make_rule(session, central_organiser, registration_status=RegistrationStatus.CANCELLED)) == {"ง"}
    assert audience_names(make_rule(session, central_organiser, registration_status="")) == {"ก", "ข", "ค", "ง"}


# --- what it says ----------------------------------------------------------------------------------------------


def test_placeholders_are_replaced_and_nothing_else_is_evaluated():
    values = {"name": "นายสมชาย ใจดี"}
    assert reminders.render_text("เรียน {name}", values) == "เรียน นายสมชาย ใจดี"
    untouched = "{name.__class__} {name!r} {0} {} {{name}} {ชื่อ}"
    assert reminders.render_text(untouched, values) == untouched.replace("{{name}}", "{นายสมชาย ใจดี}")
    assert reminders.unknown_placeholders("{name} {namee} {ชื่อ} {namee}") == ["namee", "ชื่อ"]


def test_an_unknown_placeholder_is_refused(session, central_organiser):
    with pytest.raises(reminders.ReminderError) as refused:
        make_rule(session, central_organiser, body="เรียน {fullname}")
    assert refused.value.code == "unknown_placeholder" and "{fullname}" in str(refused.value)
    assert not ReminderRule.objects.exists()


def test_the_message_carries_the_persons_details_and_their_opt_out_link(session, central_organiser, lampang_person):
    rule = make_rule(
        session,
        central_organiser,
        subject="{session} {date}",
        body="{name} {first_name} {time} {end_time} {venue} {province} {join_link} {personal_link}",
    )
    message = reminders.render_message(reminders.RuleContext(rule), lampang_person, MessageChannel.EMAIL)
    assert session.title in message.subject and "พ.ศ." in message.subject
    venue = lampang_person.venue
    for text in (lampang_person.full_name, "สมศรี", "น.", str(venue), "ลำปาง", "https://vc.example.org/lampang", lampang_person.get_personal_url()):
        assert text in message.body, text
    assert opt_out_url(lampang_person, MessageChannel.EMAIL) in message.body

    english = make_rule(session, central_organiser, language="en", subject="{date}", body="{time} {province}")
    message = reminders.render_message(reminders.RuleContext(english), lampang_person, MessageChannel.LINE)
    assert str(session.starts_at.astimezone(timezone.get_current_timezone()).year) in message.body  # the Christian era
    assert "Lampang" in message.body and "พ.ศ." not in message.body


def test_a_revoked_personal_link_is_left_out(session, central_organiser, lampang_person):
    lampang_person.link_revoked = True
    lampang_person.save()
    rule = make_rule(session, central_organiser, body="ลิงก์: {personal_link}.")
    body = reminders.render_message(reminders.RuleContext(rule), lampang_person, MessageChannel.EMAIL).body
    assert body.startswith("ลิงก์: .")


# --- each person once, whatever happens ------------------------------------------------------------------------


class FakeLine:
    def __init__(self):
        self.sent = []

    @contextlib.contextmanager
    def open(self):
        yield lambda message: self.sent.append((message.to, message.body))


@pytest.fixture
def line(monkeypatch, settings):
    settings.LINE_CHANNEL_ACCESS_TOKEN, settings.LINE_CHANNEL_SECRET = "token", "secret"
    fake = FakeLine()
    monkeypatch.setitem(messaging._transports, MessageChannel.LINE, fake.open)
    return fake


def link_line(registration, user_id):
    link_line_account(code=create_line_link_code(registration=registration).code, line_user_id=user_id)


@pytest.fixture
def soon(central_organiser):
    """A session that starts in two hours, with a reminder three hours before it: due an hour ago."""
    session = make_session(starts_at=timezone.now() + datetime.timedelta(hours=2), created_by=central_organiser)
    make_venue(session, "TH-52")
    return session


@pytest.mark.django_db(transaction=True)
def test_a_rule_fires_once_when_the_worker_runs_twice(soon, central_organiser, line):
    somsri = make_registration(soon, "TH-52", first_name="สมศรี", email="somsri@example.org")
    somchai = make_registration(soon, "TH-52", first_name="สมชาย", email="somchai@example.org")
    link_line(somchai, "U-somchai")
    rule = make_rule(soon, central_organiser, offset_minutes=3 * 60, offset_unit=OffsetUnit.HOURS, send_line=True)

    # The minute's tick (the worker's own), then the tick again, then the worker twice.
    assert jobs.execute_job(jobs.ensure_ticking().pk) == JobStatus.SUCCEEDED
    reminders.fire_due_reminders(timezone.now())
    run_worker()
    run_worker()
    assert sorted(message.to[0] for message in mail.outbox) == ["somchai@example.org", "somsri@example.org"]
    assert [to for to, _body in line.sent] == ["U-somchai"]
    rule.refresh_from_db()
    assert rule.fired_at is not None and rule.queued_count == 4  # two e-mails, one LINE, one LINE skipped (not linked)
    skipped = OutgoingMessage.objects.get(registration=somsri, channel=MessageChannel.LINE)
    assert skipped.status == MessageStatus.SKIPPED

    # Edited to fall due again, its job run once more, the tick again: nobody gets it a second time.
    reminders.update_rule(rule=rule, actor=central_organiser, values={"offset_minutes": 4 * 60, "body": "ข้อความใหม่ {name}"})
    jobs.start_job(kind=reminders.FIRE_KIND, actor=central_organiser, title="again", params={"rule": rule.pk})
    reminders.fire_due_reminders(timezone.now())
    run_worker()
    assert len(mail.outbox) == 2 and len(line.sent) == 1
    assert OutgoingMessage.objects.filter(kind=rule.message_kind).count() == 4


@pytest.mark.django_db(transaction=True)
def test_reminder_emails_carry_the_calendar_and_the_opt_out_link(soon, central_organiser):
    make_registration(soon, "TH-52", first_name="สมศรี", email="somsri@example.org")
    make_rule(soon, central_organiser, offset_minutes=3 * 60, offset_unit=OffsetUnit.HOURS)
    reminders.fire_due_reminders(timezone.now())
    run_worker()
    (email,) = mail.outbox
    assert email.subject == f"เตือน: {soon.title}"
    (calendar,) = [attachment for attachment in email.attachments if attachment[0].endswith(".ics")]
    assert "BEGIN:VCALENDAR" in (calendar[1].decode() if isinstance(calendar[1], bytes) else calendar[1])
    assert "List-Unsubscribe" in email.extra_headers
    assert email.extra_headers["List-Unsubscribe"].strip("<>") in email.body


@pytest.mark.django_db(transaction=True)
def test_an_opt_out_is_respected_on_its_own_channel_only(soon, central_organiser, line):
    somsri = make_registration(soon, "TH-52", first_name="สมศรี", email="somsri@example.org")
    make_registration(soon, "TH-52", first_name="สมชาย", email="somchai@example.org")
    link_line(somsri, "U-somsri")
    opt_out(registration=somsri, channel=MessageChannel.EMAIL)
    make_rule(soon, central_organiser, offset_minutes=3 * 60, offset_unit=OffsetUnit.HOURS, send_line=True)
    reminders.fire_due_reminders(timezone.now())
    run_worker()
    assert [message.to[0] for message in mail.outbox] == ["somchai@example.org"]
    assert [to for to, _body in line.sent] == ["U-somsri"]
    refused = OutgoingMessage.objects.get(registration=somsri, channel=MessageChannel.EMAIL)
    assert refused.status == MessageStatus.SKIPPED and refused.error


# --- staff pages -------------------------------------------------------------------------------------------------


def login(client, user):
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def post_data(**changes):
    data = {
        "name": "เตือนล่วงหน้า 3 วัน",
        "is_active": "on",
        "send_email": "on",
        "offset_amount": "3",
        "offset_unit": "days",
        "anchor": "before_start",
        "language": "th",
        "registration_status": "active",
        "checkin": "any",
        "posttest": "any",
        "subject": "อีก 3 วัน: {session}",
        "body": "เรียน {name}",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_central_staff_start_from_a_preset_and_save_a_rule(client, central_organiser, session):
    login(client, central_organiser)
    url = reverse("registration:reminder_create", args=[session.pk])
    page = client.get(url, {"preset": "3_days_before", "language": "en"}).content.decode()
    assert "In 3 days: {session}" in page
    page = client.get(url, {"preset": "posttest"}).content.decode()
    assert "เชิญทำแบบทดสอบหลังเรียน" in page

    committee = RoleCategory.objects.get(code="committee")
    lampang = Province.objects.get(code="TH-52")
    response = client.post(url, post_data(roles=[committee.pk], provinces=[lampang.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("registration:reminder_list", args=[session.pk])
    rule = ReminderRule.objects.get()
    assert (rule.offset_minutes, rule.offset_unit, rule.created_by) == (3 * DAY, "days", central_organiser)
    assert list(rule.roles.all()) == [committee] and list(rule.provinces.all()) == [lampang]
    page = response.content.decode()
    assert "เตือนล่วงหน้า 3 วัน" in page and "3 วันก่อนเริ่ม" in page


def test_the_form_refuses_an_unknown_placeholder_and_a_rule_without_a_channel(client, central_organiser, session):
    login(client, central_organiser)
    url = reverse("registration:reminder_create", args=[session.pk])
    response = client.post(url, post_data(body="เรียน {ชื่อ}"))
    assert response.status_code == 400 and "{ชื่อ}" in response.content.decode()
    response = client.post(url, post_data(send_email=None))
    assert response.status_code == 400
    assert not ReminderRule.objects.exists()


def test_editing_a_sent_rule_keeps_it_sent(client, central_organiser, session):
    rule = make_rule(session, central_organiser)
    reminders.fire_due_reminders(rule.due_at() + datetime.timedelta(minutes=1))
    login(client, central_organiser)
    url = reverse("registration:reminder_edit", args=[session.pk, rule.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, post_data(name="ชื่อใหม่", offset_amount="2"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "ชื่อใหม่" and rule.offset_minutes == 2 * DAY and rule.fired_at is not None
    assert reminders.fire_due_reminders(rule.due_at() + datetime.timedelta(minutes=1)) == 0


def test_deleting_a_rule_keeps_its_messages_in_the_log(client, central_organiser, session, lampang_person):
    rule = make_rule(session, central_organiser)
    queue_message(
        session=session, registration=lampang_person, channel="email", kind=rule.message_kind, dedupe_key="k1", to="a@example.org", body="x"
    )
    login(client, central_organiser)
    response = client.post(reverse("registration:reminder_delete", args=[session.pk, rule.pk]))
    assert response.status_code == 302 and not ReminderRule.objects.exists()
    log = client.get(reverse("registration:reminder_log", args=[session.pk])).content.decode()
    assert lampang_person.full_name in log and "ลบ" in log


def test_the_list_shows_each_rule_with_its_time_state_and_counts(
    client, central_organiser, lampang_officer, session, lampang_person, chiangmai_person
):
    rule = make_rule(session, central_organiser, name="กฎที่หนึ่ง")
    make_rule(session, central_organiser, name="กฎที่สอง", is_active=False)
    for person in (lampang_person, chiangmai_person):
        queue_message(
            session=session, registration=person, channel="email", kind=rule.message_kind, dedupe_key=f"k{person.pk}", to="a@example.org", body="x"
        )
    page = login(client, central_organiser).get(reverse("registration:reminder_list", args=[session.pk])).content.decode()
    assert "กฎที่หนึ่ง" in page and "กฎที่สอง" in page and "รอส่ง 2" in page
    assert reverse("registration:reminder_edit", args=[session.pk, rule.pk]) in page
    client.logout()
    page = login(client, lampang_officer).get(reverse("registration:reminder_list", args=[session.pk])).content.decode()
    assert "กฎที่หนึ่ง" in page and "รอส่ง 1" in page  # the officer counts their own province's people
    assert reverse("registration:reminder_edit", args=[session.pk, rule.pk]) not in page


def test_the_preview_counts_the_audience_by_province_and_renders_the_message(client, central_organiser, session, lampang_person, chiangmai_person):
    make_registration(session, "TH-52", first_name="ไม่มีอีเมล")
    opt_out(registration=chiangmai_person, channel=MessageChannel.EMAIL)
    rule = make_rule(session, central_organiser)
    response = login(client, central_organiser).get(reverse("registration:reminder_preview", args=[session.pk, rule.pk]))
    assert response.status_code == 200
    rows = {row.province.code: row for row in response.context["rows"]}
    assert (rows["TH-52"].people, rows["TH-52"].email, rows["TH-52"].opted_out) == (2, 1, 0)
    assert (rows["TH-50"].people, rows["TH-50"].email, rows["TH-50"].opted_out) == (1, 0, 1)
    assert response.context["totals"]["people"] == 3
    (message,) = response.context["rendered"]
    person = response.context["person"]
    assert person.full_name in message.body and f"เตือน: {session.title}" == message.subject
    assert person.full_name in response.content.decode()


def test_the_preview_shows_a_sample_person_when_nobody_matches(client, central_organiser, session):
    rule = make_rule(session, central_organiser)
    response = login(client, central_organiser).get(reverse("registration:reminder_preview", args=[session.pk, rule.pk]))
    assert response.context["sample"] and "ตัวอย่าง" in response.content.decode()


def test_staff_send_a_test_to_themselves(client, central_organiser, session, lampang_person):
    central_organiser.email = "organiser@example.org"
    central_organiser.save()
    opt_out(registration=lampang_person, channel=MessageChannel.EMAIL)  # a test is no person's message
    rule = make_rule(session, central_organiser)
    login(client, central_organiser)
    url = reverse("registration:reminder_test", args=[session.pk, rule.pk])
    response = client.post(url)
    test = OutgoingMessage.objects.get(staff_recipient=central_organiser)
    assert response.status_code == 302 and response["Location"] == reverse("meetings:job_detail", args=[test.job_id])
    assert (test.to, test.registration, test.respects_opt_out, test.attach_calendar) == ("organiser@example.org", None, False, True)
    assert lampang_person.full_name not in test.body and "ตัวอย่าง" in test.body  # nobody's data in a test
    assert jobs.execute_job(test.job_id) == JobStatus.SUCCEEDED
    (email,) = mail.outbox
    assert email.to == ["organiser@example.org"] and session.title in email.subject and "ทดสอบ" in email.subject
    client.post(url)
    assert OutgoingMessage.objects.filter(staff_recipient=central_organiser).count() == 2  # each test goes
    rule.refresh_from_db()
    assert rule.fired_at is None  # a test does not fire the rule


def test_a_test_needs_the_staff_members_email_address(client, central_organiser, session):
    rule = make_rule(session, central_organiser)
    response = login(client, central_organiser).post(reverse("registration:reminder_test", args=[session.pk, rule.pk]), follow=True)
    assert "ไม่มีที่อยู่อีเมล" in response.content.decode()
    assert not OutgoingMessage.objects.exists()


# --- the log: what was sent to whom --------------------------------------------------------------------------------


@pytest.fixture
def logged(session, central_organiser, lampang_person, chiangmai_person):
    rule = make_rule(session, central_organiser, name="กฎเตือน")
    sent = queue_message(
        session=session, registration=lampang_person, channel="email", kind=rule.message_kind, dedupe_key="a", to="a@example.org", body="x"
    )
    OutgoingMessage.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT, sent_at=timezone.now())
    queue_message(session=session, registration=chiangmai_person, channel="line", kind=rule.message_kind, dedupe_key="b", to="", body="x")
    queue_message(
        session=session,
        staff_recipient=central_organiser,
        channel="email",
        kind=f"reminder-test:{rule.pk}",
        dedupe_key="c",
        to="o@example.org",
        body="x",
    )
    return rule


def log_names(client, session, **query):
    """Who the log page lists: first names, and "organiser" for the test sent to that staff member."""
    response = client.get(reverse("registration:reminder_log", args=[session.pk]), query)
    rows = response.context["page"].object_list
    names = {message.registration.first_name if message.registration else message.staff_recipient.username for message in rows}
    page = response.content.decode()
    assert all(name in page for name in names if name != "organiser")
    return names


def test_the_log_shows_what_was_sent_to_whom_filtered(client, central_organiser, session, logged):
    login(client, central_organiser)
    assert log_names(client, session) == {"สมศรี", "สมหมาย", "organiser"}
    assert log_names(client, session, channel="line") == {"สมหมาย"}
    assert log_names(client, session, status="sent") == {"สมศรี"}
    assert log_names(client, session, what="tests") == {"organiser"}
    assert log_names(client, session, what=logged.message_kind, province="TH-50") == {"สมหมาย"}
    assert log_names(client, session, q="สมศรี") == {"สมศรี"}
    page = client.get(reverse("registration:reminder_log", args=[session.pk])).content.decode()
    assert "กฎเตือน" in page and "ไม่มีที่อยู่" in page  # the rule's name, and why a message was not sent


def test_an_officer_sees_the_log_of_their_province_only(client, lampang_officer, chiangmai_officer, session, logged):
    assert log_names(login(client, lampang_officer), session) == {"สมศรี"}
    client.logout()
    assert log_names(login(client, chiangmai_officer), session, province="TH-52") == {"สมหมาย"}  # no province filter for them


def test_the_log_is_paginated(client, central_organiser, session, lampang_person):
    for n in range(55):
        queue_message(
            session=session, registration=lampang_person, channel="email", kind="reminder:1", dedupe_key=f"p{n}", to="a@example.org", body="x"
        )
    login(client, central_organiser)
    url = reverse("registration:reminder_log", args=[session.pk])
    first, second = client.get(url), client.get(url, {"page": 2})
    assert len(first.context["page"].object_list) == 50 and len(second.context["page"].object_list) == 5
    assert "page=2" in first.content.decode()


# --- who may do what -------------------------------------------------------------------------------------------------

# (url name, method, needs a rule, expected for: anonymous, lampang officer, chiang mai officer, central)
REMINDER_MATRIX = [
    ("reminder_list", "get", False, (302, 200, 200, 200)),
    ("reminder_log", "get", False, (302, 200, 200, 200)),
    ("reminder_create", "get", False, (302, 403, 403, 200)),
    ("reminder_edit", "get", True, (302, 403, 403, 200)),
    ("reminder_delete", "post", True, (302, 403, 403, 302)),
    ("reminder_preview", "get", True, (302, 403, 403, 200)),
    ("reminder_test", "post", True, (302, 403, 403, 302)),
]
USERS = ["anonymous", "lampang_officer", "chiangmai_officer", "central_organiser"]


def reminder_url(name, session, rule=None):
    return reverse(f"registration:{name}", kwargs={"session_pk": session.pk, **({"pk": rule.pk} if rule is not None else {})})


@pytest.mark.parametrize("name,method,with_rule,expected", REMINDER_MATRIX, ids=[row[0] for row in REMINDER_MATRIX])
@pytest.mark.parametrize("who", range(4), ids=USERS)
def test_permission_matrix(request, client, session, central_organiser, name, method, with_rule, expected, who):
    rule = make_rule(session, central_organiser)
    user = None if who == 0 else request.getfixturevalue(USERS[who])
    login(client, user)
    response = getattr(client, method)(reminder_url(name, session, rule if with_rule else None))
    assert response.status_code == expected[who], (name, USERS[who], response.status_code)
    if who == 0:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["reminder_list", "reminder_log"])
def test_officers_get_404_for_a_draft_sessions_reminders(client, lampang_officer, name):
    draft = make_session(status=SessionStatus.DRAFT)
    assert login(client, lampang_officer).get(reminder_url(name, draft)).status_code == 404


@pytest.mark.parametrize("name,method", [(row[0], row[1]) for row in REMINDER_MATRIX if row[2]])
def test_a_rule_of_another_session_answers_404(client, central_organiser, session, name, method):
    rule = make_rule(make_session(), central_organiser)
    response = getattr(login(client, central_organiser), method)(reminder_url(name, session, rule))
    assert response.status_code == 404
    assert ReminderRule.objects.filter(pk=rule.pk).exists()


def test_get_on_a_post_only_action_is_refused(client, central_organiser, session):
    rule = make_rule(session, central_organiser)
    login(client, central_organiser)
    assert client.get(reminder_url("reminder_delete", session, rule)).status_code == 405
    assert client.get(reminder_url("reminder_test", session, rule)).status_code == 405
    assert ReminderRule.objects.filter(pk=rule.pk).exists()


def test_only_central_staff_write_rules_through_the_services(session, central_organiser, lampang_officer):
    with pytest.raises(reminders.ReminderError) as refused:
        make_rule(session, lampang_officer)
    assert refused.value.code == "forbidden"
    rule = make_rule(session, central_organiser)
    for call in (
        lambda: reminders.update_rule(rule=rule, actor=lampang_officer, values={"name": "x"}),
        lambda: reminders.delete_rule(rule=rule, actor=lampang_officer),
        lambda: reminders.send_test(rule=rule, actor=lampang_officer),
    ):
        with pytest.raises(reminders.ReminderError):
            call()


def test_the_matrix_covers_every_reminder_url():
    assert {pattern.name for pattern in urls.urlpatterns if pattern.name.startswith("reminder_")} == {row[0] for row in REMINDER_MATRIX}


def test_the_session_page_links_to_its_reminders(client, lampang_officer, session):
    page = login(client, lampang_officer).get(session.get_absolute_url()).content.decode()
    assert reminder_url("reminder_list", session) in page


def test_every_preset_is_a_valid_rule_in_both_languages(session, central_organiser):
    for preset in reminders.PRESETS:
        for language in ("th", "en"):
            initial = preset.initial(language)
            values = {**initial, "offset_minutes": reminders.offset_minutes(initial.pop("offset_amount"), initial["offset_unit"])}
            rule = make_rule(session, central_organiser, **values)
            assert rule.language == language and reminders.unknown_placeholders(rule.body) == []
