"""Error pages speak Thai first, then English, and lead home (DEBUG is off in the tests, as in production);
the 500 and 400 pages need neither the database nor a request context. The favicon is answered at the root."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from meetings.tests.factories import make_session

HOME_LINK = re.compile(r'<a [^>]*href="/"')


def _thai_before_english(html, thai, english):
    assert thai in html and english in html
    assert html.index(thai) < html.index(english)


@pytest.mark.django_db
def test_an_unknown_address_answers_404_in_thai_then_english_with_a_link_home(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _thai_before_english(html, "ไม่พบหน้าที่ต้องการ", "Page not found")
    assert HOME_LINK.search(html) and "ไปหน้าแรก" in html
    assert 'href="/static/css/prachum.css"' in html  # the site's own look, menu included
    assert reverse("login") in html


@pytest.mark.django_db
def test_a_page_of_other_staff_answers_403_in_thai_then_english_with_a_link_home(client, lampang_officer):
    session = make_session()
    client.force_login(lampang_officer)
    response = client.get(reverse("meetings:quota_matrix", kwargs={"pk": session.pk}))  # central staff only
    assert response.status_code == 403
    html = response.content.decode()
    _thai_before_english(html, "ท่านไม่มีสิทธิ์เปิดหน้านี้", "You cannot open this page")
    assert HOME_LINK.search(html)
    assert "Forbidden" not in html


def test_the_500_page_is_thai_first_with_a_link_home_and_reads_no_database():
    # No database here (no django_db mark): a query would fail the test.
    response = server_error(RequestFactory().get("/sessions/1/"))
    assert response.status_code == 500
    html = response.content.decode()
    _thai_before_english(html, "ระบบขัดข้อง", "Something went wrong")
    assert HOME_LINK.search(html)
    assert 'href="/static/css/prachum.css"' in html and "Server Error" not in html


def test_a_request_for_an_unknown_host_answers_400_in_thai_with_a_link_home():
    response = Client().get("/", HTTP_HOST="not-our-site.example")
    assert response.status_code == 400
    html = response.content.decode()
    _thai_before_english(html, "คำขอไม่ถูกต้อง", "Bad request")
    assert HOME_LINK.search(html)


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_thai_page_that_leads_back_to_it():
    client = Client(enforce_csrf_checks=True)
    login_page = "http://testserver" + reverse("login")
    response = client.post(reverse("login"), {"username": "x", "password": "y"}, HTTP_REFERER=login_page)
    assert response.status_code == 403
    html = response.content.decode()
    _thai_before_english(html, "แบบฟอร์มหมดอายุแล้ว", "The form has expired")
    assert HOME_LINK.search(html)
    assert f'href="{login_page}"' in html and "เปิดหน้านั้นใหม่" in html
    assert "CSRF verification failed" not in html


@pytest.mark.django_db
def test_the_csrf_page_never_links_back_to_another_site():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x"}, HTTP_REFERER="https://evil.example/login/")
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


@pytest.mark.django_db
def test_a_fetch_without_its_csrf_token_gets_the_json_error():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), data="{}", content_type="application/json", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "csrf_failed"


def test_favicon_ico_is_answered_at_the_root_without_a_404():
    client = Client()
    for path, kind in (("/favicon.ico", "image/"), ("/apple-touch-icon.png", "image/png")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(kind)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body[:4] in (b"\x00\x00\x01\x00", b"\x89PNG")


@pytest.mark.django_db
def test_pages_link_the_favicon(client):
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon/favicon.svg" type="image/svg+xml">' in html
    for name in ("favicon/favicon.svg", "favicon/favicon.ico", "favicon/apple-touch-icon.png"):
        assert finders.find(name), name
