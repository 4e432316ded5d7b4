from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from meetings.roles import sync_groups

        from meetings.models import Province, RoleCategory
        from meetings.reference_cache import clear_reference_cache

        post_migrate.connect(sync_groups, dispatch_uid="meetings.sync_groups")
        post_migrate.connect(clear_reference_cache, dispatch_uid="meetings.clear_reference_cache")
        for model in (Province, RoleCategory):
            for signal in (post_save, post_delete):
                signal.connect(clear_reference_cache, sender=model, dispatch_uid=f"meetings.reference_cache.{model.__name__}.{signal}")
