"""One role per account becomes a set of roles (docs/decisions/0020): each account keeps the
role it had, as its only role; `role` is removed so the API has one truth."""

import django.contrib.postgres.fields
from django.db import migrations, models

ROLE_CHOICES = [
    ("learner", "Learner"),
    ("client", "Client"),
    ("mentor", "Mentor"),
    ("instructor", "Instructor"),
]


def role_into_roles(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for role, _label in ROLE_CHOICES:
        User.objects.filter(role=role).update(roles=[role])


def roles_into_role(apps, schema_editor):
    # Back to one role: of the roles held, the last in the order above (lossy but defined).
    User = apps.get_model("accounts", "User")
    for role, _label in ROLE_CHOICES:
        User.objects.filter(roles__contains=[role]).update(role=role)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_session_family_device")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="roles",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(choices=ROLE_CHOICES, max_length=16),
                blank=True,
                default=list,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="requested_roles",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(choices=ROLE_CHOICES, max_length=16),
                blank=True,
                default=list,
                size=None,
            ),
        ),
        migrations.RunPython(role_into_roles, roles_into_role),
        migrations.RemoveField(model_name="user", name="role"),
    ]
