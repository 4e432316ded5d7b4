from django.contrib import admin

from attendance.models import CheckIn, CheckInEvent, ScannerDevice
from meetings.admin import ThaiDatesModelAdmin


@admin.register(CheckIn)
class CheckInAdmin(ThaiDatesModelAdmin):
    list_display = ["registration", "session", "venue", "method", "checked_in_at", "wrong_venue"]
    list_filter = ["session", "method", "wrong_venue", "registration__province"]
    list_select_related = ["registration", "session", "venue"]
    raw_id_fields = ["registration", "venue", "device"]
    search_fields = ["registration__first_name", "registration__last_name", "registration__phone"]

    def has_add_permission(self, request):
        return False  # check-ins are recorded through attendance.services, which audits them

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # undo with a reason on the "Manual check-in and undo" page


@admin.register(CheckInEvent)
class CheckInEventAdmin(ThaiDatesModelAdmin):
    """The audit trail is read-only."""

    list_display = ["at", "action", "registration", "method", "venue", "device", "user", "wrong_venue", "reason"]
    list_filter = ["session", "action", "method", "wrong_venue"]
    list_select_related = ["registration", "venue", "device", "user"]
    search_fields = ["registration__first_name", "registration__last_name", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(ThaiDatesModelAdmin):
    list_display = ["name", "venue", "session", "token_hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["session"]
    list_select_related = ["venue", "session"]
    readonly_fields = ["token_hint", "created_by", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    fields = ["name", "session", "venue", *readonly_fields]

    def has_add_permission(self, request):
        return False  # issued on the venue's "Scanner devices" page, which shows the token once
