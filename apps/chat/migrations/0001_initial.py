from django.db import migrations


class Migration(migrations.Migration):
    """The `chat` context owns the `chat` schema; its tables are created in it."""

    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            "CREATE SCHEMA IF NOT EXISTS chat",
            # Dropping a schema would drop its data: reversing leaves it in place.
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
