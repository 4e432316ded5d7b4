"""No URL of one app is shadowed by another's pattern: the root URLconf may order the apps for speed
(config/urls.py puts the check-in endpoints first) without changing what any URL reaches. And every
URL of the project has a row in a permission matrix."""

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

# Every app's permission matrix, for the guard over the whole project (tests may use any app's tests).
from attendance.tests import test_permissions as attendance_matrix
from config.routing import websocket_urlpatterns
from meetings.tests import test_jobs as jobs_matrix
from meetings.tests import test_meetings_permissions as meetings_matrix
from meetings.tests import test_site_permissions as site_matrix
from registration.tests import test_personal_link_matrix as personal_link_matrix
from registration.tests import test_registration_views as registration_matrix
from registration.tests import test_reminders as reminder_matrix
from training.tests import test_permissions as training_matrix

SAMPLE = {
    "IntConverter": 7,
    "StringConverter": "abc123",
    "SlugConverter": "a-slug",
    "UUIDConverter": "12345678-1234-5678-1234-567812345678",
    "PathConverter": "a/b",
}


def _named_patterns(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if pattern.namespace and namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from _named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def _kwargs(pattern):
    converters = getattr(pattern.pattern, "converters", {})
    names = pattern.pattern.regex.groupindex
    return {name: SAMPLE[type(converters[name]).__name__] for name in names if name in converters}


def test_every_named_url_of_the_apps_resolves_to_its_own_view():
    checked = 0
    for name, pattern in _named_patterns(get_resolver().url_patterns):
        if name.split(":")[0] not in ("meetings", "attendance", "training", "api") and ":" in name:
            continue  # Django's own apps (admin) are not ours to order
        if pattern.pattern.regex.groupindex.keys() - getattr(pattern.pattern, "converters", {}).keys():
            continue  # a regex pattern with plain groups: none of ours
        url = reverse(name, kwargs=_kwargs(pattern))
        match = resolve(url)
        assert match.view_name == name, f"{url} is reached by {match.view_name}, not {name}"
        checked += 1
    assert checked > 60  # the three apps and the API, not an empty walk


def test_every_url_of_the_project_is_in_a_permission_matrix():
    """docs/CONTRIBUTING.md: every URL has a row in a permission matrix. Each app's guard checks its
    own URLs; this one checks the whole of config/urls.py (every app, the JSON API, the project's own
    URLs, Django's admin) and the WebSocket routes, so a new include or a URL outside the apps cannot
    slip past."""
    covered = {row[0] for row in site_matrix.SITE_MATRIX}
    covered |= {f"meetings:{name}" for name in meetings_matrix.SESSION_PAGE_URLS}
    covered |= {f"meetings:{row[0]}" for row in jobs_matrix.JOB_MATRIX}
    covered |= {f"registration:{row[0]}" for row in [*registration_matrix.MATRIX, *personal_link_matrix.PERSONAL_LINK_MATRIX]}
    covered |= {f"registration:{row[0]}" for row in reminder_matrix.REMINDER_MATRIX}
    covered |= {f"attendance:{row[0]}" for row in attendance_matrix.MATRIX}
    covered |= {f"api:{row[0]}" for row in attendance_matrix.API_MATRIX}
    training_rows = [*training_matrix.PERSONAL, *training_matrix.STAFF]
    covered |= {f"training:{row[0].removesuffix('_lampang').removesuffix('_chiangmai')}" for row in training_rows}
    covered.add("training:verify_certificate")  # public: training/tests/test_permissions.py::test_verification_page_is_public
    names = {name for name, _pattern in _named_patterns(get_resolver().url_patterns)}
    # Django's admin: every one of its URLs is checked by test_site_permissions.py (admin_urls()).
    ours = {name for name in names if not name.startswith("admin:")}
    assert ours - covered == set(), "URLs without a row in a permission matrix"
    assert covered - ours == set(), "matrix rows for URLs that no longer exist"
    assert {f"admin:{pattern.name}" for pattern in site_matrix.named_patterns(get_resolver().namespace_dict["admin"][1].url_patterns)} == names - ours


def test_every_websocket_route_has_its_permission_tests():
    """The dashboard socket's matrix is in attendance/tests/test_live_dashboard_socket.py (who may
    connect) and test_live_dashboard_access.py (origins, logout, a change of role); a new route
    needs its own."""
    assert [str(pattern.pattern) for pattern in websocket_urlpatterns] == ["ws/sessions/<int:session_id>/attendance/"]
