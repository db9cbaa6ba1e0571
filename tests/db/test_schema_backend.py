"""The custom backend makes schema-qualified tables visible to flush and introspection."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TransactionTestCase

from tests.factories import UserFactory

USER_TABLE = '"accounts"."user"'


def test_flush_sees_the_qualified_tables(db):
    tables = connection.introspection.django_table_names(only_existing=True)
    assert USER_TABLE in tables
    assert '"accounts"."user_groups"' in tables


def test_introspection_reads_constraints_of_qualified_tables(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, USER_TABLE)
        columns = {
            c.name for c in connection.introspection.get_table_description(cursor, USER_TABLE)
        }
        sequences = connection.introspection.get_sequences(cursor, USER_TABLE)
        plain = connection.introspection.get_constraints(cursor, "django_session")
    assert any(c["primary_key"] and c["columns"] == ["id"] for c in constraints.values())
    assert any(c["unique"] and c["columns"] == ["email"] for c in constraints.values())
    assert {"email", "display_name", "roles", "timezone"} <= columns
    assert sequences and sequences[0]["table"] == USER_TABLE
    assert any(c["primary_key"] for c in plain.values())  # unqualified tables still work


@pytest.mark.django_db
def test_a_migration_can_alter_a_qualified_table():
    """Altering a unique field needs introspection to find its constraint by name."""
    from django.db import models

    with connection.schema_editor() as editor:
        user = get_user_model()
        old = user._meta.get_field("email")
        new = models.EmailField(max_length=254, unique=False)
        new.set_attributes_from_name("email")
        new.model = user
        editor.alter_field(user, old, new)  # drops the unique constraint: must find it
        editor.alter_field(user, new, old)


@pytest.mark.django_db
def test_a_migration_can_drop_and_restore_a_foreign_key_in_a_schema():
    from django.db import models

    through = get_user_model()._meta.get_field("groups").remote_field.through
    old = through._meta.get_field("user")
    new = models.ForeignKey(get_user_model(), on_delete=models.CASCADE, db_constraint=False)
    new.set_attributes_from_name("user")
    new.model = through
    with connection.schema_editor() as editor:
        editor.alter_field(through, old, new)  # SET CONSTRAINTS + DROP CONSTRAINT
        editor.alter_field(through, new, old)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, through._meta.db_table)
    assert any(c["foreign_key"] and c["columns"] == ["user_id"] for c in constraints.values())


class TestRowsDoNotLeakBetweenTransactionalTests(TransactionTestCase):
    """Run in order: the first commits a row, the flush must remove it before the second."""

    def test_1_commits_a_user(self):
        UserFactory(email="leak@example.com")
        assert get_user_model().objects.filter(email="leak@example.com").exists()

    def test_2_sees_no_leaked_rows(self):
        assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_select_for_update_of_a_qualified_table():
    """`FOR UPDATE OF` must name the table as FROM does, without its schema."""
    from django.db import transaction

    UserFactory(email="lock@example.com")
    user_model = get_user_model()
    with transaction.atomic():
        locked = list(
            user_model.objects.select_for_update(of=("self",)).filter(email="lock@example.com")
        )
    assert len(locked) == 1
    assert connection.ops.for_update_sql(of=['"lms"."enrollment"', "T3"]) == (
        'FOR UPDATE OF "enrollment", T3'
    )
