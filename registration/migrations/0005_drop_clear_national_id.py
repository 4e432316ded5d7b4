from django.db import migrations, models


class Migration(migrations.Migration):
    """The clear column goes; the same person twice in a session is now refused by the keyed hash."""

    dependencies = [
        ("registration", "0004_encrypt_national_ids"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="registration",
            name="registration_unique_national_id",
        ),
        migrations.RemoveField(
            model_name="registration",
            name="national_id",
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "active"), models.Q(("national_id_hash", ""), _negated=True)),
                fields=("session", "national_id_hash"),
                name="registration_unique_national_id",
            ),
        ),
    ]
