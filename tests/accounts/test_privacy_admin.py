"""Operators see export requests (read-only) and deleted accounts (the user list's filter)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.accounts.models import DataExport, DataExportStatus
from apps.accounts.services import delete_account
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    operator = get_user_model().objects.create_superuser("op@example.com", "operator pass 123")
    client.force_login(operator)
    return operator


def test_deleted_accounts_are_listed_by_their_own_filter(client, operator):
    leaving = UserFactory(email="leaving@example.com")
    UserFactory(email="staying@example.com")
    assert delete_account(user=leaving, password=DEFAULT_PASSWORD)

    deleted = client.get("/admin/accounts/user/?deleted=yes")
    kept = client.get("/admin/accounts/user/?deleted=no")

    assert deleted.status_code == kept.status_code == 200
    assert [u.pk for u in deleted.context["cl"].result_list] == [leaving.pk]
    assert b"Deleted user" in deleted.content
    assert f"deleted-{leaving.pk}@users.invalid".encode() in deleted.content
    assert leaving.pk not in {u.pk for u in kept.context["cl"].result_list}
    assert b"leaving@example.com" not in deleted.content + kept.content


def test_export_requests_are_listed_and_read_only(client, operator):
    ada = UserFactory(email="ada@example.com")
    export = DataExport.objects.create(user=ada, status=DataExportStatus.FAILED)

    listing = client.get("/admin/accounts/dataexport/?status=failed")
    page = client.get(f"/admin/accounts/dataexport/{export.pk}/change/")
    saved = client.post(f"/admin/accounts/dataexport/{export.pk}/change/", {"status": "ready"})

    assert listing.status_code == 200
    assert [e.pk for e in listing.context["cl"].result_list] == [export.pk]
    assert b"ada@example.com" in listing.content
    assert page.status_code == 200  # view only
    assert b'name="status"' not in page.content
    assert saved.status_code == 403
    export.refresh_from_db()
    assert export.status == DataExportStatus.FAILED
    assert client.get("/admin/accounts/dataexport/add/").status_code == 403
