"""A small world for the fuzz test: a published course with a module, lessons, a bank of
questions and a quiz, owned by an instructor; a learner enrolled in it with an open attempt;
another instructor invited to co-teach it. Every path parameter of a write operation gets a
real id from here, so a request reaches the serializer and the service behind it.

Hypothesis profiles: `fuzz` (the default: derandomized, bounded so the whole run takes well
under a minute here) and `fuzz-long` (random, 10x the examples), chosen with
GIGSY_FUZZ_PROFILE=fuzz-long.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from apps.gigs.payments.records import begin_payment
from apps.gigs.services import applications, gigs
from tests.conftest import obtain_tokens
from tests.factories import UserFactory
from tests.gigs.conftest import verified
from tests.gigs.work import hired_pair, milestones
from tests.lms.conftest import build_course, client_for

settings.register_profile(
    "fuzz",
    derandomize=True,  # the same examples every run: a failure reproduces, CI never flakes
    max_examples=40,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile(
    "fuzz-long", parent=settings.get_profile("fuzz"), derandomize=False, max_examples=400
)
PROFILE = settings.get_profile(os.environ.get("GIGSY_FUZZ_PROFILE", "fuzz"))

# What the fuzz test sent and got, for the terminal summary.
TALLY: Counter[str] = Counter()


@dataclass
class World:
    clients: dict[str, APIClient]
    ids: dict[str, str]
    strings: list[str] = field(default_factory=list)


@pytest.fixture
def world(db: Any) -> World:
    instructor = UserFactory(email="ines@example.com", role="instructor", display_name="Ines")
    invitee = UserFactory(email="ivan@example.com", role="instructor", display_name="Ivan")
    learner = UserFactory(email="lea@example.com", role="learner", display_name="Lea")
    built = build_course(instructor)
    clients = {
        "anonymous": APIClient(),
        "instructor": client_for(instructor),
        "learner": client_for(learner),
        "invitee": client_for(invitee),
    }
    slug = built.course.slug
    learning = clients["learner"]
    assert learning.post(f"/api/v1/lms/courses/{slug}/enrollment").status_code == 201
    started = learning.post(f"/api/v1/lms/quizzes/{built.quiz.pk}/attempts")
    assert started.status_code == 201, started.content
    ids = {
        "slug": slug,
        "lesson_id": str(built.lessons[0].pk),
        "module_id": str(built.lessons[0].module_id),
        "quiz_id": str(built.quiz.pk),
        "bank_id": str(built.quiz.bank_id),
        "question_id": str(built.question_ids["multiple"]),
        "attempt_id": str(started.json()["id"]),
        "user_id": str(invitee.pk),
    }
    invited = clients["instructor"].post(
        f"/api/v1/lms/courses/{slug}/instructors", {"email": invitee.email}, format="json"
    )
    assert invited.status_code in (200, 201, 202), invited.content
    # The marketplace: a verified client's open gig, a freelancer's application to it, and a
    # verified learner who has not applied yet (so an apply can reach the service).
    gig_client = verified(email="cora@example.com", roles=["client"], display_name="Cora")
    gig_freelancer = verified(email="finn@example.com", roles=["learner"], display_name="Finn")
    applicant = verified(email="abe@example.com", roles=["learner"], display_name="Abe")
    gig = gigs.create_gig(
        client=gig_client,
        publish=True,
        title="Fuzzed gig",
        description="Anything.",
        budget_amount=50_000,
        currency="USD",
    )
    application = applications.apply(
        gig_id=gig.pk, user=gig_freelancer, cover_letter="Me", bid_amount=45_000
    )
    clients |= {
        "gig_client": client_for(gig_client),
        "gig_freelancer": client_for(gig_freelancer),
        "applicant": client_for(applicant),
    }
    ids |= {"gig_id": str(gig.pk), "application_id": str(application.pk)}
    invitations = clients["invitee"].get("/api/v1/lms/invitations")
    if invitations.status_code == 200:  # co-instructors are invited (issue 10)
        ids["invitation_id"] = str(invitations.json()["results"][0]["id"])
    # A contract with its first milestone funded, for the contract and review operations.
    contract, carl, fay = hired_pair(
        client_email="carl@example.com", freelancer_email="fay@example.com"
    )
    clients |= {"contract_client": client_for(carl), "contract_freelancer": client_for(fay)}
    ids |= {"contract_id": str(contract.pk), "milestone_id": str(milestones(contract)[0].pk)}
    # Payments: the sandbox's webhook and a sandbox payment its payer may confirm.
    payment, _ = begin_payment(amount=20_000, currency="USD", reference="fuzz:payment")
    ids |= {"provider": "sandbox", "payment_id": payment.provider_payment_id}
    refresh = obtain_tokens(APIClient(), learner.email)["refresh"]
    strings = [
        *ids.values(),
        *(str(q) for q in built.question_ids.values()),
        instructor.email,
        invitee.email,
        learner.email,
        refresh,
        "a",
        "c",
    ]
    return World(clients=clients, ids=ids, strings=strings)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY["requests"]:
        return
    statuses = ", ".join(
        f"{key[7:]}: {n}" for key, n in sorted(TALLY.items()) if key.startswith("status ")
    )
    terminalreporter.write_sep("-", "fuzz (tests/fuzz)")
    terminalreporter.write_line(
        f"{TALLY['requests']} requests to {TALLY['operations']} write operations, "
        f"{TALLY['server_errors']} server errors; statuses {statuses}"
    )
