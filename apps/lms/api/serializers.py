"""Input and output shapes of the learning API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.lms.api.question_shapes import (
    ATTEMPT_QUESTION_VARIANTS,
    QUESTION_INPUT_VARIANTS,
    QUESTION_REVIEW_VARIANTS,
    AnswerField,
    ChoicesField,
    LearnerAnswerField,
)
from apps.lms.models import (
    CourseStatus,
    EnrollmentStatus,
    LessonKind,
    Level,
    QuestionKind,
    RevealAnswers,
    ShortAnswerMatching,
)
from gigsy.api.inputs import StrictInput
from gigsy.api.schema import one_of
from gigsy.files import file_link

# Bounds a client can't exceed: past them the database would refuse the value (a 500).
MAX_POSITION = 100_000
MAX_ID = 2**63 - 1


MATCHING_HELP = (
    "short answers: how a learner's text is compared with the accepted ones. ignore_case "
    "(default): case and spacing ignored, punctuation and accents count (C# is not C++); "
    "exact: as typed; ignore_punctuation: case, spacing, accents and punctuation ignored. "
    "Other kinds ignore it."
)
REVEAL_HELP = (
    "When a learner's reviews show the right answers and explanations: "
    "after_passing_or_last_attempt (default): once the learner passed or has no attempt left "
    "and none open; always: after every attempt; never."
)


# --- inputs ------------------------------------------------------------------------------------
class CourseInput(StrictInput):
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=120, required=False)
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    skills = serializers.ListField(
        child=serializers.SlugField(max_length=60), max_length=30, required=False
    )
    prerequisites = serializers.ListField(
        child=serializers.SlugField(max_length=120), max_length=20, required=False
    )


class CourseUpdateInput(CourseInput):
    title = serializers.CharField(max_length=200, required=False)
    slug = None  # type: ignore[assignment]  # a slug is permanent: links point at it


class ModuleInput(StrictInput):
    title = serializers.CharField(max_length=200)
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)


class ModuleUpdateInput(ModuleInput):
    title = serializers.CharField(max_length=200, required=False)


class LessonInput(StrictInput):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=LessonKind.choices, required=False)
    body = serializers.CharField(required=False, allow_blank=True, max_length=200_000)
    video_url = serializers.URLField(required=False, allow_blank=True)
    duration_minutes = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)
    # A declared field: DRF's metaclass takes it out of the class, Field.required stays.
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]


class LessonUpdateInput(LessonInput):
    title = serializers.CharField(max_length=200, required=False)


class MediaInput(StrictInput):
    file = serializers.FileField(allow_empty_file=False)


class InstructorInput(StrictInput):
    email = serializers.EmailField()


class BankInput(StrictInput):
    title = serializers.CharField(max_length=200)


class ChoiceInput(serializers.Serializer):
    id = serializers.CharField(max_length=20)
    text = serializers.CharField(max_length=1000)


@one_of("kind", QUESTION_INPUT_VARIANTS)
class QuestionInput(StrictInput):
    """A question; the shape of `answer` depends on `kind` (see the variants)."""

    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    prompt = serializers.CharField(max_length=5000)
    choices = ChoiceInput(many=True, required=False)
    answer = serializers.JSONField()
    matching = serializers.ChoiceField(
        choices=ShortAnswerMatching.choices, required=False, help_text=MATCHING_HELP
    )
    explanation = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    points = serializers.IntegerField(min_value=1, max_value=100, required=False)


class QuestionUpdateInput(QuestionInput):
    kind = serializers.ChoiceField(choices=QuestionKind.choices, required=False)
    prompt = serializers.CharField(max_length=5000, required=False)
    answer = AnswerField(
        required=False,
        help_text="single: a choice id; multiple: a list of choice ids; true_false: a boolean; "
        "short: a list of accepted answers",
    )


class QuizInput(StrictInput):
    title = serializers.CharField(max_length=200)
    bank_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    module_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    question_count = serializers.IntegerField(
        min_value=1, max_value=1_000, required=False, allow_null=True
    )
    pass_mark_percent = serializers.IntegerField(min_value=0, max_value=100, required=False)
    max_attempts = serializers.IntegerField(
        min_value=1, max_value=1_000, required=False, allow_null=True
    )
    time_limit_seconds = serializers.IntegerField(
        min_value=10, max_value=7 * 24 * 3600, required=False, allow_null=True
    )
    # A declared field: DRF's metaclass takes it out of the class, Field.required stays.
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]
    reveal_answers = serializers.ChoiceField(
        choices=RevealAnswers.choices, required=False, help_text=REVEAL_HELP
    )


class QuizUpdateInput(QuizInput):
    title = serializers.CharField(max_length=200, required=False)
    bank_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class SubmitInput(StrictInput):
    """A learner's answers to the questions of an attempt."""

    answers = serializers.DictField(
        child=LearnerAnswerField(),
        allow_empty=True,
        help_text="Question id -> answer (single: a choice id; multiple: a list of choice ids; "
        "true_false: a boolean; short: a text). A question left out counts as unanswered.",
    )


# --- outputs -----------------------------------------------------------------------------------
class CourseListOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    skills = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=CourseStatus.choices)
    published_at = serializers.DateTimeField(allow_null=True, help_text="null while a draft")


class LessonOutlineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=LessonKind.choices)
    duration_minutes = serializers.IntegerField()
    # A declared field: DRF's metaclass takes it out of the class, Field.required stays.
    required = serializers.BooleanField()  # type: ignore[assignment]


class QuizOutlineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    module_id = serializers.IntegerField(allow_null=True)
    question_count = serializers.IntegerField(allow_null=True)
    pass_mark_percent = serializers.IntegerField()
    max_attempts = serializers.IntegerField(allow_null=True)
    time_limit_seconds = serializers.IntegerField(allow_null=True)
    # A declared field: DRF's metaclass takes it out of the class, Field.required stays.
    required = serializers.BooleanField()  # type: ignore[assignment]
    reveal_answers = serializers.ChoiceField(choices=RevealAnswers.choices, help_text=REVEAL_HELP)


class ModuleOutlineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField()
    lessons = LessonOutlineOutput(many=True, source="lessons.all")
    quizzes = QuizOutlineOutput(many=True, source="quizzes.all")


class CourseDetailOutput(CourseListOutput):
    description = serializers.CharField()
    prerequisites = serializers.SerializerMethodField()
    modules = ModuleOutlineOutput(many=True, source="modules.all")
    # Every quiz of the course, including those not placed in a module.
    quizzes = QuizOutlineOutput(many=True, source="quizzes.all")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_prerequisites(self, course: Any) -> list[str]:
        return [c.slug for c in course.prerequisites.all()]


class LessonOutput(LessonOutlineOutput):
    module_id = serializers.IntegerField()
    body = serializers.CharField()
    video_url = serializers.CharField()
    media_url = serializers.SerializerMethodField()
    position = serializers.IntegerField()

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text="Absolute link to the lesson's file, valid for minutes (FILE_LINK_SECONDS) "
            "and needing no Authorization header; fetch the lesson again for a fresh one.",
        )
    )
    def get_media_url(self, lesson: Any) -> str | None:
        # Only rendered for people who may open the lesson (enrolled learners, its teachers).
        return file_link(lesson.media)


class EnrollmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField(source="course.slug")
    course_title = serializers.CharField(source="course.title")
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    cycle = serializers.IntegerField()
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class ProgressOutput(serializers.Serializer):
    percent = serializers.IntegerField()
    completed_lesson_ids = serializers.ListField(child=serializers.IntegerField())
    passed_quiz_ids = serializers.ListField(child=serializers.IntegerField())
    required_lessons = serializers.IntegerField()
    required_quizzes = serializers.IntegerField()
    resume_lesson_id = serializers.IntegerField(allow_null=True)
    complete = serializers.BooleanField()


class QuestionForLearnerOutput(serializers.Serializer):
    """What a learner sees while answering: no answer, no explanation."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    prompt = serializers.CharField()
    choices = ChoicesField(help_text="For single and multiple choice; empty otherwise.")
    points = serializers.IntegerField()


@one_of("kind", QUESTION_REVIEW_VARIANTS)
class QuestionReviewOutput(QuestionForLearnerOutput):
    """A question with its answer (the course's instructors, and a learner's review): the
    `answer`'s shape depends on `kind`."""

    answer = serializers.JSONField()
    explanation = serializers.CharField()
    matching = serializers.ChoiceField(choices=ShortAnswerMatching.choices, help_text=MATCHING_HELP)


class InstructorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField()


class BankOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    question_count = serializers.IntegerField()


class BankDetailOutput(serializers.Serializer):
    """For the course's instructors only: answers included."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    course = serializers.CharField(source="course.slug")
    questions = QuestionReviewOutput(many=True, source="live_questions")


class AttemptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    quiz_id = serializers.IntegerField()
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    score_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)


@one_of("kind", ATTEMPT_QUESTION_VARIANTS)
class AttemptQuestionOutput(QuestionForLearnerOutput):
    """A question of an attempt. While the attempt is open: without its answer; once it is
    submitted (the review) with `your_answer` and `points_earned`, and with `answer` and
    `explanation` when the quiz reveals them (`answers_revealed`)."""


class AttemptDetailOutput(AttemptOutput):
    """An attempt with its questions (the views add `questions` to AttemptOutput's fields)."""

    answers_revealed = serializers.BooleanField(
        help_text="Whether the submitted attempt's questions carry `answer` and `explanation` "
        "(the quiz's reveal_answers); false while the attempt is open."
    )
    questions = AttemptQuestionOutput(many=True)
