"""Quiz integrity (issue 10, ADR 0018): a quiz says when reviews reveal answers (the safe
default for every existing quiz), and a short-answer question says how it matches.

Existing questions: `normalize=true` (the old default, which also ignored punctuation and
accents, so `C#` passed for `C++`) becomes `ignore_case`, the new safe default; `normalize=false`
becomes `exact`. No question is migrated to `ignore_punctuation`: an instructor opts in.
Graded attempts keep the points they got."""

from django.db import migrations, models


def normalize_to_matching(apps, schema_editor):
    Question = apps.get_model("lms", "Question")
    Question.objects.filter(normalize=False).update(matching="exact")


def matching_to_normalize(apps, schema_editor):
    Question = apps.get_model("lms", "Question")
    Question.objects.filter(matching="exact").update(normalize=False)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0007_lesson_media_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="quiz",
            name="reveal_answers",
            field=models.CharField(
                choices=[
                    ("never", "Never"),
                    (
                        "after_passing_or_last_attempt",
                        "Once the learner passed or has no attempt left",
                    ),
                    ("always", "After every attempt"),
                ],
                default="after_passing_or_last_attempt",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="matching",
            field=models.CharField(
                choices=[
                    ("exact", "Exactly as typed"),
                    ("ignore_case", "Ignoring case and spacing"),
                    (
                        "ignore_punctuation",
                        "Ignoring case, spacing, accents and punctuation",
                    ),
                ],
                default="ignore_case",
                max_length=20,
            ),
        ),
        migrations.RunPython(normalize_to_matching, matching_to_normalize, elidable=True),
        migrations.RemoveField(model_name="question", name="normalize"),
    ]
