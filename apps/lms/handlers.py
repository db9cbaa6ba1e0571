"""Events the lms context consumes."""

from __future__ import annotations

import structlog
from django.db import transaction

from apps.lms.certificates.services import issue_certificate, pseudonymize_certificates
from apps.lms.services.erasure import erase_user
from apps.lms.services.learners import refresh_learner
from gigsy.events import Event, handler

log = structlog.get_logger(__name__)


@handler("course.completed", name="lms.issue_certificate", group="default")
def issue_certificate_on_completion(event: Event) -> None:
    issue_certificate(user_id=int(event.data["user_id"]), course_id=int(event.data["course_id"]))


@handler("user.updated", name="lms.refresh_learner", group="default")
def refresh_learner_on_user_update(event: Event) -> None:
    refresh_learner(user_id=int(event.data["user_id"]))


@handler("user.deleted", name="lms.erase_user", group="default")
def erase_user_on_deletion(event: Event) -> None:
    """docs/decisions/0023: one transaction for both services (services and the certificates
    area may not import each other, so they meet here); each is idempotent."""
    user_id, pseudonym = int(event.data["user_id"]), str(event.data["pseudonym"])
    with transaction.atomic():
        certificates = pseudonymize_certificates(user_id=user_id, pseudonym=pseudonym)
        erased = erase_user(user_id=user_id, pseudonym=pseudonym)
    log.info(
        "lms.user_erased",
        user_id=user_id,
        certificates=certificates,
        enrollments=erased.enrollments,
        quiz_attempts=erased.quiz_attempts,
        courses_left=erased.courses_left,
        drafts_deleted=erased.drafts_deleted,
        without_instructor=list(erased.without_instructor),
    )
