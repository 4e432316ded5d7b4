"""E-mail through a real SMTP server (aiosmtpd, registration/tests/smtp.py): Django's SMTP backend and smtplib
as in production. Thai subjects arrive decoded, the calendar is attached when asked, a refused recipient
fails alone, a server that is down leaves the mail waiting until the job's next attempt, a dropped
connection is opened again, and no setting means no mail, said plainly."""

import pytest
from aiosmtpd.smtp import AuthResult

from meetings.jobs import execute_job
from meetings.models import JobStatus
from meetings.tests.factories import make_venue
from registration import messaging
from registration.email import message_id
from registration.message_templates import opt_out_url
from registration.models import MessageChannel, MessageStatus, OutgoingMessage
from registration.services import send_personal_link
from registration.tests.factories import make_registration
from registration.tests.smtp import Inbox, SmtpServer, free_port

pytestmark = pytest.mark.django_db

SENDER = "Prachum <noreply@prachum.example.go.th>"


def use_smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = SENDER


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        use_smtp(settings, server.port)
        yield server.inbox


@pytest.fixture
def venue(session):
    return make_venue(session, "TH-52", name="ศาลากลางจังหวัดลำปาง", room="ห้องประชุม 3", vc_join_url="https://vc.example.go.th/lampang")


@pytest.fixture
def people(session, venue):
    return [make_registration(session, "TH-52", venue=venue, first_name=f"สมศรี{i}", email=f"person{i}@example.org") for i in range(3)]


def reminder(person, attach_calendar=True):
    return messaging.queue_message(
        session=person.session,
        registration=person,
        channel=MessageChannel.EMAIL,
        kind="reminder:test",
        dedupe_key=f"reminder:test:{person.pk}",
        to=person.email,
        subject=f"เตือนความจำ: {person.session.title}",
        body=f"เรียน {person.full_name}\nพรุ่งนี้ประชุม\n",
        attach_calendar=attach_calendar,
    )


def deliver(messages, actor):
    return messaging.deliver(messages=messages, actor=actor, title="แจ้งเตือน")


def test_the_personal_link_mail_arrives_with_its_thai_subject_text_and_html(smtp, people, lampang_officer):
    person = people[0]
    message = send_personal_link(registration=person, actor=lampang_officer, base_url="http://prachum.test")
    assert smtp.count() == 0  # queued, not sent in the request
    assert execute_job(message.job_id) == JobStatus.SUCCEEDED

    [mail] = smtp.messages()
    # Decoded from its encoded words (the space before it is the header's folding, as Django writes it).
    assert mail["Subject"].strip() == f"ลิงก์ส่วนตัวของท่านสำหรับ {person.session.title}"
    assert mail["To"] == person.email and mail["From"] == SENDER
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_at is not None
    assert mail["Message-ID"] == message_id(message)
    link = "http://prachum.test" + person.get_personal_path()
    text = mail.get_body(("plain",)).get_content()
    assert link in text and person.full_name in text
    assert f'href="{link}"' in mail.get_body(("html",)).get_content()
    # Asked for by the person through their office: no opt-out header, no calendar.
    assert mail["List-Unsubscribe"] is None
    assert [part.get_filename() for part in mail.iter_attachments()] == []


def test_a_reminder_carries_the_calendar_with_the_venue_and_an_opt_out_header(smtp, people, central_organiser):
    person = people[0]
    message = reminder(person)
    execute_job(deliver([message], central_organiser).pk)

    [mail] = smtp.messages()
    assert mail["Subject"].strip() == f"เตือนความจำ: {person.session.title}"
    [calendar] = list(mail.iter_attachments())
    assert calendar.get_content_type() == "text/calendar" and calendar.get_filename() == f"prachum-session-{person.session_id}.ics"
    ics = calendar.get_content().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in ics and f"SUMMARY:{person.session.title}" in ics
    assert "https://vc.example.go.th/lampang" in ics and "ศาลากลางจังหวัดลำปาง" in ics
    assert mail["List-Unsubscribe"].strip() == f"<{opt_out_url(person, MessageChannel.EMAIL)}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_refused_recipient_fails_alone_and_the_others_go(settings, people, central_organiser):
    refused, *others = people
    with SmtpServer(Inbox(refuse={refused.email})) as server:
        use_smtp(settings, server.port)
        job = deliver([reminder(p, attach_calendar=False) for p in people], central_organiser)
        assert execute_job(job.pk) == JobStatus.SUCCEEDED
    statuses = dict(OutgoingMessage.objects.values_list("registration", "status"))
    assert statuses == {refused.pk: MessageStatus.FAILED, **{p.pk: MessageStatus.SENT for p in others}}
    failed = OutgoingMessage.objects.get(registration=refused)
    assert "550" in failed.error and failed.attempts == 1
    assert sorted(str(m["To"]) for m in server.inbox.messages()) == sorted(p.email for p in others)
    job.refresh_from_db()
    assert job.result_summary == {"sent": 2, "failed": 1}


def test_a_server_that_is_down_leaves_the_mail_waiting_until_the_job_runs_again(settings, people, central_organiser):
    port = free_port()
    use_smtp(settings, port)  # nothing listens there yet
    message = reminder(people[0], attach_calendar=False)
    job = deliver([message], central_organiser)

    assert execute_job(job.pk) == JobStatus.QUEUED  # retried later
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)

    with SmtpServer(port=port) as server:  # the server is back
        assert execute_job(job.pk) == JobStatus.SUCCEEDED
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [m["Message-ID"] for m in server.inbox.messages()] == [message_id(message)]


def test_a_connection_the_server_closes_is_opened_again_and_nothing_is_lost_or_doubled(smtp, people, central_organiser):
    messages = [reminder(p, attach_calendar=False) for p in people]
    job = deliver(messages, central_organiser)
    smtp.refuse_mail_once = True  # the first MAIL FROM: "421 shutting down"
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert sorted(m["Message-ID"] for m in smtp.messages()) == sorted(message_id(m) for m in OutgoingMessage.objects.all())
    assert smtp.connections == 2


def test_without_a_mail_server_the_job_says_so_and_the_mail_waits_for_the_next_press(settings, people, lampang_officer):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""
    message = send_personal_link(registration=people[0], actor=lampang_officer)
    assert execute_job(message.job_id) == JobStatus.FAILED
    message.job.refresh_from_db()
    assert "EMAIL_HOST" in message.job.error_message
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING

    with SmtpServer() as server:
        use_smtp(settings, server.port)
        again = send_personal_link(registration=people[0], actor=lampang_officer)
        assert again.pk == message.pk and again.job_id != message.job_id  # the same mail, in a new job
        assert execute_job(again.job_id) == JobStatus.SUCCEEDED
    assert server.inbox.count() == 1


def test_a_refused_login_fails_the_job_at_once_saying_which_setting_to_fix(settings, people, central_organiser):
    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    with SmtpServer(authenticator=refuse, auth_require_tls=False) as server:
        use_smtp(settings, server.port)
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "prachum", "wrong"
        message = reminder(people[0], attach_calendar=False)
        job = deliver([message], central_organiser)
        assert execute_job(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert "535" in job.error_message and "EMAIL_HOST_PASSWORD" in job.error_message
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert server.inbox.count() == 0
