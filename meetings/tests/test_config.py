"""Each bad setting stops start-up with ImproperlyConfigured naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-enough-secret-key-for-these-tests-0123456789",
    "ALLOWED_HOSTS": "prachum.example.go.th",
    "NATIONAL_ID_KEYS": "cHJhY2h1bS10ZXN0LW9ubHktbmF0aW9uYWwtaWQta3k=",
    "NATIONAL_ID_HASH_KEY": "a-long-enough-national-id-hash-key-0123456789",
}
NATIONAL_ID_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); print(len(settings.NATIONAL_ID_KEYS), len(settings.NATIONAL_ID_HASH_KEY))"
)


def load_settings(code=None, **env):
    """Import config.settings in a fresh interpreter; return (exit code, stderr)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "CSRF_TRUSTED_ORIGINS",
            "SITE_URL",
            "NATIONAL_ID_KEYS",
            "NATIONAL_ID_HASH_KEY",
        }
    }
    clean.update(GOOD)
    clean.update({k: v for k, v in env.items() if v is not None})
    for k, v in env.items():
        if v is None:
            clean.pop(k, None)
    code = code or "import django; from django.conf import settings; django.setup(); print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_good_settings_load():
    code, out = load_settings()
    assert code == 0, out
    assert "InMemoryChannelLayer" in out


def test_redis_url_selects_channels_redis():
    code, out = load_settings(REDIS_URL="redis://127.0.0.1:6379/0")
    assert code == 0, out
    assert "RedisChannelLayer" in out


@pytest.mark.parametrize(
    "env, named",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "mysql://root@localhost/prachum"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"CSRF_TRUSTED_ORIGINS": "prachum.example.go.th"}, "CSRF_TRUSTED_ORIGINS"),
        ({"SITE_URL": "prachum.example.go.th"}, "SITE_URL"),
        ({"IMPORT_MAX_BYTES": "lots"}, "IMPORT_MAX_BYTES"),
        ({"NATIONAL_ID_KEYS": None}, "NATIONAL_ID_KEYS"),
        ({"NATIONAL_ID_KEYS": "not-a-fernet-key"}, "NATIONAL_ID_KEYS"),
        ({"NATIONAL_ID_KEYS": "cHJhY2h1bS10ZXN0LW9ubHktbmF0aW9uYWwtaWQta3k=,c2hvcnQ="}, "NATIONAL_ID_KEYS"),
        ({"NATIONAL_ID_HASH_KEY": None}, "NATIONAL_ID_HASH_KEY"),
        ({"NATIONAL_ID_HASH_KEY": "short"}, "NATIONAL_ID_HASH_KEY"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prachum", "DATABASE_POOL_SIZE": "four"}, "DATABASE_POOL_SIZE"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prachum", "DATABASE_POOL_SIZE": "-1"}, "DATABASE_POOL_SIZE"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prachum", "DATABASE_POOL_TIMEOUT": "0"}, "DATABASE_POOL_TIMEOUT"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prachum", "DATABASE_POOL_SIZE": "4", "DATABASE_CONN_MAX_AGE": "60"},
            "DATABASE_POOL_SIZE",
        ),
    ],
)
def test_bad_setting_stops_start_up_naming_the_variable(env, named):
    code, out = load_settings(**env)
    assert code != 0
    assert "ImproperlyConfigured" in out
    assert named in out.strip().splitlines()[-1]


def test_redis_socket_timeout_stays_above_the_blocking_read():
    """A busy Redis must not make redis-py give up on channels-redis's blocking read."""
    code = (
        "import django; from django.conf import settings; django.setup();"
        "from channels_redis.core import RedisChannelLayer;"
        "host = settings.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0];"
        "print(host['socket_timeout'] > RedisChannelLayer.brpop_timeout, host['socket_connect_timeout'] < RedisChannelLayer.brpop_timeout)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        **GOOD,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True"], result.stderr


def test_database_pool_settings_reach_django():
    code = "import django; from django.conf import settings; django.setup(); d = settings.DATABASES['default']; print(d['OPTIONS']['pool']['max_size'], d['CONN_MAX_AGE'])"
    env = {
        **os.environ,
        **GOOD,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prachum",
        "DATABASE_POOL_SIZE": "4",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_CONN_MAX_AGE", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["4", "0"], result.stderr


def test_debug_mode_runs_without_a_secret_key():
    code, out = load_settings(DEBUG="1", SECRET_KEY=None, ALLOWED_HOSTS=None)
    assert code == 0, out


def test_national_id_keys_are_a_newest_first_list():
    code, out = load_settings(
        NATIONAL_ID_SETTINGS, NATIONAL_ID_KEYS="cHJhY2h1bS10ZXN0LW9ubHktbmF0aW9uYWwtaWQta3k=, a2V5LXR3by1rZXktdHdvLWtleS10d28ta2V5LXR3byE="
    )
    assert code == 0, out
    assert out.split() == ["2", "45"]


def test_a_bad_national_id_key_is_named_by_position_never_echoed():
    code, out = load_settings(NATIONAL_ID_KEYS="cHJhY2h1bS10ZXN0LW9ubHktbmF0aW9uYWwtaWQta3k=,secret-but-not-a-key")
    assert code != 0 and "key 2 of 2" in out and "secret-but-not-a-key" not in out


def test_development_derives_national_id_keys_from_the_secret_key():
    code, out = load_settings(NATIONAL_ID_SETTINGS, DEBUG="1", NATIONAL_ID_KEYS=None, NATIONAL_ID_HASH_KEY=None)
    assert code == 0, out
    assert out.split() == ["1", "44"]
