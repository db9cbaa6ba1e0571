"""Learning: enrollment, lesson completion, course completion, progress reset.

Enrollment state machine (who: the learner themself):
    (none) --enroll--> active --complete--> completed
    active|completed --unenroll--> withdrawn --enroll--> active
    active|completed --reset--> active (a new progress cycle)
    active --an instructor drops the last unmet requirement--> completed (reevaluate task)
"""

from __future__ import annotations

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.public import Principal, user_id_of
from apps.lms import selectors
from apps.lms.errors import LmsError
from apps.lms.models import (
    Course,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonCompletion,
)
from apps.lms.services.learners import record_learner
from gigsy.errors import ConflictError, NotFoundError
from gigsy.events import publish
from gigsy.tasks import enqueue_after_commit


@transaction.atomic
def enroll(*, course: Course, user: Principal) -> tuple[Enrollment, bool]:
    """Returns (enrollment, created). Enrolling again while active is a no-op."""
    if course.status == CourseStatus.DRAFT:
        raise NotFoundError("No such course.")
    user_id = user_id_of(user)
    missing = selectors.missing_prerequisites(course=course, user=user)
    if missing:
        raise ConflictError(
            "Complete the prerequisite courses first: " + ", ".join(c.title for c in missing),
            code=LmsError.PREREQUISITES_MISSING,
        )
    enrollment = (
        Enrollment.objects.select_for_update().filter(course=course, user_id=user_id).first()
    )
    if course.status == CourseStatus.ARCHIVED and (
        enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN
    ):
        raise ConflictError(
            "This course is archived: it takes no new learners.", code=LmsError.ARCHIVED
        )
    if enrollment is not None:
        if enrollment.status != EnrollmentStatus.WITHDRAWN:
            return enrollment, False
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.save(update_fields=["status"])
        return enrollment, False
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(course=course, user_id=user_id)
    except IntegrityError:  # a concurrent request enrolled first
        return Enrollment.objects.get(course=course, user_id=user_id), False
    record_learner(user_id=user_id)
    publish(
        "enrollment.created",
        {"enrollment_id": str(enrollment.pk), "user_id": str(user_id), "course_id": str(course.pk)},
        producer="lms",
    )
    return enrollment, True


@transaction.atomic
def unenroll(*, course: Course, user: Principal) -> Enrollment:
    enrollment = _enrollment(course=course, user=user, lock=True)
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ConflictError("You are not enrolled in this course.", code=LmsError.NOT_ENROLLED)
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.save(update_fields=["status"])
    return enrollment


@transaction.atomic
def complete_lesson(*, lesson: Lesson, user: Principal) -> selectors.Progress:
    """Record the completion (once) and return the learner's progress after it."""
    course = lesson.module.course
    enrollment = _enrollment(course=course, user=user, lock=True)
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ConflictError("Enroll in the course first.", code=LmsError.NOT_ENROLLED)
    _, created = LessonCompletion.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    if created:
        publish(
            "lesson.completed",
            {"user_id": str(user.pk), "course_id": str(course.pk), "lesson_id": str(lesson.pk)},
            producer="lms",
        )
    return complete_if_done(enrollment=enrollment)


def complete_if_done(*, enrollment: Enrollment) -> selectors.Progress:
    """Mark the course completed once every required lesson and quiz is done; return the
    progress. The caller holds the enrollment row lock, so two last steps racing complete it
    only once."""
    progress = selectors.progress(enrollment=enrollment)
    if enrollment.status != EnrollmentStatus.ACTIVE or not progress.complete:
        return progress
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["status", "completed_at"])
    publish(
        "course.completed",
        {
            "user_id": str(enrollment.user_id),
            "course_id": str(enrollment.course_id),
            "enrollment_id": str(enrollment.pk),
            "skills": list(enrollment.course.skills),
        },
        producer="lms",
    )
    return progress


@transaction.atomic
def reset_progress(*, course: Course, user: Principal) -> Enrollment:
    """Start over for a retake: completions go, attempts stay as history of the old cycle
    and still count against each quiz's attempt cap (ADR 0018); an open attempt is graded as
    unanswered (0, failed), not deleted. A certificate already earned is kept."""
    # quizzes imports this module (complete_if_done), so it is imported here.
    from apps.lms.services.quizzes import forfeit_open_attempts

    enrollment = _enrollment(course=course, user=user, lock=True)
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ConflictError("Enroll in the course first.", code=LmsError.NOT_ENROLLED)
    enrollment.completions.all().delete()
    forfeit_open_attempts(enrollment=enrollment)
    enrollment.cycle += 1
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.completed_at = None
    enrollment.save(update_fields=["cycle", "status", "completed_at"])
    return enrollment


def _enrollment(*, course: Course, user: Principal, lock: bool = False) -> Enrollment:
    queryset = Enrollment.objects.select_related("course")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    enrollment = queryset.filter(course=course, user_id=user_id_of(user)).first()
    if enrollment is None:
        raise ConflictError("Enroll in the course first.", code=LmsError.NOT_ENROLLED)
    return enrollment


REEVALUATE_TASK = "lms.reevaluate_completions"


def schedule_reevaluation(*, course: Course) -> None:
    """After commit, complete the enrollments that an edit (a requirement made optional or
    removed) has left with nothing to do. By name: tasks sit above services."""
    if course.status != CourseStatus.DRAFT:
        enqueue_after_commit(current_app.signature(REEVALUATE_TASK), course.pk)


def reevaluate_completions(*, course_id: int) -> int:
    """Complete every active enrollment of the course whose requirements are all met now;
    each under its own row lock, so it races safely with the learner's own last step.
    Returns how many were completed (a second run completes none)."""
    completed = 0
    active = Enrollment.objects.filter(course_id=course_id, status=EnrollmentStatus.ACTIVE)
    for enrollment_id in active.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            enrollment = (
                Enrollment.objects.select_for_update(of=("self",))
                .select_related("course")
                .get(pk=enrollment_id)
            )
            was_active = enrollment.status == EnrollmentStatus.ACTIVE
            complete_if_done(enrollment=enrollment)
            completed += was_active and enrollment.status == EnrollmentStatus.COMPLETED
    return completed
