"""The outbox (registration/messaging.py): each message queued once, sent by the delivery job through its
channel's transport, every outcome recorded per message, nothing sent twice after a worker dies."""

import contextlib

import pytest
from django.core.management import call_command

from meetings.jobs import execute_job
from meetings.models import JobStatus
from registration import messaging
from registration.models import MessageChannel, MessageOptOut, MessageStatus, OutgoingMessage
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db(transaction=True)


class FakeLine:
    """A transport that records what it sends and fails as told (by recipient)."""

    def __init__(self):
        self.sent = []
        self.permanent = set()
        self.passing = {}

    @contextlib.contextmanager
    def open(self):
        def send(message):
            if message.to in self.permanent:
                raise messaging.PermanentSendError("blocked the account")
            if self.passing.get(message.to, 0) > 0:
                self.passing[message.to] -= 1
                raise ConnectionError("timed out")
            self.sent.append((message.to, message.body))

        yield send


@pytest.fixture
def line(monkeypatch):
    fake = FakeLine()
    monkeypatch.setitem(messaging._transports, MessageChannel.LINE, fake.open)
    return fake


@pytest.fixture
def people(session):
    return [make_registration(session, first_name=f"คนที่{i}") for i in range(3)]


def queue(session, people, kind="reminder:1"):
    return [
        messaging.queue_message(
            session=session,
            registration=p,
            channel=MessageChannel.LINE,
            kind=kind,
            dedupe_key=f"{kind}:{p.pk}",
            to=f"U{p.pk}",
            body=f"สวัสดี {p.first_name}",
        )
        for p in people
    ]


def run_worker():
    call_command("worker", batch=True, interval=0, verbosity=0)


def test_each_message_is_queued_once(session, people):
    assert all(queue(session, people))
    assert queue(session, people) == [None, None, None]
    assert OutgoingMessage.objects.count() == 3


def test_the_job_sends_each_message_and_records_it(session, people, line, central_organiser):
    job = messaging.deliver(messages=queue(session, people), actor=central_organiser, title="แจ้งเตือน")
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result_summary == {"sent": 3}
    assert sorted(to for to, _ in line.sent) == sorted(f"U{p.pk}" for p in people)
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    run_worker()
    assert len(line.sent) == 3


def test_a_refused_message_fails_alone_and_a_passing_failure_is_retried(session, people, line, central_organiser):
    blocked, flaky, fine = people
    line.permanent.add(f"U{blocked.pk}")
    line.passing[f"U{flaky.pk}"] = 1
    job = messaging.deliver(messages=queue(session, people), actor=central_organiser, title="แจ้งเตือน")
    assert execute_job(job.pk) == JobStatus.QUEUED  # retried later for the passing failure
    statuses = dict(OutgoingMessage.objects.values_list("registration", "status"))
    assert statuses == {blocked.pk: MessageStatus.FAILED, flaky.pk: MessageStatus.PENDING, fine.pk: MessageStatus.SENT}
    assert "blocked" in OutgoingMessage.objects.get(registration=blocked).error

    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    assert OutgoingMessage.objects.get(registration=flaky).status == MessageStatus.SENT
    assert [to for to, _ in line.sent].count(f"U{fine.pk}") == 1


def test_a_message_left_sending_by_a_dead_worker_is_not_sent_again(session, people, line, central_organiser):
    job = messaging.deliver(messages=queue(session, people), actor=central_organiser, title="แจ้งเตือน")
    first = OutgoingMessage.objects.order_by("pk").first()
    OutgoingMessage.objects.filter(pk=first.pk).update(status=MessageStatus.SENDING)
    run_worker()
    first.refresh_from_db()
    assert first.status == MessageStatus.UNCERTAIN
    assert first.to not in [to for to, _ in line.sent] and len(line.sent) == 2
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_opt_out_is_respected_when_queued_and_when_sent(session, people, line, central_organiser):
    early, late, _ = people
    MessageOptOut.objects.create(registration=early, channel=MessageChannel.LINE)
    messages = queue(session, people)
    assert messages[0].status == MessageStatus.SKIPPED
    MessageOptOut.objects.create(registration=late, channel=MessageChannel.LINE)
    messaging.deliver(messages=messages, actor=central_organiser, title="แจ้งเตือน")
    run_worker()
    assert [to for to, _ in line.sent] == [f"U{people[2].pk}"]
    assert OutgoingMessage.objects.get(registration=late).status == MessageStatus.SKIPPED


def test_a_delivery_job_that_gave_up_leaves_its_messages_to_the_next(session, people, line, central_organiser):
    messages = queue(session, people)
    first = messaging.deliver(messages=messages, actor=central_organiser, title="แจ้งเตือน")
    first.status = JobStatus.FAILED
    first.save(update_fields=["status"])
    second = messaging.deliver(messages=messages, actor=central_organiser, title="แจ้งเตือน")
    assert second is not None and second.pk != first.pk
    run_worker()
    assert len(line.sent) == 3


def test_the_persons_data_lists_their_messages_and_opt_outs(session, people, line, central_organiser):
    from registration.personal_data import personal_data

    person = people[0]
    messaging.deliver(messages=queue(session, people), actor=central_organiser, title="แจ้งเตือน")
    run_worker()
    MessageOptOut.objects.create(registration=person, channel=MessageChannel.EMAIL)
    data = personal_data(person)["messages"]
    assert data["opted_out"] == ["email"]
    assert [(m["channel"], m["status"], m["to"]) for m in data["sent"]] == [("line", "sent", f"U{person.pk}")]
