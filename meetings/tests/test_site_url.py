"""SITE_URL is optional: unset, absolute links follow the request; without a request they use SITE_URL or the
local address, and a deployment (DEBUG off) without SITE_URL is warned at start-up."""

from django.core.checks import run_checks
from django.test import RequestFactory

from meetings.checks import SITE_URL_UNSET
from meetings.site import LOCAL_SITE_URL, absolute_url, site_url


def _request(host):
    return RequestFactory().get("/anything/", HTTP_HOST=host)


def test_unset_site_url_follows_the_request_host_and_port(settings):
    settings.SITE_URL = ""
    assert site_url(_request("testserver:8123")) == "http://testserver:8123"
    assert absolute_url("/p/abc/", _request("localhost:8000")) == "http://localhost:8000/p/abc/"


def test_a_set_site_url_wins_over_the_request(settings):
    settings.SITE_URL = "https://prachum.example.go.th"
    assert absolute_url("/p/abc/", _request("testserver:8123")) == "https://prachum.example.go.th/p/abc/"


def test_work_without_a_request_uses_site_url_else_the_local_address(settings):
    settings.SITE_URL = "https://prachum.example.go.th"
    assert site_url() == "https://prachum.example.go.th"
    settings.SITE_URL = ""
    assert site_url() == LOCAL_SITE_URL


def _site_url_warnings():
    return [message for message in run_checks() if message.id == SITE_URL_UNSET]


def test_start_up_warns_naming_site_url_when_it_is_unset_and_debug_is_off(settings):
    settings.SITE_URL, settings.DEBUG = "", False
    warnings = _site_url_warnings()
    assert len(warnings) == 1 and "SITE_URL" in warnings[0].msg and "SITE_URL=" in warnings[0].hint


def test_no_site_url_warning_when_it_is_set_or_in_development(settings):
    settings.SITE_URL, settings.DEBUG = "https://prachum.example.go.th", False
    assert _site_url_warnings() == []
    settings.SITE_URL, settings.DEBUG = "", True
    assert _site_url_warnings() == []
