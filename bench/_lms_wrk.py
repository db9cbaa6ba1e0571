"""wrk with Lua scripts for `bench/lms.py`: catalog pages in rotation, one submit per attempt.

A helper module, not a benchmark (`run_all.py` skips `bench/_*.py`).
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _support import (
    BenchError,
    StartCheck,
    WrkResult,
    finish_wrk,
    parse_wrk,
    run_wrk,
    start_wrk,
    wrk_command,
)

# Each wrk thread walks the pages from its own offset: page = 1..pages, round and round.
CATALOG_LUA = r"""
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  base = args[1]
  pages = tonumber(args[2])
  page = (tid * 17) % pages
end

function request()
  page = page % pages + 1
  return wrk.format("GET", base .. "page=" .. page)
end
"""

# The first line of the file is the request body; then one "<attempt id> <token>" per line.
# Thread t takes lines t, t + T, t + 2T, ...: every attempt is submitted at most once.
# Every 200 answer's attempt id (the first "id" of the body) and every status are collected and
# written by done() to $LMS_BENCH_OUT, to be checked against the database.
SUBMIT_LUA = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

ok = {}
codes = {}
exhausted = false
local items = {}
local nexti = 1
local body = nil

function init(args)
  local nthreads = tonumber(args[2])
  local f = assert(io.open(args[1], "r"))
  body = f:read("*l")
  local i = 0
  for line in f:lines() do
    if i % nthreads == tid then
      local id, token = line:match("^(%d+) (%S+)$")
      items[#items + 1] = {id, "Bearer " .. token}
    end
    i = i + 1
  end
  f:close()
end

function request()
  local item = items[nexti]
  if item == nil then
    exhausted = true
    return wrk.format("GET", "/healthz")
  end
  nexti = nexti + 1
  return wrk.format(
    "POST",
    "/api/v1/lms/attempts/" .. item[1] .. "/submit",
    {["Authorization"] = item[2], ["Content-Type"] = "application/json"},
    body
  )
end

function response(status, headers, resp)
  codes[status] = (codes[status] or 0) + 1
  if status == 200 then
    local id = resp:match('"id":(%d+)')
    if id then ok[#ok + 1] = id end
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("LMS_BENCH_OUT"), "w"))
  for _, t in ipairs(threads) do
    for _, id in ipairs(t:get("ok")) do out:write("ok ", id, "\n") end
    for code, n in pairs(t:get("codes")) do out:write("status ", code, " ", n, "\n") end
    if t:get("exhausted") then out:write("exhausted\n") end
  end
  out:close()
end
"""


def run_catalog(
    script: Path,
    base_url: str,
    *,
    query: str,
    pages: int,
    duration_s: float,
    connections: int,
    threads: int,
    start_check: StartCheck,
) -> WrkResult:
    """GET /api/v1/lms/courses?<query>page=N for N = 1..pages in rotation."""
    return run_wrk(
        base_url,
        duration_s=duration_s,
        connections=connections,
        threads=threads,
        script=script,
        script_args=[f"/api/v1/lms/courses?{query}", str(pages)],
        start_check=start_check,
    )


@dataclass(frozen=True)
class SubmitRun:
    wrk: WrkResult
    handed: list[int]  # attempt ids in the file of the accepted start
    ok_ids: list[int]  # attempt ids answered 200
    statuses: Counter[int]
    exhausted: bool
    starts: int


def run_submits(
    script: Path,
    base_url: str,
    *,
    workdir: Path,
    prepare: Callable[[], tuple[str, list[tuple[int, str]]]],
    quiesce: Callable[[], None],
    duration_s: float,
    connections: int,
    threads: int,
    start_check: StartCheck,
    attempts: int = 20,
    settle_s: float = 0.5,
) -> SubmitRun:
    """`_support.start_wrk`, but a discarded start has used up quiz attempts. Before every start
    `quiesce()` waits until the server has finished the requests of an earlier wrk still in
    flight, then `prepare()` returns the body and the (attempt id, token) pairs still open,
    and a fresh file is written."""
    out_path = workdir / "submit-results.txt"
    pairs_path = workdir / "submit-pairs.txt"
    handed: list[int] = []
    starts = 0

    def before_start() -> None:
        nonlocal handed, starts
        starts += 1
        quiesce()
        body, pairs = prepare()
        lines = [body] + [f"{attempt_id} {token}" for attempt_id, token in pairs]
        pairs_path.write_text("\n".join(lines) + "\n")
        handed = [attempt_id for attempt_id, _ in pairs]
        out_path.unlink(missing_ok=True)

    command = wrk_command(
        base_url,
        duration_s=duration_s,
        connections=connections,
        threads=threads,
        script=script,
        script_args=[str(pairs_path), str(threads)],
    )
    process, note = start_wrk(
        command,
        start_check,
        attempts=attempts,
        settle_s=settle_s,
        env={**os.environ, "LMS_BENCH_OUT": str(out_path)},
        before_start=before_start,
    )
    stdout = finish_wrk(process, duration_s)
    result = dataclasses.replace(parse_wrk(stdout), note=note)
    ok_ids: list[int] = []
    statuses: Counter[int] = Counter()
    exhausted = False
    try:
        text = out_path.read_text()
    except OSError as exc:
        raise BenchError(f"the wrk script wrote no results ({exc})") from exc
    for line in text.splitlines():
        parts = line.split()
        if parts[0] == "ok":
            ok_ids.append(int(parts[1]))
        elif parts[0] == "status":
            statuses[int(parts[1])] += int(parts[2])
        elif parts[0] == "exhausted":
            exhausted = True
    return SubmitRun(
        wrk=result,
        handed=handed,
        ok_ids=ok_ids,
        statuses=statuses,
        exhausted=exhausted,
        starts=starts,
    )
