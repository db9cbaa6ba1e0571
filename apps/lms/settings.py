"""Learning's settings: defaults read from the environment, merged into django.conf.settings at
start-up (gigsy/contexts.py). The environment-specific settings modules may still set any of them.
"""

from __future__ import annotations

import environ

env = environ.Env()

# Public catalog pages are cached this long (0: off); any course change retires them at once.
LMS_CATALOG_CACHE_SECONDS = env.int("LMS_CATALOG_CACHE_SECONDS", default=60)
# Settle quiz attempts whose time limit passed (the learner walked away): graded 0, quiz.failed.
LMS_EXPIRED_ATTEMPT_SWEEP_SECONDS = env.float("LMS_EXPIRED_ATTEMPT_SWEEP_SECONDS", default=60.0)
# A certificate without a PDF this long after issue is re-queued by the PDF sweep below.
LMS_PDF_SWEEP_GRACE_SECONDS = env.int("LMS_PDF_SWEEP_GRACE_SECONDS", default=120)

# Periodic work (ADR 0012): added to the kernel's CELERY_BEAT_SCHEDULE.
CELERY_BEAT_SCHEDULE = {
    "lms.settle_expired_attempts": {
        "task": "lms.settle_expired_attempts",
        "schedule": LMS_EXPIRED_ATTEMPT_SWEEP_SECONDS,
        # A sweep still queued when the next one is due is dropped, not piled up.
        "options": {"expires": LMS_EXPIRED_ATTEMPT_SWEEP_SECONDS},
    },
    # Certificates whose PDF task was lost (broker down at send time, process killed).
    "lms.render_missing_certificate_pdfs": {
        "task": "lms.render_missing_certificate_pdfs",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
}

# Choice sets that share a field name (`kind`) get explicit OpenAPI component names.
SPECTACULAR_SETTINGS = {
    "ENUM_NAME_OVERRIDES": {
        "LessonKindEnum": "apps.lms.models.LessonKind",
        "QuestionKindEnum": "apps.lms.models.QuestionKind",
        "LevelEnum": "apps.lms.models.Level",
        # Two choice sets are called `status`: a course's and an enrollment's.
        "CourseStatusEnum": "apps.lms.models.CourseStatus",
        "EnrollmentStatusEnum": "apps.lms.models.EnrollmentStatus",
        # Each question variant's `kind` (apps/lms/api/question_shapes.py): one value each.
        "SingleKindEnum": ["single"],
        "MultipleKindEnum": ["multiple"],
        "TrueFalseKindEnum": ["true_false"],
        "ShortKindEnum": ["short"],
    },
}
