# A lesson's kind follows its uploaded file's bytes: audio, pdf and image join text, video, file
# (choices only: no change to the column).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0006_learner"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lesson",
            name="kind",
            field=models.CharField(
                choices=[
                    ("text", "Text"),
                    ("video", "Video"),
                    ("audio", "Audio"),
                    ("pdf", "PDF"),
                    ("image", "Image"),
                    ("file", "File"),
                ],
                default="text",
                max_length=8,
            ),
        ),
    ]
