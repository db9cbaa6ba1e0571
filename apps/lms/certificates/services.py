"""Certificates: issued once per learner and course when `course.completed` arrives, rendered
to PDF after commit, verifiable by anyone, revocable by operators."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts import public as accounts
from apps.lms import selectors as lms_selectors
from apps.lms.certificates import selectors
from apps.lms.certificates.facts import facts_of
from apps.lms.certificates.links import verify_url
from apps.lms.certificates.pdf import render_certificate_pdf
from apps.lms.errors import LmsError
from apps.lms.models import Certificate, Course
from gigsy.errors import ConflictError
from gigsy.events import publish
from gigsy.tasks import enqueue_after_commit

RENDER_PDF_TASK = "lms.render_certificate_pdf"

# Unambiguous characters for codes people may type from a printed certificate.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def new_verify_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def issue_certificate(*, user_id: int, course_id: int) -> tuple[Certificate, bool]:
    """Returns (certificate, created); a second call for the same pair changes nothing.

    Who issues it is decided here, once (docs/decisions/0011): the platform if the course's
    creator is a verified instructor now, otherwise the creator; recorded on the certificate
    with the creator's name as a snapshot."""
    existing = Certificate.objects.filter(user_id=user_id, course_id=course_id).first()
    if existing is not None:
        return existing, False
    course = Course.objects.get(pk=course_id)
    # The name is a snapshot taken now, read through accounts' public surface (not the FK).
    creator_id = lms_selectors.course_creator_id(course_id=course_id)
    people = accounts.get_users([user_id] if creator_id is None else [user_id, creator_id])
    learner = people.get(user_id)
    if learner is None:
        raise LookupError(f"No user {user_id} to issue a certificate to.")
    author = people.get(creator_id) if creator_id is not None else None
    certificate = Certificate(
        user_id=user_id,
        course=course,
        verify_code=new_verify_code(),
        learner_name=learner.display_name,
        course_title=course.title,
        skills=list(course.skills),
        creator_id=author.id if author else None,
        creator_name=author.display_name if author else "",
        issued_by_platform=author is not None and accounts.is_verified_instructor(author.id),
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:  # issued concurrently (or a code collision: retried by redelivery)
        return Certificate.objects.get(user_id=user_id, course_id=course_id), False
    _announce("certificate.issued", certificate)
    # By name: tasks sit above services in the app's layers.
    enqueue_after_commit(current_app.signature(RENDER_PDF_TASK), certificate.pk)
    return certificate, True


# The reason recorded when a holder deletes their account (the verify page and the revocation
# list show no reason: ADR 0019).
ACCOUNT_DELETED_REASON = "Account deleted"


@transaction.atomic
def revoke_certificate(
    *, certificate: Certificate, by: accounts.Principal | None, reason: str
) -> Certificate:
    """`by` is the operator revoking; None when the platform does (the holder deleted their
    account, docs/decisions/0023)."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ConflictError("The certificate is already revoked.", code=LmsError.ALREADY_REVOKED)
    certificate.revoked_at = timezone.now()
    certificate.revoke_reason = reason[:300]
    certificate.save(update_fields=["revoked_at", "revoke_reason"])
    _announce("certificate.revoked", certificate)
    return certificate


# A render whose names were replaced while it ran (an account deletion) renders again, up to
# this many times in all.
_RENDER_TRIES = 3


def render_pdf(*, certificate_id: int) -> str:
    """Render and store the certificate's PDF unless it has one; returns the stored file's name.

    Idempotent (a redelivered task, the sweep behind a late first render): rendering twice
    stores once, see `store_pdf`.
    """
    for _ in range(_RENDER_TRIES):
        certificate = Certificate.objects.select_related("course").get(pk=certificate_id)
        if certificate.pdf:
            break
        content = render_certificate_pdf(
            facts_of(certificate),
            verify_url=verify_url(certificate.verify_code),
            issuer_name=settings.CERTIFICATE_ISSUER_NAME,
            font_path=settings.CERTIFICATE_PDF_FONT or None,
            bold_font_path=settings.CERTIFICATE_PDF_FONT_BOLD or None,
        )
        store_pdf(certificate=certificate, content=content)
    certificate.refresh_from_db(fields=["pdf"])
    return str(certificate.pdf.name)


@transaction.atomic
def store_pdf(*, certificate: Certificate, content: bytes) -> bool:
    """Save the rendered PDF to object storage once; False if another render got there first
    (a redelivered task, or the sweep racing the first render), or if the names it printed
    (those of `certificate`, as read for the render) were replaced meanwhile: an account
    deletion pseudonymizes them, and the PDF must not bring the old ones back."""
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.pdf or _printed_names(locked) != _printed_names(certificate):
        return False
    locked.pdf.save(f"{locked.verify_code}.pdf", ContentFile(content), save=False)
    Certificate.objects.filter(pk=locked.pk).update(pdf=locked.pdf.name)
    return True


def enqueue_missing_pdfs(*, older_than: timedelta, limit: int = 500) -> int:
    """Queue a render for certificates still without a PDF after `older_than`: the task sent
    after commit can be lost (broker down at that moment, process killed before sending,
    Redis restarted without persistence). Rendering is idempotent, so a task that was only
    late does no harm. Returns how many were queued."""
    ids = selectors.missing_pdf(issued_before=timezone.now() - older_than, limit=limit)
    for certificate_id in ids:
        current_app.signature(RENDER_PDF_TASK).apply_async(args=(certificate_id,))
    return len(ids)


def _printed_names(certificate: Certificate) -> tuple[str, str]:
    return certificate.learner_name, certificate.creator_name


@transaction.atomic
def pseudonymize_certificates(*, user_id: int, pseudonym: str) -> int:
    """The user deleted their account (`user.deleted`, docs/decisions/0023). Their certificates
    stay, so that a verifier shown one learns it is revoked rather than unknown: each is revoked
    through `revoke_certificate` (the revocation list and `certificate.revoked` as for any
    revocation) and names the pseudonym. Certificates of others that name the user as their
    course's creator name the pseudonym too. Every PDF printing a replaced name is deleted and
    rendered again after commit (the Open Badge is signed from these columns when asked).

    Idempotent: a second call finds nothing to revoke or rename. Returns how many
    certificates changed."""
    name = pseudonym[:80]  # the columns' length: compared as stored, so a rerun matches
    for certificate in Certificate.objects.filter(user_id=user_id, revoked_at__isnull=True):
        try:
            revoke_certificate(certificate=certificate, by=None, reason=ACCOUNT_DELETED_REASON)
        except ConflictError as exc:  # an operator revoked it meanwhile: it keeps their reason
            if exc.code != LmsError.ALREADY_REVOKED:
                raise
    renamed = list(
        Certificate.objects.select_for_update()
        .filter(
            (Q(user_id=user_id) & ~Q(learner_name=name))
            | (Q(creator_id=user_id) & ~Q(creator_name=name))
        )
        .order_by("pk")
    )
    for certificate in renamed:
        if certificate.user_id == user_id:
            certificate.learner_name = name
        if certificate.creator_id == user_id:
            certificate.creator_name = name
        if certificate.pdf:
            storage, old = certificate.pdf.storage, str(certificate.pdf.name)
            # Registered before the render below: the old file goes before a new one is stored
            # under its name. Robust: a storage error must not stop the render (it is logged).
            transaction.on_commit(functools.partial(storage.delete, old), robust=True)
            certificate.pdf = ""
            enqueue_after_commit(current_app.signature(RENDER_PDF_TASK), certificate.pk)
        certificate.save(update_fields=["learner_name", "creator_name", "pdf"])
    return len(renamed)


def _announce(event_type: str, certificate: Certificate) -> None:
    publish(
        event_type,
        {
            "certificate_id": str(certificate.pk),
            "user_id": str(certificate.user_id),
            "course_id": str(certificate.course_id),
            "skills": list(certificate.skills),
            "verify_code": certificate.verify_code,
        },
        producer="lms",
    )
