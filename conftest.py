"""Fixtures named for people (docs/CONTRIBUTING.md): a Lampang officer, a Chiang Mai officer, a central organiser."""

import os

import pytest
from django.conf import settings as django_settings

from meetings.tests.factories import make_session, make_user


@pytest.fixture(autouse=True, scope="session")
def _national_id_keys_for_child_processes():
    """The test suite derives the national ID keys from SECRET_KEY (config/settings.py); a server or command
    a test starts runs as production does and reads them from the environment: hand it the same keys."""
    os.environ.setdefault("NATIONAL_ID_KEYS", ",".join(django_settings.NATIONAL_ID_KEYS))
    os.environ.setdefault("NATIONAL_ID_HASH_KEY", django_settings.NATIONAL_ID_HASH_KEY)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests run with DEBUG off but without collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Fixture users are made with create_user(password=...): PBKDF2 costs about a second per user on a busy
    # machine, and the permission matrix makes hundreds. Nothing here tests hashing itself.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """The per-process reference data cache must not carry one test's rows into the next: a
    flushed table hands out the same ids again."""
    from django.core.cache import cache

    from meetings.reference_cache import clear_reference_cache

    clear_reference_cache()
    cache.clear()  # the rate limits' counters (meetings/ratelimit.py) start from zero in every test


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush the tables that migrations filled; put the reference data back."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        from meetings.models import Province, RoleCategory
        from meetings.province_data import load_reference_data
        from meetings.roles import sync_groups

        load_reference_data(Province, RoleCategory)
        sync_groups()


@pytest.fixture
def central_organiser(db):
    return make_user("organiser", kind="central")


@pytest.fixture
def lampang_officer(db):
    return make_user("lampang", kind="provincial", province_code="TH-52")


@pytest.fixture
def chiangmai_officer(db):
    return make_user("chiangmai", kind="provincial", province_code="TH-50")


@pytest.fixture
def session(db, central_organiser):
    return make_session(created_by=central_organiser)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite tests use a file, as production does: shared-cache memory databases fail concurrent writers
    with "table is locked" instead of waiting, so the concurrent-registration test needs real file locking."""
    import tempfile
    from pathlib import Path

    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp(prefix="prachum-test-")) / "test.sqlite3")
