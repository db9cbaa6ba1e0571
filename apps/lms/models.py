"""Learning: courses -> modules -> lessons, question banks and quizzes, enrollments, progress,
certificates. Every table lives in the `lms` schema (docs/decisions/0002)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class CourseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Course(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True, default="")
    description = models.TextField(blank=True, default="")
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.BEGINNER)
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    # Skill slugs the course teaches; matched against gigs' required skills elsewhere.
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CourseInstructor", related_name="+"
    )
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="unlocks",
        db_table='"lms"."course_prerequisite"',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Catalog text search: stored and indexed, so a query doesn't rebuild it for every course.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = '"lms"."course"'
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="lms_course_catalog_idx"),
            GinIndex(fields=["skills"], name="lms_course_skills_idx"),
            GinIndex(fields=["search_vector"], name="lms_course_search_idx"),
        ]

    def __str__(self) -> str:
        return self.title


# A course is taught by at most this many people (the author included): its instructors are
# listed whole, on the course page and by GET .../instructors, never paginated (ADR 0005).
MAX_INSTRUCTORS = 10


class CourseInstructor(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="instructor_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The course's owner: its creator (for courses older than the flag, the first instructor).
    # Co-instructors cannot remove the owner; only an operator can (ADR 0019).
    is_owner = models.BooleanField(default=False)

    class Meta:
        db_table = '"lms"."course_instructor"'
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="lms_course_instructor_uniq"),
            models.UniqueConstraint(
                fields=["course"], condition=Q(is_owner=True), name="lms_course_one_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} teaches {self.course_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class CourseInvitation(models.Model):
    """An instructor's invitation to co-teach a course, addressed to an email (ADR 0019).

    Whoever the email belongs to (nobody, a learner, an instructor), the inviter gets the same
    answer; the invitation is shown only to a signed-in instructor (or operator) whose current
    email it is, and makes them an instructor only when they accept."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)  # lower-cased
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_by_name = models.CharField(max_length=80)  # a snapshot, shown to the invitee
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    # Who answered (the account whose email it was at the time).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"lms"."course_invitation"'
        constraints = [
            # Inviting the same address again while it has not answered is a no-op.
            models.UniqueConstraint(
                fields=["course", "email"],
                condition=Q(status="pending"),
                name="lms_invitation_one_pending",
            )
        ]
        indexes = [
            models.Index(
                fields=["email"], condition=Q(status="pending"), name="lms_invitation_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.course_id} ({self.status})"


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = '"lms"."module"'
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class LessonKind(models.TextChoices):
    """What the lesson shows. An uploaded file sets it from the file's bytes (video, audio, pdf,
    image; any other accepted file is `file`)."""

    TEXT = "text", "Text"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"
    PDF = "pdf", "PDF"
    IMAGE = "image", "Image"
    FILE = "file", "File"


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=LessonKind.choices, default=LessonKind.TEXT)
    body = models.TextField(blank=True, default="")
    video_url = models.URLField(blank=True, default="")
    media = models.FileField(upload_to="lms/lessons/%Y/%m/", blank=True)
    duration_minutes = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(default=True)

    class Meta:
        db_table = '"lms"."lesson"'
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class QuestionBank(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="banks")
    title = models.CharField(max_length=200)

    class Meta:
        db_table = '"lms"."question_bank"'

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    TRUE_FALSE = "true_false", "True / false"
    SHORT = "short", "Short answer"


class ShortAnswerMatching(models.TextChoices):
    """How a short answer is compared with the accepted ones (ADR 0018)."""

    EXACT = "exact", "Exactly as typed"
    IGNORE_CASE = "ignore_case", "Ignoring case and spacing"
    IGNORE_PUNCTUATION = "ignore_punctuation", "Ignoring case, spacing, accents and punctuation"


class Question(models.Model):
    """`choices`: [{"id": "a", "text": "..."}] for single/multiple. `answer`: the choice id
    (single), a list of ids (multiple), a boolean (true/false) or a list of accepted texts
    (short). Never sent to a learner before they submit."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    prompt = models.TextField()
    choices = models.JSONField(default=list, blank=True)
    answer = models.JSONField()
    # Short answers: how the learner's text is compared with the accepted ones.
    matching = models.CharField(
        max_length=20, choices=ShortAnswerMatching.choices, default=ShortAnswerMatching.IGNORE_CASE
    )
    explanation = models.TextField(blank=True, default="")
    points = models.PositiveIntegerField(default=1)
    # Retired questions are never drawn again but stay for the review of past attempts.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"lms"."question"'
        ordering = ["id"]

    def __str__(self) -> str:
        return self.prompt[:60]


class RevealAnswers(models.TextChoices):
    """When a learner's review of a submitted attempt shows the right answers and explanations
    (ADR 0018)."""

    NEVER = "never", "Never"
    AFTER_PASSING_OR_LAST_ATTEMPT = (
        "after_passing_or_last_attempt",
        "Once the learner passed or has no attempt left",
    )
    ALWAYS = "always", "After every attempt"


class Quiz(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quizzes")
    module = models.ForeignKey(
        Module, on_delete=models.SET_NULL, null=True, blank=True, related_name="quizzes"
    )
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="quizzes")
    title = models.CharField(max_length=200)
    # Draw this many random questions per attempt; null means every question of the bank.
    question_count = models.PositiveIntegerField(null=True, blank=True)
    pass_mark_percent = models.PositiveIntegerField(default=70)
    max_attempts = models.PositiveIntegerField(null=True, blank=True)
    time_limit_seconds = models.PositiveIntegerField(null=True, blank=True)
    required = models.BooleanField(default=True)
    reveal_answers = models.CharField(
        max_length=32,
        choices=RevealAnswers.choices,
        default=RevealAnswers.AFTER_PASSING_OR_LAST_ATTEMPT,
    )

    class Meta:
        db_table = '"lms"."quiz"'
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark_percent__lte=100), name="lms_quiz_pass_mark_range"
            )
        ]

    def __str__(self) -> str:
        return self.title


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Learner(models.Model):
    """lms's own copy of what it shows about a learner (the gradebook sorts and searches it, the
    admin searches it): lms never reads accounts' columns through the user foreign key.
    Written when someone enrolls and refreshed on `user.updated` (services/learners.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    display_name = models.CharField(max_length=80)
    email = models.EmailField(max_length=254)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = '"lms"."learner"'

    def __str__(self) -> str:
        return self.display_name


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A join to lms's own copy of the learner on the same user_id column (no column of its own,
    # no constraint): `learner__display_name` sorts and searches without touching accounts.
    # Nullable, so a missing copy is a LEFT JOIN that still lists the enrollment.
    learner = models.ForeignObject(
        Learner,
        from_fields=["user"],
        to_fields=["user"],
        on_delete=models.DO_NOTHING,
        related_name="+",
        null=True,
    )
    status = models.CharField(
        max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    # Incremented by a progress reset: attempts and completions belong to one cycle.
    cycle = models.PositiveIntegerField(default=1)
    # The learner's choice: the course's instructors see this learner's email in the gradebook
    # (JSON and CSV) only when true; otherwise only the display name (ADR 0019).
    share_email_with_instructors = models.BooleanField(default=False)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"lms"."enrollment"'
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="lms_enrollment_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id}"


class LessonCompletion(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="completions")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = '"lms"."lesson_completion"'
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"], name="lms_lesson_completion_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.lesson_id}"


class QuizAttempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attempts")
    cycle = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    question_ids = ArrayField(models.BigIntegerField())
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    results = models.JSONField(default=dict, blank=True)  # question id -> points earned
    score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        db_table = '"lms"."quiz_attempt"'
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user", "cycle", "number"], name="lms_attempt_number_uniq"
            ),
            # One open attempt per learner and quiz: a double "start" can't create two.
            models.UniqueConstraint(
                fields=["quiz", "user"],
                condition=Q(submitted_at__isnull=True),
                name="lms_attempt_one_open",
            ),
        ]
        # The expiry sweep reads only open attempts with a deadline.
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=Q(submitted_at__isnull=True, deadline__isnull=False),
                name="lms_attempt_open_deadline_idx",
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.quiz_id} by {self.user_id}"


class Certificate(models.Model):
    """One per learner and course. Names are snapshots: a later rename changes nothing here."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    verify_code = models.CharField(max_length=24, unique=True)
    learner_name = models.CharField(max_length=80)
    course_title = models.CharField(max_length=200)
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True, default="")
    pdf = models.FileField(upload_to="lms/certificates/", blank=True)
    # Who issues it, decided once at issue time (docs/decisions/0011): the platform (a signed
    # Open Badge) only if the course's creator was a verified instructor then; otherwise the
    # instructor, and there is no platform-signed badge. A later (un)verification changes
    # neither. The creator's name is a snapshot, like the learner's.
    issued_by_platform = models.BooleanField(default=False)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    creator_name = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        db_table = '"lms"."certificate"'
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="lms_certificate_once")
        ]

    def __str__(self) -> str:
        return f"{self.course_title}: {self.learner_name}"
