"""Output shapes of the instructor's gradebook."""

from __future__ import annotations

from rest_framework import serializers

from apps.lms.models import EnrollmentStatus
from gigsy.api.inputs import StrictInput


class GradebookRowOutput(serializers.Serializer):
    """One enrollment: figures of the current cycle, as in the learner's own progress."""

    enrollment_id = serializers.IntegerField()
    learner_id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField(
        allow_null=True,
        help_text="Only if the learner shares it with the course's instructors "
        "(`PATCH .../enrollment/sharing`); null otherwise. Operators always see it.",
    )
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    cycle = serializers.IntegerField()
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    lessons_completed = serializers.IntegerField(help_text="Required lessons completed.")
    required_lessons = serializers.IntegerField()
    quizzes_passed = serializers.IntegerField(help_text="Required quizzes passed (this cycle).")
    required_quizzes = serializers.IntegerField()
    percent = serializers.IntegerField()
    best_scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True),
        help_text="Quiz id -> best score percent this cycle; null if never submitted.",
    )
    last_activity_at = serializers.DateTimeField(
        allow_null=True, help_text="Latest lesson completion or quiz submission (any cycle)."
    )


class QuizSummaryOutput(serializers.Serializer):
    """A quiz's figures over every submitted attempt (all cycles)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    module_id = serializers.IntegerField(allow_null=True)
    # A declared field: DRF's metaclass takes it out of the class, Field.required stays.
    required = serializers.BooleanField()  # type: ignore[assignment]
    pass_mark_percent = serializers.IntegerField()
    attempts_submitted = serializers.IntegerField()
    learners_attempted = serializers.IntegerField()
    learners_passed = serializers.IntegerField()
    average_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    best_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class EmailSharingOutput(serializers.Serializer):
    share_email_with_instructors = serializers.BooleanField(
        help_text="Whether the course's instructors see my email in their gradebook."
    )


class EmailSharingInput(StrictInput):
    share_email_with_instructors = serializers.BooleanField()
