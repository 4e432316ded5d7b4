"""LINE (registration/line.py), against a local fake of the Messaging API (fake_line.py), never LINE itself:
pushes carry the channel token, the message and the personal link; a refused user fails alone; a retried
push keeps its retry key and is delivered once; the webhook believes only LINE's signature, links by the
code from the personal page, unlinks on a block, and handles a redelivered event once."""

import datetime
import json
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.jobs import execute_job
from meetings.models import AuditAction, AuditEntry, JobStatus
from meetings.tests.test_config import load_settings
from registration import line, messaging
from registration.models import (
    LINE_CODE_ALPHABET,
    LineLink,
    LineLinkCode,
    LineWebhookEvent,
    MessageChannel,
    MessageOptOut,
    MessageStatus,
    OutgoingMessage,
)
from registration.personal_data import anonymise_personal_data, personal_data
from registration.tests.factories import make_registration
from registration.tests.fake_line import SECRET, TOKEN, fake_line, sign  # noqa: F401  (fake_line: the fixture)

pytestmark = pytest.mark.django_db


def personal_path(registration):
    return registration.get_personal_path()


def token_of(registration):
    return personal_path(registration).rstrip("/").rsplit("/", 1)[1]


def linked(registration, user_id):
    """Link `registration` to `user_id` the way a person does: the code from their page, sent on LINE."""
    code = line.create_line_link_code(registration=registration)
    return line.link_line_account(code=code.code, line_user_id=user_id)


# --- webhook requests as LINE sends them -----------------------------------------------------------------


def event(kind, user_id, event_id=None, redelivery=False, **fields):
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1764396000000,
        "webhookEventId": event_id or uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": redelivery},
        "source": {"type": "user", "userId": user_id},
        **fields,
    }


def text_event(user_id, text, reply_token="reply-1", **kwargs):
    message = {"type": "text", "id": "468789577898262530", "quoteToken": "q-token", "text": text}
    return event("message", user_id, replyToken=reply_token, message=message, **kwargs)


def post_webhook(client, *events, signature=None):
    body = json.dumps({"destination": "Ubot0000000000000000000000000000", "events": list(events)}, ensure_ascii=False).encode()
    headers = {} if signature == "" else {"X-Line-Signature": signature or sign(body)}
    return client.post("/line/webhook/", data=body, content_type="application/json", headers=headers)


# --- sending through the outbox -------------------------------------------------------------------------


@pytest.fixture
def people(session):
    return [make_registration(session, first_name=f"คนที่{i}") for i in range(3)]


def queue_to(people, kind="news:1"):
    return [
        messaging.queue_message(
            session=person.session,
            registration=person,
            channel=MessageChannel.LINE,
            kind=kind,
            dedupe_key=f"{kind}:{person.pk}",
            to=line.line_address(person),
            body=line.with_personal_link(person, f"สวัสดี {person.first_name} พรุ่งนี้ประชุม"),
        )
        for person in people
    ]


@pytest.mark.django_db(transaction=True)
def test_pushes_reach_line_with_the_channel_token_the_message_and_the_personal_link(fake_line, people, central_organiser):  # noqa: F811
    for i, person in enumerate(people):
        linked(person, f"U{i:032d}")
    job = messaging.deliver(messages=queue_to(people), actor=central_organiser, title="ข่าว")
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    pushes = fake_line.pushes()
    assert len(pushes) == 3
    for i, person in enumerate(people):
        (push,) = fake_line.pushes(to=f"U{i:032d}")
        assert push.headers["authorization"] == f"Bearer {TOKEN}"
        (message,) = push.body["messages"]
        assert message["type"] == "text" and f"สวัสดี {person.first_name}" in message["text"]
        assert personal_path(person) in message["text"] and message["text"].startswith("สวัสดี")
        assert str(uuid.UUID(push.retry_key)) == push.retry_key  # a UUID, as LINE requires
    assert len({push.retry_key for push in pushes}) == 3
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_a_person_without_linked_line_gets_no_push(fake_line, people):  # noqa: F811
    linked(people[0], "U-linked")
    messages = queue_to(people)
    assert [m.status for m in messages] == [MessageStatus.PENDING, MessageStatus.SKIPPED, MessageStatus.SKIPPED]
    assert line.line_addresses([p.pk for p in people]) == {people[0].pk: "U-linked"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_user_line_refuses_fails_alone_and_is_not_tried_again(fake_line, people, central_organiser, status):  # noqa: F811
    for i, person in enumerate(people):
        linked(person, f"U{i}")
    fake_line.refuse["U0"] = status
    job = messaging.deliver(messages=queue_to(people), actor=central_organiser, title="ข่าว")
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    statuses = dict(OutgoingMessage.objects.values_list("registration", "status"))
    assert statuses == {people[0].pk: MessageStatus.FAILED, people[1].pk: MessageStatus.SENT, people[2].pk: MessageStatus.SENT}
    assert f"LINE {status}" in OutgoingMessage.objects.get(registration=people[0]).error
    assert len(fake_line.pushes(to="U0")) == 1
    assert sorted(to for to, _text in fake_line.delivered) == ["U1", "U2"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_passing_failure_is_retried_with_the_same_retry_key(fake_line, people, central_organiser, status):  # noqa: F811
    for i, person in enumerate(people):
        linked(person, f"U{i}")
    fake_line.answers["U1"] = [status]
    job = messaging.deliver(messages=queue_to(people), actor=central_organiser, title="ข่าว")
    assert execute_job(job.pk) == JobStatus.QUEUED  # the job comes back for U1
    assert OutgoingMessage.objects.get(registration=people[1]).status == MessageStatus.PENDING
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    first, second = fake_line.pushes(to="U1")
    assert first.retry_key == second.retry_key
    assert [to for to, _text in fake_line.delivered].count("U1") == 1
    assert OutgoingMessage.objects.get(registration=people[1]).status == MessageStatus.SENT
    assert len(fake_line.pushes(to="U0")) == 1  # the others were not sent again


@pytest.mark.django_db(transaction=True)
def test_a_push_whose_answer_was_lost_is_delivered_once(fake_line, people, central_organiser):  # noqa: F811
    linked(people[0], "U0")
    fake_line.lose_answer.add("U0")  # LINE takes the push, but its answer never arrives
    job = messaging.deliver(messages=queue_to(people[:1]), actor=central_organiser, title="ข่าว")
    assert execute_job(job.pk) == JobStatus.QUEUED
    assert execute_job(job.pk) == JobStatus.SUCCEEDED  # LINE: 409, that retry key went already
    assert len(fake_line.pushes(to="U0")) == 2 and fake_line.delivered == [("U0", fake_line.delivered[0][1])]
    assert OutgoingMessage.objects.get().status == MessageStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_a_wrong_channel_token_is_a_passing_failure(fake_line, people, central_organiser, settings):  # noqa: F811
    linked(people[0], "U0")
    settings.LINE_CHANNEL_ACCESS_TOKEN = "not-the-channel-token"
    job = messaging.deliver(messages=queue_to(people[:1]), actor=central_organiser, title="ข่าว")
    assert execute_job(job.pk) == JobStatus.QUEUED
    message = OutgoingMessage.objects.get()
    assert message.status == MessageStatus.PENDING and "LINE 401" in message.error
    assert fake_line.delivered == []


def test_retry_keys_follow_the_dedupe_key():
    one, again, other = (OutgoingMessage(dedupe_key=key) for key in ("reminder:3:17", "reminder:3:17", "reminder:3:18"))
    assert line.retry_key(one) == line.retry_key(again) != line.retry_key(other)


# --- the webhook ----------------------------------------------------------------------------------------------


def code_on_page(client, registration):
    html = client.get(personal_path(registration)).content.decode()
    match = re.search(r'id="line-code">([A-Z0-9]+)<', html)
    assert match, "the personal page shows no LINE code"
    return match.group(1)


def test_the_code_from_the_personal_page_sent_on_line_links_the_account_and_replies(client, fake_line, attendee):  # noqa: F811
    code = code_on_page(client, attendee)
    assert set(code) <= set(LINE_CODE_ALPHABET) and len(code) == 8
    response = post_webhook(client, text_event("U-somchai", f"รหัส {code.lower()}", reply_token="reply-link"))
    assert response.status_code == 200
    assert LineLink.objects.get(registration=attendee).line_user_id == "U-somchai"
    entry = AuditEntry.objects.get(action=AuditAction.LINE_LINKED)
    assert entry.object_id == attendee.pk and "U-somchai" not in json.dumps(entry.details) + entry.summary
    ((reply_token, text),) = fake_line.replies
    assert reply_token == "reply-link"
    assert "เชื่อม" in text and attendee.session.title in text
    assert token_of(attendee) not in text  # a photo of the code on a screen does not lead to the page
    reply = next(r for r in fake_line.requests if r.path == "/v2/bot/message/reply")
    assert reply.headers["authorization"] == f"Bearer {TOKEN}"
    html = client.get(personal_path(attendee)).content.decode()
    assert (
        'id="line-card"' in html and 'id="line-code"' not in html and reverse("registration:personal_line_unlink", args=[token_of(attendee)]) in html
    )


def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(client, fake_line, attendee):  # noqa: F811
    code = line.create_line_link_code(registration=attendee).code
    forged = sign(json.dumps({"events": []}).encode(), secret="not-the-channel-secret")
    for signature in (forged, "", "bm90IGEgc2lnbmF0dXJl"):
        response = post_webhook(client, text_event("U-mallory", code), signature=signature)
        assert response.status_code == 400
    assert not LineLink.objects.exists() and LineLinkCode.objects.get(code=code).used_at is None
    assert fake_line.requests == [] and not AuditEntry.objects.filter(action=AuditAction.LINE_LINKED).exists()


def test_a_signed_body_that_is_not_line_json_is_refused(client, fake_line):  # noqa: F811
    body = b"not json"
    response = client.post("/line/webhook/", data=body, content_type="application/json", headers={"X-Line-Signature": sign(body)})
    assert response.status_code == 400


def test_line_verify_request_with_no_events_is_answered(client, fake_line):  # noqa: F811
    assert post_webhook(client).status_code == 200
    assert client.get("/line/webhook/").status_code == 405


def test_a_redelivered_event_is_handled_once(client, fake_line, attendee):  # noqa: F811
    code = line.create_line_link_code(registration=attendee).code
    first = text_event("U-somchai", code, event_id="01JDELIVERYONCE0000000000A", reply_token="r1")
    again = text_event("U-somchai", code, event_id="01JDELIVERYONCE0000000000A", reply_token="r2", redelivery=True)
    assert post_webhook(client, first).status_code == 200
    assert post_webhook(client, again).status_code == 200
    assert [token for token, _text in fake_line.replies] == ["r1"]
    assert AuditEntry.objects.filter(action=AuditAction.LINE_LINKED).count() == 1


def test_the_same_code_sent_twice_links_once_and_another_account_cannot_take_it(client, fake_line, attendee):  # noqa: F811
    code = line.create_line_link_code(registration=attendee).code
    post_webhook(client, text_event("U-somchai", code, reply_token="r1"))
    post_webhook(client, text_event("U-somchai", code, reply_token="r2"))
    post_webhook(client, text_event("U-other", code, reply_token="r3"))
    assert LineLink.objects.get(registration=attendee).line_user_id == "U-somchai"
    assert AuditEntry.objects.filter(action=AuditAction.LINE_LINKED).count() == 1
    replies = dict(fake_line.replies)
    assert "เชื่อม" in replies["r2"] and "เชื่อม" not in replies["r3"]


def test_an_unknown_or_expired_code_links_nothing_and_says_so(client, fake_line, attendee):  # noqa: F811
    expired = line.create_line_link_code(registration=attendee)
    LineLinkCode.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    post_webhook(client, text_event("U-somchai", expired.code, reply_token="r-expired"))
    post_webhook(client, text_event("U-somchai", "ABCD2346", reply_token="r-unknown"))
    post_webhook(client, text_event("U-somchai", "สวัสดีครับ", reply_token="r-chat"))
    assert not LineLink.objects.exists()
    replies = dict(fake_line.replies)
    assert replies["r-expired"] == replies["r-unknown"] and "รหัส" in replies["r-expired"]
    assert "r-chat" not in replies  # an ordinary chat message is left to the account's own replies


def test_a_code_of_a_revoked_link_or_cancelled_registration_links_nothing(fake_line, attendee):  # noqa: F811
    code = line.create_line_link_code(registration=attendee).code
    attendee.link_revoked = True
    attendee.save(update_fields=["link_revoked"])
    with pytest.raises(line.LineLinkError):
        line.link_line_account(code=code, line_user_id="U-somchai")
    assert not LineLink.objects.exists()


def test_follow_is_answered_with_how_to_link(client, fake_line):  # noqa: F811
    post_webhook(client, event("follow", "U-new", replyToken="r-follow", follow={"isUnblocked": False}))
    ((token, text),) = fake_line.replies
    assert token == "r-follow" and "รหัส" in text


def test_blocking_the_account_unlinks_every_registration_of_that_user(client, fake_line, attendee, central_organiser):  # noqa: F811
    second_seat = make_registration(attendee.session, "TH-50", first_name="บุญมาก")
    linked(attendee, "U-somchai")
    linked(second_seat, "U-somchai")
    bystander = make_registration(attendee.session, "TH-50", first_name="คนอื่น")
    linked(bystander, "U-bystander")
    assert post_webhook(client, event("unfollow", "U-somchai")).status_code == 200
    assert list(LineLink.objects.values_list("line_user_id", flat=True)) == ["U-bystander"]
    entries = AuditEntry.objects.filter(action=AuditAction.LINE_UNLINKED)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted([attendee.pk, second_seat.pk])
    assert all(entry.details == {"reason": "blocked"} for entry in entries)
    assert line.line_address(attendee) == ""


def test_linking_again_clears_an_earlier_line_opt_out(fake_line, attendee):  # noqa: F811
    MessageOptOut.objects.create(registration=attendee, channel=MessageChannel.LINE)
    linked(attendee, "U-somchai")
    assert not MessageOptOut.objects.filter(registration=attendee).exists()


# --- the personal page ----------------------------------------------------------------------------------------


def test_the_personal_page_shows_the_add_friend_link_qr_and_code(client, fake_line, attendee):  # noqa: F811
    html = client.get(personal_path(attendee)).content.decode()
    assert "https://line.me/R/ti/p/%40prachum" in html and "https://line.me/R/oaMessage/%40prachum/?" in html
    assert html.count("<svg") == 2  # the check-in QR and the add-friend QR
    code = LineLinkCode.objects.get(registration=attendee)
    assert code.code in html and code.expires_at > timezone.now()
    client.get(personal_path(attendee))
    assert LineLinkCode.objects.filter(registration=attendee).count() == 1  # the same code while it is fresh


def test_the_personal_page_unlinks_its_own_account_only(client, fake_line, attendee):  # noqa: F811
    neighbour = make_registration(attendee.session, "TH-52", first_name="เพื่อนบ้าน")
    linked(attendee, "U-somchai")
    linked(neighbour, "U-neighbour")
    url = reverse("registration:personal_line_unlink", args=[token_of(attendee)])
    assert client.get(url).status_code == 405
    response = client.post(url, {"registration": neighbour.pk, "token": token_of(neighbour)})
    assert response.status_code == 302 and response["Location"] == personal_path(attendee)
    assert not LineLink.objects.filter(registration=attendee).exists()
    assert LineLink.objects.get(registration=neighbour).line_user_id == "U-neighbour"
    entry = AuditEntry.objects.get(action=AuditAction.LINE_UNLINKED)
    assert entry.object_id == attendee.pk and entry.details == {"reason": "personal_page"} and entry.user is None
    tampered = token_of(neighbour)[:-4] + ("AAAA" if not token_of(neighbour).endswith("AAAA") else "BBBB")
    assert client.post(reverse("registration:personal_line_unlink", args=[tampered])).status_code == 404
    assert LineLink.objects.filter(registration=neighbour).exists()


def test_line_is_hidden_when_not_set_up(client, attendee, settings):
    settings.LINE_CHANNEL_ACCESS_TOKEN = settings.LINE_CHANNEL_SECRET = ""
    LineLink.objects.create(registration=attendee, line_user_id="U-somchai")
    html = client.get(personal_path(attendee)).content.decode()
    assert 'id="line-card"' not in html and "line.me" not in html
    assert not LineLinkCode.objects.exists()
    body = json.dumps({"events": []}).encode()
    assert client.post("/line/webhook/", data=body, content_type="application/json", headers={"X-Line-Signature": sign(body)}).status_code == 404
    assert line.line_address(attendee) == ""


# --- the person's data -------------------------------------------------------------------------------------------


def test_the_line_account_is_in_the_persons_data_and_erased_with_it(fake_line, attendee):  # noqa: F811
    linked(attendee, "U-somchai")
    line.create_line_link_code(registration=attendee)
    data = personal_data(attendee)
    assert data["line"]["linked"] is True and data["line"]["line_user_id"] == "U-somchai"
    anonymise_personal_data.send(sender=None, registration_ids=[attendee.pk], at=timezone.now())
    assert not LineLink.objects.exists() and not LineLinkCode.objects.exists()


def test_the_tick_forgets_old_codes_and_event_ids(fake_line, attendee):  # noqa: F811
    old = line.create_line_link_code(registration=attendee)
    LineLinkCode.objects.filter(pk=old.pk).update(expires_at=timezone.now() - line.CODE_MEMORY - datetime.timedelta(minutes=1))
    fresh = line.create_line_link_code(registration=attendee)
    LineWebhookEvent.objects.create(event_id="old")
    LineWebhookEvent.objects.filter(event_id="old").update(received_at=timezone.now() - line.EVENT_MEMORY - datetime.timedelta(minutes=1))
    LineWebhookEvent.objects.create(event_id="recent")
    line.forget_old_line_records(timezone.now())
    assert list(LineLinkCode.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(LineWebhookEvent.objects.values_list("event_id", flat=True)) == ["recent"]


# --- settings -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, named",
    [
        ({"LINE_CHANNEL_ACCESS_TOKEN": "a-token"}, "LINE_CHANNEL_SECRET"),
        ({"LINE_CHANNEL_SECRET": "a-secret"}, "LINE_CHANNEL_ACCESS_TOKEN"),
        ({"LINE_API_HOST": "api.line.me"}, "LINE_API_HOST"),
        ({"LINE_BOT_BASIC_ID": "prachum"}, "LINE_BOT_BASIC_ID"),
    ],
)
def test_line_settings_stop_start_up_naming_the_variable(env, named):
    code, out = load_settings(**env)
    assert code != 0 and named in out and "ImproperlyConfigured" in out


def test_line_settings_load_together():
    code, out = load_settings(
        "import django; from django.conf import settings; django.setup(); print(settings.LINE_API_HOST, settings.LINE_BOT_BASIC_ID)",
        LINE_CHANNEL_ACCESS_TOKEN="a-token",
        LINE_CHANNEL_SECRET="a-secret",
        LINE_BOT_BASIC_ID="@prachum",
    )
    assert code == 0, out
    assert "https://api.line.me @prachum" in out
