from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_passwords_once():
    first, second = StringIO(), StringIO()

    call_command("seed_demo", stdout=first)
    users = get_user_model().objects.all()
    count = users.count()
    call_command("seed_demo", stdout=second)

    assert count == 9  # one operator + two per role
    assert users.count() == count
    held = {role for u in users for role in u.roles}
    assert held == {"learner", "client", "mentor", "instructor"}
    assert users.filter(is_staff=True, is_superuser=True).count() == 1
    operator_line = next(line for line in first.getvalue().splitlines() if "operator@" in line)
    password = operator_line.split()[-1]
    assert get_user_model().objects.get(is_staff=True).check_password(password)
    assert password not in second.getvalue()
