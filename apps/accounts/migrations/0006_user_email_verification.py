"""Email verification (docs/decisions/0021): `email_verified_at` and `pending_email`.

Existing accounts: operators (staff) count as verified from now; everyone else stays
unverified and is asked to verify (a link from POST /api/v1/auth/email/verify/resend)."""

from django.db import migrations, models
from django.utils import timezone


def operators_verified(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(is_staff=True, email_verified_at__isnull=True).update(
        email_verified_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_session_family_device")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="pending_email",
            field=models.EmailField(blank=True, default="", max_length=254),
        ),
        migrations.RunPython(operators_verified, migrations.RunPython.noop),
    ]
