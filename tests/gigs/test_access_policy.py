"""One access policy for every gigs object endpoint (apps/gigs/policies.py), walked with every
kind of caller: anonymous, a stranger (signed in, verified, learner and client, party to
nothing), the gig's client, the freelancer (applicant, then contracted), and an operator.

- Someone else's private object is 404, whatever the method: a draft or closed gig, an
  application, a contract and its milestones, a report, a block. Anonymous callers get 401 (or
  404 where reading is public), never more.
- A visible object the caller may not change is 403: an open gig's edits for anyone but its
  client, the client's steps for the applicant or freelancer and the reverse, and every party
  step for operators (they moderate, they do not act for a party).
- Callers allowed to act are not walked here (their area tests take each step); some get a
  specific refusal the walk names (applying to one's own gig, a second application).
- The last test fails when a gigs route with an object in its path is missing from the walk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from rest_framework.test import APIClient

from apps.gigs.ledger import posting
from apps.gigs.models import Milestone, Payout
from apps.gigs.services import applications, gigs, hiring, moderation
from apps.gigs.services.contracts import add_milestone
from apps.gigs.services.disputes import open_dispute
from tests.gigs.conftest import client_for

pytestmark = pytest.mark.django_db

SIGNED_IN = ("stranger", "client", "freelancer", "operator")
PERSONAS = ("anonymous", *SIGNED_IN)
EVERYONE = frozenset(SIGNED_IN)
PARTIES = frozenset({"client", "freelancer", "operator"})  # and operators, who see everything

Expected = int | tuple[int, ...] | None  # None: allowed to act, not walked


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # under /api/v1/gigs/
    body: dict[str, Any] | None
    expect: dict[str, Expected]


def read(
    path: str,
    seen_by: Iterable[str],
    *,
    anonymous: Expected = (401, 404),
    refused: Iterable[str] = (),
) -> Call:
    """A GET: 200 for those who see the object, 403 for those who see it but not this part of
    it (`refused`), 404 for everyone else."""
    seen, no = set(seen_by), set(refused)
    expect: dict[str, Expected] = {"anonymous": anonymous}
    for who in SIGNED_IN:
        expect[who] = 403 if who in no else 200 if who in seen else 404
    return Call("get", path, None, expect)


def write(
    method: str,
    path: str,
    body: dict[str, Any] | None,
    *,
    seen_by: Iterable[str],
    acts: Iterable[str],
    **overrides: Expected,
) -> Call:
    """A change: 401 anonymous, 404 for those who cannot see the object, 403 for those who see
    it but may not take this step, not walked for those who may."""
    seen, may = set(seen_by), set(acts)
    expect: dict[str, Expected] = {"anonymous": 401}
    for who in SIGNED_IN:
        expect[who] = None if who in may else 403 if who in seen else 404
    return Call(method, path, body, expect | overrides)


@dataclass
class World:
    draft: int
    closed: int
    gig: int  # open, with the freelancer's application
    application: int
    contract: int
    milestone: int
    report: int  # the stranger's, on `gig`
    freelancer_id: int  # blocked by the client
    dispute: int = 0  # the client's, on a third milestone of the contract
    receipt: int = 0  # the client's funding of the contract's second milestone
    payout: int = 0  # the freelancer's


APPLY = {"cover_letter": "Me", "bid_amount": 45_000}


def object_endpoints(w: World) -> list[Call]:
    """Every gigs endpoint that names a gig, an application, a contract, a milestone, a
    report, a block or a user."""
    contract = f"contracts/{w.contract}"
    milestone = f"{contract}/milestones/{w.milestone}"
    owner = {"client"}
    step = {"seen_by": PARTIES}
    return [
        # a draft: its client and operators only
        read(f"{w.draft}", {"client", "operator"}),
        read(f"{w.draft}/applications", {"client", "operator"}),
        write(
            "patch", f"{w.draft}", {"title": "Renamed"}, seen_by={"client", "operator"}, acts=owner
        ),
        write("post", f"{w.draft}/publish", None, seen_by={"client", "operator"}, acts=owner),
        write("post", f"{w.draft}/cancel", {}, seen_by={"client", "operator"}, acts=owner),
        write(
            "post",
            f"{w.draft}/applications",
            APPLY,
            seen_by={"client", "operator"},
            acts=(),
            operator=409,  # gig_not_open: operators see drafts, and this one is not open
        ),
        write(
            "post",
            f"{w.draft}/reports",
            {"reason": "spam"},
            seen_by={"client", "operator"},
            acts=(),  # off the marketplace: nothing to report, operators included
        ),
        # closed by an operator: its client (who reads the reason) and operators only
        read(f"{w.closed}", {"client", "operator"}),
        read(f"{w.closed}/applications", {"client", "operator"}),
        write(
            "post",
            f"{w.closed}/reports",
            {"reason": "spam"},
            seen_by={"client", "operator"},
            acts=(),
        ),
        # an open gig: public; its applications are its client's and operators'
        read(f"{w.gig}", EVERYONE, anonymous=200),
        read(f"{w.gig}/applications", EVERYONE, refused={"stranger", "freelancer"}, anonymous=401),
        write("patch", f"{w.gig}", {"title": "Renamed"}, seen_by=EVERYONE, acts=owner),
        write("post", f"{w.gig}/publish", None, seen_by=EVERYONE, acts=owner),
        write("post", f"{w.gig}/cancel", {}, seen_by=EVERYONE, acts=owner),
        write(
            "post",
            f"{w.gig}/applications",
            APPLY,
            seen_by=EVERYONE,
            acts={"stranger", "operator"},
            client=403,  # role_required: the client holds no learner role
            freelancer=403,  # applicant_blocked: the client blocked them
        ),
        write(
            "post", f"{w.gig}/reports", {"reason": "spam"}, seen_by=EVERYONE, acts=EVERYONE - owner
        ),
        # the freelancer's application to it
        read(f"applications/{w.application}", PARTIES),
        write(
            "post",
            f"applications/{w.application}/withdraw",
            None,
            seen_by=PARTIES,
            acts={"freelancer"},
        ),
        write("post", f"applications/{w.application}/shortlist", None, seen_by=PARTIES, acts=owner),
        write("post", f"applications/{w.application}/reject", {}, seen_by=PARTIES, acts=owner),
        write(
            "post",
            f"applications/{w.application}/accept",
            {"milestones": [{"title": "All", "amount": 45_000}]},
            seen_by=PARTIES,
            acts=owner,
        ),
        # a contract between them, and its first milestone (pending)
        read(contract, PARTIES),
        read(f"{contract}/reviews", PARTIES),
        write("post", f"{contract}/reviews", {"rating": 5}, **step, acts={"client", "freelancer"}),
        write(
            "post", f"{contract}/milestones", {"title": "More", "amount": 1_000}, **step, acts=owner
        ),
        read(milestone, PARTIES),
        read(f"{milestone}/history", PARTIES),
        write("post", f"{milestone}/fund", None, **step, acts=owner),
        write("post", f"{milestone}/release", {"amount": 100}, **step, acts=owner),
        write("post", f"{milestone}/submit", {"note": "Done"}, **step, acts={"freelancer"}),
        write("post", f"{milestone}/request-changes", {"note": "More"}, **step, acts=owner),
        write("post", f"{milestone}/approve", None, **step, acts=owner),
        write(
            "post", f"{milestone}/cancel", {"reason": "No"}, **step, acts={"client", "freelancer"}
        ),
        write("post", f"{milestone}/cancel/accept", None, **step, acts={"client", "freelancer"}),
        write("post", f"{milestone}/cancel/decline", None, **step, acts={"client", "freelancer"}),
        write("post", f"{milestone}/cancel/withdraw", None, **step, acts={"client", "freelancer"}),
        # disputes: either party opens one (operators resolve them in the admin); a dispute is
        # its contract's parties' and operators'
        write(
            "post", f"{milestone}/disputes", {"reason": "No"}, **step, acts={"client", "freelancer"}
        ),
        read(f"disputes/{w.dispute}", PARTIES),
        # a person's published reviews: anyone signed in
        read(f"users/{w.freelancer_id}/reviews", EVERYONE, anonymous=401),
        # the stranger's report: theirs and operators'; not the gig's client's
        read(f"reports/{w.report}", {"stranger", "operator"}),
        # the client's block of the freelancer: the client's alone
        read(f"blocks/{w.freelancer_id}", owner),
        write("delete", f"blocks/{w.freelancer_id}", None, seen_by=owner, acts=owner),
        # the client's receipt of a payment: the client's alone (operators read the ledger in
        # the admin)
        read(f"receipts/{w.receipt}", owner),
        # the freelancer's payout: the freelancer's alone
        read(f"payouts/{w.payout}", {"freelancer"}),
    ]


def post(client: Any, title: str, *, publish: bool = True) -> Any:
    return gigs.create_gig(
        client=client,
        publish=publish,
        title=title,
        description="Text.",
        budget_amount=50_000,
        currency="USD",
    )


@pytest.fixture
def world(client_user: Any, freelancer: Any, stranger: Any, operator: Any) -> World:
    draft = post(client_user, "A draft", publish=False)
    closed = post(client_user, "Closed by an operator")
    gigs.close_gig(gig_id=closed.pk, operator=operator, reason="Against the rules.")
    gig = post(client_user, "Open")
    application = applications.apply(
        gig_id=gig.pk, user=freelancer, cover_letter="Hire me", bid_amount=45_000
    )
    hired = post(client_user, "Hired")
    accepted = applications.apply(
        gig_id=hired.pk, user=freelancer, cover_letter="Hire me", bid_amount=40_000
    )
    contract = hiring.accept(
        application_id=accepted.pk,
        user=client_user,
        milestones=[{"title": "One", "amount": 20_000}, {"title": "Two", "amount": 20_000}],
    )
    report = moderation.report_gig(gig_id=gig.pk, user=stranger, reason="spam", details="")
    moderation.block_applicant(client=client_user, user_id=freelancer.pk)
    disputed = add_milestone(contract_id=contract.pk, user=client_user, title="Three", amount=5_000)
    posting.fund(milestone=disputed, client_id=client_user.pk, amount=5_000, currency="USD")
    Milestone.objects.filter(pk=disputed.pk).update(money_status="funded", status="active")
    dispute = open_dispute(
        contract_id=contract.pk, milestone_id=disputed.pk, user=client_user, reason="Late"
    )
    second = Milestone.objects.filter(contract=contract).order_by("position")[1]
    receipt = posting.fund(
        milestone=second, client_id=client_user.pk, amount=20_000, currency="USD"
    )
    return World(
        draft=draft.pk,
        closed=closed.pk,
        gig=gig.pk,
        application=application.pk,
        contract=contract.pk,
        milestone=Milestone.objects.filter(contract=contract).order_by("position")[0].pk,
        report=report.pk,
        freelancer_id=freelancer.pk,
        receipt=receipt.pk,
        dispute=dispute.pk,
        # Only who may read it matters here (tests/gigs/test_money_payouts.py pays one out).
        payout=Payout.objects.create(
            user=freelancer,
            reference="walk-payout",
            amount=1_000,
            currency="USD",
            provider="sandbox",
            destination=f"sandbox:user:{freelancer.pk}",
        ).pk,
    )


def walk(who: str, api: APIClient, calls: list[Call]) -> list[str]:
    """Call every endpoint `who` is expected to be refused (or to read); the wrong answers."""
    wrong = []
    for call in calls:
        expected = call.expect[who]
        if expected is None:
            continue
        allowed = expected if isinstance(expected, tuple) else (expected,)
        # A fresh Idempotency-Key on every call: money-moving steps require one, and the
        # refusals walked here must come from the policy, not from a missing header.
        response = getattr(api, call.method)(
            f"/api/v1/gigs/{call.path}",
            call.body,
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid4()),
        )
        if response.status_code not in allowed:
            wrong.append(
                f"{call.method.upper()} {call.path} -> {response.status_code}, expected "
                f"{' or '.join(map(str, allowed))}"
            )
    return wrong


@pytest.mark.parametrize("who", PERSONAS)
def test_every_object_endpoint_answers_each_caller_as_the_policy_says(
    request: pytest.FixtureRequest, who: str, world: World
) -> None:
    api = (
        APIClient()
        if who == "anonymous"
        else client_for(request.getfixturevalue("client_user" if who == "client" else who))
    )
    calls = object_endpoints(world)
    wrong = walk(who, api, calls)
    assert wrong == [], f"{who}:\n" + "\n".join(wrong)
    walked = sum(call.expect[who] is not None for call in calls)
    assert walked >= 20  # the walk is not vacuous for anyone


def test_refusals_change_nothing(world: World, stranger: Any, operator: Any) -> None:
    """After every refused call of the walk the objects are as they were."""
    from apps.gigs.models import Application, Contract, Gig

    def state() -> list[Any]:
        return [
            list(Gig.objects.order_by("pk").values_list("pk", "status", "title")),
            list(Application.objects.order_by("pk").values_list("pk", "status")),
            list(Contract.objects.order_by("pk").values_list("pk", "status")),
            list(Milestone.objects.order_by("pk").values_list("pk", "status", "cancel_reason")),
        ]

    before = state()
    for who, user in (("stranger", stranger), ("operator", operator)):
        walk(who, client_for(user), object_endpoints(world))
    assert state() == before


def routes_with_objects() -> set[tuple[str, str]]:
    """(route, method) of every gigs endpoint with an object id in its path, ids as "<>"."""
    from django.urls import get_resolver

    found: set[tuple[str, str]] = set()

    def collect(patterns: Any, prefix: str) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                collect(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            route = prefix + str(pattern.pattern)
            if not (route.startswith("api/v1/gigs/") and "<" in route):
                continue
            view = getattr(pattern.callback, "view_class", None)
            normalized = "/".join("<>" if p.startswith("<") else p for p in route.split("/"))
            for method in ("get", "post", "put", "patch", "delete"):
                if hasattr(view, method):
                    found.add((normalized, method))

    collect(get_resolver().url_patterns, "")
    return found


# Routes whose path names no one's object: a payment provider's webhook (its signature is the
# authentication) and the sandbox's payer page. tests/gigs/test_payments_*.py take them with
# signed-in and anonymous callers alike.
NOT_OBJECTS = {
    ("api/v1/gigs/payments/webhooks/<>", "post"),
    ("api/v1/gigs/payments/sandbox/<>/confirm", "post"),
}


def test_the_walk_covers_every_gigs_object_route_and_method() -> None:
    """A new object endpoint (or a new method on one) must be added to the walk above."""
    fake = World(1, 2, 3, 4, 5, 6, 7, 8)
    walked = {
        (
            "/".join(
                ["api", "v1", "gigs"]
                + ["<>" if part.isdigit() else part for part in call.path.split("/")]
            ),
            call.method,
        )
        for call in object_endpoints(fake)
    }
    routes = routes_with_objects()
    assert len(routes) >= 30  # the route collection found the gigs API
    assert routes - walked - NOT_OBJECTS == set()
