from django.contrib import admin

from meetings.admin import ThaiDatesModelAdmin
from registration.models import Registration


@admin.register(Registration)
class RegistrationAdmin(ThaiDatesModelAdmin):
    list_display = ["__str__", "province", "role", "session", "status", "phone"]
    list_filter = ["session", "status", "role", "province__region", "province"]
    search_fields = ["first_name", "last_name", "phone"]
    list_select_related = ["province", "role", "session"]
    ordering = ["session", "province__code", "role__order", "first_name", "last_name"]
    # Stored encrypted with a keyed hash (editable=False); the admin shows the masked number only.
    readonly_fields = ["masked_national_id"]
    raw_id_fields = ["replaces", "venue"]
