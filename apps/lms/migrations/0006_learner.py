# lms's own copy of its learners' display data (docs/decisions/0016-lms-learner-read-model.md).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def copy_enrolled_users(apps, schema_editor):
    """Backfill: one row per user with an enrollment. A migration may read accounts' table
    through the historical model (migrations are not runtime code); from here on lms keeps the
    copy fresh itself, on enrollment and on `user.updated`."""
    User = apps.get_model("accounts", "User")
    Enrollment = apps.get_model("lms", "Enrollment")
    Learner = apps.get_model("lms", "Learner")
    enrolled = Enrollment.objects.values("user_id").distinct()
    rows = (
        User.objects.filter(pk__in=enrolled)
        .order_by("pk")
        .values_list("pk", "display_name", "email")
        .iterator(chunk_size=BATCH)
    )
    batch = []
    for pk, display_name, email in rows:
        batch.append(Learner(user_id=pk, display_name=display_name, email=email))
        if len(batch) == BATCH:
            Learner.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Learner.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0005_catalog_index_with_id'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Learner',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('display_name', models.CharField(max_length=80)),
                ('email', models.EmailField(max_length=254)),
                ('refreshed_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'db_table': '"lms"."learner"',
            },
        ),
        migrations.AddField(
            model_name='enrollment',
            name='learner',
            field=models.ForeignObject(from_fields=['user'], null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='lms.learner', to_fields=['user']),
        ),
        migrations.RunPython(copy_enrolled_users, migrations.RunPython.noop, elidable=True),
    ]
