"""Reads of the lms context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts import public as accounts
from apps.lms.models import (
    Course,
    CourseInstructor,
    CourseInvitation,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    InvitationStatus,
    Learner,
    Lesson,
    LessonCompletion,
    Module,
    Question,
    QuestionBank,
    Quiz,
    QuizAttempt,
)
from apps.lms.rules.attempts import answers_revealed as reveal_rule
from apps.lms.rules.attempts import expired
from apps.lms.rules.progress import percent
from apps.lms.rules.search import prefix_tsquery


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
        query = search_query(text)
        if query is None:  # no word at all: nothing to find
            return courses.none()
        courses = courses.filter(search_vector=query)
    return courses.order_by("-published_at", "-id")


def search_query(text: str) -> SearchQuery | None:
    """Every word of `text`, the last as a prefix ("reac" finds React), for the stored and
    GIN-indexed `search_vector`; None when the text holds no word."""
    query = prefix_tsquery(text)
    return None if query is None else SearchQuery(query, search_type="raw", config="english")


@dataclass(frozen=True)
class SkillCount:
    slug: str
    course_count: int


def skills_taught() -> list[SkillCount]:
    """Every skill of the published catalog with how many courses teach it, most taught first
    (one query)."""
    sql = (
        f"SELECT skill, count(DISTINCT course.id) AS courses "  # noqa: S608 (no user input)
        f"FROM {Course._meta.db_table} AS course CROSS JOIN LATERAL unnest(course.skills) AS skill "
        "WHERE course.status = %s GROUP BY skill ORDER BY courses DESC, skill"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [CourseStatus.PUBLISHED.value])
        return [SkillCount(slug=slug, course_count=n) for slug, n in cursor.fetchall()]


def course_with_syllabus(*, slug: str) -> Course | None:
    """The course with its syllabus prefetched and `instructor_ids` (first added first)
    annotated in the same query."""
    return (
        Course.objects.filter(slug=slug)
        .annotate(
            instructor_ids=ArraySubquery(
                CourseInstructor.objects.filter(course=OuterRef("pk"))
                .order_by("pk")
                .values("user_id")
            )
        )
        .prefetch_related(
            Prefetch(
                "modules",
                queryset=Module.objects.prefetch_related(
                    # The outline shows no lesson's text: don't read it.
                    Prefetch("lessons", queryset=Lesson.objects.defer("body")),
                    "quizzes",
                ),
            ),
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


def course_creator_id(*, course_id: int) -> int | None:
    """The user who answers for the course as its creator: the one whose verification decides
    whether its certificates are the platform's (docs/decisions/0011) and whom its credentials
    name in `achievement.creator`: the course's owner (its author; ADR 0019), else the first
    instructor added; None for a course without instructors."""
    return (
        CourseInstructor.objects.filter(course_id=course_id)
        .order_by("-is_owner", "pk")
        .values_list("user_id", flat=True)
        .first()
    )


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


def _count(queryset: QuerySet[Any], field: str = "pk", *, distinct: bool = False) -> Coalesce:
    """A correlated `(SELECT count(...) ...)` of `queryset`, 0 when it finds no row."""
    template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
    counted = queryset.order_by().annotate(
        n=Func(F(field), template=template, output_field=IntegerField())
    )
    return Coalesce(Subquery(counted.values("n")), Value(0))


def with_percent(enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Annotate `required_items` and `achieved_items` of each enrollment's current cycle (the
    same count `progress` makes, as subqueries: no query per enrollment). Read them with
    `percent_of`."""
    course = OuterRef("course_id")
    lessons = Lesson.objects.filter(module__course_id=course, required=True)
    quizzes = Quiz.objects.filter(course_id=course, required=True)
    done = LessonCompletion.objects.filter(
        enrollment_id=OuterRef("pk"), lesson__required=True, lesson__module__course_id=course
    )
    passed = QuizAttempt.objects.filter(
        enrollment_id=OuterRef("pk"),
        cycle=OuterRef("cycle"),
        passed=True,
        quiz__required=True,
        quiz__course_id=course,
    )
    return enrollments.annotate(
        required_items=_count(lessons) + _count(quizzes),
        achieved_items=_count(done) + _count(passed, "quiz_id", distinct=True),
    )


def percent_of(enrollment: Enrollment) -> int:
    """The progress percent of an enrollment read through `with_percent`."""
    return percent(
        achieved=getattr(enrollment, "achieved_items", 0),
        total=getattr(enrollment, "required_items", 0),
    )


def enrollments_of(*, user: accounts.Principal) -> QuerySet[Enrollment]:
    """The user's enrollments, newest first, each with its course and its progress percent
    (`with_percent`): one query per page whatever the number of enrollments."""
    return with_percent(
        Enrollment.objects.filter(user_id=accounts.user_id_of(user))
        .select_related("course")
        .defer("course__description", "course__search_vector")
        .order_by("-enrolled_at", "-id")
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


def attempts_of(*, user: accounts.Principal, quiz: Quiz) -> QuerySet[QuizAttempt]:
    """The user's own attempts at a quiz, every cycle, newest first."""
    return QuizAttempt.objects.filter(quiz=quiz, user_id=accounts.user_id_of(user)).order_by(
        "-started_at", "-id"
    )


# --- screens: what one page shows, in one call ---------------------------------------------------
@dataclass(frozen=True)
class CoursePageExtras:
    """What a course page shows beyond the syllabus."""

    instructors: list[accounts.UserSummary]
    my_enrollment: Enrollment | None  # read through `with_percent`
    module_count: int
    lesson_count: int
    quiz_count: int


def course_page_extras(*, course: Course, user: accounts.Principal) -> CoursePageExtras:
    """For a course read by `course_with_syllabus` (counts from its prefetched syllabus): the
    instructors' names (one query to accounts) and the caller's enrollment (one query when
    signed in)."""
    ids = getattr(course, "instructor_ids", None)
    if ids is None:
        ids = list(
            CourseInstructor.objects.filter(course=course)
            .order_by("pk")
            .values_list("user_id", flat=True)
        )
    found = accounts.get_users(ids)
    mine = None
    if getattr(user, "is_authenticated", False):
        mine = with_percent(
            Enrollment.objects.filter(course=course, user_id=accounts.user_id_of(user))
        ).first()
    modules = list(course.modules.all())
    return CoursePageExtras(
        instructors=[found[pk] for pk in ids if pk in found],
        my_enrollment=mine,
        module_count=len(modules),
        lesson_count=sum(len(module.lessons.all()) for module in modules),
        quiz_count=len(course.quizzes.all()),
    )


def quiz_with_course(*, quiz_id: int) -> Quiz | None:
    """The quiz and its course, with `live_questions` (questions its bank can draw)."""
    return (
        Quiz.objects.select_related("course")
        .annotate(
            live_questions=_count(
                Question.objects.filter(bank_id=OuterRef("bank_id"), retired_at__isnull=True)
            )
        )
        .filter(pk=quiz_id)
        .first()
    )


@dataclass(frozen=True)
class OpenAttempt:
    id: int
    number: int
    started_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class QuizStatus:
    """A learner's standing on a quiz: attempts over every cycle (the cap holds across
    resets), scores and passing in the current cycle."""

    quiz: Quiz
    question_count: int
    enrolled: bool
    attempts_used: int
    attempts_left: int | None  # None: unlimited
    best_score_percent: Decimal | None
    passed: bool
    open_attempt: OpenAttempt | None
    can_start: bool
    answers_revealed: bool


_ATTEMPT_ROW = (
    "id",
    "cycle",
    "number",
    "started_at",
    "deadline",
    "submitted_at",
    "score_percent",
    "passed",
)


def _attempts_left(quiz: Quiz, used: int) -> int | None:
    return None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0)


def _answering(rows: Sequence[Mapping[str, Any]], now: datetime) -> bool:
    return any(
        r["submitted_at"] is None and not expired(deadline=r["deadline"], now=now) for r in rows
    )


def quiz_status(*, quiz: Quiz, user: accounts.Principal) -> QuizStatus:
    """Two queries (the enrollment, then its attempts) for a quiz read by `quiz_with_course`.

    An open attempt past its time limit (and grace) is no longer open: it counts as used, with
    the 0 it will be settled at, like `start_attempt` sees it."""
    live = getattr(quiz, "live_questions", None)
    if live is None:
        live = quiz.bank.questions.filter(retired_at__isnull=True).count()
    question_count = min(quiz.question_count, live) if quiz.question_count else live
    user_id = accounts.user_id_of(user)
    enrollment = Enrollment.objects.filter(course_id=quiz.course_id, user_id=user_id).first()
    rows = (
        list(QuizAttempt.objects.filter(quiz=quiz, user_id=user_id).values(*_ATTEMPT_ROW))
        if enrollment is not None
        else []
    )
    now = timezone.now()
    cycle = [r for r in rows if enrollment is not None and r["cycle"] == enrollment.cycle]
    graded = [r for r in cycle if r["submitted_at"] is not None]
    scores = [r["score_percent"] for r in graded if r["score_percent"] is not None]
    # At most one attempt is open (a unique constraint).
    pending = next((r for r in rows if r["submitted_at"] is None), None)
    open_attempt = None
    if pending is not None and expired(deadline=pending["deadline"], now=now):
        if pending in cycle:
            scores.append(Decimal("0.00"))  # as it will be settled
    elif pending is not None:
        open_attempt = OpenAttempt(
            pending["id"], pending["number"], pending["started_at"], pending["deadline"]
        )
    left = _attempts_left(quiz, len(rows))
    enrolled = enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN
    return QuizStatus(
        quiz=quiz,
        question_count=question_count,
        enrolled=enrolled,
        attempts_used=len(rows),
        attempts_left=left,
        best_score_percent=max(scores, default=None),
        passed=any(r["passed"] for r in graded),
        open_attempt=open_attempt,
        can_start=enrolled and (open_attempt is not None or (left != 0 and question_count > 0)),
        answers_revealed=reveal_rule(
            policy=quiz.reveal_answers,
            passed=any(r["passed"] for r in rows),
            attempts_left=left,
            answering=open_attempt is not None,
        ),
    )


def answers_revealed(*, quiz: Quiz, user_id: int) -> bool:
    """Whether the learner's reviews of this quiz show answers and explanations now (one
    query; the quiz's `reveal_answers`, rules.attempts.answers_revealed)."""
    rows = list(
        QuizAttempt.objects.filter(quiz=quiz, user_id=user_id).values(
            "submitted_at", "deadline", "passed"
        )
    )
    return reveal_rule(
        policy=quiz.reveal_answers,
        passed=any(r["passed"] for r in rows),
        attempts_left=_attempts_left(quiz, len(rows)),
        answering=_answering(rows, timezone.now()),
    )


# --- what lms holds about one person (public.export_user) ---------------------------------------
# One query each, whatever the number of rows: an export reads every row of the person's.


def learner_copy(*, user_id: int) -> Learner | None:
    return Learner.objects.filter(user_id=user_id).first()


def enrollments_with_progress(*, user_id: int) -> QuerySet[Enrollment]:
    """Every enrollment of the user (withdrawn included), oldest first, with its course and
    its progress (`with_percent`)."""
    return with_percent(
        Enrollment.objects.filter(user_id=user_id)
        .select_related("course")
        .defer("course__description", "course__search_vector")
        .order_by("enrolled_at", "pk")
    )


def lesson_completions_of(*, user_id: int) -> QuerySet[LessonCompletion]:
    """The lessons the user completed (current cycle of each enrollment: a reset deletes the
    old cycle's), with their module and course."""
    return (
        LessonCompletion.objects.filter(enrollment__user_id=user_id)
        .select_related("lesson__module__course")
        .defer("lesson__body", "lesson__module__course__description")
        .order_by("completed_at", "pk")
    )


def attempts_with_quiz(*, user_id: int) -> QuerySet[QuizAttempt]:
    """Every quiz attempt of the user, every cycle, oldest first, with its quiz and course."""
    return (
        QuizAttempt.objects.filter(user_id=user_id)
        .select_related("quiz__course")
        .defer("quiz__course__description", "quiz__course__search_vector")
        .order_by("started_at", "pk")
    )


def questions_by_id(ids: Iterable[int]) -> dict[int, Question]:
    """Questions by id (retired ones included), in one query."""
    wanted = set(ids)
    return {q.pk: q for q in Question.objects.filter(pk__in=wanted)} if wanted else {}


def invitations_received(*, user_id: int, email: str | None) -> QuerySet[CourseInvitation]:
    """Invitations the user answered, and those pending for their current email."""
    addressed = Q(answered_by_id=user_id)
    if email:
        addressed |= Q(email=email.lower(), status=InvitationStatus.PENDING)
    return (
        CourseInvitation.objects.filter(addressed)
        .select_related("course")
        .defer("course__description", "course__search_vector")
        .order_by("created_at", "pk")
    )


def invitations_sent(*, user_id: int) -> QuerySet[CourseInvitation]:
    return (
        CourseInvitation.objects.filter(invited_by_id=user_id)
        .select_related("course")
        .defer("course__description", "course__search_vector")
        .order_by("created_at", "pk")
    )


def teaching_links(*, user_id: int) -> QuerySet[CourseInstructor]:
    """The user's places among courses' instructors (owner or co-instructor), with the course."""
    return (
        CourseInstructor.objects.filter(user_id=user_id)
        .select_related("course")
        .defer("course__description", "course__search_vector")
        .order_by("course_id")
    )
