"""The two staff groups and their model permissions, kept in step after every migrate."""

from django.contrib.auth.models import Group, Permission

from meetings.permissions import CENTRAL_GROUP, PROVINCIAL_GROUP

# Central staff organise sessions and may change anything in the four apps.
CENTRAL_APPS = ("meetings", "registration", "attendance", "training")
# Provincial officers register people and record attendance for their own province;
# row-level scoping to that province is enforced in the services and selectors.
PROVINCIAL_PERMISSIONS = (
    "meetings.view_session",
    "meetings.view_venue",
    "meetings.view_quota",
    "registration.view_registration",
    "registration.add_registration",
    "registration.change_registration",
)


def sync_groups(**kwargs):
    central, _ = Group.objects.get_or_create(name=CENTRAL_GROUP)
    central.permissions.set(Permission.objects.filter(content_type__app_label__in=CENTRAL_APPS))
    provincial, _ = Group.objects.get_or_create(name=PROVINCIAL_GROUP)
    wanted = []
    for dotted in PROVINCIAL_PERMISSIONS:
        app_label, codename = dotted.split(".")
        wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    provincial.permissions.set(wanted)
