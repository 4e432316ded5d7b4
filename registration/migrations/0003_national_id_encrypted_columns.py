from django.db import migrations, models


class Migration(migrations.Migration):
    """National IDs move out of clear text: first the encrypted and hashed columns beside the clear one
    (0004 fills them, 0005 drops the clear column), and the reason a reveal was asked for."""

    dependencies = [
        ("registration", "0002_registration_anonymised_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="national_id_encrypted",
            field=models.CharField(blank=True, default="", editable=False, max_length=255, verbose_name="national ID (encrypted)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="registration",
            name="national_id_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="national ID (keyed hash)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="nationalidreveal",
            name="reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="reason"),
        ),
    ]
