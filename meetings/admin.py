from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from meetings.dates import format_date
from meetings.fields import ThaiDateField, ThaiDateInput, ThaiDateTimeField, ThaiDateTimeWidget
from meetings.models import AgendaItem, AuditEntry, Profile, Province, Quota, RoleCategory, Session, SessionChange, Venue

# Dates in the admin as on the site (meetings/fields.py): typed and shown as 25/11/2564 and 09:00, not in
# Django's Christian-era calendar and clock widgets. Every ModelAdmin and inline of the project takes them
# from the classes below (meetings/tests/test_admin_dates.py holds every registered admin to it).
THAI_DATE_INPUTS = {
    models.DateTimeField: {"form_class": ThaiDateTimeField, "widget": ThaiDateTimeWidget},
    models.DateField: {"form_class": ThaiDateField, "widget": ThaiDateInput},
}


def _date_field(model, name):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.DateField) else None  # DateTimeField is a DateField


def thai_date_column(field):
    """A change-list column showing `field` in the Buddhist era (25 พ.ย. 2564 09.00 น.), sortable by the field."""

    def column(obj):
        return format_date(getattr(obj, field.name), "datetime" if isinstance(field, models.DateTimeField) else "short")

    column.short_description = field.verbose_name
    column.admin_order_field = field.name
    column.__name__ = field.name
    return column


class ThaiDatesModelAdmin(admin.ModelAdmin):
    formfield_overrides = THAI_DATE_INPUTS

    def get_list_display(self, request):
        # Change lists show dates as the site does, not in Django's Christian-era format.
        columns = []
        for name in super().get_list_display(request):
            field = _date_field(self.model, name) if isinstance(name, str) else None
            columns.append(thai_date_column(field) if field is not None else name)
        return columns


class ThaiDatesTabularInline(admin.TabularInline):
    formfield_overrides = THAI_DATE_INPUTS


class ThaiDatesStackedInline(admin.StackedInline):
    formfield_overrides = THAI_DATE_INPUTS


@admin.register(Province)
class ProvinceAdmin(ThaiDatesModelAdmin):
    list_display = ["code", "name_th", "name_en", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Profile)
class ProfileAdmin(ThaiDatesModelAdmin):
    list_display = ["user", "kind", "province", "position"]
    list_filter = ["kind", "province"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "province"]


@admin.register(RoleCategory)
class RoleCategoryAdmin(ThaiDatesModelAdmin):
    list_display = ["code", "name_th", "name_en", "order"]


class AgendaItemInline(ThaiDatesTabularInline):
    model = AgendaItem
    extra = 0


class VenueInline(ThaiDatesStackedInline):
    model = Venue
    extra = 0
    autocomplete_fields = ["province"]
    show_change_link = True


@admin.register(Session)
class SessionAdmin(ThaiDatesModelAdmin):
    list_display = ["title", "starts_at", "status", "organiser_department"]
    list_filter = ["status", "starts_at"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline]


@admin.register(SessionChange)
class SessionChangeAdmin(ThaiDatesModelAdmin):
    list_display = ["session", "field", "old_value", "new_value", "changed_by", "changed_at"]
    list_filter = ["session", "field"]


@admin.register(Venue)
class VenueAdmin(ThaiDatesModelAdmin):
    list_display = ["name", "room", "province", "session", "is_host", "capacity"]
    list_filter = ["session", "is_host", "province__region", "province"]
    search_fields = ["name", "room", "province__name_th"]
    list_select_related = ["province", "session"]
    ordering = ["-session__starts_at", "-is_host", "province__code"]


@admin.register(Quota)
class QuotaAdmin(ThaiDatesModelAdmin):
    list_display = ["session", "province", "role", "seats"]
    list_filter = ["session", "role", "province__region", "province"]
    list_select_related = ["province", "role", "session"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ThaiDatesModelAdmin):
    """Read only: the audit log is append-only (meetings/audit.py writes it), so nobody adds, edits or deletes here."""

    list_display = ["at", "action", "user", "province", "object_type", "object_id", "summary", "ip_address"]
    list_filter = ["action", "province"]
    search_fields = ["summary", "user__username"]
    list_select_related = ["user", "province"]
    date_hierarchy = "at"
    ordering = ["-at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
