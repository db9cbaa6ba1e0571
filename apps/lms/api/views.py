"""Learning API: catalog, authoring, enrollment and progress, quizzes, certificates.

Thin views: parse input, call a service or selector, shape output. Permissions beyond
"authenticated" are decided in the services (who may edit) and selectors (who may see).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.public import Principal, user_id_of
from apps.lms import catalog_cache, policies, selectors
from apps.lms.api import screen_serializers as screens
from apps.lms.api import serializers as s
from apps.lms.api.queries import CatalogQuery
from apps.lms.models import Question, Quiz, QuizAttempt
from apps.lms.services import authoring, learning, quizzes
from gigsy.api.conditional import CONDITIONAL_GET, NOT_MODIFIED, ConditionalGetMixin
from gigsy.api.inputs import parse, parse_query
from gigsy.api.pagination import paginated
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import page_of
from gigsy.errors import ForbiddenError, NotFoundError


# --- catalog and authoring ---------------------------------------------------------------------
class CourseListView(ConditionalGetMixin, APIView):
    # Anyone may read (GET, and HEAD alike); changes need a signed-in caller.
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=[
            CatalogQuery,
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            *CONDITIONAL_GET,
        ],
        responses={
            200: page_of(s.CourseListOutput),
            **NOT_MODIFIED,
            **error_responses(400, 404),
        },
        summary="The catalog of published courses",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(CatalogQuery, request)
        skill, level = query.get("skill"), query.get("level")
        text = query.get("q") or None  # trimmed by the serializer

        def build() -> Any:
            courses = selectors.catalog(skill=skill, level=level, text=text)
            return paginated(request, self, courses, s.CourseListOutput).data

        # Keyed by the whole URL: the pagination links in the body echo it.
        return Response(catalog_cache.page(url=request.build_absolute_uri(), build=build))

    @extend_schema(
        request=s.CourseInput,
        responses={201: s.CourseDetailOutput, **error_responses(400, 401, 403, 409)},
        parameters=[LOCATION],
        summary="Create a course (instructors)",
    )
    def post(self, request: Request) -> Response:
        course = authoring.create_course(author=request.user, **parse(s.CourseInput, request))
        return created(
            request,
            represent(
                s.CourseDetailOutput, policies.visible_syllabus(slug=course.slug, user=request.user)
            ),
            reverse("lms-course", kwargs={"slug": course.slug}),
        )


class SkillListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: page_of(screens.SkillOutput)},
        summary="The skills of the published catalog, most taught first (the catalog's filter)",
    )
    def get(self, request: Request) -> Response:
        def build() -> Any:
            return paginated(request, self, selectors.skills_taught(), screens.SkillOutput).data

        # Cached with the catalog: any change to a course retires it.
        return Response(catalog_cache.page(url=request.build_absolute_uri(), build=build))


class CourseDetailView(ConditionalGetMixin, APIView):
    # Anyone may read (GET, and HEAD alike); changes need a signed-in caller.
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=CONDITIONAL_GET,
        responses={200: screens.CoursePageOutput, **NOT_MODIFIED, **error_responses(404)},
        summary="A course page: its syllabus, instructors, counts and my enrollment",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = policies.visible_syllabus(slug=slug, user=request.user)
        extras = selectors.course_page_extras(course=course, user=request.user)
        return Response(screens.course_page(course, extras))

    @extend_schema(
        request=s.CourseUpdateInput,
        responses={200: s.CourseDetailOutput, **error_responses(400, 401, 403, 404)},
        summary="Edit a course (its instructors)",
    )
    def patch(self, request: Request, slug: str) -> Response:
        course = policies.visible_course(slug=slug, user=request.user)
        authoring.update_course(
            course=course, user=request.user, **parse(s.CourseUpdateInput, request)
        )
        return Response(
            represent(s.CourseDetailOutput, policies.visible_syllabus(slug=slug, user=request.user))
        )

    @extend_schema(
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a draft course (a published one is archived instead)",
    )
    def delete(self, request: Request, slug: str) -> Response:
        authoring.delete_course(
            course=policies.visible_course(slug=slug, user=request.user), user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LessonView(APIView):
    @extend_schema(
        responses={200: s.LessonOutput, **error_responses(401, 403, 404)},
        summary="A lesson's content (enrolled learners and instructors)",
    )
    def get(self, request: Request, lesson_id: int) -> Response:
        lesson = policies.visible_lesson(lesson_id=lesson_id, user=request.user)
        course = lesson.module.course
        if not policies.teaches(course=course, user=request.user):
            enrollment = selectors.enrollment_of(course=course, user=request.user)
            if enrollment is None or enrollment.status == "withdrawn":
                raise ForbiddenError("Enroll in the course to open its lessons.")
        return Response(represent(s.LessonOutput, lesson))

    @extend_schema(
        request=s.LessonUpdateInput,
        responses={200: s.LessonOutput, **error_responses(401, 403, 404)},
        summary="Edit a lesson",
    )
    def patch(self, request: Request, lesson_id: int) -> Response:
        lesson = authoring.update_lesson(
            lesson=policies.visible_lesson(lesson_id=lesson_id, user=request.user),
            user=request.user,
            **parse(s.LessonUpdateInput, request),
        )
        return Response(represent(s.LessonOutput, lesson))

    @extend_schema(
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a lesson no learner has completed",
    )
    def delete(self, request: Request, lesson_id: int) -> Response:
        authoring.delete_lesson(
            lesson=policies.visible_lesson(lesson_id=lesson_id, user=request.user),
            user=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- learning ----------------------------------------------------------------------------------
class EnrollView(APIView):
    @extend_schema(
        request=None,
        responses={
            201: s.EnrollmentOutput,
            200: s.EnrollmentOutput,
            **error_responses(401, 404, 409),
        },
        parameters=[LOCATION],
        summary="Enroll in a course (again: no-op)",
    )
    def post(self, request: Request, slug: str) -> Response:
        enrollment, is_new = learning.enroll(
            course=policies.visible_course(slug=slug, user=request.user), user=request.user
        )
        body = represent(s.EnrollmentOutput, enrollment)
        if is_new:
            return created(request, body, reverse("lms-enroll", kwargs={"slug": slug}))
        return Response(body)

    @extend_schema(
        request=None,
        responses={200: s.EnrollmentOutput, **error_responses(401, 404, 409)},
        summary="Leave a course",
    )
    def delete(self, request: Request, slug: str) -> Response:
        enrollment = learning.unenroll(
            course=policies.visible_course(slug=slug, user=request.user), user=request.user
        )
        return Response(represent(s.EnrollmentOutput, enrollment))


class MyEnrollmentsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: page_of(screens.EnrollmentListOutput), **error_responses(401)},
        summary="My enrollments, newest first, each with its course and progress percent",
    )
    def get(self, request: Request) -> Response:
        return paginated(
            request, self, selectors.enrollments_of(user=request.user), screens.EnrollmentListOutput
        )


class ProgressView(APIView):
    @extend_schema(
        responses={200: s.ProgressOutput, **error_responses(401, 404)},
        summary="My progress in a course",
    )
    def get(self, request: Request, slug: str) -> Response:
        enrollment = selectors.enrollment_of(
            course=policies.visible_course(slug=slug, user=request.user), user=request.user
        )
        if enrollment is None:
            raise NotFoundError("You are not enrolled in this course.")
        return Response(represent(s.ProgressOutput, selectors.progress(enrollment=enrollment)))


class ResetProgressView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.EnrollmentOutput, **error_responses(401, 404, 409)},
        summary="Reset my progress to retake the course",
    )
    def post(self, request: Request, slug: str) -> Response:
        enrollment = learning.reset_progress(
            course=policies.visible_course(slug=slug, user=request.user), user=request.user
        )
        return Response(represent(s.EnrollmentOutput, enrollment))


class LessonCompleteView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.ProgressOutput, **error_responses(401, 404, 409)},
        summary="Mark a lesson completed (idempotent)",
    )
    def post(self, request: Request, lesson_id: int) -> Response:
        progress = learning.complete_lesson(
            lesson=policies.visible_lesson(lesson_id=lesson_id, user=request.user),
            user=request.user,
        )
        return Response(represent(s.ProgressOutput, progress))


# --- quizzes -----------------------------------------------------------------------------------
def _attempt_body(
    attempt: QuizAttempt, *, questions: list[Question] | None = None
) -> dict[str, Any]:
    """An attempt's questions: bare while open; once submitted, the review with what the
    learner answered and earned, and the right answers and explanations only when the quiz's
    `reveal_answers` allows it now (ADR 0018)."""
    if questions is None:
        questions = selectors.attempt_questions(attempt=attempt)
    review = attempt.submitted_at is not None
    reveal = review and selectors.answers_revealed(quiz=attempt.quiz, user_id=attempt.user_id)
    body = {**represent(s.AttemptOutput, attempt), "answers_revealed": reveal}
    body["questions"] = []
    for q in questions:
        shown = represent(s.QuestionForLearnerOutput, q)
        if reveal:
            shown |= {"answer": q.answer, "explanation": q.explanation}
        if review:
            shown |= {
                "your_answer": attempt.answers.get(str(q.pk)),
                "points_earned": attempt.results.get(str(q.pk), 0),
            }
        body["questions"].append(shown)
    return body


class QuizStatusView(APIView):
    @extend_schema(
        responses={200: screens.QuizStatusOutput, **error_responses(401, 404)},
        summary="My quiz page: the quiz's rules and my attempts used, left, best score and "
        "open attempt (starts nothing)",
    )
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = policies.visible_quiz(quiz_id=quiz_id, user=request.user)
        return Response(
            represent(screens.QuizStatusOutput, selectors.quiz_status(quiz=quiz, user=request.user))
        )


class AttemptStartView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: page_of(screens.AttemptSummaryOutput), **error_responses(401, 404)},
        summary="My attempts at a quiz, newest first (every cycle; no answers)",
    )
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = policies.visible_quiz(quiz_id=quiz_id, user=request.user)
        return paginated(
            request,
            self,
            selectors.attempts_of(user=request.user, quiz=quiz),
            screens.AttemptSummaryOutput,
        )

    @extend_schema(
        request=None,
        responses={
            201: s.AttemptDetailOutput,
            200: s.AttemptDetailOutput,
            **error_responses(401, 404, 409),
        },
        parameters=[LOCATION],
        summary="Start an attempt (201), or resume the open one (200); questions come without "
        "answers",
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        quiz = get_object_or_404(Quiz.objects.select_related("course", "bank"), pk=quiz_id)
        attempt, is_new = quizzes.start_attempt(quiz=quiz, user=request.user)
        body = _attempt_body(attempt)
        if is_new:
            return created(request, body, reverse("lms-attempt", kwargs={"attempt_id": attempt.pk}))
        return Response(body)


def _my_attempt(attempt_id: int, user: Principal) -> QuizAttempt:
    attempt = (
        QuizAttempt.objects.select_related("quiz__bank", "quiz__course")
        .filter(pk=attempt_id, user_id=user_id_of(user))
        .first()
    )
    if attempt is None:  # someone else's attempt is as invisible as a missing one
        raise NotFoundError("No such attempt.")
    return attempt


class AttemptView(APIView):
    @extend_schema(
        responses={200: s.AttemptDetailOutput, **error_responses(401, 404)},
        summary="An attempt: questions while open, the full review once submitted",
    )
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = _my_attempt(attempt_id, request.user)
        return Response(_attempt_body(attempt))


class AttemptSubmitView(APIView):
    @extend_schema(
        request=s.SubmitInput,
        responses={200: s.AttemptDetailOutput, **error_responses(400, 401, 404, 409)},
        summary="Submit answers: {answers: {question_id: answer}}",
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        graded = quizzes.submit_attempt(
            attempt_id=attempt_id,
            user=request.user,
            answers=parse(s.SubmitInput, request)["answers"],
        )
        return Response(_attempt_body(graded.attempt, questions=graded.questions))
