from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        from attendance.checkin_cache import clear_checkin_cache
        from attendance.models import ScannerDevice
        from meetings.models import Session, Venue

        for model in (ScannerDevice, Session, Venue):
            for signal in (post_save, post_delete):
                signal.connect(clear_checkin_cache, sender=model, dispatch_uid=f"attendance.checkin_cache.{model.__name__}.{signal}")
