"""Every error code the learning context answers with (besides the kernel's generic ones)."""

from enum import StrEnum

from gigsy.errors import error_codes


@error_codes
class LmsError(StrEnum):
    # authoring
    SLUG_TAKEN = "slug_taken"
    NOT_DRAFT = "not_draft"
    NOT_PUBLISHED = "not_published"
    ALREADY_PUBLISHED = "already_published"
    EMPTY_COURSE = "empty_course"
    LAST_INSTRUCTOR = "last_instructor"
    HAS_LEARNER_PROGRESS = "has_learner_progress"
    BANK_IN_USE = "bank_in_use"
    # learning
    ARCHIVED = "archived"
    NOT_ENROLLED = "not_enrolled"
    PREREQUISITES_MISSING = "prerequisites_missing"
    # quizzes
    EMPTY_QUIZ = "empty_quiz"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    ALREADY_SUBMITTED = "already_submitted"
    TIME_LIMIT_EXCEEDED = "time_limit_exceeded"
    # certificates
    ALREADY_REVOKED = "already_revoked"
    REVOKED = "revoked"
    PDF_NOT_READY = "pdf_not_ready"
