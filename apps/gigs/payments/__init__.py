"""Payment providers behind one interface, and the intake of their signed webhooks.

- provider.py   the `PaymentProvider` protocol, the frozen results it answers with, and
                `get_provider()` (settings PAYMENTS_PROVIDER)
- sandbox.py    the deterministic development provider (confirmation endpoint, HMAC webhooks)
- stripe.py     the Stripe adapter (PaymentIntents, Refunds, Connect transfers, webhooks)
- records.py    starting a payment: the provider's session plus our PaymentRecord
- intake.py     a webhook, verified, recorded once and dispatched to `on_payment_event` listeners

A money building block: it moves nothing in the ledger and decides nobody's permissions; the
services compose it (docs/decisions/0031).
"""
