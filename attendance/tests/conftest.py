"""Fixtures for the attendance tests."""
import os
import urllib.parse

import pytest
from django.conf import settings
from django.db import connection


def _database_url():
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def services(request):
    """REDIS_URL and PostgreSQL, or a failure: only the plain SQLite run (no REDIS_URL) skips."""
    redis_url = os.environ.get("REDIS_URL")
    selected = "services" in (request.config.getoption("markexpr") or "")
    if not redis_url and connection.vendor == "sqlite" and not selected:
        pytest.skip("runs in `make test-services` (needs REDIS_URL and DATABASE_URL=postgres://…)")
    assert redis_url, "REDIS_URL must be set for the services tests"
    assert connection.vendor == "postgresql", "DATABASE_URL must point at PostgreSQL for the services tests"
    return {"DATABASE_URL": _database_url(), "REDIS_URL": redis_url, "SECRET_KEY": settings.SECRET_KEY}
