from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """The `search` context owns the `search` schema; its tables are created in it."""

    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            "CREATE SCHEMA IF NOT EXISTS search",
            # Dropping a schema would drop its data: reversing leaves it in place.
            reverse_sql=migrations.RunSQL.noop,
        ),
        # Local keyword search (no MEILISEARCH_URL) ranks with PostgreSQL FTS and trigrams.
        TrigramExtension(),
    ]
