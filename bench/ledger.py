"""Ledger: journal entries per second with 8 concurrent writers next to a pgbench TPC-B run on
the same PostgreSQL, then the ledger's invariants (issue 13; docs/decisions/0029).

Issue 13 asked for this in bench/gigs.py; it is a benchmark of its own because it loads Django
for scratch databases of its own (bench/gigs.py's browse phases load the dev database) and
needs no web server. `make bench` runs it with the others.

What is measured
    - Two scratch databases next to the configured one (DATABASE_URL): `<name>_bench_ledger`,
      migrated, and `<name>_bench_pgbench`, initialised by `pgbench -i -s <scale>`; both are
      dropped at the end (the ledger is append-only: its rows can only go with the database).
    - Rounds, alternating so that the machine's drift hits both alike: pgbench TPC-B
      (`-c <writers> -j 2 -T <duration>`), then <writers> processes posting ledger movements for
      <duration> through apps.gigs.ledger.posting, each on its own contract: fund a milestone,
      release it with a 10 % fee, and after every tenth release clear the freelancer's pending
      funds and pay them out (22 entries per ten cycles, each with a reference, as the services
      will post them). Figures are the rounds' medians. Target: ledger entries/s >= 30 % of
      TPC-B transactions/s.
    - Then the invariants, on everything the rounds wrote: every currency's lines sum to zero,
      no account but client funding is negative, every entry balances and has two lines or
      more, no milestone released, refunded or held more than was funded, each freelancer's
      pending + available + paid out equals what was released to them less fees, and the
      database holds exactly the entries the writers counted (none lost, none doubled).

Settings: DJANGO_ENV=prod (a fresh SECRET_KEY, a random SANDBOX_WEBHOOK_SECRET), the scratch
database as DATABASE_URL, LOG_LEVEL=WARNING. Needs `pgbench` (postgresql-client) and a role
that may create databases.

A missed target is reported, not gated; the exit code is 1 when no valid measurement could be
made or an invariant does not hold.

    .venv/bin/python bench/ledger.py [--duration 15] [--writers 8] [--rounds 3] [--scale 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from _support import (
    REPO_ROOT,
    BenchError,
    bench_main,
    cpu_busy_pct,
    print_busy,
    print_checks,
    settings_env,
    setup_django,
)

TARGET_SHARE = 30.0  # % of pgbench TPC-B tps (issue 13)
MILESTONES_PER_WRITER = 4
AMOUNT = 10_000  # cents funded and released per cycle
FEE_PERCENT = "10"
CLEAR_EVERY = 10  # cycles between a clear + payout
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gigsy"


@dataclass(frozen=True)
class Options:
    duration_s: float
    writers: int
    rounds: int
    scale: int


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            name=parts.path.lstrip("/") or "gigsy",
        )

    def url(self, name: str) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{name}"

    def env(self) -> dict[str, str]:
        """libpq's variables for pgbench."""
        env = {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def configured_database_url() -> str:
    """DATABASE_URL as the settings read it: the environment, else the project's .env, else
    the default of gigsy/settings/base.py."""
    import environ

    environ.Env.read_env(REPO_ROOT / ".env", overwrite=False)  # as gigsy/settings/base.py
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def _admin(db: Database, statement: str) -> None:
    import psycopg

    with psycopg.connect(
        host=db.host,
        port=db.port,
        user=db.user,
        password=db.password or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(statement)


def recreate(db: Database, name: str) -> None:
    _admin(db, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(db, f'CREATE DATABASE "{name}"')


def drop(db: Database, name: str) -> None:
    _admin(db, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- pgbench --------------------------------------------------------------------------------------


def pgbench_init(db: Database, name: str, scale: int) -> None:
    done = subprocess.run(
        ["pgbench", "-i", "-q", "-s", str(scale), name],
        env=db.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BenchError(f"pgbench -i failed: {done.stderr.strip()[-500:]}")


def pgbench_run(db: Database, name: str, clients: int, seconds: float) -> float:
    threads = max(1, min(clients, os.cpu_count() or 1))
    done = subprocess.run(
        ["pgbench", "-c", str(clients), "-j", str(threads), "-T", str(round(seconds)), name],
        env=db.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    if done.returncode or not match:
        raise BenchError(f"pgbench failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return float(match.group(1))


# --- the ledger writers ---------------------------------------------------------------------------


@dataclass
class WriterResult:
    counts: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    refused: int = 0


def seed(writers: int) -> list[list[int]]:
    """Per writer: a client, a freelancer, a contract and its milestones (ORM rows; the ledger
    is what is measured). Returns the milestone ids of each writer."""
    from django.contrib.auth import get_user_model

    from apps.gigs.models import Application, Contract, Gig, Milestone

    user_model = get_user_model()
    plan = []
    for w in range(writers):
        client = user_model.objects.create(
            email=f"bench-ledger-client-{w}@example.com",
            display_name=f"Client {w}",
            roles=["client"],
        )
        freelancer = user_model.objects.create(
            email=f"bench-ledger-freelancer-{w}@example.com",
            display_name=f"Freelancer {w}",
            roles=["learner"],
        )
        gig = Gig.objects.create(
            client=client,
            title=f"Bench gig {w}",
            description="Ledger bench.",
            budget_amount=AMOUNT * MILESTONES_PER_WRITER,
            currency="USD",
            status="in_progress",
        )
        application = Application.objects.create(
            gig=gig,
            applicant=freelancer,
            cover_letter="Bench.",
            status="accepted",
            bid_amount=AMOUNT * MILESTONES_PER_WRITER,
        )
        contract = Contract.objects.create(
            gig=gig,
            application=application,
            client=client,
            freelancer=freelancer,
            title=gig.title,
            pricing="fixed",
            currency="USD",
        )
        plan.append(
            [
                Milestone.objects.create(
                    contract=contract, position=i + 1, title=f"Part {i + 1}", amount=AMOUNT
                ).pk
                for i in range(MILESTONES_PER_WRITER)
            ]
        )
    return plan


def write(job: tuple[int, str, list[int], float, float]) -> WriterResult:
    """One writer process: post movements from `start_at` (wall clock, shared by all) for
    `seconds`; count each entry that committed inside the window."""
    index, run_id, milestone_ids, start_at, seconds = job
    from django.db import connection

    from apps.gigs.ledger import posting
    from apps.gigs.models import Milestone
    from apps.gigs.rules.money import fee
    from gigsy.errors import ConflictError

    result = WriterResult()
    try:
        milestones = list(Milestone.objects.select_related("contract").filter(pk__in=milestone_ids))
        freelancer = milestones[0].contract.freelancer_id
        client = milestones[0].contract.client_id
        release_fee = fee(AMOUNT, FEE_PERCENT)
        net = AMOUNT - release_fee
        time.sleep(max(0.0, start_at - time.time()))
        deadline = start_at + seconds
        cycle = 0

        def timed(kind: str, move: Any, **terms: Any) -> bool:
            began = time.perf_counter()
            try:
                move(**terms)
            except ConflictError:
                result.refused += 1
                return False
            ended = time.perf_counter()
            if time.time() <= deadline:
                result.counts[kind] += 1
                result.latencies_ms.append(1000 * (ended - began))
                return True
            result.counts["late"] += 1  # committed after the window: in the database, not rated
            return False

        while time.time() < deadline:
            milestone = milestones[cycle % len(milestones)]
            ref = f"{run_id}:{index}:{cycle}"
            timed(
                "fund",
                posting.fund,
                milestone=milestone,
                client_id=client,
                amount=AMOUNT,
                currency="USD",
                reference=f"{ref}:fund",
            )
            timed(
                "release",
                posting.release,
                milestone=milestone,
                freelancer_id=freelancer,
                amount=AMOUNT,
                fee=release_fee,
                reference=f"{ref}:release",
            )
            cycle += 1
            if cycle % CLEAR_EVERY == 0:
                timed(
                    "clear",
                    posting.clear,
                    user_id=freelancer,
                    currency="USD",
                    amount=net * CLEAR_EVERY,
                    reference=f"{ref}:clear",
                )
                timed(
                    "payout",
                    posting.payout,
                    user_id=freelancer,
                    amount=net * CLEAR_EVERY,
                    currency="USD",
                    reference=f"{ref}:payout",
                )
    finally:
        connection.close()
    return result


def ledger_run(plan: list[list[int]], run_id: str, seconds: float) -> tuple[float, WriterResult]:
    from django.db import connections

    connections.close_all()  # each forked writer opens its own connection
    start_at = time.time() + 1.0
    jobs = [(i, run_id, ids, start_at, seconds) for i, ids in enumerate(plan)]
    # An executor, not a Pool: a writer that dies (killed from outside) breaks the run with
    # BrokenProcessPool instead of leaving Pool.map waiting for its result forever.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(plan), mp_context=context) as pool:
        futures = [pool.submit(write, job) for job in jobs]
        try:
            results = [f.result(timeout=seconds + 120) for f in futures]
        except (BrokenProcessPool, TimeoutError) as exc:
            raise BenchError(f"a ledger writer did not finish: {exc!r}") from exc
    total = WriterResult()
    for r in results:
        total.counts.update(r.counts)
        total.latencies_ms += r.latencies_ms
        total.refused += r.refused
    rated = sum(n for kind, n in total.counts.items() if kind != "late")
    return rated / seconds, total


# --- invariants -----------------------------------------------------------------------------------


def invariants(posted: int) -> list[tuple[bool, str]]:
    from django.db import connection

    def one(sql: str) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    checks: list[tuple[bool, str]] = []
    totals = one('SELECT currency, sum(amount) FROM "gigs"."journal_line" GROUP BY currency')
    checks.append(
        (all(t == 0 for _, t in totals), f"lines sum to zero per currency: {dict(totals)}")
    )
    negative = one(
        """
        SELECT a.kind, a.owner_id, sum(l.amount) FROM "gigs"."journal_line" l
        JOIN "gigs"."ledger_account" a ON a.id = l.account_id
        WHERE a.kind <> 'client_funding' GROUP BY a.id HAVING sum(l.amount) < 0
        """
    )
    checks.append((not negative, f"no account but client funding below zero: {negative[:5]}"))
    unbalanced = one(
        """
        SELECT e.id FROM "gigs"."journal_entry" e
        LEFT JOIN "gigs"."journal_line" l ON l.entry_id = e.id
        GROUP BY e.id HAVING count(l.id) < 2
        UNION ALL
        SELECT entry_id FROM "gigs"."journal_line"
        GROUP BY entry_id, currency HAVING sum(amount) <> 0
        """
    )
    checks.append((not unbalanced, f"every entry balances with 2+ lines: {len(unbalanced)} do not"))
    overdrawn = one(
        """
        SELECT milestone_id, funded, released, refunded_or_held FROM (
            SELECT e.milestone_id,
                   -coalesce(sum(l.amount) FILTER (WHERE a.kind = 'client_funding'), 0)
                       AS funded,
                   coalesce(sum(l.amount) FILTER (
                       WHERE a.kind IN ('freelancer_pending', 'platform_fees')
                         AND e.kind <> 'clear'), 0) AS released,
                   coalesce(sum(l.amount) FILTER (
                       WHERE a.kind IN ('client_refunds', 'dispute_hold')), 0)
                       AS refunded_or_held
            FROM "gigs"."journal_entry" e
            JOIN "gigs"."journal_line" l ON l.entry_id = e.id
            JOIN "gigs"."ledger_account" a ON a.id = l.account_id
            WHERE e.milestone_id IS NOT NULL
            GROUP BY e.milestone_id
        ) m
        WHERE released + refunded_or_held > funded
        """
    )
    checks.append(
        (not overdrawn, f"released + refunded + held <= funded per milestone: {overdrawn[:5]}")
    )
    unaccounted = one(
        """
        SELECT a.owner_id FROM "gigs"."journal_line" l
        JOIN "gigs"."ledger_account" a ON a.id = l.account_id
        JOIN "gigs"."journal_entry" e ON e.id = l.entry_id
        WHERE a.kind IN ('freelancer_pending', 'freelancer_available', 'payouts')
        GROUP BY a.owner_id
        HAVING sum(l.amount) <> coalesce(
            sum(l.amount) FILTER (WHERE e.kind = 'release' AND a.kind = 'freelancer_pending'), 0
        )
        """
    )
    checks.append(
        (
            not unaccounted,
            "pending + available + paid out = released less fees, per freelancer: "
            f"{len(unaccounted)} differ",
        )
    )
    [(entries,)] = one('SELECT count(*) FROM "gigs"."journal_entry"')
    checks.append((entries == posted, f"the database holds the {posted} entries posted: {entries}"))
    return checks


# --- main -----------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run(options: Options) -> None:
    seconds, writers = options.duration_s, options.writers
    rounds, scale = options.rounds, options.scale
    base = Database.from_url(configured_database_url())
    ledger_db, pgbench_db = f"{base.name}_bench_ledger", f"{base.name}_bench_pgbench"
    print(
        f"LEDGER: {writers} writer processes vs pgbench TPC-B -c {writers}, {rounds} round(s) "
        f"of {seconds:g} s each, alternating; PostgreSQL {base.host}:{base.port}"
    )
    print_busy(cpu_busy_pct())
    try:
        recreate(base, pgbench_db)
        pgbench_init(base, pgbench_db, scale)
        recreate(base, ledger_db)
        setup_django(
            settings_env(
                "prod",
                DATABASE_URL=base.url(ledger_db),
                LOG_LEVEL="WARNING",
                LOG_REQUESTS="0",
                SANDBOX_WEBHOOK_SECRET=secrets.token_urlsafe(48),
            )
        )
        from django.core.management import call_command

        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        plan = seed(writers)
        print(
            f"scratch databases ready in {time.monotonic() - started:.1f} s: {ledger_db} "
            f"(migrated; {writers} contracts x {MILESTONES_PER_WRITER} milestones), "
            f"{pgbench_db} (pgbench -i -s {scale})",
            flush=True,
        )
        tps: list[float] = []
        rates: list[float] = []
        totals = WriterResult()
        posted = 0
        for r in range(1, rounds + 1):
            tps.append(pgbench_run(base, pgbench_db, writers, seconds))
            rate, result = ledger_run(plan, f"r{r}", seconds)
            rates.append(rate)
            totals.counts.update(result.counts)
            totals.latencies_ms += result.latencies_ms
            totals.refused += result.refused
            posted += sum(result.counts.values())
            print(
                f"  round {r}: TPC-B {tps[-1]:8.1f} tps   ledger {rate:8.1f} entries/s "
                f"({100 * rate / tps[-1]:.1f} %)",
                flush=True,
            )
        checks = invariants(posted)
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        drop(base, ledger_db)
        drop(base, pgbench_db)

    tps_median, rate_median = statistics.median(tps), statistics.median(rates)
    share = 100 * rate_median / tps_median
    kinds = ", ".join(f"{k} {totals.counts[k]}" for k in ("fund", "release", "clear", "payout"))
    print(f"\n{'figure':<44} {'median':>10} {'rounds':>30}")
    print("-" * 86)
    print(
        f"{'pgbench TPC-B (tps)':<44} {tps_median:>10.1f} {' '.join(f'{t:.0f}' for t in tps):>30}"
    )
    print(
        f"{'ledger journal entries/s':<44} {rate_median:>10.1f} "
        f"{' '.join(f'{t:.0f}' for t in rates):>30}"
    )
    print(
        f"{'posting latency p50 / p99 (ms)':<44} "
        f"{percentile(totals.latencies_ms, 0.5):>10.2f} "
        f"{percentile(totals.latencies_ms, 0.99):>30.2f}"
    )
    print(
        f"\nentries rated: {kinds}; committed after a window (in the database, not rated): "
        f"{totals.counts['late']}; refused: {totals.refused}"
    )
    print()
    print_checks(
        [(share >= TARGET_SHARE, f"ledger >= {TARGET_SHARE:g} % of TPC-B: {share:.1f} %"), *checks]
    )
    broken = [text for ok, text in checks if not ok]
    if totals.refused:
        broken.append(f"{totals.refused} movements refused (each writer moves only what it has)")
    if broken:
        raise BenchError("invariants do not hold: " + "; ".join(broken))


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per run")
    parser.add_argument("--writers", type=int, default=8, help="writer processes = pgbench -c")
    parser.add_argument("--rounds", type=int, default=3, help="pgbench + ledger rounds")
    parser.add_argument("--scale", type=int, default=8, help="pgbench -i -s (branches)")
    args = parser.parse_args(argv)
    if min(args.duration, args.writers, args.rounds, args.scale) < 1:
        parser.error("duration, writers, rounds and scale must be >= 1")
    return Options(args.duration, args.writers, args.rounds, args.scale)


def main(argv: list[str] | None = None) -> int:
    return bench_main(
        argv, parse_args, run, failed="LEDGER BENCH", interrupted="scratch databases dropped"
    )


if __name__ == "__main__":
    sys.exit(main())
