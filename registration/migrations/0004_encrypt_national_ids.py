"""Encrypt every national ID stored in clear, with its keyed hash (registration/thai_id.py), under the
keys this deployment is configured with (NATIONAL_ID_KEYS, NATIONAL_ID_HASH_KEY): set them before
migrating. Reversible: going back writes the clear numbers again."""

from django.db import migrations

from registration.thai_id import decrypt_national_id, encrypt_national_id, hash_national_id

BATCH = 500


def encrypt_clear_ids(apps, schema_editor):
    Registration = apps.get_model("registration", "Registration")
    rows = Registration.objects.using(schema_editor.connection.alias).exclude(national_id="").only("pk", "national_id")
    batch = []
    for registration in rows.iterator(chunk_size=BATCH):
        digits = registration.national_id.strip()
        registration.national_id_encrypted = encrypt_national_id(digits)
        registration.national_id_hash = hash_national_id(digits)
        registration.national_id = ""
        batch.append(registration)
        if len(batch) == BATCH:
            Registration.objects.bulk_update(batch, ["national_id_encrypted", "national_id_hash", "national_id"])
            batch = []
    if batch:
        Registration.objects.bulk_update(batch, ["national_id_encrypted", "national_id_hash", "national_id"])


def decrypt_to_clear_ids(apps, schema_editor):
    Registration = apps.get_model("registration", "Registration")
    rows = Registration.objects.using(schema_editor.connection.alias).exclude(national_id_encrypted="").only("pk", "national_id_encrypted")
    batch = []
    for registration in rows.iterator(chunk_size=BATCH):
        registration.national_id = decrypt_national_id(registration.national_id_encrypted)
        registration.national_id_encrypted = registration.national_id_hash = ""
        batch.append(registration)
    for start in range(0, len(batch), BATCH):
        Registration.objects.bulk_update(batch[start : start + BATCH], ["national_id_encrypted", "national_id_hash", "national_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0003_national_id_encrypted_columns"),
    ]

    operations = [
        migrations.RunPython(encrypt_clear_ids, decrypt_to_clear_ids),
    ]
