"""Privacy between users (issue 10): what one user's action may reveal about another.

- Prerequisites name only published courses: another instructor's draft is an unknown course
  (its title never comes back, its slug never reaches a public page).
- Co-instructors are invited and accept: inviting answers the same for any email (unknown, a
  learner, an instructor, an operator) and never an id or a name; the invitee sees the
  invitation and accepts or declines it. A course's owner cannot be removed by a co-instructor.
- Instructors see learners' display names, not emails, unless the learner opted in.
- The public revocation list carries codes and dates only: following it names nobody.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.lms.certificates.services import issue_certificate, revoke_certificate
from apps.lms.models import CourseInstructor
from apps.lms.services import learning
from tests.factories import UserFactory
from tests.lms.conftest import BuiltCourse, build_course, client_for

pytestmark = pytest.mark.django_db

LMS = "/api/v1/lms"


@pytest.fixture
def rival(db: Any) -> Any:
    return UserFactory(email="rita@example.com", role="instructor", display_name="Rita")


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory(email="op@example.com", role="learner", is_staff=True, display_name="Op")


# --- prerequisites name only published courses ------------------------------------------------
def test_another_instructors_draft_is_an_unknown_prerequisite(
    built: BuiltCourse, instructor: Any, rival: Any
) -> None:
    secret = build_course(rival, slug="secret-plan", publish=False).course
    secret.title = "Top Secret Launch"
    secret.save(update_fields=["title"])
    me = client_for(instructor)

    created = me.post(
        f"{LMS}/courses",
        {"title": "Sequel", "slug": "sequel", "prerequisites": ["secret-plan"]},
        format="json",
    )
    assert created.status_code == 400, created.content
    assert created.json()["error"]["fields"]["prerequisites"] == ["Unknown course: secret-plan"]

    edited = me.patch(
        f"{LMS}/courses/{built.course.slug}", {"prerequisites": ["secret-plan"]}, format="json"
    )
    assert edited.status_code == 400, edited.content
    assert "Top Secret" not in edited.content.decode()
    assert built.course.prerequisites.count() == 0


def test_a_draft_is_no_prerequisite_even_of_its_own_authors_course(
    built: BuiltCourse, instructor: Any
) -> None:
    build_course(instructor, slug="my-draft", publish=False)
    response = client_for(instructor).patch(
        f"{LMS}/courses/{built.course.slug}", {"prerequisites": ["my-draft"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["prerequisites"] == ["Unknown course: my-draft"]


def test_published_and_already_named_prerequisites_are_accepted(
    built: BuiltCourse, instructor: Any
) -> None:
    first = build_course(instructor, slug="first-steps").course
    me = client_for(instructor)
    url = f"{LMS}/courses/{built.course.slug}"
    assert me.patch(url, {"prerequisites": ["first-steps"]}, format="json").status_code == 200
    # Archived since: a prerequisite it already is stays acceptable in the next edit.
    assert me.post(f"{LMS}/courses/first-steps/archive").status_code == 200
    kept = me.patch(url, {"prerequisites": ["first-steps"]}, format="json")
    assert kept.status_code == 200, kept.content
    assert list(built.course.prerequisites.values_list("pk", flat=True)) == [first.pk]
    # ...but an archived course is not newly named.
    other = build_course(instructor, slug="other").course
    assert me.patch(url, {"prerequisites": []}, format="json").status_code == 200
    assert me.post(f"{LMS}/courses/first-steps/archive").status_code == 409  # already
    refused = me.patch(url, {"prerequisites": ["first-steps", other.slug]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["prerequisites"] == ["Unknown course: first-steps"]


# --- co-instructors are invited and accept -----------------------------------------------------
def _invite(client: APIClient, built: BuiltCourse, email: str) -> Any:
    return client.post(
        f"{LMS}/courses/{built.course.slug}/instructors", {"email": email}, format="json"
    )


def test_inviting_answers_the_same_whoever_the_email_belongs_to(
    built: BuiltCourse, instructor: Any, rival: Any, learner: Any, operator: Any
) -> None:
    me = client_for(instructor)
    answers = {}
    for email in ("nobody@example.com", learner.email, rival.email, operator.email):
        response = _invite(me, built, email)
        body = response.json()
        answers[email] = (response.status_code, {k: v for k, v in body.items() if k != "email"})
        assert body["email"] == email
        assert "id" not in body and "display_name" not in body
        for person in (learner, rival, operator):
            assert str(person.pk) not in str(body.get("id", "")), body
        assert "Rita" not in response.content.decode() and "Op" not in body.values()
    assert len(set(map(repr, answers.values()))) == 1, answers
    assert next(iter(answers.values()))[0] == 202
    # Nobody teaches it yet: the list still names only the author.
    listed = me.get(f"{LMS}/courses/{built.course.slug}/instructors").json()
    assert [i["id"] for i in listed] == [instructor.pk]
    assert not CourseInstructor.objects.filter(course=built.course, user=rival).exists()


def test_the_invitee_sees_the_invitation_and_accepts_it(
    built: BuiltCourse, instructor: Any, rival: Any
) -> None:
    assert _invite(client_for(instructor), built, "RITA@example.com ").status_code == 202
    rita = client_for(rival)
    mine = rita.get(f"{LMS}/invitations").json()
    assert mine["count"] == 1
    invitation = mine["results"][0]
    assert invitation["course"] == {"slug": built.course.slug, "title": built.course.title}
    assert invitation["invited_by"] == "Ines"
    assert invitation["status"] == "pending"

    accepted = rita.post(f"{LMS}/invitations/{invitation['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    assert rita.get(f"{LMS}/invitations").json()["count"] == 0
    listed = client_for(instructor).get(f"{LMS}/courses/{built.course.slug}/instructors").json()
    assert [i["id"] for i in listed] == [instructor.pk, rival.pk]
    renamed = rita.patch(
        f"{LMS}/courses/{built.course.slug}", {"title": "Co-taught"}, format="json"
    )
    assert renamed.status_code == 200
    again = rita.post(f"{LMS}/invitations/{invitation['id']}/accept")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invitation_answered"


def test_a_declined_invitation_adds_nobody_and_the_inviter_cannot_tell(
    built: BuiltCourse, instructor: Any, rival: Any
) -> None:
    me = client_for(instructor)
    first = _invite(me, built, rival.email)
    rita = client_for(rival)
    invitation = rita.get(f"{LMS}/invitations").json()["results"][0]
    declined = rita.post(f"{LMS}/invitations/{invitation['id']}/decline")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert rita.get(f"{LMS}/invitations").json()["count"] == 0
    assert not CourseInstructor.objects.filter(course=built.course, user=rival).exists()
    again = _invite(me, built, rival.email)
    assert (again.status_code, again.json()) == (first.status_code, first.json())


def test_only_an_eligible_invitee_sees_or_answers_an_invitation(
    built: BuiltCourse, instructor: Any, rival: Any, learner: Any, other_learner: Any, operator: Any
) -> None:
    """The access walk of invitation endpoints: 404 to everyone but the invitee, 401 anonymous."""
    me = client_for(instructor)
    _invite(me, built, rival.email)
    _invite(me, built, learner.email)
    invitation = client_for(rival).get(f"{LMS}/invitations").json()["results"][0]
    lea = client_for(learner)
    # A learner is no instructor: nothing to see, nothing to accept.
    assert lea.get(f"{LMS}/invitations").json()["count"] == 0
    for who in (lea, client_for(other_learner), me, client_for(operator)):
        assert who.post(f"{LMS}/invitations/{invitation['id']}/accept").status_code == 404
        assert who.post(f"{LMS}/invitations/{invitation['id']}/decline").status_code == 404
    assert APIClient().get(f"{LMS}/invitations").status_code == 401
    assert APIClient().post(f"{LMS}/invitations/{invitation['id']}/accept").status_code == 401
    assert client_for(rival).post(f"{LMS}/invitations/999999/accept").status_code == 404


def _co_teach(built: BuiltCourse, inviter: Any, colleague: Any) -> None:
    assert _invite(client_for(inviter), built, colleague.email).status_code == 202
    client = client_for(colleague)
    invitation = client.get(f"{LMS}/invitations").json()["results"][0]
    assert client.post(f"{LMS}/invitations/{invitation['id']}/accept").status_code == 200


def test_a_co_instructor_cannot_remove_the_owner_or_others(
    built: BuiltCourse, instructor: Any, rival: Any
) -> None:
    cole = UserFactory(email="cole@example.com", role="instructor", display_name="Cole")
    _co_teach(built, instructor, rival)
    _co_teach(built, rival, cole)  # a co-instructor may invite
    url = f"{LMS}/courses/{built.course.slug}/instructors"
    rita = client_for(rival)

    refused = rita.delete(f"{url}/{instructor.pk}")
    assert refused.status_code == 403, refused.content
    assert rita.delete(f"{url}/{cole.pk}").status_code == 403
    assert CourseInstructor.objects.filter(course=built.course).count() == 3
    # The owner removes others; a co-instructor may leave.
    assert client_for(instructor).delete(f"{url}/{cole.pk}").status_code == 204
    assert rita.delete(f"{url}/{rival.pk}").status_code == 204
    owner_leaving = client_for(instructor).delete(f"{url}/{instructor.pk}")
    assert owner_leaving.status_code == 409  # the last instructor, and the owner


def test_the_owner_stays_unless_an_operator_removes_them(
    built: BuiltCourse, instructor: Any, rival: Any, operator: Any
) -> None:
    _co_teach(built, instructor, rival)
    url = f"{LMS}/courses/{built.course.slug}/instructors"
    leaving = client_for(instructor).delete(f"{url}/{instructor.pk}")
    assert leaving.status_code == 409 and leaving.json()["error"]["code"] == "owner_remains"
    assert client_for(operator).delete(f"{url}/{instructor.pk}").status_code == 204
    # Ownership passes to the earliest remaining instructor.
    link = CourseInstructor.objects.get(course=built.course, user=rival)
    assert link.is_owner


def test_a_course_creator_owns_it(instructor: Any) -> None:
    course = build_course(instructor, slug="mine").course
    assert CourseInstructor.objects.get(course=course).is_owner


# --- instructors see names, not emails, unless the learner opted in ----------------------------
def _enrolled(built: BuiltCourse, *learners: Any) -> None:
    for person in learners:
        learning.enroll(course=built.course, user=person)


def test_the_gradebook_shows_no_email_unless_the_learner_opted_in(
    built: BuiltCourse, instructor: Any, learner: Any, other_learner: Any
) -> None:
    _enrolled(built, learner, other_learner)
    teacher = client_for(instructor)
    url = f"{LMS}/courses/{built.course.slug}/gradebook"

    rows = teacher.get(url).json()["results"]
    assert {r["display_name"]: r["email"] for r in rows} == {"Lea Learner": None, "Otto": None}
    exported = teacher.get(url, {"format": "csv"}).content.decode()
    assert learner.email not in exported and other_learner.email not in exported
    # Searching by an email that was not shared finds nobody (no oracle).
    assert teacher.get(url, {"search": "lea@example"}).json()["count"] == 0

    lea = client_for(learner)
    sharing = f"{LMS}/courses/{built.course.slug}/enrollment/sharing"
    assert lea.get(sharing).json() == {"share_email_with_instructors": False}
    opted = lea.patch(sharing, {"share_email_with_instructors": True}, format="json")
    assert opted.status_code == 200 and opted.json() == {"share_email_with_instructors": True}

    rows = teacher.get(url).json()["results"]
    assert {r["display_name"]: r["email"] for r in rows} == {
        "Lea Learner": learner.email,
        "Otto": None,
    }
    table = list(csv.DictReader(io.StringIO(teacher.get(url, {"format": "csv"}).content.decode())))
    assert {r["display_name"]: r["email"] for r in table} == {
        "Lea Learner": learner.email,
        "Otto": "",
    }
    assert teacher.get(url, {"search": "lea@example"}).json()["count"] == 1


def test_the_email_opt_in_is_the_learners_own(
    built: BuiltCourse, instructor: Any, learner: Any, other_learner: Any
) -> None:
    _enrolled(built, learner)
    sharing = f"{LMS}/courses/{built.course.slug}/enrollment/sharing"
    # Not enrolled: nothing to set; anonymous: 401; a bad body: 400.
    otto = client_for(other_learner)
    assert (
        otto.patch(sharing, {"share_email_with_instructors": True}, format="json").status_code
        == 404
    )
    assert APIClient().get(sharing).status_code == 401
    lea = client_for(learner)
    assert (
        lea.patch(sharing, {"share_email_with_instructors": "maybe"}, format="json").status_code
        == 400
    )
    assert lea.patch(sharing, {}, format="json").status_code == 400
    assert (
        lea.patch(
            sharing, {"share_email_with_instructors": True, "x": 1}, format="json"
        ).status_code
        == 400
    )
    rows = client_for(instructor).get(f"{LMS}/courses/{built.course.slug}/gradebook").json()
    assert [r["email"] for r in rows["results"]] == [None]


# --- the public revocation list carries codes and dates only -----------------------------------
def test_the_revocation_list_and_what_it_links_to_name_no_learner(
    built: BuiltCourse, learner: Any, operator: Any
) -> None:
    certificate, _ = issue_certificate(user_id=learner.pk, course_id=built.course.pk)
    revoke_certificate(certificate=certificate, by=operator, reason="Cheated on the final quiz")
    anonymous = APIClient()
    listed = anonymous.get("/api/v1/certificates/revocations")
    assert listed.status_code == 200
    entries = listed.json()["revokedCredentials"]
    assert [set(entry) for entry in entries] == [{"id", "revoked", "revokedAt"}]
    assert entries[0]["id"].endswith(f"/certificates/verify/{certificate.verify_code}")
    assert "Lea" not in listed.content.decode() and "Cheated" not in listed.content.decode()

    followed = anonymous.get(f"/api/v1/certificates/verify/{certificate.verify_code}")
    assert followed.status_code == 200
    body = followed.json()
    assert body["status"] == "revoked" and body["revoked_at"]
    assert body["learner_name"] is None
    assert "Lea" not in followed.content.decode()
