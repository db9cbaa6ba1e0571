from django.db import migrations


class Migration(migrations.Migration):
    """The `lms` context owns the `lms` schema; its tables are created in it."""

    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            "CREATE SCHEMA IF NOT EXISTS lms",
            # Dropping a schema would drop its data: reversing leaves it in place.
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
