from django.contrib import admin

from meetings.models import AgendaItem, AuditEntry, Profile, Province, Quota, RoleCategory, Session, SessionChange, Venue


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "province", "position"]
    list_filter = ["kind", "province"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "province"]


@admin.register(RoleCategory)
class RoleCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "order"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class VenueInline(admin.StackedInline):
    model = Venue
    extra = 0
    autocomplete_fields = ["province"]
    show_change_link = True


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "status", "organiser_department"]
    list_filter = ["status", "starts_at"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline]


@admin.register(SessionChange)
class SessionChangeAdmin(admin.ModelAdmin):
    list_display = ["session", "field", "old_value", "new_value", "changed_by", "changed_at"]
    list_filter = ["session", "field"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "room", "province", "session", "is_host", "capacity"]
    list_filter = ["session", "is_host", "province__region", "province"]
    search_fields = ["name", "room", "province__name_th"]
    list_select_related = ["province", "session"]
    ordering = ["-session__starts_at", "-is_host", "province__code"]


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["session", "province", "role", "seats"]
    list_filter = ["session", "role", "province__region", "province"]
    list_select_related = ["province", "role", "session"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
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
