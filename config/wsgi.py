import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_wsgi_app = get_wsgi_application()

from config.body_limit import WSGIRequestBodyLimit  # noqa: E402

# Request bodies over their limit are refused before Django reads them (config/body_limit.py).
application = WSGIRequestBodyLimit(django_wsgi_app)
