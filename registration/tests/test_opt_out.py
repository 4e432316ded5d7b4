"""Opting out of messages through the link in a reminder: opening it changes nothing (mail scanners open every
link), the button does; it can be undone; one-click unsubscribe from a mail program works without the page;
the token carries no id or personal data and opens nothing else."""

import pytest
from django.test import Client

from config.log_filters import mask_personal_links
from registration import messaging
from registration.errors import RegistrationError
from registration.message_templates import opt_out_path, opt_out_url
from registration.models import MessageChannel, MessageOptOut, MessageStatus, OutgoingMessage
from registration.services import opt_in, opt_out
from registration.tokens import make_opt_out_token

pytestmark = pytest.mark.django_db


def queue_reminder(person, channel=MessageChannel.EMAIL, respects_opt_out=True, key="r1"):
    return messaging.queue_message(
        session=person.session,
        registration=person,
        channel=channel,
        kind="reminder:1",
        dedupe_key=f"{key}:{person.pk}:{channel}",
        to="somsri@example.org" if channel == MessageChannel.EMAIL else "U123",
        body="พรุ่งนี้ประชุม",
        respects_opt_out=respects_opt_out,
    )


def test_opening_the_link_changes_nothing_and_shows_what_it_stops(client, attendee):
    response = client.get(opt_out_path(attendee, MessageChannel.EMAIL))
    assert response.status_code == 200
    html = response.content.decode()
    assert attendee.session.title in html and "หยุดรับข้อความทางอีเมล" in html
    assert attendee.first_name not in html  # the page names the session, not the person
    assert response["X-Robots-Tag"] == "noindex"
    assert not MessageOptOut.objects.exists()


def test_the_button_stops_waiting_reminders_on_that_channel_only_and_can_be_undone(client, attendee):
    waiting = queue_reminder(attendee)
    on_line = queue_reminder(attendee, channel=MessageChannel.LINE)
    link_mail = queue_reminder(attendee, respects_opt_out=False, key="personal_link")
    path = opt_out_path(attendee, MessageChannel.EMAIL)

    response = client.post(path, {"action": "opt_out"})
    assert response.status_code == 302 and response["Location"] == path
    assert list(MessageOptOut.objects.values_list("registration", "channel")) == [(attendee.pk, MessageChannel.EMAIL)]
    statuses = dict(OutgoingMessage.objects.values_list("pk", "status"))
    assert statuses == {waiting.pk: MessageStatus.SKIPPED, on_line.pk: MessageStatus.PENDING, link_mail.pk: MessageStatus.PENDING}
    assert "ท่านจะไม่ได้รับข้อความแจ้งเตือนทางอีเมล" in client.get(path).content.decode()
    assert queue_reminder(attendee, key="r2").status == MessageStatus.SKIPPED
    client.post(path, {"action": "opt_out"})  # twice: still one
    assert MessageOptOut.objects.count() == 1

    client.post(path, {"action": "opt_in"})
    assert not MessageOptOut.objects.exists()
    assert queue_reminder(attendee, key="r3").status == MessageStatus.PENDING


def test_a_mail_programs_one_click_unsubscribe_works_without_the_page(attendee):
    """RFC 8058: the mail program POSTs List-Unsubscribe=One-Click to the List-Unsubscribe address, with
    no cookie and no CSRF token."""
    response = Client(enforce_csrf_checks=True).post(
        opt_out_path(attendee, MessageChannel.EMAIL), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert MessageOptOut.objects.filter(registration=attendee, channel=MessageChannel.EMAIL).exists()


def test_the_token_carries_no_id_or_personal_data_and_opens_nothing_else(client, attendee):
    attendee.email = "somsri@example.org"
    attendee.save()
    token = make_opt_out_token(attendee, MessageChannel.EMAIL)
    assert token.split(":")[0] == f"email.{attendee.token_key}"  # the channel and the link's random key, signed
    for personal in (attendee.email, attendee.first_name, attendee.phone):
        assert personal not in token
    assert opt_out_url(attendee, MessageChannel.EMAIL, base_url="https://prachum.example.go.th") == f"https://prachum.example.go.th/optout/{token}/"
    # An opt-out token is not a personal link, and a personal link is not an opt-out token.
    assert client.get(f"/p/{token}/").status_code == 404
    personal_token = attendee.get_personal_path().strip("/").split("/")[-1]
    assert client.get(f"/optout/{personal_token}/").status_code == 404
    # A channel that does not exist, signed properly, is refused too.
    forged = make_opt_out_token(attendee, "sms")
    assert client.get(f"/optout/{forged}/").status_code == 404


def test_a_new_personal_link_retires_the_old_opt_out_links(client, attendee):
    old = opt_out_path(attendee, MessageChannel.EMAIL)
    attendee.token_key = "a-new-key-after-reissue"
    attendee.save()
    assert client.get(old).status_code == 404
    assert client.post(old).status_code == 404
    assert not MessageOptOut.objects.exists()


def test_the_services_refuse_an_unknown_channel(attendee):
    with pytest.raises(RegistrationError):
        opt_out(registration=attendee, channel="sms")
    with pytest.raises(RegistrationError):
        opt_in(registration=attendee, channel="sms")


def test_an_opt_out_link_is_masked_in_logs(attendee):
    token = make_opt_out_token(attendee, MessageChannel.EMAIL)
    masked = mask_personal_links(f"Not Found: /optout/{token}/")
    assert attendee.token_key not in masked and token.split(":")[1] not in masked
