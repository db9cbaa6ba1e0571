"""Authoring: instructors build courses, modules, lessons, question banks and quizzes."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts import public as accounts
from apps.lms.errors import LmsError
from apps.lms.models import (
    MAX_INSTRUCTORS,
    Course,
    CourseInstructor,
    CourseInvitation,
    CourseStatus,
    InvitationStatus,
    Lesson,
    LessonCompletion,
    LessonKind,
    Module,
)
from apps.lms.policies import may_author, require_author, require_editor
from apps.lms.services.learning import schedule_reevaluation
from gigsy.errors import ConflictError, ForbiddenError, NotFoundError
from gigsy.events import publish
from gigsy.files import ContentMismatchError, Family, identify_upload, type_of_name
from gigsy.updates import model_update

COURSE_FIELDS = ("title", "summary", "description", "level", "skills")
MODULE_FIELDS = ("title", "position")
LESSON_FIELDS = (
    "title",
    "kind",
    "body",
    "video_url",
    "media",
    "duration_minutes",
    "position",
    "required",
)


def _prerequisites(slugs: list[str], *, course: Course) -> list[Course]:
    """The courses `slugs` name, which must be published (or already prerequisites of `course`,
    e.g. archived since). Any other slug, a draft's included, is an unknown course: its title
    never comes back and its slug never reaches the course page."""
    if course.slug in slugs:
        raise ValidationError({"prerequisites": ["A course cannot require itself."]})
    kept = course.prerequisites.all() if course.pk else Course.objects.none()
    found = list(
        Course.objects.filter(slug__in=slugs).filter(
            Q(status=CourseStatus.PUBLISHED) | Q(pk__in=kept.values("pk"))
        )
    )
    missing = sorted(set(slugs) - {c.slug for c in found})
    if missing:
        raise ValidationError({"prerequisites": [f"Unknown course: {s}" for s in missing]})
    return found


@transaction.atomic
def create_course(
    *,
    author: accounts.Principal,
    title: str,
    slug: str | None = None,
    summary: str = "",
    description: str = "",
    level: str = "beginner",
    skills: list[str] | None = None,
    prerequisites: list[str] | None = None,
) -> Course:
    require_author(user=author)
    slug = slug or slugify(title)[:120]
    if not slug:
        raise ValidationError({"slug": ["Give a slug, or a title with letters or digits."]})
    course = Course(
        slug=slug,
        title=title,
        summary=summary,
        description=description,
        level=level,
        skills=sorted(set(skills or [])),
    )
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError as exc:
        raise ConflictError(
            "A course with this slug exists.",
            code=LmsError.SLUG_TAKEN,
            fields={"slug": ["Already taken."]},
        ) from exc
    CourseInstructor.objects.create(
        course=course, user_id=accounts.user_id_of(author), is_owner=True
    )
    if prerequisites:
        course.prerequisites.set(_prerequisites(prerequisites, course=course))
    return course


@transaction.atomic
def update_course(*, course: Course, user: accounts.Principal, **changes: Any) -> Course:
    require_editor(course=course, user=user)
    prerequisites = changes.pop("prerequisites", None)
    if "skills" in changes:
        changes["skills"] = sorted(set(changes["skills"]))
    # Write only the edited fields of a fresh, locked row: a stale copy must not undo a
    # concurrent publish or archive.
    course = Course.objects.select_for_update().get(pk=course.pk)
    changed = model_update(instance=course, data=changes, fields=COURSE_FIELDS, save=False)
    # Stamped even when only the prerequisites moved: "Courses I teach" lists recent edits first.
    course.save(update_fields=[*changed, "updated_at"])
    if prerequisites is not None:
        course.prerequisites.set(_prerequisites(prerequisites, course=course))
    if course.status == CourseStatus.PUBLISHED:
        _announce(course)  # the catalog's copies (search) follow the edit
    return course


@transaction.atomic
def publish_course(*, course: Course, user: accounts.Principal) -> Course:
    require_editor(course=course, user=user)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status == CourseStatus.PUBLISHED:
        raise ConflictError("The course is already published.", code=LmsError.ALREADY_PUBLISHED)
    if not Lesson.objects.filter(module__course=course).exists():
        raise ConflictError(
            "Add at least one lesson before publishing.", code=LmsError.EMPTY_COURSE
        )
    course.status = CourseStatus.PUBLISHED
    course.published_at = timezone.now()
    course.save(update_fields=["status", "published_at", "updated_at"])
    _announce(course)
    return course


def _announce(course: Course) -> None:
    publish(
        "course.published",
        {
            "course_id": str(course.pk),
            "slug": course.slug,
            "title": course.title,
            "summary": course.summary,
            "skills": list(course.skills),
            "level": course.level,
        },
        producer="lms",
    )


def _next_position(queryset: Any) -> int:
    last = queryset.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


@transaction.atomic
def add_module(
    *, course: Course, user: accounts.Principal, title: str, position: int | None = None
) -> Module:
    require_editor(course=course, user=user)
    if position is None:
        position = _next_position(course.modules.all())
    return Module.objects.create(course=course, title=title, position=position)


@transaction.atomic
def add_lesson(
    *,
    module: Module,
    user: accounts.Principal,
    title: str,
    kind: str = LessonKind.TEXT,
    **fields: Any,
) -> Lesson:
    require_editor(course=module.course, user=user)
    _check_lesson_content(kind, fields)
    if fields.get("position") is None:
        fields["position"] = _next_position(module.lessons.all())
    return Lesson.objects.create(module=module, title=title, kind=kind, **fields)


@transaction.atomic
def update_lesson(*, lesson: Lesson, user: accounts.Principal, **changes: Any) -> Lesson:
    require_editor(course=lesson.module.course, user=user)
    changed = model_update(instance=lesson, data=changes, fields=LESSON_FIELDS, save=False)
    # The lesson as edited must still make sense (a video lesson keeps a video) before it's saved.
    _check_lesson_content(
        lesson.kind, {"video_url": lesson.video_url, "media": lesson.media, "body": lesson.body}
    )
    lesson.save(update_fields=changed)
    if "required" in changes:
        schedule_reevaluation(course=lesson.module.course)
    return lesson


# Media a lesson may carry; nothing a browser would run (no HTML, SVG or scripts).
MEDIA_EXTENSIONS = {
    ".mp4",
    ".webm",
    ".mov",
    ".mp3",
    ".m4a",
    ".ogg",
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".zip",
    ".txt",
    ".md",
    ".csv",
    ".pptx",
    ".docx",
    ".xlsx",
    ".ipynb",
}


# The lesson kind a file's content makes (anything else accepted is a downloadable `file`).
KIND_OF_FAMILY = {
    Family.VIDEO: LessonKind.VIDEO,
    Family.AUDIO: LessonKind.AUDIO,
    Family.PDF: LessonKind.PDF,
    Family.IMAGE: LessonKind.IMAGE,
}
MEDIA_KINDS = frozenset(KIND_OF_FAMILY.values())


@transaction.atomic
def attach_lesson_media(*, lesson: Lesson, user: accounts.Principal, upload: Any) -> Lesson:
    """Store the lesson's file; the lesson's kind follows the file's bytes (an .mp4 makes it a
    video lesson). A file whose bytes do not match its extension is refused."""
    require_editor(course=lesson.module.course, user=user)
    extension = Path(upload.name or "").suffix.lower()
    if extension not in MEDIA_EXTENSIONS:
        raise ValidationError(
            {"file": [f"Files of type {extension or '(none)'} are not accepted here."]}
        )
    try:
        content = identify_upload(upload, upload.name)
    except ContentMismatchError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    previous = lesson.media.name if lesson.media else None
    lesson.media.save(Path(upload.name).name, upload, save=False)
    lesson.kind = KIND_OF_FAMILY.get(content.family, LessonKind.FILE)
    lesson.save(update_fields=["media", "kind"])
    if previous:
        storage = lesson.media.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return lesson


def _check_lesson_content(kind: str, fields: dict[str, Any]) -> None:
    if kind == LessonKind.VIDEO and not fields.get("video_url") and not fields.get("media"):
        raise ValidationError({"video_url": ["A video lesson needs a video URL or a file."]})
    if kind == LessonKind.FILE and not fields.get("media"):
        raise ValidationError({"media": ["A file lesson needs a file."]})
    if kind in MEDIA_KINDS - {LessonKind.VIDEO}:
        # Audio, PDF and image lessons show their uploaded file: it must be one (its bytes were
        # checked on upload, so its name tells its type).
        media = fields.get("media")
        name = str(getattr(media, "name", media) or "")
        if not name or KIND_OF_FAMILY.get(type_of_name(name).family) != kind:
            raise ValidationError(
                {"kind": [f"A {kind} lesson needs an uploaded {kind} file; upload it first."]}
            )


@transaction.atomic
def archive_course(*, course: Course, user: accounts.Principal) -> Course:
    """Close a published course: it leaves the catalog and takes no new learners; those
    enrolled keep their access, progress and certificates."""
    require_editor(course=course, user=user)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.PUBLISHED:
        raise ConflictError("Only a published course can be archived.", code=LmsError.NOT_PUBLISHED)
    course.status = CourseStatus.ARCHIVED
    course.save(update_fields=["status", "updated_at"])
    publish(
        "course.archived",
        {"course_id": str(course.pk), "slug": course.slug},
        producer="lms",
    )
    return course


@transaction.atomic
def delete_course(*, course: Course, user: accounts.Principal) -> None:
    """Only a draft can be deleted: a course learners have seen is archived instead."""
    require_editor(course=course, user=user)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.DRAFT:
        raise ConflictError(
            "A course that was published can't be deleted; archive it instead.",
            code=LmsError.NOT_DRAFT,
        )
    delete_draft(course=course)


def delete_draft(*, course: Course) -> None:
    """Delete a draft course with everything in it, its lesson files after commit. The caller
    has checked who may, and that it is a draft, under the course's row lock."""
    lessons = Lesson.objects.filter(module__course=course)
    media = [lesson.media for lesson in lessons if lesson.media]
    course.quizzes.all().delete()  # quizzes PROTECT their bank, which the course cascades to
    course.delete()
    _delete_files_on_commit(media)


@transaction.atomic
def update_module(*, module: Module, user: accounts.Principal, **changes: Any) -> Module:
    require_editor(course=module.course, user=user)
    model_update(instance=module, data=changes, fields=MODULE_FIELDS)
    return module


@transaction.atomic
def delete_module(*, module: Module, user: accounts.Principal) -> None:
    """Delete a module and its lessons; its quizzes stay, as course-level quizzes."""
    course = module.course
    require_editor(course=course, user=user)
    lessons = list(module.lessons.all())
    _refuse_if_learned(lessons)
    _refuse_if_last_lessons(course, lessons)
    module.delete()
    _delete_files_on_commit([lesson.media for lesson in lessons if lesson.media])
    schedule_reevaluation(course=course)


@transaction.atomic
def delete_lesson(*, lesson: Lesson, user: accounts.Principal) -> None:
    course = lesson.module.course
    require_editor(course=course, user=user)
    _refuse_if_learned([lesson])
    _refuse_if_last_lessons(course, [lesson])
    media = lesson.media if lesson.media else None
    lesson.delete()
    _delete_files_on_commit([media] if media else [])
    schedule_reevaluation(course=course)


def _refuse_if_learned(lessons: list[Lesson]) -> None:
    # Completions are learners' records: removing the lesson would silently erase them.
    if LessonCompletion.objects.filter(lesson__in=lessons).exists():
        raise ConflictError(
            "Learners have completed this content; make it optional instead of deleting it.",
            code=LmsError.HAS_LEARNER_PROGRESS,
        )


def _refuse_if_last_lessons(course: Course, lessons: list[Lesson]) -> None:
    if course.status == CourseStatus.DRAFT:
        return
    remaining = Lesson.objects.filter(module__course=course).exclude(
        pk__in=[lesson.pk for lesson in lessons]
    )
    if not remaining.exists():
        raise ConflictError(
            "A published course must keep at least one lesson.", code=LmsError.EMPTY_COURSE
        )


def _delete_files_on_commit(files: list[Any]) -> None:
    for file in files:
        storage, name = file.storage, file.name
        transaction.on_commit(functools.partial(storage.delete, name))


# --- co-instructors: invited by email, added when they accept (ADR 0019) --------------------------


@transaction.atomic
def invite_instructor(*, course: Course, user: accounts.Principal, email: str) -> None:
    """Invite whoever has `email` to co-teach the course. Returns nothing and behaves the same
    whether the address belongs to nobody, a learner, an instructor or an operator: the inviter
    learns who it is only when they accept (they then appear among the course's instructors).
    Inviting an address again while it has not answered is a no-op; a full course is 409
    `too_many_instructors`."""
    require_editor(course=course, user=user)
    email = email.strip().lower()
    Course.objects.select_for_update().filter(pk=course.pk).first()
    if CourseInstructor.objects.filter(course=course).count() >= MAX_INSTRUCTORS:
        raise ConflictError(
            f"A course has at most {MAX_INSTRUCTORS} instructors; remove one first.",
            code=LmsError.TOO_MANY_INSTRUCTORS,
        )
    CourseInvitation.objects.get_or_create(
        course=course,
        email=email,
        status=InvitationStatus.PENDING,
        defaults={
            "invited_by_id": accounts.user_id_of(user),
            "invited_by_name": accounts.display_name_of(user)[:80],
        },
    )


def _my_email(user: accounts.Principal) -> str | None:
    """The signed-in caller's current email if they may teach (instructor or operator)."""
    if not may_author(user):
        return None
    me = accounts.get_user(accounts.user_id_of(user))
    return me.email.lower() if me else None


def my_invitations(*, user: accounts.Principal) -> QuerySet[CourseInvitation]:
    """Pending invitations addressed to the caller's email, newest first; none for a caller who
    may not teach (a learner never learns that someone typed their address)."""
    email = _my_email(user)
    if email is None:
        return CourseInvitation.objects.none()
    return (
        CourseInvitation.objects.filter(email=email, status=InvitationStatus.PENDING)
        .select_related("course")
        .order_by("-created_at", "-pk")
    )


def _answerable(*, invitation_id: int, user: accounts.Principal) -> CourseInvitation:
    """The caller's invitation, locked: 404 for anyone else's (or a learner's), 409 when it was
    already answered."""
    email = _my_email(user)
    invitation = (
        CourseInvitation.objects.select_for_update()
        .select_related("course")
        .filter(pk=invitation_id, email=email or "")
        .first()
    )
    if email is None or invitation is None:
        raise NotFoundError("No such invitation.")
    if invitation.status != InvitationStatus.PENDING:
        raise ConflictError(
            f"This invitation was already {invitation.status}.",
            code=LmsError.INVITATION_ANSWERED,
        )
    return invitation


def _answer(invitation: CourseInvitation, user: accounts.Principal, status: str) -> None:
    invitation.status = status
    invitation.answered_by_id = accounts.user_id_of(user)
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_by", "answered_at"])


@transaction.atomic
def accept_invitation(*, invitation_id: int, user: accounts.Principal) -> CourseInvitation:
    """The invitee becomes a co-instructor (409 `too_many_instructors` if the course filled up
    meanwhile; nothing changes then and the invitation stays pending)."""
    invitation = _answerable(invitation_id=invitation_id, user=user)
    course = invitation.course
    # The course's row serializes additions: two at once must not pass the bound together.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    user_id = accounts.user_id_of(user)
    teaching = set(CourseInstructor.objects.filter(course=course).values_list("user_id", flat=True))
    if user_id not in teaching and len(teaching) >= MAX_INSTRUCTORS:
        raise ConflictError(
            f"A course has at most {MAX_INSTRUCTORS} instructors; remove one first.",
            code=LmsError.TOO_MANY_INSTRUCTORS,
        )
    CourseInstructor.objects.get_or_create(course=course, user_id=user_id)
    _answer(invitation, user, InvitationStatus.ACCEPTED)
    return invitation


@transaction.atomic
def decline_invitation(*, invitation_id: int, user: accounts.Principal) -> CourseInvitation:
    """Declined: nothing changes for the course, and the inviter is not told (inviting the
    address again answers as the first time)."""
    invitation = _answerable(invitation_id=invitation_id, user=user)
    _answer(invitation, user, InvitationStatus.DECLINED)
    return invitation


@transaction.atomic
def remove_instructor(*, course: Course, user: accounts.Principal, instructor_id: int) -> None:
    """The owner removes co-instructors; a co-instructor may only leave (403 for removing anyone
    else); the owner stays (409 `owner_remains`) unless an operator removes them, and then
    ownership passes to the earliest remaining instructor. A course keeps one instructor."""
    require_editor(course=course, user=user)
    # Lock the course's instructor rows: two removals at once must not leave it with none.
    links = list(CourseInstructor.objects.select_for_update().filter(course=course).order_by("pk"))
    link = next((link for link in links if link.user_id == instructor_id), None)
    if link is None:
        raise NotFoundError("This person does not teach the course.")
    operator = accounts.is_operator(user)
    caller_id = accounts.user_id_of(user)
    caller_owns = any(x.is_owner and x.user_id == caller_id for x in links)
    if not (operator or caller_owns or instructor_id == caller_id):
        raise ForbiddenError("Only the course's owner may remove other instructors.")
    if len(links) == 1:
        raise ConflictError(
            "A course keeps at least one instructor; add another first.",
            code=LmsError.LAST_INSTRUCTOR,
        )
    if link.is_owner and not operator:
        raise ConflictError(
            "The course's owner stays its instructor; an operator can remove them.",
            code=LmsError.OWNER_REMAINS,
        )
    link.delete()
    if link.is_owner:
        heir = next(x for x in links if x.pk != link.pk)
        heir.is_owner = True
        heir.save(update_fields=["is_owner"])
