from django.db import migrations


class Migration(migrations.Migration):
    """The `gamification` context owns the `gamification` schema; its tables are created in it."""

    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            "CREATE SCHEMA IF NOT EXISTS gamification",
            # Dropping a schema would drop its data: reversing leaves it in place.
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
