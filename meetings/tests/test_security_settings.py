"""HTTPS, HSTS, secure cookies and the proxy header come from the environment: the production values
documented in docs/DEPLOY.md pass `check --deploy`, and the demo on http://127.0.0.1 keeps working.
Every page carries a Content-Security-Policy that allows no inline script or style."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = ROOT / "docs" / "DEPLOY.md"
SECTION = "## Security settings"


def documented_production_environment():
    """The KEY=value lines of the first ```sh block under "## Security settings" in docs/DEPLOY.md."""
    text = DEPLOY_DOC.read_text()
    assert SECTION in text, f"docs/DEPLOY.md has no {SECTION!r} section"
    block = re.search(r"```sh\n(.*?)```", text[text.index(SECTION) :], re.DOTALL)
    assert block, "the security section shows its environment in a ```sh block"
    pairs = [line.split("=", 1) for line in block.group(1).splitlines() if re.match(r"^[A-Z_]+=", line)]
    return {name: value.strip() for name, value in pairs}


def run_with_environment(environment, *args):
    """`python <args>` in a fresh process whose environment is only `environment` (plus PATH)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **environment}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def production_secrets():
    # What the documented block leaves to each deployment: fresh secrets.
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "NATIONAL_ID_KEYS": Fernet.generate_key().decode(),
        "NATIONAL_ID_HASH_KEY": secrets.token_urlsafe(40),
    }


SHOW_SETTINGS = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name, None) for name in [
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]}))
"""


def settings_under(environment):
    result = run_with_environment({"DJANGO_SETTINGS_MODULE": "config.settings", **environment}, "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_deploy_check_passes_without_warnings_with_the_documented_production_environment():
    environment = {**production_secrets(), **documented_production_environment()}
    result = run_with_environment(environment, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_documented_production_environment_turns_on_https_hsts_secure_cookies_and_the_proxy_header():
    values = settings_under({**production_secrets(), **documented_production_environment()})
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True


def test_the_demo_on_plain_http_gets_no_redirect_no_hsts_and_no_trusted_proxy_header():
    values = settings_under({"DEBUG": "1"})
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SESSION_COOKIE_SECURE"] is False


def test_production_on_plain_http_does_not_redirect_to_https():
    """`make prod` on http://127.0.0.1: DEBUG off, but no HTTPS to send anybody to."""
    values = settings_under({**production_secrets(), "ALLOWED_HOSTS": "127.0.0.1", "SITE_URL": "http://127.0.0.1:8000"})
    assert values["SECURE_SSL_REDIRECT"] is False and values["SESSION_COOKIE_SECURE"] is False


def test_a_bad_hsts_value_stops_start_up_naming_the_variable():
    result = run_with_environment({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", "SECURE_HSTS_SECONDS": "a year"}, "-c", SHOW_SETTINGS)
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS must be a whole number" in result.stderr


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_with_https_redirect_on_pages_move_to_https_but_the_health_probe_does_not(client):
    assert client.get("/").status_code == 301
    assert client.get("/").headers["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_tls_proxy_a_forwarded_https_request_is_served(client):
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/no-such-page/"])
def test_every_page_carries_a_policy_without_inline_scripts_or_styles(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert directives["connect-src"].startswith("'self'")
    assert "unsafe" not in policy


# Templates rendered to PDF by WeasyPrint are not web pages: the policy does not apply to them.
PRINT_TEMPLATES = re.compile(r"(^|/)print/|_pdf\.html$")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)


def _web_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT / "templates").as_posix()
        if not PRINT_TEMPLATES.search(relative):
            yield relative, path.read_text()


def test_no_template_has_an_inline_script_event_handler_or_style_attribute():
    problems = []
    for name, text in _web_templates():
        for kind, pattern in (("inline <script>", INLINE_SCRIPT), ("event handler", EVENT_HANDLER), ("style attribute", STYLE_ATTRIBUTE)):
            problems += [f"{name}: {kind}: {match.group(0)[:80]}" for match in pattern.finditer(text)]
    assert problems == []


def test_the_template_check_finds_what_it_looks_for():
    planted = '<script>alert(1)</script><form onsubmit="x()"><div style="color:red">'
    assert INLINE_SCRIPT.search(planted) and EVENT_HANDLER.search(planted) and STYLE_ATTRIBUTE.search(planted)
    allowed = '<script src="/static/a.js"></script><script id="d" type="application/json">{}</script><div data-style="x">'
    assert not (INLINE_SCRIPT.search(allowed) or EVENT_HANDLER.search(allowed) or STYLE_ATTRIBUTE.search(allowed))
