"""Dana, who has done everything the marketplace offers, built through the services: for the
tests of her data export and of her account's erasure (issue 11, docs/decisions/0028).

Every free text Dana writes carries DANA_MARK, so a scan can tell her words from others'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.gigs.models import Application, Contract, Gig, Milestone, Report
from apps.gigs.services import applications, credentials, gigs, hiring, milestones, moderation
from apps.gigs.services import reviews as review_services
from tests.gigs.conftest import verified
from tests.gigs.work import fund_now

DANA_NAME, DANA_EMAIL = "Dana Doe", "dana@example.com"
DANA_MARK = "dana-wrote-this"
DANA_CERTIFICATE = 9001


@dataclass
class World:
    dana: Any  # client and learner: the one whose data this is about
    cora: Any  # a client
    finn: Any  # a freelancer
    olga: Any  # another freelancer
    dana_draft: Gig
    dana_open: Gig  # Olga applied: waiting
    olgas_application: Application
    dana_hired: Contract  # Dana the client, Finn the freelancer: completed, reviewed both ways
    cora_open: Gig  # Dana applied: waiting
    danas_application: Application
    dana_worked: Contract  # Cora the client, Dana the freelancer: completed, reviewed both ways
    danas_report: Report


def post(client: Any, title: str, *, publish: bool = True) -> Gig:
    return gigs.create_gig(
        client=client,
        publish=publish,
        title=title,
        description="A small, well-defined job.",
        skills=["django"],
        budget_amount=50_000,
        currency="USD",
    )


def complete(
    contract: Contract,
    *,
    client: Any,
    freelancer: Any,
    note: str,
    changes: str,
    client_review: str,
    freelancer_review: str,
) -> None:
    """Fund, submit, send back, submit again, approve the contract's one milestone; both
    parties review (published together)."""
    milestone = Milestone.objects.get(contract=contract)
    ids = {"contract_id": contract.pk, "milestone_id": milestone.pk}
    fund_now(contract, milestone, client)
    milestones.submit_milestone(**ids, user=freelancer, note=note)
    milestones.request_changes(**ids, user=client, note=changes)
    milestones.submit_milestone(**ids, user=freelancer, note=note + " (again)")
    milestones.approve_milestone(**ids, user=client)
    review_services.write_review(contract_id=contract.pk, user=client, rating=5, text=client_review)
    review_services.write_review(
        contract_id=contract.pk, user=freelancer, rating=4, text=freelancer_review
    )


def hire(client: Any, freelancer: Any, *, title: str, letter: str) -> Contract:
    gig = post(client, title)
    application = applications.apply(
        gig_id=gig.pk, user=freelancer, cover_letter=letter, bid_amount=40_000
    )
    return hiring.accept(
        application_id=application.pk,
        user=client,
        milestones=[{"title": "All of it", "amount": 40_000}],
    )


def build_world(cora: Any, finn: Any, olga: Any, operator: Any) -> World:
    dana = verified(email=DANA_EMAIL, roles=["learner", "client"], display_name=DANA_NAME)
    mark = DANA_MARK

    # Dana the client: a draft, an open gig Olga applied to, a finished contract with Finn.
    dana_draft = post(dana, "Dana's draft", publish=False)
    dana_open = post(dana, "Dana's open gig")
    olgas_application = applications.apply(
        gig_id=dana_open.pk, user=olga, cover_letter="Olga's letter", bid_amount=30_000
    )
    dana_hired = hire(dana, finn, title="Dana hires Finn", letter="Finn's letter")
    complete(
        dana_hired,
        client=dana,
        freelancer=finn,
        note="Finn's note",
        changes=f"Please fix the header ({mark})",
        client_review=f"Finn was great ({mark})",
        freelancer_review="Dana was clear",
    )

    # Dana the freelancer: an application waiting, a finished contract with Cora.
    cora_open = post(cora, "Cora's open gig")
    danas_application = applications.apply(
        gig_id=cora_open.pk, user=dana, cover_letter=f"Dana's letter ({mark})", bid_amount=35_000
    )
    dana_worked = hire(cora, dana, title="Cora hires Dana", letter=f"Dana applies ({mark})")
    complete(
        dana_worked,
        client=cora,
        freelancer=dana,
        note=f"Here is my work ({mark})",
        changes="Cora asks for one more page",
        client_review="Dana delivered",
        freelancer_review=f"Cora pays on time ({mark})",
    )

    # Moderation: Dana reports a gig; Dana blocks Finn (he applied to her); Cora blocks Dana.
    danas_report = moderation.report_gig(
        gig_id=cora_open.pk, user=dana, reason="spam", details=f"Looks copied ({mark})"
    )
    moderation.block_applicant(client=dana, user_id=finn.pk)
    moderation.block_applicant(client=cora, user_id=dana.pk)
    # gigs' copy of a certificate Dana holds (fed by lms's certificate.issued).
    credentials.record_issued(certificate_id=DANA_CERTIFICATE, user_id=dana.pk, course_id=77)

    return World(
        dana=dana,
        cora=cora,
        finn=finn,
        olga=olga,
        dana_draft=dana_draft,
        dana_open=dana_open,
        olgas_application=olgas_application,
        dana_hired=dana_hired,
        cora_open=cora_open,
        danas_application=danas_application,
        dana_worked=dana_worked,
        danas_report=danas_report,
    )
