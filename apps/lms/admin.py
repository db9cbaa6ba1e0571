"""Operator screens for courses, question banks, enrollments and certificates."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

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
from apps.lms.services.certificates import revoke_certificate
from gigsy.api.errors import ConflictError


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
    readonly_fields = ("published_at", "created_at", "updated_at")
    inlines = [InstructorInline, ModuleInline]


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
    search_fields = ("user__email", "course__title")
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
