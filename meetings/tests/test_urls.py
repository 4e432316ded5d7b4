"""No URL of one app is shadowed by another's pattern: the root URLconf may order the apps for speed
(config/urls.py puts the check-in endpoints first) without changing what any URL reaches."""

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

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
