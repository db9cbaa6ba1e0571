from django.db import migrations

from gigsy.db.operations import CreateSchema


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [CreateSchema("lms")]
