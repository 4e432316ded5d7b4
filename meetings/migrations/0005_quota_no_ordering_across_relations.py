from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0004_ticket_version_scanner_status"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="quota",
            options={"verbose_name": "quota", "verbose_name_plural": "quotas"},
        ),
    ]
