from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from gigsy.db.operations import CreateSchema


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        CreateSchema("search"),
        # Local keyword search (no MEILISEARCH_URL) ranks with PostgreSQL FTS and trigrams.
        TrigramExtension(),
    ]
