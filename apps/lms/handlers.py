"""Events the lms context consumes."""

from __future__ import annotations

from apps.lms.certificates.services import issue_certificate
from apps.lms.services.learners import refresh_learner
from gigsy.events import Event, handler


@handler("course.completed", name="lms.issue_certificate", group="default")
def issue_certificate_on_completion(event: Event) -> None:
    issue_certificate(user_id=int(event.data["user_id"]), course_id=int(event.data["course_id"]))


@handler("user.updated", name="lms.refresh_learner", group="default")
def refresh_learner_on_user_update(event: Event) -> None:
    refresh_learner(user_id=int(event.data["user_id"]))
