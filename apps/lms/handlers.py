"""Events the lms context consumes."""

from __future__ import annotations

from apps.lms.services.certificates import issue_certificate
from gigsy.events import Event, handler


@handler("course.completed", name="lms.issue_certificate")
def issue_certificate_on_completion(event: Event) -> None:
    issue_certificate(user_id=int(event.data["user_id"]), course_id=int(event.data["course_id"]))
