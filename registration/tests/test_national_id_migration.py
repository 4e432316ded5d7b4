"""The data migration: national IDs stored in clear before it are encrypted and hashed by it, the clear
column is gone after it, and going back restores them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from meetings.models import Province, RoleCategory
from meetings.tests.factories import make_session
from registration.models import Registration
from registration.thai_id import hash_national_id

BEFORE = [("registration", "0003_national_id_encrypted_columns")]
VALID_ID = "1101700203450"
OTHER_ID = "3100600123450"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def clear_columns():
    with connection.cursor() as cursor:
        return [column.name for column in connection.introspection.get_table_description(cursor, "meetings_registration")]


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_clear_ids_and_drops_the_clear_column():
    session = make_session()
    province, role = Province.objects.get(code="TH-52"), RoleCategory.objects.get(code="committee")
    try:
        old = migrate(BEFORE).get_model("registration", "Registration")
        for n, number in enumerate((VALID_ID, OTHER_ID, "")):
            old.objects.create(
                session_id=session.pk,
                province_id=province.pk,
                role_id=role.pk,
                prefix="นาย",
                first_name=f"ทดสอบ{n}",
                last_name="ใจดี",
                phone=f"089000000{n}",
                national_id=number,
                token_key=f"key-{n}",
            )
        migrate(latest())
        assert "national_id" not in clear_columns()
        people = {r.first_name: r for r in Registration.objects.all()}
        assert people["ทดสอบ0"].decrypt_national_id() == VALID_ID and people["ทดสอบ0"].national_id_hash == hash_national_id(VALID_ID)
        assert people["ทดสอบ1"].decrypt_national_id() == OTHER_ID
        assert not people["ทดสอบ2"].has_national_id
        if connection.vendor == "sqlite":
            dump = "\n".join(connection.connection.iterdump())
            assert "ทดสอบ0" in dump and VALID_ID not in dump and OTHER_ID not in dump

        old = migrate(BEFORE).get_model("registration", "Registration")  # and back: the numbers in clear again
        assert dict(old.objects.values_list("first_name", "national_id")) == {"ทดสอบ0": VALID_ID, "ทดสอบ1": OTHER_ID, "ทดสอบ2": ""}
    finally:
        migrate(latest())
