"""Bench data of `bench/lms.py`: the catalog, the quiz course, the learners, their attempts.

A helper module, not a benchmark (`run_all.py` skips `bench/_*.py`). Import it only after
`django.setup()`.

Everything the bench creates is recognisable by name and reused by the next run:
    - courses `bench-course-0001` ... (published, built through `apps.lms.services.authoring`;
      `bench-course-0001` also carries the question bank and the quizzes);
    - the instructor `bench-lms-instructor@example.com`, the learners
      `bench-lms-learner-00001@example.com` ... and the probe learner
      `bench-lms-probe@example.com` (in-process query counts), all enrolled in
      `bench-course-0001` through `apps.lms.services.learning.enroll`;
    - quiz attempts on the bench quizzes, deleted at the end of every run;
    - outbox rows: the seed deletes its own before it commits, the server's rows carry the
      run's own subject prefix and are deleted after each phase.
`purge()` removes all of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from apps.lms.models import (
    Course,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    QuestionBank,
    Quiz,
    QuizAttempt,
)
from apps.lms.services import authoring, learning, quiz_authoring
from gigsy.events.models import OutboxEvent

SLUG_PREFIX = "bench-course-"
QUIZ_COURSE_SLUG = f"{SLUG_PREFIX}0001"
INSTRUCTOR_EMAIL = "bench-lms-instructor@example.com"
LEARNER_PREFIX = "bench-lms-learner-"
PROBE_EMAIL = "bench-lms-probe@example.com"
BANK_TITLE = "Bench bank"
QUIZ_TITLE = "Bench quiz {:02d}"

SKILLS = (
    "python",
    "django",
    "sql",
    "javascript",
    "react",
    "docker",
    "testing",
    "data-analysis",
    "ux-design",
    "devops",
)
SKILL_NAMES = {
    "python": "Python",
    "django": "Django",
    "sql": "SQL",
    "javascript": "JavaScript",
    "react": "React",
    "docker": "Docker",
    "testing": "Testing",
    "data-analysis": "Data Analysis",
    "ux-design": "UX Design",
    "devops": "DevOps",
}
LEVELS = ("beginner", "intermediate", "advanced")

# The conftest's question set (tests/lms/conftest.py): one question of each kind.
QUESTIONS: dict[str, dict[str, Any]] = {
    "single": {
        "kind": "single",
        "prompt": "2+2?",
        "choices": [{"id": "a", "text": "3"}, {"id": "b", "text": "4"}],
        "answer": "b",
    },
    "multiple": {
        "kind": "multiple",
        "prompt": "Even numbers?",
        "choices": [{"id": "a", "text": "2"}, {"id": "b", "text": "3"}, {"id": "c", "text": "4"}],
        "answer": ["a", "c"],
    },
    "true_false": {"kind": "true_false", "prompt": "Python is typed?", "answer": True},
    "short": {
        "kind": "short",
        "prompt": "Keyword to define a function?",
        "answer": ["def"],
        "explanation": "def starts a function.",
    },
}
CORRECT = {"single": "b", "multiple": ["c", "a"], "true_false": True, "short": "  DEF "}
WRONG = {"single": "a", "multiple": ["b"], "true_false": False, "short": "lambda"}


def course_slug(number: int) -> str:
    return f"{SLUG_PREFIX}{number:04d}"


def learner_email(number: int) -> str:
    return f"{LEARNER_PREFIX}{number:05d}@example.com"


@dataclass(frozen=True)
class QuizCourse:
    course: Course
    quizzes: list[Quiz]
    question_ids: dict[str, int]  # kind -> question id

    def answers(self, chosen: dict[str, Any]) -> dict[str, Any]:
        return {str(self.question_ids[kind]): value for kind, value in chosen.items()}


# --- users ------------------------------------------------------------------------------------


def _user_model() -> Any:
    return get_user_model()


def _ensure_user(email: str, *, display_name: str, role: str) -> Any:
    """No password: nobody logs in as a bench user; the seed acts through services and the
    benchmark mints tokens."""
    user_model = _user_model()
    user = user_model.objects.filter(email=email).first()
    if user is None:
        user = user_model.objects.create_user(email, None, display_name=display_name, role=role)
    return user


def ensure_instructor() -> Any:
    return _ensure_user(INSTRUCTOR_EMAIL, display_name="Bench Instructor", role="instructor")


def ensure_learners(count: int) -> list[Any]:
    """`count` learners, created in bulk when missing (no password: tokens are minted)."""
    user_model = _user_model()
    wanted = [learner_email(n) for n in range(1, count + 1)]
    existing = set(user_model.objects.filter(email__in=wanted).values_list("email", flat=True))
    missing = []
    for number, email in enumerate(wanted, start=1):
        if email in existing:
            continue
        user = user_model(email=email, display_name=f"Bench Learner {number}", role="learner")
        user.set_unusable_password()
        missing.append(user)
    user_model.objects.bulk_create(missing, batch_size=1000)
    by_email = {u.email: u for u in user_model.objects.filter(email__in=wanted)}
    return [by_email[email] for email in wanted]


def ensure_probe() -> Any:
    return _ensure_user(PROBE_EMAIL, display_name="Bench Probe", role="learner")


def ensure_enrolled(course: Course, users: Iterable[Any], *, subject_prefix: str) -> int:
    """Enroll every user through the service (idempotent); returns how many were new."""
    users = list(users)
    active = set(
        Enrollment.objects.filter(course=course, user__in=users)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .values_list("user_id", flat=True)
    )
    todo = [u for u in users if u.pk not in active]
    if not todo:
        return 0
    with transaction.atomic():
        for user in todo:
            learning.enroll(course=course, user=user)
        delete_outbox(subject_prefix)  # in the transaction: no relay ever sees these events
    return len(todo)


# --- courses ----------------------------------------------------------------------------------


def _course_fields(number: int) -> dict[str, Any]:
    first = SKILLS[number % len(SKILLS)]
    second = SKILLS[(number // len(SKILLS) + 3) % len(SKILLS)]
    skills = sorted({first, second})
    names = " and ".join(SKILL_NAMES[s] for s in (first, second) if s in skills)
    if first == second:
        names = SKILL_NAMES[first]
    return {
        "title": f"Bench Course {number:04d}: {names}",
        "slug": course_slug(number),
        "summary": f"Hands-on {names} for working freelancers, with exercises and a quiz.",
        "description": f"Benchmark course number {number}. " + "Practice makes perfect. " * 20,
        "level": LEVELS[number % len(LEVELS)],
        "skills": skills,
    }


def _build_course(instructor: Any, number: int, *, modules: int, lessons: int) -> Course:
    course = authoring.create_course(author=instructor, **_course_fields(number))
    for m in range(1, modules + 1):
        module = authoring.add_module(course=course, user=instructor, title=f"Module {m}")
        for n in range(1, lessons + 1):
            authoring.add_lesson(
                module=module,
                user=instructor,
                title=f"Lesson {m}.{n}",
                body="Read, then try it yourself. " * 10,
                duration_minutes=5 + n,
            )
    return course


def _ensure_quizzes(course: Course, instructor: Any, count: int) -> None:
    bank = QuestionBank.objects.filter(course=course, title=BANK_TITLE).first()
    if bank is None:
        bank = quiz_authoring.create_bank(course=course, user=instructor, title=BANK_TITLE)
        for spec in QUESTIONS.values():
            quiz_authoring.add_question(bank=bank, user=instructor, **spec)
    modules = list(course.modules.order_by("position", "id"))
    have = Quiz.objects.filter(course=course, bank=bank).count()
    for n in range(have + 1, count + 1):
        quiz_authoring.create_quiz(
            course=course,
            user=instructor,
            bank_id=bank.pk,
            module_id=modules[(n - 1) % len(modules)].pk if modules else None,
            title=QUIZ_TITLE.format(n),
            pass_mark_percent=75,
            max_attempts=None,  # unlimited: every submit needs a fresh attempt
        )


def seed_courses(
    count: int, *, quizzes: int, subject_prefix: str, progress: Any = print
) -> tuple[int, Any]:
    """Published bench courses 1..count (missing ones only) and the quizzes of course 1, all
    through the authoring services, in one transaction. Returns (created, instructor)."""
    instructor = ensure_instructor()
    wanted = [course_slug(n) for n in range(1, count + 1)]
    existing = dict(Course.objects.filter(slug__in=wanted).values_list("slug", "status"))
    created = 0
    with transaction.atomic():
        for number, slug in enumerate(wanted, start=1):
            quiz_course = slug == QUIZ_COURSE_SLUG
            if slug not in existing:
                course = _build_course(
                    instructor,
                    number,
                    modules=3 if quiz_course else 1,
                    lessons=3 if quiz_course else 2,
                )
                created += 1
                if created % 200 == 0:
                    progress(f"  seeded {created} courses ...")
            else:
                course = Course.objects.get(slug=slug)
            if quiz_course:
                _ensure_quizzes(course, instructor, quizzes)
            if course.status != CourseStatus.PUBLISHED:
                authoring.publish_course(course=course, user=instructor)
        delete_outbox(subject_prefix)  # in the transaction: no relay ever sees these events
    return created, instructor


def quiz_course(quizzes: int) -> QuizCourse:
    course = Course.objects.get(slug=QUIZ_COURSE_SLUG)
    bank = QuestionBank.objects.get(course=course, title=BANK_TITLE)
    chosen = list(
        Quiz.objects.filter(course=course, bank=bank, max_attempts__isnull=True).order_by("id")
    )[:quizzes]
    if len(chosen) < quizzes:
        raise RuntimeError(f"{QUIZ_COURSE_SLUG} has {len(chosen)} bench quizzes, {quizzes} needed")
    by_prompt = {q.prompt: q.pk for q in bank.questions.all()}
    question_ids = {kind: by_prompt[spec["prompt"]] for kind, spec in QUESTIONS.items()}
    return QuizCourse(course=course, quizzes=chosen, question_ids=question_ids)


def bench_published_count() -> int:
    return Course.objects.filter(
        slug__startswith=SLUG_PREFIX, status=CourseStatus.PUBLISHED
    ).count()


# --- attempts ---------------------------------------------------------------------------------


def _bench_quizzes() -> Any:
    return Quiz.objects.filter(course__slug=QUIZ_COURSE_SLUG)


def top_up_attempts(setup: QuizCourse, learners: list[Any]) -> int:
    """Give every (learner, quiz) pair without an open attempt a started one.

    Bulk-inserted with exactly the fields `quizzes.start_attempt` sets for these quizzes
    (no time limit, every question of the bank in bank order, the enrollment's cycle, the next
    number): starting 10,000 attempts one by one through the service takes longer than the
    measurement. `check_start_service_agrees` proves the service sees them as its own."""
    quiz_ids = [q.pk for q in setup.quizzes]
    user_ids = [u.pk for u in learners]
    enrollments = {
        e.user_id: e for e in Enrollment.objects.filter(course=setup.course, user_id__in=user_ids)
    }
    question_ids = list(setup.quizzes[0].bank.questions.values_list("id", flat=True))
    attempts = QuizAttempt.objects.filter(quiz_id__in=quiz_ids, user_id__in=user_ids)
    open_pairs = set(attempts.filter(submitted_at__isnull=True).values_list("quiz_id", "user_id"))
    used = {
        (quiz_id, user_id, cycle): n
        for quiz_id, user_id, cycle, n in attempts.values("quiz_id", "user_id", "cycle")
        .annotate(n=Count("id"))
        .values_list("quiz_id", "user_id", "cycle", "n")
    }
    new = []
    for quiz_id in quiz_ids:
        for user_id in user_ids:
            if (quiz_id, user_id) in open_pairs:
                continue
            enrollment = enrollments[user_id]
            new.append(
                QuizAttempt(
                    quiz_id=quiz_id,
                    user_id=user_id,
                    enrollment=enrollment,
                    cycle=enrollment.cycle,
                    number=used.get((quiz_id, user_id, enrollment.cycle), 0) + 1,
                    question_ids=question_ids,
                    deadline=None,
                )
            )
    QuizAttempt.objects.bulk_create(new, batch_size=2000)
    return len(new)


def check_start_service_agrees(setup: QuizCourse, learner: Any) -> None:
    """`start_attempt` on a pre-started pair must return that very attempt (it resumes the
    open attempt rather than creating one): the bulk rows are what the service would write."""
    from apps.lms.services import quizzes

    quiz = setup.quizzes[0]
    mine = QuizAttempt.objects.get(quiz=quiz, user=learner, submitted_at__isnull=True)
    resumed, created = quizzes.start_attempt(quiz=quiz, user=learner)
    if created or resumed.pk != mine.pk or resumed.question_ids != mine.question_ids:
        raise RuntimeError(
            f"start_attempt returned attempt {resumed.pk}, not the pre-started {mine.pk}"
        )


def open_attempts(setup: QuizCourse, learners: list[Any]) -> list[tuple[int, int]]:
    """(attempt id, user id) of every open attempt, quiz by quiz: consecutive submits belong
    to different learners, so they never wait for each other's enrollment row lock."""
    return list(
        QuizAttempt.objects.filter(
            quiz__in=setup.quizzes, user__in=learners, submitted_at__isnull=True
        )
        .order_by("quiz_id", "user_id")
        .values_list("id", "user_id")
    )


def open_attempt_count(setup: QuizCourse) -> int:
    return QuizAttempt.objects.filter(quiz__in=setup.quizzes, submitted_at__isnull=True).count()


@dataclass(frozen=True)
class SubmitCheck:
    answered_200: int
    graded: int  # of the 200s, attempts graded in the database
    duplicates_200: int  # attempt ids answered 200 more than once
    foreign_200: int  # 200s for attempts that were not handed to this run
    events: int  # quiz.passed/failed outbox rows of the 200s
    attempts_with_one_event: int
    graded_without_200: int  # handed to this run, graded, no 200 seen (in flight at the end)

    @property
    def ok(self) -> bool:
        return (
            self.graded == self.answered_200
            and self.duplicates_200 == 0
            and self.foreign_200 == 0
            and self.attempts_with_one_event == self.answered_200
            and self.events == self.answered_200
        )


def check_submissions(ok_ids: list[int], handed: list[int], *, subject_prefix: str) -> SubmitCheck:
    """Every attempt answered 200 is graded exactly once: submitted, scored, and announced by
    exactly one quiz.passed/quiz.failed event (the outbox row the grading transaction wrote)."""
    answered = set(ok_ids)
    handed_set = set(handed)
    graded = set(
        QuizAttempt.objects.filter(
            pk__in=handed, submitted_at__isnull=False, score_percent__isnull=False
        ).values_list("id", flat=True)
    )
    per_attempt: dict[int, int] = {}
    events = 0
    rows = OutboxEvent.objects.filter(
        subject__in=[f"{subject_prefix}.quiz.passed", f"{subject_prefix}.quiz.failed"]
    ).values_list("payload", flat=True)
    for payload in rows.iterator(chunk_size=2000):
        attempt_id = int(json.loads(bytes(payload))["data"]["attempt_id"])
        if attempt_id in answered:
            events += 1
            per_attempt[attempt_id] = per_attempt.get(attempt_id, 0) + 1
    return SubmitCheck(
        answered_200=len(answered),
        graded=len(answered & graded),
        duplicates_200=len(ok_ids) - len(answered),
        foreign_200=len(answered - handed_set),
        events=events,
        attempts_with_one_event=sum(1 for n in per_attempt.values() if n == 1),
        graded_without_200=len(graded - answered),
    )


def refresh_statistics() -> None:
    """VACUUM ANALYZE the lms tables after bulk writes, as autovacuum does in production.

    Without planner statistics Postgres guesses a handful of rows and sorts the whole catalog
    for every page (about 2x slower); this machine's server runs with autovacuum off."""
    from django.db import connection

    tables = [model._meta.db_table for model in (Course, Enrollment, QuizAttempt)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- clean-up ---------------------------------------------------------------------------------


def delete_attempts() -> int:
    """Every attempt on the bench quizzes (only bench users take them)."""
    deleted, _ = QuizAttempt.objects.filter(quiz__in=_bench_quizzes()).delete()
    return deleted


def delete_outbox(subject_prefix: str) -> int:
    """Delete the outbox rows of the run's subject prefix (in the seed's transaction, before
    its commit: no relay ever sees them)."""
    deleted, _ = OutboxEvent.objects.filter(subject__startswith=f"{subject_prefix}.").delete()
    return deleted


@transaction.atomic
def purge() -> dict[str, int]:
    """Remove everything the bench ever created (courses, users, enrollments, attempts)."""
    user_model = _user_model()
    users = user_model.objects.filter(email__startswith=LEARNER_PREFIX) | user_model.objects.filter(
        email__in=[INSTRUCTOR_EMAIL, PROBE_EMAIL]
    )
    courses = Course.objects.filter(slug__startswith=SLUG_PREFIX)
    counts = {"attempts": QuizAttempt.objects.filter(quiz__course__in=courses).delete()[0]}
    counts["enrollments"] = Enrollment.objects.filter(course__in=courses).delete()[0]
    counts["quizzes"] = Quiz.objects.filter(course__in=courses).delete()[0]
    counts["courses"] = courses.count()
    courses.delete()
    counts["users"] = users.count()
    users.delete()
    return counts
