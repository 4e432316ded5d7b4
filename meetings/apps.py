from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from meetings.roles import sync_groups

        post_migrate.connect(sync_groups, dispatch_uid="meetings.sync_groups")
