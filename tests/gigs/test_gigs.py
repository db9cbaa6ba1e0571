"""Posting, editing, publishing and cancelling gigs; who may do it; the events they publish
(apps/gigs/services/gigs.py, docs/decisions/0025)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from apps.gigs.models import Application, Gig
from apps.gigs.services import gigs as services
from gigsy.errors import ConflictError, ForbiddenError
from tests.factories import UserFactory
from tests.gigs.conftest import client_for, verified
from tests.gigs.gig_helpers import (
    GIGS,
    application,
    body,
    contract,
    data_of,
    make_gig,
    published_course,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cora(client_user: Any) -> Any:
    return client_for(client_user)


def _error(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


# --- create ---------------------------------------------------------------------------------------


def test_create_makes_a_draft_and_publishes_nothing(cora, client_user):
    response = cora.post(GIGS, body(skills=["css", "html", "css"]), format="json")

    assert response.status_code == 201, response.content
    gig = response.json()
    assert response["Location"].endswith(f"{GIGS}/{gig['id']}")
    assert (gig["status"], gig["published_at"]) == ("draft", None)
    assert gig["skills"] == ["css", "html"]  # deduplicated, sorted
    assert gig["client"] == {
        "id": client_user.pk,
        "display_name": "Cora Client",
        "rating": None,
        "rating_count": 0,
    }
    assert gig["application_count"] == 0  # the client sees it
    assert data_of("gig.posted") == []


def test_create_with_publish_opens_at_once_and_posts_the_whole_gig(cora, client_user):
    course = published_course()
    deadline = today() + timedelta(days=10)
    response = cora.post(
        GIGS,
        body(
            publish=True,
            pricing="hourly",
            hourly_rate=2_500,
            weekly_hours_cap=10,
            remote=False,
            location="Lagos",
            currency="NGN",
            deadline=deadline.isoformat(),
            required_course_id=course.pk,
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    page = response.json()
    assert page["status"] == "open" and page["published_at"] is not None
    assert page["required_credential"] == {
        "course_id": course.pk,
        "course_title": "Django for Freelancers",
    }
    gig = Gig.objects.get(pk=page["id"])
    assert data_of("gig.posted") == [
        {
            "gig_id": str(gig.pk),
            "client_id": str(client_user.pk),
            "title": "Build a landing page",
            "description": "A **simple** page for a bakery.",
            "skills": ["css", "html"],
            "budget_amount": 50_000,
            "currency": "NGN",
            "pricing": "hourly",
            "hourly_rate": 2_500,
            "weekly_hours_cap": 10,
            "remote": False,
            "location": "Lagos",
            "deadline": deadline.isoformat(),
            "status": "open",
            "required_credential": {
                "course_id": str(course.pk),
                "course_title": "Django for Freelancers",
            },
            "published_at": gig.published_at.isoformat(),
        }
    ]


BAD_INPUTS = [
    pytest.param({"title": ""}, "validation_error", "title", id="blank title"),
    pytest.param({"title": "x" * 201}, "validation_error", "title", id="long title"),
    pytest.param({"description": None}, "validation_error", "description", id="no description"),
    pytest.param({"budget_amount": 0}, "validation_error", "budget_amount", id="zero budget"),
    pytest.param({"budget_amount": -5}, "validation_error", "budget_amount", id="negative"),
    pytest.param({"budget_amount": 1.5}, "validation_error", "budget_amount", id="float budget"),
    pytest.param({"budget_amount": 10**13}, "validation_error", "budget_amount", id="huge"),
    pytest.param({"currency": "XXX"}, "validation_error", "currency", id="unsupported currency"),
    pytest.param({"currency": "usd"}, "validation_error", "currency", id="lower-case currency"),
    pytest.param({"pricing": "weekly"}, "validation_error", "pricing", id="unknown pricing"),
    pytest.param(
        {"pricing": "hourly", "weekly_hours_cap": 10},
        "validation_error",
        "hourly_rate",
        id="hourly without a rate",
    ),
    pytest.param(
        {"pricing": "hourly", "hourly_rate": 2_000},
        "validation_error",
        "weekly_hours_cap",
        id="hourly without a cap",
    ),
    pytest.param(
        {"pricing": "hourly", "hourly_rate": 2_000, "weekly_hours_cap": 81},
        "validation_error",
        "weekly_hours_cap",
        id="cap over 80",
    ),
    pytest.param({"hourly_rate": 2_000}, "validation_error", "hourly_rate", id="fixed with a rate"),
    pytest.param(
        {"weekly_hours_cap": 10}, "validation_error", "weekly_hours_cap", id="fixed with a cap"
    ),
    pytest.param(
        {"skills": [f"skill-{n}" for n in range(21)]}, "validation_error", "skills", id="21 skills"
    ),
    pytest.param({"skills": ["Python!"]}, "validation_error", "skills", id="not a slug"),
    pytest.param({"skills": "python"}, "validation_error", "skills", id="skills not a list"),
    pytest.param({"remote": False}, "validation_error", "location", id="neither remote nor where"),
    pytest.param(
        {"remote": False, "location": "   "}, "validation_error", "location", id="blank location"
    ),
    pytest.param(
        {"deadline": (today() - timedelta(days=1)).isoformat()},
        "validation_error",
        "deadline",
        id="deadline in the past",
    ),
    pytest.param({"deadline": "soon"}, "validation_error", "deadline", id="not a date"),
    pytest.param({"status": "open"}, "validation_error", "status", id="read-only field"),
    pytest.param(
        {"required_course_id": 987_654}, "unknown_credential", "required_course_id", id="no course"
    ),
]


@pytest.mark.parametrize(("change", "code", "field"), BAD_INPUTS)
def test_bad_input_is_a_400_naming_the_field(cora, change, code, field):
    response = cora.post(GIGS, body(**change), format="json")

    assert response.status_code == 400, response.content
    error = _error(response)
    assert error["code"] == code
    # A list's item is named by its index (`skills.0`).
    assert [name for name in error["fields"] if name.split(".")[0] == field], error
    assert not Gig.objects.exists()


def test_a_draft_course_is_no_credential(cora):
    course = published_course(published=False)
    response = cora.post(GIGS, body(required_course_id=course.pk), format="json")
    assert response.status_code == 400
    assert _error(response)["code"] == "unknown_credential"


def test_a_deadline_today_is_accepted(cora):
    response = cora.post(GIGS, body(deadline=today().isoformat()), format="json")
    assert response.status_code == 201, response.content


def test_a_remote_gig_may_name_a_location_too(cora):
    response = cora.post(GIGS, body(location="Nairobi"), format="json")
    assert response.status_code == 201
    assert (response.json()["remote"], response.json()["location"]) == (True, "Nairobi")


# --- who may post ---------------------------------------------------------------------------------


def test_an_unverified_client_may_not_post(db):
    unverified = UserFactory(email="una@example.com", roles=["client"])
    response = client_for(unverified).post(GIGS, body(), format="json")
    assert response.status_code == 403
    assert _error(response)["code"] == "email_not_verified"


def test_a_learner_without_the_client_role_may_not_post(freelancer):
    response = client_for(freelancer).post(GIGS, body(), format="json")
    assert response.status_code == 403
    error = _error(response)
    assert (error["code"], error["details"]) == ("role_required", {"role": "client"})


def test_anonymous_callers_may_not_post(api):
    assert api.post(GIGS, body(), format="json").status_code == 401


def test_the_role_check_comes_before_the_body(freelancer):
    response = client_for(freelancer).post(GIGS, {"title": ""}, format="json")
    assert _error(response)["code"] == "role_required"


# --- publish --------------------------------------------------------------------------------------


def test_publishing_a_draft_opens_it_and_posts_it(cora, client_user):
    gig = make_gig(client_user, publish=False)
    assert data_of("gig.posted") == []

    response = cora.post(f"{GIGS}/{gig.pk}/publish")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "open"
    gig.refresh_from_db()
    assert gig.published_at is not None
    [posted] = data_of("gig.posted")
    assert posted["gig_id"] == str(gig.pk) and posted["status"] == "open"
    assert posted["published_at"] == gig.published_at.isoformat()


def test_publishing_twice_is_an_illegal_transition(cora, client_user):
    gig = make_gig(client_user)
    response = cora.post(f"{GIGS}/{gig.pk}/publish")
    assert response.status_code == 409
    error = _error(response)
    assert error["code"] == "invalid_transition"
    assert error["details"] == {
        "current_status": "open",
        "allowed": ["cancel", "close", "start", "update"],
    }
    assert "`publish` is not allowed" in error["message"]


def test_a_draft_whose_deadline_passed_must_get_a_new_one_before_publishing(cora, client_user):
    gig = make_gig(client_user, publish=False)
    Gig.objects.filter(pk=gig.pk).update(deadline=today() - timedelta(days=2))

    response = cora.post(f"{GIGS}/{gig.pk}/publish")
    assert response.status_code == 400
    assert "deadline" in _error(response)["fields"]

    new_deadline = (today() + timedelta(days=3)).isoformat()
    assert cora.patch(
        f"{GIGS}/{gig.pk}", {"deadline": new_deadline}, format="json"
    ).status_code == (200)
    assert cora.post(f"{GIGS}/{gig.pk}/publish").status_code == 200


# --- update ---------------------------------------------------------------------------------------


def test_editing_an_open_gig_publishes_gig_updated(cora, client_user):
    gig = make_gig(client_user)
    response = cora.patch(
        f"{GIGS}/{gig.pk}",
        {"title": "Build a bakery site", "skills": ["react", "css"], "budget_amount": 60_000},
        format="json",
    )

    assert response.status_code == 200, response.content
    page = response.json()
    assert (page["title"], page["skills"], page["budget_amount"]) == (
        "Build a bakery site",
        ["css", "react"],
        60_000,
    )
    [updated] = data_of("gig.updated")
    assert (updated["gig_id"], updated["title"], updated["skills"], updated["budget_amount"]) == (
        str(gig.pk),
        "Build a bakery site",
        ["css", "react"],
        60_000,
    )


def test_an_edit_that_changes_nothing_publishes_nothing(cora, client_user):
    gig = make_gig(client_user)
    response = cora.patch(f"{GIGS}/{gig.pk}", {"title": gig.title}, format="json")
    assert response.status_code == 200
    assert data_of("gig.updated") == []


def test_editing_a_draft_publishes_nothing(cora, client_user):
    gig = make_gig(client_user, publish=False)
    assert cora.patch(f"{GIGS}/{gig.pk}", {"title": "New"}, format="json").status_code == 200
    assert data_of("gig.updated") == [] and data_of("gig.posted") == []


def test_an_edit_is_validated_against_the_gig_as_it_would_be(cora, client_user):
    gig = make_gig(client_user)
    # Hourly needs its terms; the gig has none yet.
    response = cora.patch(f"{GIGS}/{gig.pk}", {"pricing": "hourly"}, format="json")
    assert response.status_code == 400
    assert {"hourly_rate", "weekly_hours_cap"} <= set(_error(response)["fields"])

    hourly = {"pricing": "hourly", "hourly_rate": 3_000, "weekly_hours_cap": 20}
    assert cora.patch(f"{GIGS}/{gig.pk}", hourly, format="json").status_code == 200
    # Back to a fixed price: the hourly terms go with it.
    response = cora.patch(f"{GIGS}/{gig.pk}", {"pricing": "fixed"}, format="json")
    assert response.status_code == 200
    assert (response.json()["hourly_rate"], response.json()["weekly_hours_cap"]) == (None, None)
    # A location is needed once the gig is not remote.
    response = cora.patch(f"{GIGS}/{gig.pk}", {"remote": False}, format="json")
    assert "location" in _error(response)["fields"]


def test_the_credential_can_be_set_and_removed(cora, client_user):
    gig = make_gig(client_user, publish=False)
    course = published_course()
    response = cora.patch(f"{GIGS}/{gig.pk}", {"required_course_id": course.pk}, format="json")
    assert response.json()["required_credential"]["course_title"] == "Django for Freelancers"
    # The course is archived later: the gig keeps it until the client changes it.
    course.status = "archived"
    course.save()
    assert cora.patch(f"{GIGS}/{gig.pk}", {"title": "Still"}, format="json").status_code == 200
    response = cora.patch(f"{GIGS}/{gig.pk}", {"required_course_id": None}, format="json")
    assert response.json()["required_credential"] is None
    assert Gig.objects.get(pk=gig.pk).required_course_title == ""


def test_pricing_and_currency_stay_while_applications_are_active(cora, client_user, freelancer):
    gig = make_gig(client_user)
    application(gig, freelancer)

    response = cora.patch(f"{GIGS}/{gig.pk}", {"currency": "EUR"}, format="json")
    assert response.status_code == 409
    error = _error(response)
    assert error["code"] == "gig_has_applications" and list(error["fields"]) == ["currency"]
    # The text may still change; sending the same currency back is no change.
    response = cora.patch(f"{GIGS}/{gig.pk}", {"currency": "USD", "title": "T2"}, format="json")
    assert response.status_code == 200


def test_nothing_changes_once_a_contract_exists(cora, client_user, freelancer):
    gig = make_gig(client_user)
    contract(gig, freelancer)
    services.mark_in_progress(gig=gig)

    response = cora.patch(f"{GIGS}/{gig.pk}", {"title": "Sneaky"}, format="json")
    assert response.status_code == 409
    assert _error(response)["code"] == "gig_has_contract"
    assert Gig.objects.get(pk=gig.pk).title == "Build a landing page"


def test_a_cancelled_gig_cannot_be_edited(cora, client_user):
    gig = make_gig(client_user)
    services.cancel_gig(gig_id=gig.pk, user=client_user)
    response = cora.patch(f"{GIGS}/{gig.pk}", {"title": "Again"}, format="json")
    assert response.status_code == 409
    assert _error(response)["details"] == {"current_status": "cancelled", "allowed": []}


# --- cancel ---------------------------------------------------------------------------------------


def test_cancelling_an_open_gig_rejects_waiting_applications(
    cora, client_user, freelancer, other_freelancer, stranger
):
    gig = make_gig(client_user)
    waiting = application(gig, freelancer)
    shortlisted = application(gig, other_freelancer, status="shortlisted")
    withdrawn = application(gig, stranger, status="withdrawn")

    response = cora.post(f"{GIGS}/{gig.pk}/cancel", {"reason": "Hired in-house"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "cancelled",
        "Hired in-house",
    )
    for app in (waiting, shortlisted):
        app.refresh_from_db()
        assert (app.status, app.status_reason) == ("rejected", "gig cancelled")
        assert app.decided_at is not None
    assert Application.objects.get(pk=withdrawn.pk).status == "withdrawn"
    rejected = data_of("application.rejected")
    assert sorted(d["application_id"] for d in rejected) == sorted(
        [str(waiting.pk), str(shortlisted.pk)]
    )
    assert data_of("gig.closed") == [
        {
            "gig_id": str(gig.pk),
            "client_id": str(client_user.pk),
            "title": gig.title,
            "status": "cancelled",
            "reason": "Hired in-house",
        }
    ]


def test_cancelling_a_draft_needs_no_reason(cora, client_user):
    gig = make_gig(client_user, publish=False)
    response = cora.post(f"{GIGS}/{gig.pk}/cancel", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status_reason"] == ""
    assert data_of("gig.closed")[0]["reason"] == "gig cancelled"


def test_cancelling_twice_is_an_illegal_transition(cora, client_user):
    gig = make_gig(client_user)
    assert cora.post(f"{GIGS}/{gig.pk}/cancel", {}, format="json").status_code == 200
    response = cora.post(f"{GIGS}/{gig.pk}/cancel", {}, format="json")
    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_transition"


def test_the_cancel_reason_is_bounded(cora, client_user):
    gig = make_gig(client_user)
    response = cora.post(f"{GIGS}/{gig.pk}/cancel", {"reason": "x" * 501}, format="json")
    assert response.status_code == 400
    assert "reason" in _error(response)["fields"]


# --- visibility -----------------------------------------------------------------------------------


def test_a_draft_exists_only_for_its_client_and_operators(
    api, cora, client_user, stranger, operator
):
    gig = make_gig(client_user, publish=False)
    url = f"{GIGS}/{gig.pk}"
    assert api.get(url).status_code == 404
    someone = client_for(stranger)
    assert someone.get(url).status_code == 404
    # Whatever the method: a draft of someone else's is not there.
    assert someone.patch(url, {"title": "Mine now"}, format="json").status_code == 404
    assert someone.post(f"{url}/publish").status_code == 404
    assert someone.post(f"{url}/cancel", {}, format="json").status_code == 404
    assert cora.get(url).status_code == 200
    page = client_for(operator).get(url).json()
    assert page["application_count"] == 0  # operators see what the client sees


def test_a_visible_gig_of_someone_else_is_403_to_change(api, client_user, stranger, operator):
    gig = make_gig(client_user)
    url = f"{GIGS}/{gig.pk}"
    assert api.get(url).status_code == 200
    for caller in (client_for(stranger), client_for(operator)):
        response = caller.patch(url, {"title": "Mine now"}, format="json")
        assert response.status_code == 403
        assert _error(response)["code"] == "permission_denied"
        assert caller.post(f"{url}/cancel", {}, format="json").status_code == 403
        assert caller.post(f"{url}/publish").status_code == 403
    assert api.patch(url, {"title": "x"}, format="json").status_code == 401


def test_the_gig_page_shows_counts_and_reasons_to_its_client_only(
    api, cora, client_user, freelancer, other_freelancer
):
    gig = make_gig(client_user)
    application(gig, freelancer)
    application(gig, other_freelancer, status="withdrawn")
    url = f"{GIGS}/{gig.pk}"

    assert cora.get(url).json()["application_count"] == 1  # active ones only
    public = api.get(url).json()
    assert public["application_count"] is None
    assert public["description"] == "A **simple** page for a bakery."
    assert client_for(freelancer).get(url).json()["application_count"] is None

    services.cancel_gig(gig_id=gig.pk, user=client_user, reason="Budget cut")
    assert api.get(url).status_code == 404
    assert cora.get(url).json()["status_reason"] == "Budget cut"


def test_an_unknown_gig_is_404(cora):
    assert cora.get(f"{GIGS}/999999").status_code == 404
    assert cora.patch(f"{GIGS}/999999", {}, format="json").status_code == 404
    assert cora.post(f"{GIGS}/999999/publish").status_code == 404


def test_a_client_who_lost_verification_can_still_cancel_but_not_edit(client_user):
    gig = make_gig(client_user)
    client_user.email_verified_at = None
    client_user.save()
    caller = client_for(client_user)
    response = caller.patch(f"{GIGS}/{gig.pk}", {"title": "x"}, format="json")
    assert _error(response)["code"] == "email_not_verified"
    assert caller.post(f"{GIGS}/{gig.pk}/cancel", {}, format="json").status_code == 200


# --- my gigs --------------------------------------------------------------------------------------


def test_my_gigs_lists_every_status_with_application_counts(
    cora, client_user, freelancer, other_freelancer, stranger
):
    draft = make_gig(client_user, publish=False, title="Draft")
    open_gig = make_gig(client_user, title="Open")
    cancelled = make_gig(client_user, title="Cancelled")
    services.cancel_gig(gig_id=cancelled.pk, user=client_user, reason="no")
    application(open_gig, freelancer)
    application(open_gig, other_freelancer, status="shortlisted")
    make_gig(stranger, title="Not mine")

    page = cora.get(f"{GIGS}/mine").json()

    assert [(g["title"], g["status"], g["application_count"]) for g in page["results"]] == [
        ("Cancelled", "cancelled", 0),
        ("Open", "open", 2),
        ("Draft", "draft", 0),
    ]
    assert page["results"][0]["status_reason"] == "no"
    filtered = cora.get(f"{GIGS}/mine?status=draft").json()
    assert [g["id"] for g in filtered["results"]] == [draft.pk]
    assert cora.get(f"{GIGS}/mine?status=nope").status_code == 400


def test_my_gigs_needs_a_signed_in_caller(api, freelancer):
    assert api.get(f"{GIGS}/mine").status_code == 401
    assert client_for(freelancer).get(f"{GIGS}/mine").json()["count"] == 0


# --- the platform's and operators' transitions ----------------------------------------------------


def test_hiring_and_completion_move_the_gig(client_user, freelancer):
    gig = make_gig(client_user)
    contract(gig, freelancer)

    started = services.mark_in_progress(gig=gig)
    assert started.status == "in_progress"
    assert data_of("gig.updated")[-1]["status"] == "in_progress"
    with pytest.raises(ConflictError) as refused:
        services.mark_in_progress(gig=gig)  # a stale copy: the row's status decides
    assert refused.value.details == {
        "current_status": "in_progress",
        "allowed": ["abandon", "close", "complete"],
    }

    done = services.mark_completed(gig=gig)
    assert done.status == "completed"
    assert data_of("gig.closed")[-1] | {"gig_id": "-"} == {
        "gig_id": "-",
        "client_id": str(client_user.pk),
        "title": gig.title,
        "status": "completed",
        "reason": "completed",
    }


def test_a_contract_ended_with_nothing_approved_cancels_the_gig(client_user, freelancer):
    gig = make_gig(client_user)
    contract(gig, freelancer)
    services.mark_in_progress(gig=gig)

    ended = services.mark_cancelled(gig=gig, reason="contract cancelled")

    assert (ended.status, ended.status_reason) == ("cancelled", "contract cancelled")
    assert data_of("gig.closed")[-1]["reason"] == "contract cancelled"
    with pytest.raises(ConflictError):
        services.mark_cancelled(gig=gig, reason="again")


def test_completion_needs_a_gig_in_progress(client_user):
    gig = make_gig(client_user)
    with pytest.raises(ConflictError):
        services.mark_completed(gig=gig)


def test_operators_close_open_gigs_with_a_reason_the_client_sees(
    cora, client_user, freelancer, operator
):
    gig = make_gig(client_user)
    waiting = application(gig, freelancer)

    closed = services.close_gig(gig_id=gig.pk, operator=operator, reason="  Looks like a scam  ")

    assert (closed.status, closed.status_reason) == ("closed", "Looks like a scam")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.status_reason) == ("rejected", "gig closed")
    assert data_of("gig.closed")[-1]["reason"] == "Looks like a scam"
    assert cora.get(f"{GIGS}/{gig.pk}").json()["status_reason"] == "Looks like a scam"
    assert client_for(freelancer).get(f"{GIGS}/{gig.pk}").status_code == 404


def test_closing_needs_an_operator_a_reason_and_a_closable_gig(client_user, stranger, operator):
    gig = make_gig(client_user, publish=False)
    with pytest.raises(ForbiddenError):
        services.close_gig(gig_id=gig.pk, operator=stranger, reason="no")
    with pytest.raises(Exception, match="reason"):
        services.close_gig(gig_id=gig.pk, operator=operator, reason="  ")
    with pytest.raises(ConflictError) as refused:
        services.close_gig(gig_id=gig.pk, operator=operator, reason="spam")
    assert refused.value.details == {
        "current_status": "draft",
        "allowed": ["cancel", "publish", "update"],
    }


def test_an_in_progress_gig_can_be_closed(client_user, freelancer, operator):
    gig = make_gig(client_user)
    contract(gig, freelancer)
    services.mark_in_progress(gig=gig)
    assert services.close_gig(gig_id=gig.pk, operator=operator, reason="fraud").status == "closed"


def test_a_verified_poster_is_checked_by_the_service_too(db):
    learner = verified(email="lee@example.com", roles=["learner"])
    with pytest.raises(ForbiddenError):
        make_gig(learner)


# --- demo data ------------------------------------------------------------------------------------


def test_seed_demo_gigs_is_idempotent(db):
    from django.core.management import call_command

    call_command("seed_demo_gigs")  # no demo client yet: nothing, and no error
    assert not Gig.objects.exists()
    demo = UserFactory(email="client1@demo.gigsy.local", roles=["client"])

    call_command("seed_demo_gigs")
    call_command("seed_demo_gigs")

    gigs = Gig.objects.filter(client=demo)
    assert gigs.count() == 3
    assert sorted(gigs.values_list("status", flat=True)) == ["draft", "open", "open"]
    assert len(data_of("gig.posted")) == 2
