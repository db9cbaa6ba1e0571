"""Run a command with a MongoDB available: the given MONGODB_URL, or a fresh local stand-in.

With MONGODB_URL set this only runs the command. Otherwise it starts the mongoeco stand-in
(docs/architecture.md#backing-services) on a free port with throw-away data, exports
MONGODB_URL for the command, and stops the stand-in afterwards. Used by `make test`.

Usage: python scripts/with_mongo.py -- pytest -x
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STANDIN_PYTHON = ROOT / "var" / "mongo-venv" / "bin" / "python"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the MongoDB stand-in exited with code {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit(f"the MongoDB stand-in did not listen on port {port} within {START_TIMEOUT}s")


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.exit(__doc__)
    if os.environ.get("MONGODB_URL"):
        return subprocess.call(argv)
    if not STANDIN_PYTHON.exists():
        sys.exit(f"{STANDIN_PYTHON} is missing: run `make mongo-standin` (make test does).")

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gigsy-mongo-") as data_dir:
        standin = subprocess.Popen(
            [
                str(STANDIN_PYTHON),
                str(ROOT / "scripts" / "mongo_standin.py"),
                "--port",
                str(port),
                "--data",
                str(Path(data_dir) / "test.sqlite3"),
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for(port, standin)
            env = {**os.environ, "MONGODB_URL": f"mongodb://127.0.0.1:{port}/gigsy_test"}
            return subprocess.call(argv, env=env)
        finally:
            standin.terminate()
            try:
                standin.wait(timeout=10)
            except subprocess.TimeoutExpired:
                standin.kill()


if __name__ == "__main__":
    sys.exit(main())
