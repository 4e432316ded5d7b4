from django.contrib import admin

from attendance.models import CheckIn


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["registration", "session", "venue", "method", "checked_in_at", "wrong_venue"]
    list_filter = ["session", "method", "wrong_venue", "registration__province"]
    list_select_related = ["registration", "session", "venue"]
    raw_id_fields = ["registration", "venue"]
    search_fields = ["registration__first_name", "registration__last_name", "registration__phone"]
