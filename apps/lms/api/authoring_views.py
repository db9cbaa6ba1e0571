"""Instructor API: build and maintain courses, modules, lessons, question banks and quizzes.

Who may change what is decided in the services (apps/lms/services/permissions.py): a course's
instructors and operators. Removing content learners have used is refused with 409; the
response says what to do instead (archive the course, make the lesson or quiz optional).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.lms import policies, selectors
from apps.lms.api import invitation_serializers as inv
from apps.lms.api import serializers as s
from apps.lms.models import MAX_INSTRUCTORS, Module, Question, QuestionBank, Quiz
from apps.lms.services import authoring, quiz_authoring
from gigsy.api.inputs import parse
from gigsy.api.pagination import paginated
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, bounded_list, page_of
from gigsy.errors import NotFoundError

_NO_CONTENT = {
    204: None,
    **error_responses(401, 403, 404, 409),
}


class TeachingView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.CourseListOutput), **error_responses(401)},
        summary="Courses I teach, drafts and archived ones included",
    )
    def get(self, request: Request) -> Response:
        return paginated(request, self, selectors.teaching(user=request.user), s.CourseListOutput)


def _transition(request: Request, slug: str, service: Any) -> Response:
    """Move a course to another state through `service`, answer with the course."""
    service(course=policies.visible_course(slug=slug, user=request.user), user=request.user)
    return Response(
        represent(s.CourseDetailOutput, policies.visible_syllabus(slug=slug, user=request.user))
    )


class CoursePublishView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.CourseDetailOutput, **error_responses(401, 403, 404, 409)},
        summary="Publish a course",
    )
    def post(self, request: Request, slug: str) -> Response:
        return _transition(request, slug, authoring.publish_course)


class CourseArchiveView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.CourseDetailOutput, **error_responses(401, 403, 404, 409)},
        summary="Archive a published course (leaves the catalog; enrolled learners keep access)",
    )
    def post(self, request: Request, slug: str) -> Response:
        return _transition(request, slug, authoring.archive_course)


class InstructorListView(APIView):
    @extend_schema(
        responses={
            200: bounded_list(s.InstructorOutput, max_items=MAX_INSTRUCTORS),
            **error_responses(401, 403, 404),
        },
        summary="The course's instructors, first added first",
        description=f"Not paginated: a course has at most {MAX_INSTRUCTORS} instructors.",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = policies.taught_course(slug=slug, user=request.user)
        return Response(
            [represent(s.InstructorOutput, u) for u in selectors.instructors_of(course=course)]
        )

    @extend_schema(
        request=s.InstructorInput,
        responses={202: inv.InvitationSentOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Invite a co-instructor by email (they join when they accept)",
        description="Answers `202` with the same body whoever the address belongs to (nobody, a "
        "learner, an instructor, an operator, someone who already teaches the course): no id or "
        "name comes back. An instructor (or operator) whose email it is sees the invitation in "
        "`GET /lms/invitations` and appears among the course's instructors once they accept. "
        f"A course has at most {MAX_INSTRUCTORS} instructors: inviting into a full course is "
        "`409 too_many_instructors`.",
    )
    def post(self, request: Request, slug: str) -> Response:
        email = parse(s.InstructorInput, request)["email"].strip().lower()
        authoring.invite_instructor(
            course=policies.visible_course(slug=slug, user=request.user),
            user=request.user,
            email=email,
        )
        return Response(
            {"email": email, "detail": INVITATION_SENT}, status=status.HTTP_202_ACCEPTED
        )


INVITATION_SENT = (
    "If this address belongs to an instructor, they can accept the invitation; they will then "
    "appear among the course's instructors."
)


class InstructorView(APIView):
    @extend_schema(
        request=None,
        responses=_NO_CONTENT,
        summary="Remove a co-instructor, or leave the course",
        description="The owner (the course's creator) removes co-instructors; a co-instructor "
        "may only leave (403 for removing anyone else). The owner stays (`409 owner_remains`) "
        "unless an operator removes them; ownership then passes to the earliest remaining "
        "instructor. A course keeps at least one instructor (`409 last_instructor`).",
    )
    def delete(self, request: Request, slug: str, user_id: int) -> Response:
        authoring.remove_instructor(
            course=policies.visible_course(slug=slug, user=request.user),
            user=request.user,
            instructor_id=user_id,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyInvitationsView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(inv.InvitationOutput), **error_responses(401)},
        summary="Invitations to co-teach a course, addressed to me and not answered yet",
        description="Empty for a caller who may not teach (learners).",
    )
    def get(self, request: Request) -> Response:
        return paginated(
            request, self, authoring.my_invitations(user=request.user), inv.InvitationOutput
        )


class InvitationAcceptView(APIView):
    @extend_schema(
        request=None,
        responses={200: inv.InvitationOutput, **error_responses(401, 404, 409)},
        summary="Accept an invitation: I become a co-instructor of its course",
        description="404 for an invitation that is not addressed to me; `409 "
        "invitation_answered` once answered; `409 too_many_instructors` if the course is full.",
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        invitation = authoring.accept_invitation(invitation_id=invitation_id, user=request.user)
        return Response(represent(inv.InvitationOutput, invitation))


class InvitationDeclineView(APIView):
    @extend_schema(
        request=None,
        responses={200: inv.InvitationOutput, **error_responses(401, 404, 409)},
        summary="Decline an invitation (the inviter is not told)",
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        invitation = authoring.decline_invitation(invitation_id=invitation_id, user=request.user)
        return Response(represent(inv.InvitationOutput, invitation))


def _module(module_id: int) -> Module:
    return get_object_or_404(Module.objects.select_related("course"), pk=module_id)


class ModuleView(APIView):
    @extend_schema(
        request=s.ModuleUpdateInput,
        responses={200: s.ModuleOutlineOutput, **error_responses(400, 401, 403, 404)},
        summary="Rename or move a module",
    )
    def patch(self, request: Request, module_id: int) -> Response:
        module = authoring.update_module(
            module=_module(module_id), user=request.user, **parse(s.ModuleUpdateInput, request)
        )
        return Response(represent(s.ModuleOutlineOutput, module))

    @extend_schema(
        request=None,
        responses=_NO_CONTENT,
        summary="Delete a module and its lessons (its quizzes stay, at course level)",
    )
    def delete(self, request: Request, module_id: int) -> Response:
        authoring.delete_module(module=_module(module_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BankListView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.BankOutput), **error_responses(401, 403, 404)},
        summary="The course's question banks (its instructors)",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = policies.taught_course(slug=slug, user=request.user)
        return paginated(request, self, selectors.banks_of(course=course), s.BankOutput)

    @extend_schema(
        request=s.BankInput,
        responses={201: s.BankOutput, **error_responses(400, 401, 403, 404)},
        parameters=[LOCATION],
        summary="Create a question bank",
    )
    def post(self, request: Request, slug: str) -> Response:
        bank = quiz_authoring.create_bank(
            course=policies.visible_course(slug=slug, user=request.user),
            user=request.user,
            **parse(s.BankInput, request),
        )
        return created(
            request,
            {"id": bank.pk, "title": bank.title, "question_count": 0},
            reverse("lms-bank", kwargs={"bank_id": bank.pk}),
        )


def _bank(bank_id: int) -> QuestionBank:
    return get_object_or_404(QuestionBank.objects.select_related("course"), pk=bank_id)


class BankView(APIView):
    @extend_schema(
        responses={200: s.BankDetailOutput, **error_responses(401, 403, 404)},
        summary="A bank with its questions and answers (the course's instructors)",
    )
    def get(self, request: Request, bank_id: int) -> Response:
        bank = selectors.bank_with_questions(bank_id=bank_id)
        if bank is None:
            raise NotFoundError("No such question bank.")
        # Banks hold the answers: the course's instructors only (404 if the course is hidden).
        policies.require_editor(course=bank.course, user=request.user)
        return Response(represent(s.BankDetailOutput, bank))

    @extend_schema(
        request=s.BankInput,
        responses={200: s.BankOutput, **error_responses(400, 401, 403, 404)},
        summary="Rename a question bank",
    )
    def patch(self, request: Request, bank_id: int) -> Response:
        bank = quiz_authoring.update_bank(
            bank=_bank(bank_id), user=request.user, **parse(s.BankInput, request)
        )
        return Response(
            represent(s.BankOutput, selectors.banks_of(course=bank.course).get(pk=bank.pk))
        )

    @extend_schema(request=None, responses=_NO_CONTENT, summary="Delete a bank no quiz draws from")
    def delete(self, request: Request, bank_id: int) -> Response:
        quiz_authoring.delete_bank(bank=_bank(bank_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _question(question_id: int) -> Question:
    return get_object_or_404(
        Question.objects.select_related("bank__course"), pk=question_id, retired_at__isnull=True
    )


class QuestionView(APIView):
    @extend_schema(
        request=s.QuestionUpdateInput,
        responses={200: s.QuestionReviewOutput, **error_responses(400, 401, 403, 404)},
        summary="Edit a question (applies to open and future attempts)",
    )
    def patch(self, request: Request, question_id: int) -> Response:
        question = quiz_authoring.update_question(
            question=_question(question_id),
            user=request.user,
            **parse(s.QuestionUpdateInput, request),
        )
        return Response(represent(s.QuestionReviewOutput, question))

    @extend_schema(
        request=None,
        responses=_NO_CONTENT,
        summary="Retire a question: never drawn again, kept for past attempts' review",
    )
    def delete(self, request: Request, question_id: int) -> Response:
        quiz_authoring.retire_question(question=_question(question_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _quiz(quiz_id: int) -> Quiz:
    return get_object_or_404(Quiz.objects.select_related("course", "bank"), pk=quiz_id)


class QuizView(APIView):
    @extend_schema(
        request=s.QuizUpdateInput,
        responses={200: s.QuizOutlineOutput, **error_responses(400, 401, 403, 404)},
        summary="Edit a quiz (applies to attempts started afterwards)",
    )
    def patch(self, request: Request, quiz_id: int) -> Response:
        quiz = quiz_authoring.update_quiz(
            quiz=_quiz(quiz_id), user=request.user, **parse(s.QuizUpdateInput, request)
        )
        return Response(represent(s.QuizOutlineOutput, quiz))

    @extend_schema(
        request=None, responses=_NO_CONTENT, summary="Delete a quiz no learner has attempted"
    )
    def delete(self, request: Request, quiz_id: int) -> Response:
        quiz_authoring.delete_quiz(quiz=_quiz(quiz_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModuleCreateView(APIView):
    @extend_schema(
        request=s.ModuleInput,
        responses={201: s.ModuleOutlineOutput, **error_responses(401, 403, 404)},
        parameters=[LOCATION],
        summary="Add a module",
    )
    def post(self, request: Request, slug: str) -> Response:
        module = authoring.add_module(
            course=policies.visible_course(slug=slug, user=request.user),
            user=request.user,
            **parse(s.ModuleInput, request),
        )
        return created(
            request,
            represent(s.ModuleOutlineOutput, module),
            reverse("lms-module", kwargs={"module_id": module.pk}),
        )


class LessonCreateView(APIView):
    @extend_schema(
        request=s.LessonInput,
        responses={201: s.LessonOutput, **error_responses(401, 403, 404)},
        parameters=[LOCATION],
        summary="Add a lesson to a module",
    )
    def post(self, request: Request, module_id: int) -> Response:
        module = get_object_or_404(Module.objects.select_related("course"), pk=module_id)
        lesson = authoring.add_lesson(
            module=module, user=request.user, **parse(s.LessonInput, request)
        )
        return created(
            request,
            represent(s.LessonOutput, lesson),
            reverse("lms-lesson", kwargs={"lesson_id": lesson.pk}),
        )


class LessonMediaView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.MediaInput},
        responses={200: s.LessonOutput, **error_responses(400, 401, 403, 404, 413)},
        summary="Upload a lesson's video or file (multipart, field `file`)",
    )
    def put(self, request: Request, lesson_id: int) -> Response:
        lesson = policies.visible_lesson(lesson_id=lesson_id, user=request.user)
        # Refuse outsiders before reading a possibly large upload.
        policies.require_editor(course=lesson.module.course, user=request.user)
        lesson = authoring.attach_lesson_media(
            lesson=lesson, user=request.user, upload=parse(s.MediaInput, request)["file"]
        )
        return Response(represent(s.LessonOutput, lesson))


class QuestionCreateView(APIView):
    @extend_schema(
        request=s.QuestionInput,
        responses={201: s.QuestionReviewOutput, **error_responses(400, 401, 403, 404)},
        parameters=[LOCATION],
        summary="Add a question to a bank",
    )
    def post(self, request: Request, bank_id: int) -> Response:
        bank = get_object_or_404(QuestionBank.objects.select_related("course"), pk=bank_id)
        question = quiz_authoring.add_question(
            bank=bank, user=request.user, **parse(s.QuestionInput, request)
        )
        return created(
            request,
            represent(s.QuestionReviewOutput, question),
            reverse("lms-question", kwargs={"question_id": question.pk}),
        )


class QuizCreateView(APIView):
    @extend_schema(
        request=s.QuizInput,
        responses={201: s.QuizOutlineOutput, **error_responses(400, 401, 403, 404)},
        parameters=[LOCATION],
        summary="Create a quiz drawing from a bank",
    )
    def post(self, request: Request, slug: str) -> Response:
        quiz = quiz_authoring.create_quiz(
            course=policies.visible_course(slug=slug, user=request.user),
            user=request.user,
            **parse(s.QuizInput, request),
        )
        return created(
            request,
            represent(s.QuizOutlineOutput, quiz),
            reverse("lms-quiz", kwargs={"quiz_id": quiz.pk}),
        )
