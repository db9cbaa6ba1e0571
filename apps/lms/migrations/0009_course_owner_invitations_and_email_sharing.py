"""Privacy between users (issue 10, ADR 0019): a course's owner, co-instructor invitations, a
learner's opt-in to show their email to instructors (off for every existing enrollment).

Existing courses: the first instructor added (the creator) becomes the owner. Prerequisites
naming a draft are dropped: a prerequisite may name only a published course (a draft one could
not be completed anyway, and its slug showed on the public course page)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def first_instructor_owns(apps, schema_editor):
    CourseInstructor = apps.get_model("lms", "CourseInstructor")
    firsts = (
        CourseInstructor.objects.order_by("course_id", "pk")
        .distinct("course_id")
        .values_list("pk", flat=True)
    )
    CourseInstructor.objects.filter(pk__in=list(firsts)).update(is_owner=True)


def drop_draft_prerequisites(apps, schema_editor):
    Course = apps.get_model("lms", "Course")
    Course.prerequisites.through.objects.filter(to_course__status="draft").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0008_quiz_reveal_answers_and_short_answer_matching"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CourseInvitation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email", models.EmailField(max_length=254)),
                ("invited_by_name", models.CharField(max_length=80)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("answered_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "db_table": '"lms"."course_invitation"',
            },
        ),
        migrations.AddField(
            model_name="courseinstructor",
            name="is_owner",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="share_email_with_instructors",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(first_instructor_owns, migrations.RunPython.noop),
        migrations.RunPython(drop_draft_prerequisites, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="courseinstructor",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_owner", True)),
                fields=("course",),
                name="lms_course_one_owner",
            ),
        ),
        migrations.AddField(
            model_name="courseinvitation",
            name="answered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="courseinvitation",
            name="course",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="lms.course",
            ),
        ),
        migrations.AddField(
            model_name="courseinvitation",
            name="invited_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="courseinvitation",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["email"],
                name="lms_invitation_pending_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="courseinvitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("course", "email"),
                name="lms_invitation_one_pending",
            ),
        ),
    ]
