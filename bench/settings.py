"""Settings for benchmark servers: the real settings plus a bare baseline view (bench/urls.py)."""
from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": True}
# Benchmarks render pages but never fetch their static files: no collectstatic, no manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
