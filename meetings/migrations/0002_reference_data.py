from django.db import migrations

from meetings.province_data import ROLE_CATEGORIES, load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps.get_model("meetings", "Province"), apps.get_model("meetings", "RoleCategory"))


def unload(apps, schema_editor):
    apps.get_model("meetings", "RoleCategory").objects.filter(code__in=[r[0] for r in ROLE_CATEGORIES]).delete()
    apps.get_model("meetings", "Province").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
