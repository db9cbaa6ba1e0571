"""Reads of the lms context."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from apps.accounts import public as accounts
from apps.lms.models import (
    Course,
    CourseInstructor,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonCompletion,
    Module,
    Question,
    QuestionBank,
    Quiz,
    QuizAttempt,
)
from apps.lms.rules.progress import percent


def catalog(
    *, skill: str | None = None, level: str | None = None, text: str | None = None
) -> QuerySet[Course]:
    """Published courses, newest first; constant query count per page."""
    # The list shows none of the long text: don't read it.
    courses = Course.objects.filter(status=CourseStatus.PUBLISHED).defer(
        "description", "created_at", "updated_at"
    )
    if skill:
        courses = courses.filter(skills__contains=[skill])
    if level:
        courses = courses.filter(level=level)
    if text:
        courses = courses.filter(
            search_vector=SearchQuery(text, search_type="websearch", config="english")
        )
    return courses.order_by("-published_at", "-id")


def course_with_syllabus(*, slug: str) -> Course | None:
    return (
        Course.objects.filter(slug=slug)
        .prefetch_related(
            Prefetch("modules", queryset=Module.objects.prefetch_related("lessons", "quizzes")),
            "prerequisites",
            "quizzes",
        )
        .first()
    )


def course_by_slug(*, slug: str) -> Course | None:
    return Course.objects.filter(slug=slug).first()


def lesson_with_course(*, lesson_id: int) -> Lesson | None:
    return Lesson.objects.select_related("module__course").filter(pk=lesson_id).first()


def is_enrolled(*, course: Course, user: accounts.Principal) -> bool:
    """Enrolled now or in the past (completed included), not withdrawn."""
    return bool(getattr(user, "is_authenticated", False)) and (
        Enrollment.objects.filter(course=course, user_id=accounts.user_id_of(user))
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .exists()
    )


def teaching(*, user: accounts.Principal) -> QuerySet[Course]:
    """Courses the user teaches, in every state, most recently changed first."""
    return (
        Course.objects.filter(instructor_links__user_id=accounts.user_id_of(user))
        .defer("description")
        .order_by("-updated_at", "-id")
    )


def instructors_of(*, course: Course) -> list[accounts.UserSummary]:
    """The course's instructors, first added first, as accounts' summaries."""
    ids = list(
        CourseInstructor.objects.filter(course=course)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    found = accounts.get_users(ids)
    return [found[pk] for pk in ids if pk in found]


def banks_of(*, course: Course) -> QuerySet[QuestionBank]:
    return (
        QuestionBank.objects.filter(course=course)
        .annotate(question_count=Count("questions", filter=Q(questions__retired_at__isnull=True)))
        .order_by("id")
    )


def bank_with_questions(*, bank_id: int) -> QuestionBank | None:
    """A bank with its live questions, answers included: for its course's instructors only."""
    return (
        QuestionBank.objects.filter(pk=bank_id)
        .select_related("course")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.filter(retired_at__isnull=True),
                to_attr="live_questions",
            )
        )
        .first()
    )


def missing_prerequisites(*, course: Course, user: accounts.Principal) -> list[Course]:
    done = set(
        Enrollment.objects.filter(
            user_id=accounts.user_id_of(user), status=EnrollmentStatus.COMPLETED
        ).values_list("course_id", flat=True)
    )
    return [c for c in course.prerequisites.all() if c.pk not in done]


def enrollments_of(*, user: accounts.Principal) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(user_id=accounts.user_id_of(user))
        .select_related("course")
        .order_by("-enrolled_at")
    )


def enrollment_of(*, course: Course, user: accounts.Principal) -> Enrollment | None:
    return (
        Enrollment.objects.filter(course=course, user_id=accounts.user_id_of(user))
        .select_related("course")
        .first()
    )


@dataclass(frozen=True)
class Progress:
    percent: int
    completed_lesson_ids: list[int]
    passed_quiz_ids: list[int]
    required_lessons: int
    required_quizzes: int
    resume_lesson_id: int | None
    complete: bool


def progress(*, enrollment: Enrollment) -> Progress:
    """Where a learner stands in the current cycle (two queries)."""
    lesson_rows = list(
        Lesson.objects.filter(module__course_id=enrollment.course_id)
        .annotate(
            done=Exists(
                LessonCompletion.objects.filter(enrollment=enrollment, lesson=OuterRef("pk"))
            )
        )
        .order_by("module__position", "module_id", "position", "id")
        .values_list("id", "required", "done")
    )
    quiz_rows = list(
        Quiz.objects.filter(course_id=enrollment.course_id)
        .annotate(
            passed=Exists(
                QuizAttempt.objects.filter(
                    enrollment=enrollment, cycle=enrollment.cycle, passed=True, quiz=OuterRef("pk")
                )
            )
        )
        .values_list("id", "required", "passed")
    )
    done = {lid for lid, _, is_done in lesson_rows if is_done}
    passed = {qid for qid, _, has_passed in quiz_rows if has_passed}
    lessons = [(lid, required) for lid, required, _ in lesson_rows]
    quizzes = [(qid, required) for qid, required, _ in quiz_rows]
    required_lessons = [lid for lid, required in lessons if required]
    required_quizzes = [qid for qid, required in quizzes if required]
    total = len(required_lessons) + len(required_quizzes)
    achieved = len(set(required_lessons) & done) + len(set(required_quizzes) & passed)
    resume = next((lid for lid, _ in lessons if lid not in done), None)
    return Progress(
        percent=percent(achieved=achieved, total=total),
        completed_lesson_ids=sorted(done),
        passed_quiz_ids=sorted(passed),
        required_lessons=len(required_lessons),
        required_quizzes=len(required_quizzes),
        resume_lesson_id=resume,
        complete=total > 0 and achieved == total,
    )


def attempt_questions(*, attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions in the order they were drawn (retired ones included)."""
    found = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    return [found[qid] for qid in attempt.question_ids if qid in found]


def attempts_of(*, user: accounts.Principal, quiz_id: int | None = None) -> QuerySet[QuizAttempt]:
    attempts = QuizAttempt.objects.filter(user_id=accounts.user_id_of(user)).select_related("quiz")
    return attempts.filter(quiz_id=quiz_id) if quiz_id else attempts
