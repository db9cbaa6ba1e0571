"""End to end over the real bus: the learner's last step commits `course.completed`, the relay
sends it to JetStream, the `lms.issue_certificate` consumer issues the certificate, and a real
Celery worker renders its PDF."""

from __future__ import annotations

import asyncio
import time

import pytest
from celery.contrib.testing.worker import start_worker

from apps.lms.models import Certificate
from gigsy.celery import app as celery_app
from gigsy.events import registry
from gigsy.events.consumer import ConsumerRunner
from gigsy.events.relay import Relay
from tests.events.conftest import Recorder, bus, run_until  # noqa: F401 (fixture)
from tests.lms.conftest import answers, build_course, client_for

LMS = "/api/v1/lms"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("bus")
def test_completion_issues_a_certificate_and_renders_its_pdf(
    instructor,
    learner,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    built = build_course(instructor, slug="e2e")
    me = client_for(learner)
    me.post(f"{LMS}/courses/e2e/enrollment")
    for lesson in built.lessons[:2]:
        me.post(f"{LMS}/lessons/{lesson.pk}/complete")
    attempt = me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()
    me.post(f"{LMS}/attempts/{attempt['id']}/submit", {"answers": answers(built)}, format="json")

    handler = registry.get("lms.issue_certificate")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        handled = Recorder()
        consumer = ConsumerRunner(
            handler, after_commit=lambda msgs: [handled.record(m) for m in msgs]
        )
        asyncio.run(run_until([Relay(), consumer], lambda: handled.count >= 1, timeout=30))
        deadline = time.monotonic() + 30
        while not Certificate.objects.get(user=learner).pdf:
            assert time.monotonic() < deadline, "the worker never rendered the PDF"
            time.sleep(0.1)

    certificate = Certificate.objects.get(user=learner)
    assert certificate.pdf.read().startswith(b"%PDF")
    listing = me.get("/api/v1/certificates").json()
    assert [c["verify_code"] for c in listing["results"]] == [certificate.verify_code]
