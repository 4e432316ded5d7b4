from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        # Its part of a person's data export and erasure (registration/personal_data.py): registration
        # cannot import this app, so this app registers itself.
        from attendance import jobs, personal_data, reminders  # noqa: F401  (reminders: its filter of reminder audiences; jobs: every venue's sign-in sheet)
        from registration.personal_data import anonymise_personal_data, collect_personal_data

        collect_personal_data.connect(personal_data.collect, dispatch_uid="attendance.personal_data.collect")
        anonymise_personal_data.connect(personal_data.anonymise, dispatch_uid="attendance.personal_data.anonymise")

        # Open dashboard sockets close on a logout, and on a change to the user's account or staff profile
        # (meetings.Profile: kind, province), which meetings makes without knowing of this app.
        from attendance import socket_access

        user_logged_out.connect(socket_access.logged_out, dispatch_uid="attendance.socket_access.logged_out")
        for signal in (post_save, post_delete):
            signal.connect(socket_access.profile_changed, sender="meetings.Profile", dispatch_uid=f"attendance.socket_access.profile.{signal}")
        post_save.connect(socket_access.account_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="attendance.socket_access.account")
