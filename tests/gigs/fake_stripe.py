"""A local stand-in for api.stripe.com, for the Stripe adapter's tests (no network here).

A real HTTP server on 127.0.0.1 that the official `stripe` client is pointed at
(`StripeProvider(api_base=...)`): the client's own encoding, headers, retries and error parsing
run unchanged. It answers the three calls the adapter makes with objects shaped as Stripe
documents them (PaymentIntent, Refund, Transfer), keeps Stripe's idempotency semantics (the
same Idempotency-Key with the same parameters answers the first response; with others, a 400
idempotency_error), and records every request for the tests to inspect. `fail_next` makes the
next request answer an error the way Stripe does (`{"error": {...}}` with its status).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


@dataclass
class FakeStripe:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    # (status, error object) answered to the next request(s), first in first out.
    failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _idempotent: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, error: dict[str, Any]) -> None:
        self.failures.append((status, error))

    def answer(self, method: str, path: str, params: dict[str, str], key: str) -> tuple[int, Any]:
        with self._lock:
            if self.failures:
                status, error = self.failures.pop(0)
                return status, {"error": error}
            if key and key in self._idempotent:
                first_params, status, body = self._idempotent[key]
                if first_params != params:
                    return 400, {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the "
                            "same parameters they were first used with.",
                        }
                    }
                return status, body
            status, body = _create(method, path, params)
            if key:
                self._idempotent[key] = (params, status, body)
            return status, body


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _metadata(params: dict[str, str]) -> dict[str, str]:
    return {k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")}


def _create(method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
    now = int(time.time())
    if (method, path) == ("POST", "/v1/payment_intents"):
        pi = _id("pi")
        return 200, payment_intent(
            pi,
            amount=int(params["amount"]),
            currency=params["currency"],
            metadata=_metadata(params),
            status="requires_payment_method",
            created=now,
        )
    if (method, path) == ("POST", "/v1/refunds"):
        return 200, {
            "id": _id("re"),
            "object": "refund",
            "amount": int(params["amount"]),
            "balance_transaction": _id("txn"),
            "charge": _id("ch"),
            "created": now,
            "currency": "usd",
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "metadata": _metadata(params),
            "payment_intent": params["payment_intent"],
            "reason": None,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
    if (method, path) == ("POST", "/v1/transfers"):
        tr = _id("tr")
        return 200, {
            "id": tr,
            "object": "transfer",
            "amount": int(params["amount"]),
            "amount_reversed": 0,
            "balance_transaction": _id("txn"),
            "created": now,
            "currency": params["currency"],
            "description": None,
            "destination": params["destination"],
            "destination_payment": _id("py"),
            "livemode": False,
            "metadata": _metadata(params),
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/transfers/{tr}/reversals",
            },
            "reversed": False,
            "source_transaction": None,
            "source_type": "card",
            "transfer_group": None,
        }
    return 404, {
        "error": {
            "type": "invalid_request_error",
            "message": f"Unrecognized request URL ({method}: {path}).",
        }
    }


def payment_intent(
    pi: str,
    *,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    status: str,
    created: int,
    amount_received: int = 0,
    last_payment_error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A PaymentIntent as the API reference documents it (the fields a client sees)."""
    return {
        "id": pi,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": amount_received,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": {"allow_redirects": "always", "enabled": True},
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{pi}_secret_{secrets.token_hex(12)}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": None,
        "description": None,
        "last_payment_error": last_payment_error,
        "latest_charge": _id("ch") if amount_received else None,
        "livemode": False,
        "metadata": metadata,
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": _id("pm") if status != "requires_payment_method" else None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card", "link"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }


def serve() -> Iterator[FakeStripe]:
    """Run a fake Stripe for one test (a fixture body: `yield from serve()`)."""
    fake = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            params = dict(parse_qsl(raw, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append(Recorded("POST", self.path, headers, params))
            status, body = fake.answer(
                "POST", self.path, params, headers.get("idempotency-key", "")
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", _id("req"))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
