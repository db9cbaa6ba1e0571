"""Every certificate gets exactly one PDF, even when its render task is lost or its worker is
killed: renders are idempotent and a beat sweep re-queues the ones still missing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.lms.certificates import selectors
from apps.lms.certificates.services import enqueue_missing_pdfs, issue_certificate, store_pdf
from apps.lms.models import Certificate
from apps.lms.tasks import render_certificate_pdf
from tests.factories import UserFactory
from tests.lms.conftest import build_course
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _pdf_files(media_root: Path) -> list[str]:
    folder = media_root / "lms" / "certificates"
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


@pytest.mark.django_db
def test_a_second_render_changes_nothing(instructor, learner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    course = build_course(instructor).course
    certificate, _ = issue_certificate(user_id=learner.pk, course_id=course.pk)

    first = render_certificate_pdf.run(certificate.pk)
    second = render_certificate_pdf.run(certificate.pk)

    assert first == second == f"lms/certificates/{certificate.verify_code}.pdf"
    assert _pdf_files(tmp_path) == [f"{certificate.verify_code}.pdf"]
    assert store_pdf(certificate=certificate, content=b"%PDF-late") is False
    assert (tmp_path / first).read_bytes().startswith(b"%PDF")
    assert (tmp_path / first).read_bytes() != b"%PDF-late"


@pytest.mark.django_db
def test_the_sweep_queues_only_old_certificates_without_pdf(instructor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    course = build_course(instructor).course
    learners = [UserFactory(email=f"l{n}@example.com") for n in range(3)]
    old, rendered, recent = (
        issue_certificate(user_id=u.pk, course_id=course.pk)[0] for u in learners
    )
    render_certificate_pdf.run(rendered.pk)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Certificate.objects.filter(pk__in=[old.pk, rendered.pk]).update(issued_at=an_hour_ago)

    due = selectors.missing_pdf(issued_before=timezone.now() - timedelta(minutes=2), limit=10)
    assert due == [old.pk]
    assert recent.pk not in due


@pytest.fixture
def worker_processes(settings, tmp_path):
    """Real `celery worker` processes on this test's database, media folder and broker, with a
    short visibility timeout so a killed worker's task comes back quickly."""
    settings.MEDIA_ROOT = tmp_path
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "MEDIA_ROOT": str(tmp_path),
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": "2",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "gigsy", "worker", "--pool", "solo"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        process = subprocess.Popen(
            [*command, "--loglevel", "WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_killed_worker_and_lost_task_still_end_with_one_pdf_each(
    instructor, worker_processes, tmp_path
):
    course = build_course(instructor, slug="kill").course
    learners = [UserFactory(email=f"k{n}@example.com") for n in range(6)]
    # Issued normally: each commit queues a render task.
    queued = [issue_certificate(user_id=u.pk, course_id=course.pk)[0] for u in learners[:5]]
    # Issued while the broker "lost" its task: nothing queued for this one.
    lost = Certificate.objects.create(
        user=learners[5],
        course=course,
        verify_code="LOSTTASK2345",
        learner_name="Lost",
        course_title=course.title,
    )
    everyone = [*queued, lost]

    first = worker_processes()
    wait_until(
        lambda: Certificate.objects.exclude(pdf="").exists(), 60, "the worker rendered nothing"
    )
    os.killpg(first.pid, signal.SIGKILL)  # mid-stream: some rendered, one maybe half-way
    first.wait(timeout=10)

    worker_processes()
    # The sweep queues every certificate still without a PDF, including tasks that are only
    # late (still queued, or held by the killed worker): those now run twice.
    assert enqueue_missing_pdfs(older_than=timedelta(0)) >= 1
    wait_until(
        lambda: not Certificate.objects.filter(pk__in=[c.pk for c in everyone], pdf="").exists(),
        90,
        "some certificates never got their PDF",
    )
    # Let the duplicates (sweep + redelivery of the killed worker's task) run out.
    time.sleep(4)

    expected = sorted(f"{c.verify_code}.pdf" for c in everyone)
    assert _pdf_files(tmp_path) == expected  # one file each, no suffixed second copies
    for certificate in Certificate.objects.filter(pk__in=[c.pk for c in everyone]):
        assert certificate.pdf.name == f"lms/certificates/{certificate.verify_code}.pdf"
        assert (tmp_path / certificate.pdf.name).read_bytes().startswith(b"%PDF")
