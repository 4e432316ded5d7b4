"""Permission matrix over the project's own URLs (config/urls.py: home, health check, language
switch, login and logout) and Django's admin, which answers nobody but Django staff: every admin
URL sends anonymous visitors, attendees, officers and central organisers to the admin login."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "attendee", "lampang", "chiangmai", "central")
FIXTURES = {"lampang": "lampang_officer", "chiangmai": "chiangmai_officer", "central": "central_organiser"}

# (URL name, method, path, expected status for everyone): these pages are the same for all.
SITE_MATRIX = [
    ("home", "get", "/", 200),
    ("healthz", "get", "/healthz", 200),
    ("set_language", "post", "/i18n/setlang/", 302),
    ("login", "get", "/accounts/login/", 200),
    ("logout", "post", "/accounts/logout/", 302),
    # LINE's webhook: 404 while LINE is not set up (as here), else 400 unless LINE signed it (registration/tests/test_line.py).
    ("registration:line_webhook", "post", "/line/webhook/", 404),
]
ADMIN_SAMPLES = {"app_label": "meetings", "object_id": "1", "content_type_id": "1", "model_name": "profile", "id": "1"}


def log_in(client, request, person):
    if person == "attendee":
        client.force_login(get_user_model().objects.create_user("attendee-login", password="x-2564-pass"))
    elif person in FIXTURES:
        client.force_login(request.getfixturevalue(FIXTURES[person]))


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("name,method,path,expected", SITE_MATRIX, ids=[row[0] for row in SITE_MATRIX])
def test_site_permission_matrix(client, request, person, name, method, path, expected):
    log_in(client, request, person)
    response = getattr(client, method)(path)
    assert response.status_code == expected


def admin_urls():
    """Every admin URL, with sample values for its arguments."""
    _prefix, resolver = get_resolver().namespace_dict["admin"]
    urls = []
    for pattern in named_patterns(resolver.url_patterns):
        arguments = {name: ADMIN_SAMPLES[name] for name in pattern.pattern.regex.groupindex}
        urls.append(reverse(f"admin:{pattern.name}", kwargs=arguments))
    return urls


def named_patterns(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from named_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern


@pytest.mark.parametrize("person", PEOPLE)
def test_every_admin_url_sends_everyone_but_django_staff_to_the_admin_login(client, request, person):
    log_in(client, request, person)
    urls = admin_urls()
    assert len(urls) > 50  # every registered model's pages, not an empty walk
    for url in urls:
        response = client.get(url)
        if url == reverse("admin:login"):
            assert response.status_code in (200, 302), url  # the login page itself
            continue
        if url == reverse("admin:logout"):
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:index")), url  # nobody to log out
            continue
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url
