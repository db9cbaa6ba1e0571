"""Data export end to end (issue 11): POST /auth/export queues a Celery task after commit; the
task collects every context's `public.export_user` into one zip (`<context>.json` each and a
README.txt), marks the export ready and mails a signed link that works until the archive
expires. One unfinished export at a time, a throttle, an idempotent task, failures recorded
rather than retried, and a beat sweep that deletes expired archives."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import public, services
from apps.accounts.models import DataExport, DataExportStatus
from apps.accounts.tasks import build_data_export_task, sweep_data_exports_task
from gigsy.celery import app as celery_app
from gigsy.files.links import SALT
from gigsy.mail.models import SentMail
from gigsy.privacy import exporters
from tests.conftest import obtain_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXPORT = "/api/v1/auth/export"


@pytest.fixture(autouse=True)
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_API_URL = "https://api.gigsy.test"
    return tmp_path


@pytest.fixture
def ada(db):
    return UserFactory(
        email="ada@example.com", display_name="Ada Lovelace", timezone="Europe/London"
    )


@pytest.fixture
def ada_api(ada) -> APIClient:
    client = APIClient(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(client, ada.email)['access']}")
    return client


def archives(media: Path) -> list[Path]:
    folder = media / "exports"
    return sorted(folder.iterdir()) if folder.exists() else []


def link_in(message) -> str:
    return re.search(r"https://api\.gigsy\.test/\S+", message.body).group(0)


def fetch(url: str):
    parts = urlsplit(url)
    response = APIClient().get(parts.path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def request_export(client, capture):
    """POST /auth/export and run what it queued after commit (the task, then its mail)."""
    with capture(execute=True):
        response = client.post(EXPORT)
    return response


def test_an_export_is_built_mailed_and_downloadable(
    ada, ada_api, media, django_capture_on_commit_callbacks
):
    response = request_export(ada_api, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"  # as answered: the task runs after the commit
    assert set(body) == {
        "id",
        "status",
        "requested_at",
        "completed_at",
        "expires_at",
        "download_url",
    }
    export = DataExport.objects.get(pk=body["id"])
    assert export.status == DataExportStatus.READY
    assert export.expires_at - export.completed_at == timedelta(hours=24)
    assert [p.name for p in archives(media)] == [f"{export.pk}.zip"]

    # One email, to the account, with a link that opens without a Bearer header.
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Your Gigsy data is ready to download"
    link = link_in(message)
    downloaded, content = fetch(link)
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"] == "application/zip"
    assert "gigsy-data-" in downloaded["Content-Disposition"]

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        # One file per context that exports (every context with tables), and the README.
        assert names == {"README.txt"} | {f"{e.context}.json" for e in exporters()}
        assert {"accounts.json", "lms.json"} <= names
        readme = archive.read("README.txt").decode()
        accounts = json.loads(archive.read("accounts.json"))
    for exporter in exporters():
        assert f"{exporter.context}.json" in readme
    assert "password" in readme.lower()  # says it is not included
    assert accounts["account"]["email"] == "ada@example.com"
    assert accounts["account"]["display name"] == "Ada Lovelace"
    assert accounts["account"]["time zone"] == "Europe/London"
    assert accounts["account"]["roles"] == ["learner"]
    assert accounts["sessions"][0]["device"] == "Firefox on Linux"
    assert accounts["data exports"][0]["id"] == str(export.pk)
    # Never a password hash or token material.
    raw = json.dumps(accounts)
    assert ada.password not in raw
    assert "pbkdf2" not in raw and "argon2" not in raw


def test_the_mailed_link_lives_as_long_as_the_archive(
    ada, ada_api, settings, django_capture_on_commit_callbacks
):
    settings.DATA_EXPORT_LINK_HOURS = 2
    settings.FILE_LINK_SECONDS = 1  # the usual lifetime of file links does not apply

    request_export(ada_api, django_capture_on_commit_callbacks)

    token = urlsplit(link_in(mail.outbox[0])).path.rsplit("/", 1)[1]
    payload = signing.TimestampSigner(salt=SALT).unsign_object(token)
    assert payload["s"] == 2 * 3600
    time.sleep(1.5)
    assert fetch(link_in(mail.outbox[0]))[0].status_code == 200


def test_a_link_stops_working_when_the_archive_expires(
    ada, ada_api, django_capture_on_commit_callbacks
):
    request_export(ada_api, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=ada)
    # Listed one second before expiry, the link is signed for that second only.
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() + timedelta(seconds=1))

    listed = ada_api.get(EXPORT).json()["results"][0]
    assert listed["status"] == "ready"
    time.sleep(2.1)

    response, _ = fetch(listed["download_url"])
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "link_expired"
    # And the list says so, with no link, before the sweep has run.
    listed = ada_api.get(EXPORT).json()["results"][0]
    assert listed["status"] == "expired"
    assert listed["download_url"] is None


def test_one_unfinished_export_at_a_time(ada, ada_api):
    first = ada_api.post(EXPORT)  # its task waits for a commit that never comes here
    second = ada_api.post(EXPORT)

    assert first.status_code == 202
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "export_in_progress"
    assert DataExport.objects.filter(user=ada).count() == 1


def test_another_export_may_be_asked_for_once_the_last_is_ready(
    ada, ada_api, django_capture_on_commit_callbacks
):
    assert request_export(ada_api, django_capture_on_commit_callbacks).status_code == 202
    assert request_export(ada_api, django_capture_on_commit_callbacks).status_code == 202

    assert DataExport.objects.filter(user=ada, status=DataExportStatus.READY).count() == 2
    assert len(mail.outbox) == 2


def test_exports_are_throttled_per_account(
    ada, ada_api, throttle_rates, django_capture_on_commit_callbacks
):
    throttle_rates(data_export="2/day")
    statuses = [
        request_export(ada_api, django_capture_on_commit_callbacks).status_code for _ in range(3)
    ]

    assert statuses == [202, 202, 429]
    # Someone else's budget is their own.
    other = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(client, other.email)['access']}")
    assert client.post(EXPORT).status_code == 202


def test_exports_need_a_signed_in_user(api):
    assert api.post(EXPORT).status_code == 401
    assert api.get(EXPORT).status_code == 401


def test_a_redelivered_task_builds_no_second_archive_and_sends_no_second_mail(
    ada, ada_api, media, django_capture_on_commit_callbacks
):
    response = ada_api.post(EXPORT)  # not committed: the queued task is not run
    export_id = response.json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        assert build_data_export_task.apply(args=(export_id,)).get() == "ready"
    with django_capture_on_commit_callbacks(execute=True):
        assert build_data_export_task.apply(args=(export_id,)).get() is None

    assert len(archives(media)) == 1
    assert len(mail.outbox) == 1
    assert SentMail.objects.filter(key=f"accounts.data_export:{export_id}").count() == 1


def test_a_run_that_died_after_writing_leaves_one_archive(
    ada, ada_api, media, django_capture_on_commit_callbacks
):
    export_id = ada_api.post(EXPORT).json()["id"]
    # A worker wrote the file, then died before its transaction committed.
    (media / "exports").mkdir()
    (media / "exports" / f"{export_id}.zip").write_bytes(b"half an archive")

    with django_capture_on_commit_callbacks(execute=True):
        services.build_data_export(export_id=export_id)

    (archive,) = archives(media)
    assert archive.name == f"{export_id}.zip"
    assert zipfile.is_zipfile(archive)


def test_a_failing_exporter_marks_the_export_failed_without_retrying(
    ada, ada_api, media, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def broken(user_id: int) -> dict:
        calls.append(user_id)
        raise RuntimeError("the exporter is broken")

    monkeypatch.setattr(public, "export_user", broken)

    response = request_export(ada_api, django_capture_on_commit_callbacks)

    export = DataExport.objects.get(pk=response.json()["id"])
    assert export.status == DataExportStatus.FAILED
    assert export.completed_at is not None
    assert calls == [ada.pk]  # once: not retried in a loop
    assert archives(media) == []
    assert mail.outbox == []
    listed = ada_api.get(EXPORT).json()["results"][0]
    assert (listed["status"], listed["download_url"]) == ("failed", None)
    # A failed export is finished: another may be asked for.
    monkeypatch.undo()
    assert request_export(ada_api, django_capture_on_commit_callbacks).status_code == 202


def test_the_list_is_mine_newest_first_with_links_only_when_ready(
    ada, ada_api, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    request_export(ada_api, django_capture_on_commit_callbacks)
    pending = ada_api.post(EXPORT).json()
    UserFactory()  # someone else's exports are not listed
    DataExport.objects.create(user=UserFactory())

    with django_assert_max_num_queries(2):
        response = ada_api.get(EXPORT)

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2
    newest, ready = page["results"]
    assert newest["id"] == pending["id"]
    assert (newest["status"], newest["download_url"]) == ("pending", None)
    assert ready["status"] == "ready"
    assert ready["download_url"].startswith("https://api.gigsy.test/api/v1/files/")


def test_the_sweep_deletes_expired_archives_and_unsticks_pending_exports(
    ada, ada_api, media, django_capture_on_commit_callbacks
):
    request_export(ada_api, django_capture_on_commit_callbacks)
    ready = DataExport.objects.get(user=ada)
    DataExport.objects.filter(pk=ready.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    stuck = DataExport.objects.create(
        user=UserFactory(), requested_at=timezone.now() - timedelta(hours=7)
    )
    lost = DataExport.objects.create(
        user=UserFactory(), requested_at=timezone.now() - timedelta(minutes=11)
    )
    fresh = DataExport.objects.create(user=UserFactory())

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_data_exports_task.apply().get()

    assert result == {"expired": 1, "failed": 1, "requeued": 1}
    ready.refresh_from_db()
    assert ready.status == DataExportStatus.EXPIRED
    assert not ready.archive
    stuck.refresh_from_db()
    assert stuck.status == DataExportStatus.FAILED
    # The lost one was queued again and built; the fresh one is left to its own task.
    lost.refresh_from_db()
    assert lost.status == DataExportStatus.READY
    # The expired archive is gone from storage; the lost export's new one is there.
    assert [p.name for p in archives(media)] == [f"{lost.pk}.zip"]
    fresh.refresh_from_db()
    assert fresh.status == DataExportStatus.PENDING
    # Run again: nothing left to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_data_exports_task.apply().get() == {"expired": 0, "failed": 0, "requeued": 0}


def test_the_sweep_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["accounts.sweep_data_exports"]
    assert entry["task"] == "accounts.sweep_data_exports"
    assert "accounts.sweep_data_exports" in celery_app.tasks
