"""Operator screens for courses, question banks, enrollments and certificates."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.lms.certificates.services import revoke_certificate
from apps.lms.models import (
    Certificate,
    Course,
    CourseInstructor,
    Enrollment,
    Lesson,
    Module,
    Question,
    QuestionBank,
    Quiz,
)
from apps.lms.services.authoring import archive_course, publish_course
from gigsy.errors import ConflictError


class InstructorInline(admin.TabularInline):
    model = CourseInstructor
    extra = 0
    raw_id_fields = ("user",)


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "level", "status", "published_at")
    list_filter = ("status", "level")
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
    search_fields = ("title", "course__title")
    inlines = [LessonInline]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    readonly_fields = ("retired_at",)


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ("title", "course")
    search_fields = ("title", "course__title")
    inlines = [QuestionInline]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "pass_mark_percent", "max_attempts", "time_limit_seconds")
    search_fields = ("title", "course__title")


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "status", "cycle", "enrolled_at", "completed_at")
    list_filter = ("status",)
    # lms's own copy of the learner (models.Learner), not accounts' columns.
    search_fields = ("learner__email", "learner__display_name", "course__title")
    raw_id_fields = ("user",)
    readonly_fields = ("enrolled_at", "completed_at", "cycle")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("verify_code", "learner_name", "course_title", "issued_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("verify_code", "learner_name", "course_title")
    readonly_fields = (
        "user",
        "course",
        "verify_code",
        "learner_name",
        "course_title",
        "skills",
        "issued_at",
        "revoked_at",
        "revoke_reason",
        "pdf",
    )
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # certificates are earned, not typed in

    @admin.action(description="Revoke the selected certificates")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        revoked = 0
        for certificate in queryset:
            try:
                revoke_certificate(
                    certificate=certificate,
                    by=request.user,
                    reason=f"Revoked by operator {request.user}",
                )
                revoked += 1
            except ConflictError:
                continue
        self.message_user(request, f"Revoked {revoked} certificate(s).", messages.SUCCESS)
