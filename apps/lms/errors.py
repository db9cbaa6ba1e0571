"""Every error code the learning context answers with (besides the kernel's generic ones).

Each member says which statuses carry it, what it means and what a client should do
(gigsy.errors.DescribedCodes; docs/errors.md is generated from them)."""

from gigsy.errors import DescribedCodes, error_codes


@error_codes
class LmsError(DescribedCodes):
    # authoring
    SLUG_TAKEN = (
        "slug_taken",
        409,
        "Another course already has this slug.",
        "Choose another slug (or leave it out: one is made from the title).",
    )
    NOT_DRAFT = (
        "not_draft",
        409,
        "Only a draft course can be deleted; this one was published.",
        "Archive the course instead (POST .../archive).",
    )
    NOT_PUBLISHED = (
        "not_published",
        409,
        "Only a published course can be archived.",
        "Publish it first, or delete it while it is a draft.",
    )
    ALREADY_PUBLISHED = (
        "already_published",
        409,
        "The course is already published.",
        "Nothing to do: reload the course.",
    )
    EMPTY_COURSE = (
        "empty_course",
        409,
        "A course needs at least one lesson to be published, and a published course must keep one.",
        "Add a lesson first (or keep the last one).",
    )
    LAST_INSTRUCTOR = (
        "last_instructor",
        409,
        "A course keeps at least one instructor.",
        "Add another instructor before removing this one.",
    )
    TOO_MANY_INSTRUCTORS = (
        "too_many_instructors",
        409,
        "The course already has the most instructors a course may have (10).",
        "Remove an instructor before adding another.",
    )
    OWNER_REMAINS = (
        "owner_remains",
        409,
        "The course's owner (its creator) cannot leave it or be removed by a co-instructor.",
        "Ask an operator: removing the owner passes ownership to the next instructor.",
    )
    INVITATION_ANSWERED = (
        "invitation_answered",
        409,
        "The co-instructor invitation was already accepted or declined.",
        "Reload the invitations (GET /lms/invitations); ask for a new one if needed.",
    )
    HAS_LEARNER_PROGRESS = (
        "has_learner_progress",
        409,
        "Learners have completed or attempted this content, so it cannot be deleted.",
        "Make the lesson or quiz optional (`required: false`) instead.",
    )
    BANK_IN_USE = (
        "bank_in_use",
        409,
        "Quizzes draw from this question bank.",
        "Delete those quizzes or point them at another bank first.",
    )
    # learning
    ARCHIVED = (
        "archived",
        409,
        "The course is archived and takes no new learners (enrolled ones keep access).",
        "Show the course as closed; offer similar courses.",
    )
    NOT_ENROLLED = (
        "not_enrolled",
        409,
        "The action needs an enrollment in the course (an active one to learn).",
        "Offer to enroll (POST /lms/courses/<slug>/enroll), then retry.",
    )
    PREREQUISITES_MISSING = (
        "prerequisites_missing",
        409,
        "The course requires courses the learner has not completed; the message names them.",
        "Link the learner to the prerequisite courses.",
    )
    # quizzes
    EMPTY_QUIZ = (
        "empty_quiz",
        409,
        "The quiz's question bank has no questions yet.",
        "Learner: try later. Instructor: add questions to the bank.",
    )
    NO_ATTEMPTS_LEFT = (
        "no_attempts_left",
        409,
        "Every attempt this quiz allows is used (in every progress cycle: a reset gives none "
        "back).",
        "Show the best score; only the course's instructors can allow more attempts.",
    )
    ALREADY_SUBMITTED = (
        "already_submitted",
        409,
        "This attempt was already submitted (a double click, another tab).",
        "Fetch the attempt (GET /lms/attempts/<id>) to show its review.",
    )
    TIME_LIMIT_EXCEEDED = (
        "time_limit_exceeded",
        409,
        "The attempt's time limit has passed: it can no longer be submitted, and it is closed "
        "as unanswered.",
        "Fetch the attempt to show its result; start a new one if attempts are left.",
    )
    # certificates
    ALREADY_REVOKED = (
        "already_revoked",
        409,
        "The certificate is already revoked.",
        "Nothing to do: reload it.",
    )
    REVOKED = (
        "revoked",
        409,
        "The certificate was revoked: no PDF, no signed credential.",
        "Show it as revoked (its verification page says so too).",
    )
    PDF_NOT_READY = (
        "pdf_not_ready",
        409,
        "The certificate's PDF is still being rendered (seconds after issuing).",
        "Retry after a few seconds, or wait for `pdf_url` to appear on the certificate.",
    )
    ISSUER_NOT_VERIFIED = (
        "issuer_not_verified",
        409,
        "The certificate was issued by the course's instructor, whom the platform had not "
        "verified when it was issued: the platform signs no Open Badge for it. The certificate, "
        "its PDF and its verification page stay valid, marked as the instructor's.",
        "Show the certificate as issued by the instructor (its `issuer`); do not offer a badge.",
    )
