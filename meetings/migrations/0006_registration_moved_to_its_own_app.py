from django.db import migrations


class Migration(migrations.Migration):
    """Registration and NationalIdReveal now belong to the registration app (same tables)."""

    dependencies = [
        ("meetings", "0005_quota_no_ordering_across_relations"),
        ("registration", "0001_initial"),
        ("attendance", "0004_registration_moved_to_its_own_app"),
        ("training", "0003_registration_moved_to_its_own_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="NationalIdReveal"),
                migrations.DeleteModel(name="Registration"),
            ],
            database_operations=[],
        ),
    ]
