"""Every error code the gig marketplace answers with (besides the kernel's generic ones).

Each member says which statuses carry it, what it means and what a client should do
(gigsy.errors.DescribedCodes; docs/errors.md is generated from them)."""

from gigsy.errors import DescribedCodes, error_codes


@error_codes
class GigsError(DescribedCodes):
    # who may act at all
    EMAIL_NOT_VERIFIED = (
        "email_not_verified",
        403,
        "Posting a gig, applying, starting or being paid for work needs a verified email "
        "address (docs/decisions/0021).",
        "Ask the user to open the link we mailed them, or to resend it "
        "(POST /api/v1/auth/email/verify/resend).",
    )
    ROLE_REQUIRED = (
        "role_required",
        403,
        "This needs a role the account does not hold: posting a gig needs `client`, applying "
        "needs `learner`.",
        "Offer to add the role (POST /api/v1/auth/roles), then retry.",
    )
    # state machines: `details` carries `current_status` and `allowed` (the next statuses)
    INVALID_TRANSITION = (
        "invalid_transition",
        409,
        "The object's current status does not allow this action; `details.current_status` "
        "names it and `details.allowed` lists the actions it allows now.",
        "Reload the object and offer only the allowed actions.",
    )
    # gigs
    GIG_NOT_OPEN = (
        "gig_not_open",
        409,
        "The gig does not take applications now (a draft, in progress, completed, cancelled "
        "or closed by an operator).",
        "Reload the gig; look for other open gigs.",
    )
    GIG_HAS_CONTRACT = (
        "gig_has_contract",
        409,
        "The gig's terms can no longer change: an application was accepted.",
        "Change the contract's milestones instead, or agree to cancel them.",
    )
    GIG_HAS_APPLICATIONS = (
        "gig_has_applications",
        409,
        "The gig's pricing and currency cannot change while applications are active: their "
        "bids were made in them. `fields` names the refused fields.",
        "Keep the pricing and currency, or cancel the gig and post a new one.",
    )
    UNKNOWN_CREDENTIAL = (
        "unknown_credential",
        400,
        "`required_course_id` names no published course.",
        "Choose a published course (GET /api/v1/lms/courses).",
    )
    # applications
    ALREADY_APPLIED = (
        "already_applied",
        409,
        "The applicant already has an active application to this gig.",
        "Show the existing application (GET /api/v1/gigs/applications/mine).",
    )
    APPLICANT_UNAVAILABLE = (
        "applicant_unavailable",
        409,
        "The applicant's account was deactivated or deleted: the application cannot be accepted.",
        "Reload the applications; choose another applicant.",
    )
    OWN_GIG = (
        "own_gig",
        409,
        "A client cannot apply to their own gig.",
        "Hide the apply button on one's own gigs.",
    )
    CREDENTIAL_REQUIRED = (
        "credential_required",
        403,
        "The gig requires a course certificate the applicant does not hold (or holds revoked); "
        "`details.course_id` and `details.course_title` name it.",
        "Suggest the course; the applicant can apply once certified.",
    )
    APPLICANT_BLOCKED = (
        "applicant_blocked",
        403,
        "The gig's client does not accept applications from this account.",
        "Do not retry; look for other gigs.",
    )
    # contracts and milestones
    HOURS_OVER_CAP = (
        "hours_over_cap",
        400,
        "The hours reported are more than the contract's weekly cap (`details.cap`).",
        "Report at most the cap; talk to the client about more.",
    )
    NO_CANCELLATION_PROPOSED = (
        "no_cancellation_proposed",
        409,
        "There is no cancellation proposal to accept or decline on this milestone.",
        "Propose a cancellation first (POST .../cancel).",
    )
    OWN_PROPOSAL = (
        "own_proposal",
        409,
        "The cancellation was proposed by the caller; only the other party can accept it.",
        "Wait for the other party, or withdraw the proposal.",
    )
    CANCELLATION_PENDING = (
        "cancellation_pending",
        409,
        "A cancellation of this milestone is already proposed; `details.proposed_by` says by "
        "which party (`client` or `freelancer`).",
        "Show the proposal: the other party accepts or declines it, its proposer may withdraw it.",
    )
    FIXED_PRICE_ONLY = (
        "fixed_price_only",
        409,
        "Milestones can be added only to a fixed-price contract; an hourly contract's weeks "
        "were set when it started.",
        "Agree on a new contract for more weeks.",
    )
    TOO_MANY_MILESTONES = (
        "too_many_milestones",
        409,
        "The contract has as many milestones as a contract may have (`details.max`).",
        "Finish or cancel the contract and start a new one.",
    )
    # reviews
    NOT_REVIEWABLE = (
        "not_reviewable",
        409,
        "A contract can be reviewed only once it is completed (or cancelled after work was "
        "approved), and by each party once.",
        "Reload the contract; show the review form only when `can_review` is true.",
    )
    # moderation
    ALREADY_REPORTED = (
        "already_reported",
        409,
        "The caller already has an open report on this gig.",
        "Tell the user their report is being looked at.",
    )
    # money: the ledger's refusals (docs/decisions/0029)
    INVALID_AMOUNT = (
        "invalid_amount",
        400,
        "An amount is not a whole positive number of minor units (cents), is above the largest "
        "amount one movement may carry, or a fee is more than the amount it is taken from; "
        "`fields` names the amount.",
        "Send a positive integer of minor units of the contract's currency.",
    )
    UNSUPPORTED_CURRENCY = (
        "unsupported_currency",
        400,
        "The currency is not an ISO 4217 code the platform takes (GIGS_CURRENCIES), or not the "
        "currency of the contract the money belongs to.",
        "Use the contract's currency.",
    )
    INVALID_SPLIT = (
        "invalid_split",
        400,
        "The parts of a split (a dispute's freelancer amount and client refund) do not add up "
        "to the amount being split, `details.total`.",
        "Split exactly `details.total` between the parties.",
    )
    INSUFFICIENT_FUNDS = (
        "insufficient_funds",
        409,
        "The money would come from an account that holds less (a milestone's escrow or dispute "
        "hold, a freelancer's pending or available funds); `details.account`, "
        "`details.available` and `details.requested` say which and how much.",
        "Reload the balances or the milestone and offer at most what is there.",
    )
    MOVEMENT_REFERENCE_REUSED = (
        "movement_reference_reused",
        409,
        "A money movement with this reference was already recorded with different terms (kind, "
        "accounts, amounts or memo); the same reference with the same terms returns the first.",
        "Never reuse a movement's reference for another movement; a retry sends the same terms.",
    )
    NOT_REVERSIBLE = (
        "not_reversible",
        409,
        "This journal entry cannot be reversed: it is itself a reversal.",
        "Post a new movement instead of reversing the reversal.",
    )
    # escrow: funding and releasing a milestone (docs/decisions/0029, "Integration")
    PAYMENT_PROVIDER_UNAVAILABLE = (
        "payment_provider_unavailable",
        503,
        "The payment provider could not be reached or refused to start the payment; nothing was "
        "charged and the Idempotency-Key was forgotten.",
        "Retry later (the same key is fine); tell the user if it keeps failing.",
    )
    # payments: the webhook intake (docs/decisions/0031); only providers call it
    INVALID_SIGNATURE = (
        "invalid_signature",
        400,
        "The webhook's signature header is missing, does not match the body with this "
        "provider's secret, or is more than 300 seconds old: nothing was recorded.",
        "A provider: check the endpoint's signing secret (STRIPE_WEBHOOK_SECRET); the provider "
        "retries on its own. Anyone else: this endpoint is not for you.",
    )
    INVALID_WEBHOOK_PAYLOAD = (
        "invalid_webhook_payload",
        400,
        "The webhook is signed correctly but its body is not an event this provider documents "
        "(or one that cannot be stored): nothing was recorded.",
        "Look at the provider's API version and the event in its dashboard; a bug to report.",
    )
    # payouts (docs/decisions/0032)
    PAYOUTS_HELD = (
        "payouts_held",
        409,
        "An operator holds this account's payouts (a review of its activity): nothing was "
        "taken from the balance.",
        "Tell the user their payouts are on hold and to contact support; do not retry.",
    )
    PAYOUT_DESTINATION_MISSING = (
        "payout_destination_missing",
        409,
        "The payment provider has no account to pay this user into (Stripe: no connected "
        "account is recorded for them): nothing was taken from the balance.",
        "Ask the user to contact support to connect a payout account, then retry.",
    )
    PAYOUT_REFUSED = (
        "payout_refused",
        409,
        "The payment provider refused the payout or could not be reached; nothing was taken "
        "from the balance. `details.provider_code` is the provider's reason and "
        "`details.retryable` whether the same payout may succeed later.",
        "If `details.retryable`, retry later with a new Idempotency-Key; otherwise contact "
        "support.",
    )
    # disputes (services/disputes.py)
    DISPUTE_ALREADY_OPEN = (
        "dispute_already_open",
        409,
        "The milestone already has an open dispute (`details.dispute_id`): its money is held "
        "until an operator resolves it.",
        "Show the open dispute (GET /api/v1/gigs/disputes/{id}).",
    )
    DISPUTE_ALREADY_RESOLVED = (
        "dispute_already_resolved",
        409,
        "The dispute was already resolved (`details.resolved_at`); a resolution is final.",
        "Reload the dispute and show its resolution.",
    )
