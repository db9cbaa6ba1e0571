"""The double-entry ledger of escrow (docs/decisions/0029): accounts, journal entries whose lines
sum to zero per currency, the money movements built on them, balances derived from the lines and
the clearing of released funds.

    posting.py    post(), reverse() and the movements: fund, release, refund, hold_for_dispute,
                  resolve_dispute, clear, payout
    balances.py   balances, a user's history of lines, a milestone's money position
    clearing.py   clear_due(now): released funds become available after GIGS_CLEARING_DAYS

The ledger moves money; it never decides who may move it. The services check the actor and
the milestone's state, then call a movement in their own transaction."""
