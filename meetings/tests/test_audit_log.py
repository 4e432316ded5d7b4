"""The audit log: append-only, the client's IP behind trusted proxies only, and the page that shows it
(central staff every entry, a provincial office its own province's)."""

import datetime

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from meetings.audit import client_ip, record
from meetings.models import AuditAction, AuditEntry, AuditLogAppendOnly, Province

pytestmark = pytest.mark.django_db

SUMMARY = "ทดสอบ %(n)s"


def entry(province_code=None, action=AuditAction.LIST_EXPORTED, actor=None, n=1, at=None):
    made = record(
        action=action, actor=actor, province=Province.objects.get(code=province_code) if province_code else None, summary=SUMMARY, params={"n": n}
    )
    if at is not None:
        # Only a test moves an entry back in time, in SQL: the log's own API refuses any change.
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET at = %s WHERE id = %s", [at, made.pk])
    return made


# --- append-only --------------------------------------------------------------------------------------


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(central_organiser):
    made = entry("TH-52", actor=central_organiser)
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.filter(pk=made.pk).update(summary="แก้")
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.filter(pk=made.pk).delete()
    with pytest.raises(AuditLogAppendOnly):
        made.delete()
    made.summary = "แก้"
    with pytest.raises(AuditLogAppendOnly):
        made.save()
    assert AuditEntry.objects.get().summary == "ทดสอบ 1"


def test_the_admin_shows_audit_entries_read_only(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-pass-2564")
    made = entry("TH-52")
    client.force_login(admin)
    assert client.get(reverse("admin:meetings_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:meetings_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:meetings_auditentry_delete", args=[made.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.count() == 1


def test_a_user_who_acted_cannot_be_deleted_from_under_the_log(central_organiser):
    entry(actor=central_organiser)
    with pytest.raises(ProtectedError):
        central_organiser.delete()


def test_record_refuses_personal_data_in_details():
    with pytest.raises(ValueError):
        record(action=AuditAction.LIST_EXPORTED, summary=SUMMARY, params={"n": 1}, details={"session": 1, "people": [{"phone": "0812345678"}]})
    assert not AuditEntry.objects.exists()


def test_summaries_are_stored_in_the_site_language():
    with translation.override("en"):
        made = record(action=AuditAction.CHECKIN_UNDONE, summary=gettext_lazy("Check-in undone"))
    assert made.summary == "ยกเลิกการลงชื่อเข้าร่วม"


# --- the client's IP address ---------------------------------------------------------------------------


def _request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    # The client claims 1.2.3.4; the proxies saw 198.51.100.23 connect to the outer one (192.0.2.7).
    assert client_ip(_request("10.1.2.3", "1.2.3.4, 198.51.100.23, 192.0.2.7")) == "198.51.100.23"


def test_a_forwarded_header_from_an_untrusted_peer_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("203.0.113.9", "10.9.9.9")) == "203.0.113.9"


def test_a_malformed_forwarded_hop_stops_the_walk(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("10.1.2.3", "198.51.100.23, not-an-ip")) == "10.1.2.3"
    assert client_ip(_request("10.1.2.3", "")) == "10.1.2.3"


def test_an_ipv6_client_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["::1"]
    assert client_ip(_request("::1", "2001:db8::5")) == "2001:db8::5"


def test_record_takes_the_ip_from_the_request(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    made = record(action=AuditAction.LIST_EXPORTED, summary=SUMMARY, params={"n": 1}, request=_request("127.0.0.1", "198.51.100.23"))
    assert made.ip_address == "198.51.100.23"


def test_a_bad_trusted_proxies_setting_stops_start_up():
    from meetings.tests.test_config import load_settings

    code, out = load_settings(TRUSTED_PROXIES="10.0.0.0/8, proxy.example")
    assert code != 0 and "TRUSTED_PROXIES" in out


# --- the page -----------------------------------------------------------------------------------------


def test_officer_sees_only_own_province_entries(client, lampang_officer, central_organiser):
    entry("TH-52", n=521)
    entry("TH-50", n=501)
    entry(None, n=999)
    client.force_login(lampang_officer)
    html = client.get(reverse("meetings:audit_log")).content.decode()
    assert "ทดสอบ 521" in html and "ทดสอบ 501" not in html and "ทดสอบ 999" not in html
    client.force_login(central_organiser)
    html = client.get(reverse("meetings:audit_log")).content.decode()
    assert "ทดสอบ 521" in html and "ทดสอบ 501" in html and "ทดสอบ 999" in html


def be_date(day):
    """The audit filter's dates are typed day/month/Buddhist-era year."""
    return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"


def test_audit_log_filters_by_action_date_and_user(client, central_organiser, lampang_officer):
    today = timezone.localdate()
    entry("TH-52", actor=lampang_officer, n=1)
    entry("TH-52", action=AuditAction.CHECKIN_UNDONE, actor=central_organiser, n=2)
    entry("TH-52", actor=central_organiser, n=3, at=timezone.now() - datetime.timedelta(days=10))
    client.force_login(central_organiser)
    page = reverse("meetings:audit_log")

    def shown(query):
        html = client.get(page, query).content.decode()
        return {n for n in (1, 2, 3) if f"ทดสอบ {n}" in html}

    assert shown({}) == {1, 2, 3}
    assert shown({"action": AuditAction.CHECKIN_UNDONE}) == {2}
    assert shown({"date_from": be_date(today - datetime.timedelta(days=1))}) == {1, 2}
    assert shown({"date_to": be_date(today - datetime.timedelta(days=5))}) == {3}
    assert shown({"user": lampang_officer.pk}) == {1}


def test_an_officer_cannot_filter_for_another_province_user(client, lampang_officer, chiangmai_officer):
    entry("TH-50", actor=chiangmai_officer, n=7)
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:audit_log"), {"user": chiangmai_officer.pk})
    assert response.status_code == 200
    assert "ทดสอบ 7" not in response.content.decode()
    assert "user" in response.context["form"].errors


def test_audit_log_pages_fifty_entries(client, central_organiser):
    for n in range(55):
        entry("TH-52", n=1000 + n)
    client.force_login(central_organiser)
    first = client.get(reverse("meetings:audit_log"))
    assert len(first.context["page"].object_list) == 50
    assert "ทดสอบ 1054" in first.content.decode()  # newest first
    second = client.get(reverse("meetings:audit_log"), {"page": 2})
    assert "ทดสอบ 1000" in second.content.decode()


@pytest.mark.parametrize("entries", [5, 40])
def test_audit_log_page_queries_do_not_grow_with_entries(client, central_organiser, lampang_officer, django_assert_max_num_queries, entries):
    for n in range(entries):
        entry("TH-52", actor=lampang_officer if n % 2 else central_organiser, n=n)
    client.force_login(central_organiser)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("meetings:audit_log")).status_code == 200


def test_staff_navigation_links_the_audit_log(client, lampang_officer):
    client.force_login(lampang_officer)
    assert reverse("meetings:audit_log") in client.get(reverse("meetings:session_list")).content.decode()
