"""The instructor's gradebook: who is enrolled in a course and how far each learner got.

Reads only. A page of the gradebook is two queries whatever its size and however many
lessons and quizzes the course has: the count, then the page's rows with every figure computed
by correlated subqueries for the page's enrollments only. `quiz_summary` is one query.

The figures follow `selectors.progress`: required lessons completed (completions are deleted by
a progress reset, so they all belong to the current cycle) and required quizzes passed in the
current cycle. Best scores are per quiz in the current cycle too. The last activity is the
learner's latest lesson completion or attempt submission in any cycle: a retake that has not
started yet still shows when the learner was last seen.

Emails: a row carries the learner's email only if the learner opted in for that course
(`Enrollment.share_email_with_instructors`), or for operators (`with_emails=True`); otherwise
it is None, and the search does not match it either, so an email cannot be probed (ADR 0019).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any, overload

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Greatest

from apps.accounts import public as accounts
from apps.lms.models import Course, Enrollment, Lesson, LessonCompletion, Quiz, QuizAttempt
from apps.lms.rules.progress import percent


@dataclass(frozen=True)
class GradebookRow:
    enrollment_id: int
    learner_id: int
    display_name: str
    email: str | None  # None unless the learner shares it (or an operator asks)
    status: str
    cycle: int
    enrolled_at: datetime
    completed_at: datetime | None
    lessons_completed: int
    required_lessons: int
    quizzes_passed: int
    required_quizzes: int
    percent: int
    best_scores: dict[int, Decimal | None]  # every quiz of the course; None: never submitted
    last_activity_at: datetime | None


class _Count(Subquery):
    """`(SELECT COUNT(*) FROM <queryset>)`: a correlated count that never multiplies rows."""

    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Any]) -> None:
        counted = queryset.order_by().annotate(
            n=Func(F("pk"), function="COUNT", output_field=IntegerField())
        )
        super().__init__(counted.values("n"))


class _DecimalJSONDecoder(json.JSONDecoder):
    """Scores stay exact: `80.00` in the database is `Decimal("80.00")` here, not a float."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parse_float=Decimal, **kwargs)


# By lms's own copy of the learner's name (models.Learner), never accounts' columns.
ORDER = ("learner__display_name", "pk")
CHUNK = 500  # rows per fetch when iterating every row (the CSV export)


def enrollments(
    *,
    course: Course,
    status: str | None = None,
    search: str | None = None,
    with_emails: bool = False,
) -> QuerySet[Enrollment]:
    """Enrollments of the course in every status (or one), by learner name. `search` matches
    the learner's display name, or the email of a learner who shares it (any email with
    `with_emails`), case-insensitively."""
    found = Enrollment.objects.filter(course=course)
    if status:
        found = found.filter(status=status)
    if search:
        by_email = Q(learner__email__icontains=search)
        if not with_emails:
            by_email &= Q(share_email_with_instructors=True)
        found = found.filter(Q(learner__display_name__icontains=search) | by_email)
    return found.order_by(*ORDER)


def with_figures(
    queryset: QuerySet[Enrollment], *, course: Course, with_emails: bool = False
) -> QuerySet[Enrollment]:
    """The enrollments (of `course`) with every figure of a `GradebookRow` as annotations."""
    required_quizzes = Quiz.objects.filter(course=course, required=True)
    passed_in_cycle = QuizAttempt.objects.filter(
        quiz=OuterRef("pk"),
        enrollment=OuterRef(OuterRef("pk")),
        cycle=OuterRef(OuterRef("cycle")),
        passed=True,
    )
    best_in_cycle = (
        QuizAttempt.objects.filter(
            quiz=OuterRef("pk"),
            enrollment=OuterRef(OuterRef("pk")),
            cycle=OuterRef(OuterRef("cycle")),
            submitted_at__isnull=False,
        )
        .order_by()
        .annotate(best=Func(F("score_percent"), function="MAX"))
        .values("best")
    )
    # {"<quiz id>": best score or null} over every quiz of the course, in one subquery.
    best_scores = (
        Quiz.objects.filter(course=course)
        .order_by()
        .annotate(
            scores=Func(
                F("pk"),
                Subquery(best_in_cycle),
                function="jsonb_object_agg",
                output_field=JSONField(decoder=_DecimalJSONDecoder),
            )
        )
        .values("scores")
    )
    return queryset.annotate(
        display_name=F("learner__display_name"),
        email=F("learner__email")
        if with_emails
        else Case(When(share_email_with_instructors=True, then=F("learner__email"))),
        lessons_completed=_Count(
            LessonCompletion.objects.filter(
                enrollment=OuterRef("pk"),
                lesson__required=True,
                lesson__module__course=course,
            )
        ),
        required_lessons=_Count(Lesson.objects.filter(module__course=course, required=True)),
        quizzes_passed=_Count(required_quizzes.filter(Exists(passed_in_cycle))),
        required_quizzes=_Count(required_quizzes),
        best_scores=Subquery(best_scores),
        last_activity_at=Greatest(
            Subquery(
                LessonCompletion.objects.filter(enrollment=OuterRef("pk"))
                .order_by("-completed_at")
                .values("completed_at")[:1]
            ),
            Subquery(
                QuizAttempt.objects.filter(enrollment=OuterRef("pk"), submitted_at__isnull=False)
                .order_by("-submitted_at")
                .values("submitted_at")[:1]
            ),
        ),
    ).order_by(*ORDER)


_FIELDS = (
    "pk",
    "user_id",
    "display_name",
    "email",
    "share_email_with_instructors",
    "status",
    "cycle",
    "enrolled_at",
    "completed_at",
    "lessons_completed",
    "required_lessons",
    "quizzes_passed",
    "required_quizzes",
    "best_scores",
    "last_activity_at",
)


def _rows(page: Iterable[dict[str, Any]], *, with_emails: bool) -> list[GradebookRow]:
    """The rows of a page. A learner lms has no copy of (enrolled outside the services, e.g.
    in the admin) is asked of accounts: one more query, only for a page that has one."""
    page = list(page)
    missing = [values["user_id"] for values in page if values["display_name"] is None]
    found = accounts.get_users(missing) if missing else {}
    return [_row(values, found.get(values["user_id"]), with_emails) for values in page]


def _row(
    values: dict[str, Any], summary: accounts.UserSummary | None, with_emails: bool
) -> GradebookRow:
    email = values["email"]
    if summary is not None:
        shown = with_emails or values["share_email_with_instructors"]
        email = summary.email if shown else None
    lessons, quizzes = values["lessons_completed"], values["quizzes_passed"]
    totals = values["required_lessons"] + values["required_quizzes"]
    return GradebookRow(
        enrollment_id=values["pk"],
        learner_id=values["user_id"],
        display_name=summary.display_name if summary else values["display_name"] or "",
        email=email or None,
        status=values["status"],
        cycle=values["cycle"],
        enrolled_at=values["enrolled_at"],
        completed_at=values["completed_at"],
        lessons_completed=lessons,
        required_lessons=values["required_lessons"],
        quizzes_passed=quizzes,
        required_quizzes=values["required_quizzes"],
        percent=percent(achieved=lessons + quizzes, total=totals),
        best_scores={int(k): v for k, v in sorted((values["best_scores"] or {}).items(), key=_id)},
        last_activity_at=values["last_activity_at"],
    )


def _id(item: tuple[str, Any]) -> int:
    return int(item[0])


class Gradebook(Sequence[GradebookRow]):
    """The rows, lazily: `len()` is a COUNT query; a slice is one query, whose figures are
    computed for the slice's enrollments only (a deep page costs what the first one does);
    iterating streams every row in chunks. What Django's and DRF's paginators need."""

    def __init__(
        self, enrollments: QuerySet[Enrollment], *, course: Course, with_emails: bool = False
    ) -> None:
        self.enrollments = enrollments
        self.course = course
        self.with_emails = with_emails

    def _figures(self, enrollments: QuerySet[Enrollment]) -> QuerySet[Any]:
        return with_figures(enrollments, course=self.course, with_emails=self.with_emails).values(
            *_FIELDS
        )

    def count(self) -> int:  # type: ignore[override]  # what Paginator calls
        return self.enrollments.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> GradebookRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[GradebookRow]: ...
    def __getitem__(self, index: int | slice) -> GradebookRow | list[GradebookRow]:
        if not isinstance(index, slice):
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        page = Enrollment.objects.filter(pk__in=self.enrollments.values("pk")[index])
        return _rows(self._figures(page), with_emails=self.with_emails)

    def __iter__(self) -> Iterator[GradebookRow]:
        stream = self._figures(self.enrollments).iterator(chunk_size=CHUNK)
        while chunk := list(islice(stream, CHUNK)):
            yield from _rows(chunk, with_emails=self.with_emails)


def gradebook(
    *,
    course: Course,
    status: str | None = None,
    search: str | None = None,
    with_emails: bool = False,
) -> Gradebook:
    """The course's gradebook rows (page-able: slice it, or hand it to a paginator). Emails
    only of learners who share theirs, unless `with_emails` (operators)."""
    found = enrollments(course=course, status=status, search=search, with_emails=with_emails)
    return Gradebook(found, course=course, with_emails=with_emails)


def quiz_summary(*, course: Course) -> QuerySet[Quiz]:
    """Every quiz of the course with, over all submitted attempts (every cycle):
    `attempts_submitted`, `learners_attempted`, `learners_passed`, `average_score` and
    `best_score` (null without attempts). One query."""
    submitted = Q(attempts__submitted_at__isnull=False)
    return (
        Quiz.objects.filter(course=course)
        .annotate(
            attempts_submitted=Count("attempts", filter=submitted),
            learners_attempted=Count("attempts__user", filter=submitted, distinct=True),
            learners_passed=Count("attempts__user", filter=Q(attempts__passed=True), distinct=True),
            average_score=Avg("attempts__score_percent", filter=submitted),
            best_score=Max("attempts__score_percent", filter=submitted),
        )
        .order_by("pk")
    )
