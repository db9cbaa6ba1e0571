"""The platform's credential signing keys, for rotation (docs/decisions/0011).

    manage.py certificate_key generate [--alg EdDSA|RS256] [--one-line]
        A new private key as PEM on stdout (the next CERTIFICATE_SIGNING_KEY).
    manage.py certificate_key public-jwk [--kid K]
        The public JWK of the current CERTIFICATE_SIGNING_KEY, under the kid its credentials
        carry: add it to CERTIFICATE_RETIRED_JWKS when that key is replaced.

Rotation: run `public-jwk` with the old settings, then deploy the new key with a new
CERTIFICATE_KEY_ID and the printed JWK appended to CERTIFICATE_RETIRED_JWKS.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gigsy.credentials import issuer
from gigsy.credentials.keys import SIGNING_ALGORITHMS, generate_signing_key, private_pem, public_jwk


class Command(BaseCommand):
    help = "Generate a certificate signing key, or print the current key's public JWK."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        generate = actions.add_parser("generate", help="print a new private key (PEM)")
        generate.add_argument("--alg", choices=SIGNING_ALGORITHMS, default="EdDSA")
        generate.add_argument(
            "--one-line",
            action="store_true",
            help='newlines as literal "\\n", ready for an environment variable',
        )
        public = actions.add_parser(
            "public-jwk", help="print the current signing key's public JWK (JSON)"
        )
        public.add_argument(
            "--kid",
            default=None,
            help="a CERTIFICATE_KEY_ID-style name (default: the current one), expanded to the "
            "full kid credentials carry; a value with '#' or ':' is used as is",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            pem = private_pem(generate_signing_key(options["alg"])).decode().strip()
            self.stdout.write(pem.replace("\n", "\\n") if options["one_line"] else pem)
            return
        kid = options["kid"]
        if kid is not None and not kid.strip():
            raise CommandError("--kid must not be empty")
        if not kid or ("#" not in kid and ":" not in kid):
            kid = issuer.key_id(kid)
        if not settings.CERTIFICATE_SIGNING_KEY:
            self.stderr.write(
                "CERTIFICATE_SIGNING_KEY is not set: this is the development key under var/keys/."
            )
        self.stdout.write(json.dumps(public_jwk(issuer.signing_key(), kid)))
