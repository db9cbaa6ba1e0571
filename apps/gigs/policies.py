"""The gig marketplace's one access policy, used by views and services alike.

Seeing:
- a gig that is open, in progress or completed is public (anonymous callers included); a draft,
  a gig its client cancelled and one an operator closed exist only for its client and operators
  (404 for everyone else, whatever the method);
- an application exists for its applicant, the gig's client and operators;
- a contract, its milestones and their history exist for its two parties and operators.

Acting: who may take each transition is written in the service's docstring; the service calls
`require_party` / `require_client` / ... from here. Posting a gig needs the `client` role and a
verified address, applying needs `learner` and a verified address (issue 11: unverified accounts
browse and learn, but neither post, apply, fund nor get paid). Operators moderate: they see
everything and close gigs, but do not act for a party in its contract.

Roles, operator status and verification come from accounts' public surface, answered from the
authenticated principal without a query.
"""

from __future__ import annotations

from apps.accounts import public as accounts
from apps.gigs import selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import Application, Contract, Dispute, Gig, GigStatus, Milestone, Report
from gigsy.errors import ForbiddenError, NotFoundError

PUBLIC_GIG_STATUSES = (GigStatus.OPEN, GigStatus.IN_PROGRESS, GigStatus.COMPLETED)
NO_SUCH_GIG = "No such gig."
NO_SUCH_APPLICATION = "No such application."
NO_SUCH_CONTRACT = "No such contract."
NO_SUCH_REPORT = "No such report."


def _uid(user: accounts.Principal) -> int | None:
    return accounts.user_id_of(user) if user.is_authenticated else None


# --- who may act at all ---------------------------------------------------------------------------


def require_verified(user: accounts.Principal) -> None:
    if not accounts.is_email_verified(user):
        raise ForbiddenError("Verify your email address first.", code=GigsError.EMAIL_NOT_VERIFIED)


def require_role(user: accounts.Principal, role: str) -> None:
    if not accounts.has_role(user, role):
        raise ForbiddenError(
            f"This needs the {role} role.",
            code=GigsError.ROLE_REQUIRED,
            details={"role": role},
        )


def require_poster(user: accounts.Principal) -> None:
    """Posting a gig: a verified client."""
    require_role(user, accounts.CLIENT)
    require_verified(user)


def require_applicant(user: accounts.Principal) -> None:
    """Applying to a gig: a verified learner."""
    require_role(user, accounts.LEARNER)
    require_verified(user)


def require_payee(user: accounts.Principal) -> None:
    """Being paid out: a verified learner (freelancers are learners)."""
    require_role(user, accounts.LEARNER)
    require_verified(user)


# --- gigs -----------------------------------------------------------------------------------------


def can_see_gig(*, gig: Gig, user: accounts.Principal) -> bool:
    if gig.status in PUBLIC_GIG_STATUSES:
        return True
    return user.is_authenticated and (gig.client_id == _uid(user) or accounts.is_operator(user))


def visible_gig(*, gig_id: int, user: accounts.Principal) -> Gig:
    gig = selectors.gig_by_id(gig_id=gig_id)
    if gig is None or not can_see_gig(gig=gig, user=user):
        raise NotFoundError(NO_SUCH_GIG)
    return gig


def require_gig_client(*, gig: Gig, user: accounts.Principal) -> None:
    """Changes to a gig: 404 if the caller can't see it, 403 if they can but don't own it
    (operators moderate through the admin, not by editing a client's gig)."""
    if user.is_authenticated and gig.client_id == _uid(user):
        return
    if not can_see_gig(gig=gig, user=user):
        raise NotFoundError(NO_SUCH_GIG)
    raise ForbiddenError("Only the gig's client may do this.")


def manages_gig(*, gig: Gig, user: accounts.Principal) -> bool:
    """The gig's client or an operator: they see what the public page leaves out (the number
    of applications)."""
    return user.is_authenticated and (gig.client_id == _uid(user) or accounts.is_operator(user))


def owned_gig(*, gig_id: int, user: accounts.Principal, lock: bool = False) -> Gig:
    gig = selectors.gig_by_id(gig_id=gig_id, lock=lock)
    if gig is None:
        raise NotFoundError(NO_SUCH_GIG)
    require_gig_client(gig=gig, user=user)
    return gig


# --- applications ---------------------------------------------------------------------------------


def can_see_application(*, application: Application, user: accounts.Principal) -> bool:
    uid = _uid(user)
    return uid is not None and (
        uid in (application.applicant_id, application.gig.client_id) or accounts.is_operator(user)
    )


def visible_application(
    *, application_id: int, user: accounts.Principal, lock: bool = False
) -> Application:
    """The application with its gig, for its applicant, the gig's client and operators."""
    application = selectors.application_with_gig(application_id=application_id, lock=lock)
    if application is None or not can_see_application(application=application, user=user):
        raise NotFoundError(NO_SUCH_APPLICATION)
    return application


def require_applicant_of(*, application: Application, user: accounts.Principal) -> None:
    if application.applicant_id != _uid(user):
        raise ForbiddenError("Only the applicant may do this.")


def require_client_of(*, application: Application, user: accounts.Principal) -> None:
    if application.gig.client_id != _uid(user):
        raise ForbiddenError("Only the gig's client may do this.")


# --- contracts ------------------------------------------------------------------------------------


def is_party(*, contract: Contract, user: accounts.Principal) -> bool:
    return _uid(user) in (contract.client_id, contract.freelancer_id)


def visible_contract(*, contract_id: int, user: accounts.Principal, lock: bool = False) -> Contract:
    """The contract, for its two parties and operators; 404 for everyone else."""
    contract = selectors.contract_by_id(contract_id=contract_id, lock=lock)
    if contract is None or not (
        user.is_authenticated
        and (is_party(contract=contract, user=user) or accounts.is_operator(user))
    ):
        raise NotFoundError(NO_SUCH_CONTRACT)
    return contract


def require_contract_client(*, contract: Contract, user: accounts.Principal) -> None:
    if contract.client_id != _uid(user):
        raise ForbiddenError("Only the contract's client may do this.")


def require_contract_freelancer(*, contract: Contract, user: accounts.Principal) -> None:
    if contract.freelancer_id != _uid(user):
        raise ForbiddenError("Only the contract's freelancer may do this.")


def require_party(*, contract: Contract, user: accounts.Principal) -> None:
    if not is_party(contract=contract, user=user):
        raise ForbiddenError("Only the contract's parties may do this.")


NO_SUCH_MILESTONE = "No such milestone."


def visible_milestone(
    *, contract_id: int, milestone_id: int, user: accounts.Principal, lock: bool = False
) -> tuple[Contract, Milestone]:
    """A milestone with its contract, for the contract's parties and operators; 404 for
    everyone else and for a milestone of another contract. With `lock`, the contract's row is
    locked first, then the milestone's (the order every milestone step takes)."""
    contract = visible_contract(contract_id=contract_id, user=user, lock=lock)
    milestone = selectors.milestone_in(
        contract_id=contract.pk, milestone_id=milestone_id, lock=lock
    )
    if milestone is None:
        raise NotFoundError(NO_SUCH_MILESTONE)
    milestone.contract = contract  # the copy just read (and locked): no second query
    return contract, milestone


# --- moderation -----------------------------------------------------------------------------------


def require_operator(user: accounts.Principal) -> None:
    """Moderation decisions (dismissing a report, closing a gig) are operators' alone."""
    if not accounts.is_operator(user):
        raise ForbiddenError("Only operators may do this.")


def visible_report(*, report_id: int, user: accounts.Principal, lock: bool = False) -> Report:
    """A report, for the person who filed it and operators; 404 for everyone else (the gig's
    client included: who reported them is not theirs to know)."""
    report = selectors.report_by_id(report_id=report_id, lock=lock)
    if report is None or not (
        user.is_authenticated and (report.reporter_id == _uid(user) or accounts.is_operator(user))
    ):
        raise NotFoundError(NO_SUCH_REPORT)
    return report


# --- disputes -------------------------------------------------------------------------------------

NO_SUCH_DISPUTE = "No such dispute."


def visible_dispute(*, dispute_id: int, user: accounts.Principal) -> Dispute:
    """A dispute with its milestone and contract, for the contract's parties and operators;
    404 for everyone else."""
    dispute = selectors.dispute_by_id(dispute_id=dispute_id)
    if dispute is None or not (
        user.is_authenticated
        and (is_party(contract=dispute.milestone.contract, user=user) or accounts.is_operator(user))
    ):
        raise NotFoundError(NO_SUCH_DISPUTE)
    return dispute
