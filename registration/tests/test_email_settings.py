"""E-mail settings from the environment (config/env.py env_email): EMAIL_URL or EMAIL_HOST and its neighbours,
a bad value stops start-up naming the variable, the demo prints mails, and a deployment without a mail server
is warned at start-up (registration/checks.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import CONSOLE_BACKEND, SMTP_BACKEND, env_email
from meetings.tests.test_config import load_settings
from registration.checks import DEFAULT_FROM_UNSET, EMAIL_HOST_UNSET, check_email

EMAIL_VARIABLES = (
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
)


@pytest.fixture
def environment(monkeypatch):
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_environment(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_environment


def test_the_demo_prints_mails_and_a_deployment_without_a_server_sends_none(environment):
    assert env_email(debug=True)["EMAIL_BACKEND"] == CONSOLE_BACKEND
    deployed = env_email(debug=False)
    assert (deployed["EMAIL_BACKEND"], deployed["EMAIL_HOST"], deployed["EMAIL_TIMEOUT"]) == (SMTP_BACKEND, "", 10)


def test_email_url_gives_the_server_its_login_and_tls(environment):
    environment(EMAIL_URL="smtp+tls://prachum%40example.go.th:p%40ss%3Aword@smtp.example.go.th", DEFAULT_FROM_EMAIL="Prachum <noreply@example.go.th>")
    settings = env_email(debug=False)
    assert settings == {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": "smtp.example.go.th",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "prachum@example.go.th",
        "EMAIL_HOST_PASSWORD": "p@ss:word",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
        "DEFAULT_FROM_EMAIL": "Prachum <noreply@example.go.th>",
    }
    environment(EMAIL_URL="smtps://smtp.example.go.th")
    assert (env_email(debug=False)["EMAIL_PORT"], env_email(debug=False)["EMAIL_USE_SSL"]) == (465, True)
    environment(EMAIL_URL="console://")
    assert env_email(debug=False)["EMAIL_BACKEND"] == CONSOLE_BACKEND


def test_the_separate_variables_work_too(environment):
    environment(EMAIL_HOST="mail.example.go.th", EMAIL_USE_SSL="1", EMAIL_HOST_USER="prachum", EMAIL_HOST_PASSWORD="secret", EMAIL_TIMEOUT="5")
    settings = env_email(debug=True)
    assert (settings["EMAIL_BACKEND"], settings["EMAIL_HOST"], settings["EMAIL_PORT"], settings["EMAIL_TIMEOUT"]) == (
        SMTP_BACKEND,
        "mail.example.go.th",
        465,
        5,
    )


@pytest.mark.parametrize(
    "values, named",
    [
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1", "EMAIL_HOST": "mail.example.go.th"}, "EMAIL_USE_TLS"),
        ({"EMAIL_USE_TLS": "maybe"}, "EMAIL_USE_TLS"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT"),
        ({"EMAIL_PORT": "70000", "EMAIL_HOST": "mail.example.go.th"}, "EMAIL_PORT"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT"),
        ({"EMAIL_HOST_PASSWORD": "secret", "EMAIL_HOST": "mail.example.go.th"}, "EMAIL_HOST_USER"),
        ({"DEFAULT_FROM_EMAIL": "Prachum"}, "DEFAULT_FROM_EMAIL"),
        ({"EMAIL_URL": "http://mail.example.go.th"}, "EMAIL_URL"),
        ({"EMAIL_URL": "smtp://"}, "EMAIL_URL"),
        ({"EMAIL_URL": "smtp://mail.example.go.th:99999"}, "EMAIL_URL"),
        ({"EMAIL_URL": "smtp://mail.example.go.th", "EMAIL_HOST": "other.example.go.th"}, "EMAIL_HOST"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(environment, values, named):
    environment(**values)
    with pytest.raises(ImproperlyConfigured, match=named):
        env_email(debug=False)


def test_a_password_in_email_url_is_never_echoed(environment):
    environment(EMAIL_URL="ftp://user:hunter2-secret@mail.example.go.th")
    with pytest.raises(ImproperlyConfigured) as refused:
        env_email(debug=False)
    assert "hunter2" not in str(refused.value)


def test_start_up_stops_on_tls_and_ssl_together():
    code, out = load_settings(EMAIL_HOST="mail.example.go.th", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert code != 0 and "EMAIL_USE_TLS" in out and "EMAIL_USE_SSL" in out


def test_start_up_warns_a_deployment_that_cannot_send_mail(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST = ""
    assert [warning.id for warning in check_email()] == [EMAIL_HOST_UNSET]
    settings.EMAIL_HOST = "mail.example.go.th"
    settings.DEFAULT_FROM_EMAIL = "Prachum <noreply@localhost>"
    assert [warning.id for warning in check_email()] == [DEFAULT_FROM_UNSET]
    settings.DEFAULT_FROM_EMAIL = "Prachum <noreply@example.go.th>"
    assert check_email() == []
    settings.DEBUG = True
    settings.EMAIL_HOST = ""
    assert check_email() == []  # the demo prints mails (console backend)
