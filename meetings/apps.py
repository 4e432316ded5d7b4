from django.apps import AppConfig
from django.core.checks import Tags, register
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from meetings.checks import check_site_url


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # Django imports this module before any model exists, so what needs the models is imported here, once
        # the app registry is ready: Django's documented place, and the only function-level import that
        # meetings/tests/test_layout.py allows.
        from meetings import jobs  # noqa: F401  (registers the tick with the job runner)
        from meetings.reference_cache import clear_reference_cache
        from meetings.roles import sync_groups

        register(check_site_url, Tags.security)

        post_migrate.connect(sync_groups, dispatch_uid="meetings.sync_groups")
        post_migrate.connect(clear_reference_cache, dispatch_uid="meetings.clear_reference_cache")
        for model in ("Province", "RoleCategory"):
            for signal in (post_save, post_delete):
                signal.connect(clear_reference_cache, sender=f"meetings.{model}", dispatch_uid=f"meetings.reference_cache.{model}.{signal}")
