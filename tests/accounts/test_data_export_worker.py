"""A data export through a real Celery worker (tests/mail/conftest.py's `mail_worker`): the request
commits, the build task goes through the Redis broker to a worker thread, which writes the
archive and queues its mail; the emailed link downloads it. The same task delivered again
builds nothing and mails nothing."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import DataExport, DataExportStatus
from apps.accounts.services import DATA_EXPORT_TASK
from apps.accounts.tasks import build_data_export_task
from gigsy.privacy import exporters
from tests.conftest import obtain_tokens
from tests.factories import UserFactory
from tests.mail.conftest import MailWorker, mail_worker  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_export_is_built_and_mailed_by_the_worker_once(
    mail_worker: MailWorker,  # noqa: F811
    settings,
    tmp_path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_API_URL = "https://api.gigsy.test"
    UserFactory(email="ada@example.com")
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(client, 'ada@example.com')['access']}"
    )

    response = client.post("/api/v1/auth/export")

    assert response.status_code == 202
    export_id = response.json()["id"]
    (message,) = mail_worker.outbox(1)
    [build] = [run for run in mail_worker.runs if run.task == DATA_EXPORT_TASK]
    assert (build.result, build.thread != threading.current_thread().name) == ("ready", True)
    assert DataExport.objects.get(pk=export_id).status == DataExportStatus.READY
    link = re.search(r"https://api\.gigsy\.test/\S+", message.body).group(0)
    downloaded = APIClient().get(urlsplit(link).path)
    assert downloaded.status_code == 200
    content = b"".join(downloaded.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert set(archive.namelist()) == {"README.txt"} | {
            f"{e.context}.json" for e in exporters()
        }

    # Redelivered (a lost ack): the worker finds the export done.
    again = build_data_export_task.apply_async(args=(export_id,))
    [rerun] = mail_worker.runs_of(again.id)
    assert rerun.result is None
    mail_worker.outbox(1)  # still one message
    assert [p.name for p in (tmp_path / "exports").iterdir()] == [f"{export_id}.zip"]
