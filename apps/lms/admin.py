"""Operator screens for courses, question banks, enrollments and certificates.

Identity is accounts': a certificate is found by the learner's email through
`apps.accounts.public.search_user_ids`, an enrollment shows lms's own copy of the learner
(`lms.learner`), and no screen reads accounts' columns through the user foreign key. Changes
that have consequences (publishing, archiving, revoking) are actions calling the services, and a
learner's progress is shown read-only. Every changelist loads its rows' relations in the same
query (`list_select_related`), so a page costs the same whatever its length.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from apps.accounts import public as accounts
from apps.lms import selectors
from apps.lms.certificates.services import revoke_certificate
from apps.lms.errors import LmsError
from apps.lms.models import (
    MAX_INSTRUCTORS,
    Certificate,
    Course,
    CourseInstructor,
    Enrollment,
    Lesson,
    LessonCompletion,
    Module,
    Question,
    QuestionBank,
    Quiz,
    QuizAttempt,
)
from apps.lms.services.authoring import archive_course, publish_course
from gigsy.errors import ConflictError


class InstructorInline(admin.TabularInline):
    model = CourseInstructor
    extra = 0
    raw_id_fields = ("user",)
    max_num = MAX_INSTRUCTORS  # as the API: a course has at most this many

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # max_num alone only hides the "add" link; validate_max refuses a posted 11th row.
        return super().get_formset(request, obj, validate_max=True, **kwargs)


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    show_change_link = True


class InstructorsFilter(admin.SimpleListFilter):
    """Courses nobody teaches any more: their only instructor deleted their account (ADR 0023)
    and learners keep the course; an operator finds them here to give them a new instructor
    (the instructors inline) or archive them."""

    title = "instructors"
    parameter_name = "instructors"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("none", "None")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Course]) -> QuerySet[Course]:
        if self.value() == "none":
            taught = CourseInstructor.objects.filter(course=OuterRef("pk"))
            return queryset.filter(~Exists(taught))
        return queryset


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "level", "status", "published_at")
    list_filter = ("status", "level", InstructorsFilter)
    search_fields = ("title", "slug", "summary")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("prerequisites",)
    # Status changes go through the actions, so the catalog's events are emitted.
    readonly_fields = ("status", "published_at", "created_at", "updated_at")
    inlines = [InstructorInline, ModuleInline]
    actions = ["publish", "archive"]

    @admin.action(description="Publish the selected courses")
    def publish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._apply(request, queryset, publish_course, "Published")

    @admin.action(description="Archive the selected courses (enrolled learners keep access)")
    def archive(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._apply(request, queryset, archive_course, "Archived")

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Course], service: Any, verb: str
    ) -> None:
        done, skipped = 0, []
        for course in queryset:
            try:
                service(course=course, user=request.user)
                done += 1
            except ConflictError as exc:
                skipped.append(f"{course.slug}: {exc}")
        self.message_user(request, f"{verb} {done} course(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, "Skipped " + "; ".join(skipped), messages.WARNING)


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "position")
    list_select_related = ("course",)
    search_fields = ("title", "course__title")
    inlines = [LessonInline]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    readonly_fields = ("retired_at",)


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ("title", "course")
    list_select_related = ("course",)
    search_fields = ("title", "course__title")
    inlines = [QuestionInline]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "pass_mark_percent", "max_attempts", "time_limit_seconds")
    list_select_related = ("course",)
    search_fields = ("title", "course__title")


class _ProgressInline(admin.TabularInline):
    """A learner's history, shown and never edited here (it changes through the learner's own
    use cases: completing lessons, submitting attempts, resetting progress)."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LessonCompletionInline(_ProgressInline):
    model = LessonCompletion
    verbose_name = "lesson completion (current cycle)"
    verbose_name_plural = "lesson completions (current cycle)"
    fields = ("lesson", "module", "completed_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LessonCompletion]:
        return (
            super()
            .get_queryset(request)
            .select_related("lesson__module")
            .order_by("lesson__module__position", "lesson__position", "lesson_id")
        )

    @admin.display(description="module")
    def module(self, completion: LessonCompletion) -> str:
        return completion.lesson.module.title


class QuizAttemptInline(_ProgressInline):
    model = QuizAttempt
    verbose_name = "quiz attempt"
    fields = ("quiz", "cycle", "number", "score_percent", "passed", "started_at", "submitted_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuizAttempt]:
        return (
            super()
            .get_queryset(request)
            .select_related("quiz")
            .order_by("cycle", "quiz_id", "number")
        )


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    # The learner column and search are lms's own copy of the learner (models.Learner), not
    # accounts' columns; the course and the learner come in the changelist's one query.
    list_display = ("learner", "learner_email", "course", "status", "cycle", "enrolled_at")
    list_select_related = ("course", "learner")
    list_filter = ("status",)
    search_fields = ("learner__email", "learner__display_name", "course__title")
    raw_id_fields = ("user",)
    readonly_fields = ("progress", "enrolled_at", "completed_at", "cycle")
    inlines = [LessonCompletionInline, QuizAttemptInline]

    @admin.display(description="email", ordering="learner__email")
    def learner_email(self, enrollment: Enrollment) -> str:
        return enrollment.learner.email if enrollment.learner else ""

    @admin.display(description="progress (current cycle)")
    def progress(self, enrollment: Enrollment) -> str:
        if enrollment.pk is None:
            return "-"
        now = selectors.progress(enrollment=enrollment)
        return (
            f"{now.percent}%: {len(now.completed_lesson_ids)} lesson(s) completed of "
            f"{now.required_lessons} required, {len(now.passed_quiz_ids)} quiz(zes) passed of "
            f"{now.required_quizzes} required"
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Why these certificates are revoked: kept with each certificate and shown to "
        "whoever verifies it.",
    )


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("verify_code", "learner_name", "course_title", "issued_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    # Also by the learner's current email or name, asked of accounts (get_search_results).
    search_fields = ("verify_code", "learner_name", "course_title")
    search_help_text = "Verify code, learner name, course title, or the learner's email."
    readonly_fields = (
        "learner_account",
        "course",
        "verify_code",
        "learner_name",
        "course_title",
        "skills",
        "issued_at",
        "revoked_at",
        "revoke_reason",
        "pdf",
        # Who issued it, decided at issue time (docs/decisions/0011): never edited.
        "issued_by_platform",
        "creator_name",
    )
    exclude = ("user", "creator")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # certificates are earned, not typed in

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Certificate], search_term: str
    ) -> tuple[QuerySet[Certificate], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # Whose account matches, asked of accounts (ids only: no join into its table).
            user_ids = accounts.search_user_ids(term)
            if user_ids:
                found = found | queryset.filter(user_id__in=user_ids)
        return found, may_have_duplicates

    @admin.display(description="learner account")
    def learner_account(self, certificate: Certificate) -> str:
        learner = accounts.get_user(certificate.user_id)
        if learner is None:
            return f"#{certificate.user_id} (no longer exists)"
        return f"{learner.display_name} <{learner.email}> (#{learner.id})"

    @admin.action(description="Revoke the selected certificates", permissions=["change"])
    def revoke(
        self, request: HttpRequest, queryset: QuerySet[Certificate]
    ) -> TemplateResponse | None:
        """First a page asking for the reason; its submit (carrying `apply`) revokes. A second
        submit of the same page revokes nothing again: those are reported as already revoked."""
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._revoke(request, list(queryset), reason=form.cleaned_data["reason"])
            return None  # back to the changelist, with the messages
        certificates = list(queryset.order_by("pk"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke certificates",
            "opts": self.model._meta,
            "form": form,
            "certificates": certificates,
            "objects": certificates,
            "action": "revoke",
            "submit_label": "Revoke",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/lms/certificate/revoke.html", context)

    def _revoke(
        self, request: HttpRequest, certificates: list[Certificate], *, reason: str
    ) -> None:
        revoked: list[str] = []
        already: list[str] = []
        for certificate in certificates:
            try:
                revoke_certificate(certificate=certificate, by=request.user, reason=reason)
            except ConflictError as exc:
                if exc.code != LmsError.ALREADY_REVOKED:
                    raise
                already.append(certificate.verify_code)
            else:
                revoked.append(certificate.verify_code)
        if revoked:
            self.message_user(
                request,
                f"Revoked {len(revoked)} certificate(s): {', '.join(revoked)}.",
                messages.SUCCESS,
            )
        if already:
            self.message_user(
                request,
                f"Already revoked, left unchanged: {', '.join(already)}.",
                messages.WARNING,
            )
