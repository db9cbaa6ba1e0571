"""The race the security sweep found (issue 10, High): an attacker holding stolen refresh tokens
loops `POST /auth/token/refresh` while the victim changes the password or logs out everywhere.
No session may survive: neither the last refresh token a loop got nor its last access token.

Real threads, each with its own PostgreSQL connection, against the real database and Redis
(transactional_db: every request commits, as in production). Each trial starts fresh sessions,
lets every loop refresh at least once, revokes while they run, lets them go on a little, and
then tries what each loop holds, reading the user the way another worker would.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest
from django.db import connection
from rest_framework.test import APIClient

from gigsy.api.authentication import _local_users
from tests.conftest import obtain_tokens
from tests.factories import DEFAULT_PASSWORD, UserFactory

AUTH = "/api/v1/auth"
TRIALS = 50
ATTACKER_LOOPS = 4
# How long the loops go on after the revocation answered.
AFTER_REVOCATION_SECONDS = 0.05


@dataclass
class _Loop:
    """One attacker loop: a stolen refresh token, refreshed again and again."""

    refresh: str
    access: str = ""
    refreshed: int = 0
    started: threading.Event = field(default_factory=threading.Event)

    def run(self, stop: threading.Event) -> None:
        client = APIClient()
        try:
            while not stop.is_set():
                answer = client.post(
                    f"{AUTH}/token/refresh", {"refresh": self.refresh}, format="json"
                )
                if answer.status_code == 200:
                    pair = answer.json()
                    self.refresh, self.access = pair["refresh"], pair["access"]
                    self.refreshed += 1
                    self.started.set()
                else:
                    assert answer.status_code == 401, answer.content
                    self.started.set()
                    return  # refused: this stolen session is over
        finally:
            connection.close()


def _survives(loop: _Loop) -> bool:
    _local_users._entries.clear()  # read the user as another worker would
    refreshed = APIClient().post(f"{AUTH}/token/refresh", {"refresh": loop.refresh}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {loop.access}")
    me = client.get(f"{AUTH}/me")
    return refreshed.status_code == 200 or me.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_no_stolen_session_survives_a_revocation_raced_by_refresh_loops():
    victim = UserFactory(email="victim@example.com")
    password = DEFAULT_PASSWORD
    survivors = 0
    refreshes = 0
    for trial in range(TRIALS):
        own = obtain_tokens(APIClient(), victim.email, password)
        loops = [
            _Loop(refresh=obtain_tokens(APIClient(), victim.email, password)["refresh"])
            for _ in range(ATTACKER_LOOPS)
        ]
        stop = threading.Event()
        threads = [threading.Thread(target=loop.run, args=(stop,)) for loop in loops]
        for thread in threads:
            thread.start()
        for loop in loops:
            assert loop.started.wait(10)

        if trial % 2 == 0:
            new_password = f"a much longer passphrase {trial} 2026"
            me = APIClient()
            me.credentials(HTTP_AUTHORIZATION=f"Bearer {own['access']}")
            answer = me.post(
                f"{AUTH}/password",
                {"current_password": password, "new_password": new_password},
                format="json",
            )
            assert answer.status_code == 200, answer.content
            password = new_password
        else:
            answer = APIClient().post(
                f"{AUTH}/logout", {"refresh": own["refresh"], "everywhere": True}, format="json"
            )
            assert answer.status_code == 204, answer.content

        time.sleep(AFTER_REVOCATION_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(10)
        refreshes += sum(loop.refreshed for loop in loops)
        survivors += sum(_survives(loop) for loop in loops if loop.access)

    print(
        f"\nrefresh race: {TRIALS} trials x {ATTACKER_LOOPS} loops, {refreshes} refreshes, "
        f"{survivors} surviving sessions"
    )
    assert refreshes >= TRIALS * ATTACKER_LOOPS
    assert survivors == 0
