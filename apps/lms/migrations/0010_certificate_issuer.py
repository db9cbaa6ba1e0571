# Who issued a certificate (docs/decisions/0011): the platform only when the course's creator
# was a verified instructor at issue time. No instructor was verified before this migration, so
# every existing certificate becomes the instructor's (issued_by_platform stays False); the
# backfill records its course's creator (the first instructor added) and their current name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def record_creators(apps, schema_editor):
    """A migration may read accounts' table through the historical model (as 0006 does)."""
    Certificate = apps.get_model("lms", "Certificate")
    CourseInstructor = apps.get_model("lms", "CourseInstructor")
    User = apps.get_model("accounts", "User")
    first_instructor = (
        CourseInstructor.objects.filter(course_id=OuterRef("course_id"))
        .order_by("pk")
        .values("user_id")[:1]
    )
    Certificate.objects.update(creator_id=Subquery(first_instructor))
    names = Subquery(User.objects.filter(pk=OuterRef("creator_id")).values("display_name")[:1])
    Certificate.objects.filter(creator_id__isnull=False).update(creator_name=names)


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0009_course_owner_invitations_and_email_sharing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='certificate',
            name='creator',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='certificate',
            name='creator_name',
            field=models.CharField(blank=True, default='', max_length=80),
        ),
        migrations.AddField(
            model_name='certificate',
            name='issued_by_platform',
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(record_creators, migrations.RunPython.noop, elidable=True),
    ]
