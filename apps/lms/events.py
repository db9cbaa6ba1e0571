"""The event types lms produces (collected into the catalog by gigsy.events at start-up)."""

from __future__ import annotations

from gigsy.events.catalog import ID, SKILLS, TEXT, EventSpec, register

SCORE = {"type": "number", "minimum": 0, "maximum": 100}
LEVEL = {"type": "string", "enum": ["beginner", "intermediate", "advanced"]}

register(
    EventSpec(
        type="course.published",
        producer="lms",
        consumers=("search",),
        description="An instructor published a course (or republished it after edits).",
        properties={
            "course_id": ID,
            "slug": TEXT,
            "title": TEXT,
            "summary": TEXT,
            "skills": SKILLS,
            "level": LEVEL,
        },
    )
)
register(
    EventSpec(
        type="course.archived",
        producer="lms",
        consumers=("search",),
        description="An instructor archived a course: it leaves the catalog and takes no new "
        "learners (those enrolled keep access).",
        properties={"course_id": ID, "slug": TEXT},
    )
)
register(
    EventSpec(
        type="enrollment.created",
        producer="lms",
        consumers=("gamification",),
        description="A learner enrolled in a course.",
        properties={"enrollment_id": ID, "user_id": ID, "course_id": ID},
    )
)
register(
    EventSpec(
        type="lesson.completed",
        producer="lms",
        consumers=("gamification",),
        description="A learner completed a lesson (once per lesson and progress cycle).",
        properties={"user_id": ID, "course_id": ID, "lesson_id": ID},
    )
)
for _outcome in ("passed", "failed"):
    register(
        EventSpec(
            type=f"quiz.{_outcome}",
            producer="lms",
            consumers=("careers", "gamification"),
            description=f"A quiz attempt was graded and {_outcome}: submitted by the learner, "
            "or settled with score 0 when its time limit passed unsubmitted.",
            properties={
                "user_id": ID,
                "course_id": ID,
                "quiz_id": ID,
                "attempt_id": ID,
                "score": SCORE,
                "skills": SKILLS,
            },
        )
    )
register(
    EventSpec(
        type="course.completed",
        producer="lms",
        consumers=("lms", "careers", "gamification"),
        description="Every required lesson is done and every required quiz passed.",
        properties={"user_id": ID, "course_id": ID, "enrollment_id": ID, "skills": SKILLS},
    )
)
for _change in ("issued", "revoked"):
    register(
        EventSpec(
            type=f"certificate.{_change}",
            producer="lms",
            consumers=("careers", "gigs", "chat"),
            description=f"A course certificate was {_change}.",
            properties={
                "certificate_id": ID,
                "user_id": ID,
                "course_id": ID,
                "skills": SKILLS,
                "verify_code": TEXT,
            },
        )
    )
