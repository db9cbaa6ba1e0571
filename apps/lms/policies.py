"""The learning context's one access policy, used by views and services alike.

Seeing: a published course and what it contains are visible to everyone; a draft only to its
instructors and operators; an archived course to those and to the learners who enrolled
(closed to newcomers only). To anyone else a course and everything in it (modules, lessons,
banks, questions, quizzes, its gradebook and instructors) does not exist: 404 whatever the
method, so slugs and ids cannot be probed.

Changing: a course's instructors and operators change the course and everything in it; anyone
else who can see it gets 403. Creating a course, or being made a co-instructor, takes the
instructor role (operators may too).

A learner's own records (enrollment, progress, attempts, certificates) are that learner's
alone; the selectors that read them filter by user, so someone else's are 404 as well.

Roles and operator status come from accounts' public surface, answered from the
authenticated principal without a query.
"""

from __future__ import annotations

from apps.accounts import public as accounts
from apps.lms import selectors
from apps.lms.models import Course, CourseInstructor, CourseStatus, Lesson, Quiz
from gigsy.errors import ForbiddenError, NotFoundError

AUTHOR_ROLES = (accounts.INSTRUCTOR,)
NO_SUCH_COURSE = "No such course."


def may_author(user: accounts.Principal) -> bool:
    """Operators and instructors create courses (and may be made co-instructors)."""
    return accounts.is_operator(user) or any(accounts.has_role(user, r) for r in AUTHOR_ROLES)


def teaches(*, course: Course, user: accounts.Principal) -> bool:
    """The course's instructors, and operators, who may act on any course."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        accounts.is_operator(user)
        or CourseInstructor.objects.filter(
            course=course, user_id=accounts.user_id_of(user)
        ).exists()
    )


def can_see(*, course: Course, user: accounts.Principal) -> bool:
    if course.status == CourseStatus.PUBLISHED or teaches(course=course, user=user):
        return True
    return course.status == CourseStatus.ARCHIVED and selectors.is_enrolled(
        course=course, user=user
    )


def require_visible(
    *, course: Course, user: accounts.Principal, message: str = NO_SUCH_COURSE
) -> None:
    """404 for a course (or anything in it) that the user may not know exists."""
    if not can_see(course=course, user=user):
        raise NotFoundError(message)


def require_editor(
    *, course: Course, user: accounts.Principal, message: str = NO_SUCH_COURSE
) -> None:
    """For changes to a course or anything in it: 404 if the user can't see the course, 403 if
    they can but do not teach it."""
    if teaches(course=course, user=user):
        return
    require_visible(course=course, user=user, message=message)
    raise ForbiddenError("Only the course's instructors may do this.")


def require_author(*, user: accounts.Principal) -> None:
    if not may_author(user):
        raise ForbiddenError("Only instructors can create courses.")


# --- lookups that apply the policy: what the API layer and areas fetch by slug or id ------------


def _course_or_404(course: Course | None) -> Course:
    if course is None:
        raise NotFoundError(NO_SUCH_COURSE)
    return course


def visible_course(*, slug: str, user: accounts.Principal) -> Course:
    """The course alone (one query), if the user may see it."""
    course = _course_or_404(selectors.course_by_slug(slug=slug))
    require_visible(course=course, user=user)
    return course


def visible_syllabus(*, slug: str, user: accounts.Principal) -> Course:
    """The course with modules, lessons and quizzes prefetched, if the user may see it."""
    course = _course_or_404(selectors.course_with_syllabus(slug=slug))
    require_visible(course=course, user=user)
    return course


def taught_course(*, slug: str, user: accounts.Principal) -> Course:
    """The course, for its instructors and operators (403 for others who can see it)."""
    course = _course_or_404(selectors.course_by_slug(slug=slug))
    require_editor(course=course, user=user)
    return course


def visible_lesson(*, lesson_id: int, user: accounts.Principal) -> Lesson:
    lesson = selectors.lesson_with_course(lesson_id=lesson_id)
    if lesson is None:
        raise NotFoundError("No such lesson.")
    require_visible(course=lesson.module.course, user=user, message="No such lesson.")
    return lesson


def visible_quiz(*, quiz_id: int, user: accounts.Principal) -> Quiz:
    """The quiz with its course (and `live_questions`), if the user may see the course."""
    quiz = selectors.quiz_with_course(quiz_id=quiz_id)
    if quiz is None:
        raise NotFoundError("No such quiz.")
    require_visible(course=quiz.course, user=user, message="No such quiz.")
    return quiz
