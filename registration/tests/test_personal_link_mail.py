"""Personal links by e-mail (registration.services.send_personal_link and send_personal_links): queued in the
request and sent by the worker, one mail per press however often it is clicked, a province's people in one job
and nothing twice; who may send to whom; and the templates in Thai and English."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from meetings.jobs import execute_job
from meetings.models import AuditAction, AuditEntry, Job
from meetings.tests.factories import PASSWORD
from registration.errors import RegistrationError
from registration.message_templates import render_message
from registration.models import MessageStatus, OutgoingMessage, RegistrationStatus
from registration.services import anonymise_registration, personal_link_message, reissue_personal_link, send_personal_link, send_personal_links
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.fixture
def lampang(open_session):
    """Lampang: two people with an address, one without, one cancelled; Chiang Mai: one with an address."""
    people = {
        "somsri": make_registration(open_session, "TH-52", first_name="สมศรี", email="somsri@example.org"),
        "somchai": make_registration(open_session, "TH-52", first_name="สมชาย", email="somchai@example.org"),
        "no_address": make_registration(open_session, "TH-52", first_name="บุญมี"),
        "cancelled": make_registration(open_session, "TH-52", first_name="มาลี", email="malee@example.org", status=RegistrationStatus.CANCELLED),
        "chiangmai": make_registration(open_session, "TH-50", first_name="ทองดี", email="thongdee@example.org"),
    }
    return people


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


# --- one person ---------------------------------------------------------------------------------------


def test_a_double_click_queues_one_mail_and_a_later_press_sends_it_again(lampang, lampang_officer):
    somsri = lampang["somsri"]
    first = send_personal_link(registration=somsri, actor=lampang_officer)
    second = send_personal_link(registration=somsri, actor=lampang_officer)
    assert first.pk == second.pk and mail.outbox == []
    assert first.status == MessageStatus.PENDING and first.respects_opt_out is False
    execute_job(first.job_id)
    assert sent_to() == ["somsri@example.org"]

    third = send_personal_link(registration=somsri, actor=lampang_officer)  # "I lost the mail"
    assert third.pk != first.pk
    execute_job(third.job_id)
    assert sent_to() == ["somsri@example.org", "somsri@example.org"]
    # The audit log records each queued mail, not the double click.
    assert AuditEntry.objects.filter(action=AuditAction.LINK_SENT, object_id=somsri.pk).count() == 2


def test_no_address_or_no_working_link_is_refused_before_anything_is_queued(lampang, lampang_officer):
    with pytest.raises(RegistrationError) as refused:
        send_personal_link(registration=lampang["no_address"], actor=lampang_officer)
    assert refused.value.code == "no_email"
    with pytest.raises(RegistrationError) as refused:
        send_personal_link(registration=lampang["cancelled"], actor=lampang_officer)
    assert refused.value.code == "no_link"
    assert not OutgoingMessage.objects.exists() and not Job.objects.exists()


def test_the_mail_carries_the_current_link_in_thai_and_renders_in_english_too(lampang):
    somsri = lampang["somsri"]
    somsri.session.title = 'ประชุม "กข.คจ." & ทดสอบ'
    somsri.session.save()
    thai = personal_link_message(somsri, base_url="https://prachum.example.go.th")
    english = personal_link_message(somsri, base_url="https://prachum.example.go.th", language="en")
    link = "https://prachum.example.go.th" + somsri.get_personal_path()
    assert thai.subject == f"ลิงก์ส่วนตัวของท่านสำหรับ {somsri.session.title}"
    assert english.subject == f"Your personal link for {somsri.session.title}"
    assert "เรียน " + somsri.full_name in thai.text and "Dear " + somsri.full_name in english.text
    assert "พ.ศ. 25" in thai.text  # Buddhist era in Thai
    for rendered in (thai, english):
        assert link in rendered.text and f'href="{link}"' in rendered.html
        assert 'ประชุม "กข.คจ." & ทดสอบ' in rendered.text and 'ประชุม "กข.คจ." & ทดสอบ' in rendered.subject  # plain text, not HTML
        assert "ประชุม &quot;กข.คจ.&quot; &amp; ทดสอบ" in rendered.html


def test_render_message_is_shared_by_other_kinds(lampang):
    """A kind without an HTML or subject template (a LINE message) renders its text alone."""
    rendered = render_message("registration/email/_footer", {"session": lampang["somsri"].session, "opt_out_url": "https://x/optout/t/"}, "en")
    assert rendered.subject == "" and rendered.html == ""
    assert "To stop these messages: https://x/optout/t/" in rendered.text


# --- a whole province ---------------------------------------------------------------------------------


def test_a_province_is_sent_in_one_job_and_running_it_twice_sends_nothing_new(lampang, lampang_officer):
    job, queued = send_personal_links(session=lampang["somsri"].session, province=lampang["somsri"].province, actor=lampang_officer)
    assert queued == 2
    execute_job(job.pk)
    assert sent_to() == ["somchai@example.org", "somsri@example.org"]  # not Chiang Mai, not the cancelled
    assert send_personal_links(session=lampang["somsri"].session, province=lampang["somsri"].province, actor=lampang_officer) == (None, 0)
    [entry] = AuditEntry.objects.filter(action=AuditAction.LINK_SENT)
    assert entry.details == {"session": lampang["somsri"].session_id, "count": 2} and entry.province_id == lampang["somsri"].province_id

    # A new link is a new mail; the person sent their link by hand before is left out.
    reissue_personal_link(registration=lampang["somchai"], actor=lampang_officer)
    job, queued = send_personal_links(session=lampang["somsri"].session, province=lampang["somsri"].province, actor=lampang_officer)
    assert queued == 1
    execute_job(job.pk)
    assert sent_to() == ["somchai@example.org", "somchai@example.org", "somsri@example.org"]
    lampang["somchai"].refresh_from_db()
    assert lampang["somchai"].get_personal_path() in mail.outbox[-1].body


def test_a_person_sent_their_link_by_hand_is_left_out_of_the_province_mail(lampang, lampang_officer):
    send_personal_link(registration=lampang["somsri"], actor=lampang_officer)
    job, queued = send_personal_links(session=lampang["somsri"].session, province=lampang["somsri"].province, actor=lampang_officer)
    assert queued == 1
    assert OutgoingMessage.objects.filter(registration=lampang["somsri"]).count() == 1


def test_an_officer_cannot_mail_another_province(lampang, chiangmai_officer):
    with pytest.raises(RegistrationError) as refused:
        send_personal_links(session=lampang["somsri"].session, province=lampang["somsri"].province, actor=chiangmai_officer)
    assert refused.value.code == "other_province"
    assert not OutgoingMessage.objects.exists()


# --- the pages ----------------------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def send_links_url(session):
    return reverse("registration:send_links", kwargs={"session_pk": session.pk})


def test_the_officer_mails_their_province_from_the_list_and_follows_the_job(client, lampang, lampang_officer):
    session = lampang["somsri"].session
    html = login(client, lampang_officer).get(reverse("registration:list", kwargs={"session_pk": session.pk})).content.decode()
    assert send_links_url(session) in html and "(2)" in html
    response = client.post(send_links_url(session))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings:job_detail", kwargs={"job_id": job.pk})
    assert client.get(response["Location"]).status_code == 200
    assert OutgoingMessage.objects.filter(job=job).count() == 2


def test_an_officer_posting_another_province_gets_404_and_nothing_is_queued(client, lampang, chiangmai_officer):
    response = login(client, chiangmai_officer).post(send_links_url(lampang["somsri"].session), {"province": "TH-52"})
    assert response.status_code == 404
    assert not OutgoingMessage.objects.exists()


def test_central_staff_choose_the_province_by_filtering_the_list(client, lampang, central_organiser):
    session = lampang["somsri"].session
    login(client, central_organiser)
    list_url = reverse("registration:list", kwargs={"session_pk": session.pk})
    assert send_links_url(session) not in client.get(list_url).content.decode()
    assert send_links_url(session) in client.get(list_url, {"province": "TH-50"}).content.decode()
    response = client.post(send_links_url(session))  # no province chosen
    assert response.status_code == 302 and response["Location"] == list_url and not OutgoingMessage.objects.exists()
    client.post(send_links_url(session), {"province": "TH-50"})
    assert list(OutgoingMessage.objects.values_list("to", flat=True)) == ["thongdee@example.org"]


def test_anonymous_is_sent_to_sign_in(client, lampang):
    response = client.post(send_links_url(lampang["somsri"].session), {"province": "TH-52"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not OutgoingMessage.objects.exists()


def test_the_detail_page_says_queued_then_shows_how_the_mail_went(client, lampang, lampang_officer):
    somsri = lampang["somsri"]
    login(client, lampang_officer)
    detail = reverse("registration:detail", kwargs={"session_pk": somsri.session_id, "pk": somsri.pk})
    response = client.post(reverse("registration:send_link", kwargs={"session_pk": somsri.session_id, "pk": somsri.pk}), follow=True)
    assert response.redirect_chain[-1][0] == detail
    html = response.content.decode()
    message = OutgoingMessage.objects.get()
    assert "เข้าคิวแล้ว" in html and reverse("meetings:job_detail", kwargs={"job_id": message.job_id}) in html
    assert "รอส่ง" in html  # MessageStatus.PENDING, in Thai
    execute_job(message.job_id)
    assert "badge text-bg-success" in client.get(detail).content.decode()


def test_erasing_the_person_blanks_the_outbox_copies_and_keeps_their_statuses(lampang, lampang_officer, central_organiser):
    somsri = lampang["somsri"]
    sent = send_personal_link(registration=somsri, actor=lampang_officer)
    execute_job(sent.job_id)
    waiting = send_personal_link(registration=somsri, actor=lampang_officer)
    anonymise_registration(registration=somsri, actor=central_organiser, reason="คำขอของเจ้าของข้อมูล")
    rows = {m.pk: m for m in OutgoingMessage.objects.all()}
    assert (rows[sent.pk].status, rows[waiting.pk].status) == (MessageStatus.SENT, MessageStatus.SKIPPED)
    for message in rows.values():
        assert (message.to, message.subject, message.body, message.html_body) == ("", "", "", "")


def test_after_registration_closes_an_officer_still_e_mails_a_link(client, lampang, lampang_officer):
    somsri = lampang["somsri"]
    session = somsri.session
    session.registration_closes_at = timezone.now() - datetime.timedelta(days=1)
    session.save()
    login(client, lampang_officer)
    send_link = reverse("registration:send_link", kwargs={"session_pk": session.pk, "pk": somsri.pk})
    assert send_link in client.get(reverse("registration:detail", kwargs={"session_pk": session.pk, "pk": somsri.pk})).content.decode()
    client.post(send_link)
    assert OutgoingMessage.objects.filter(registration=somsri, status=MessageStatus.PENDING).count() == 1
