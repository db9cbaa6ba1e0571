"""Local MongoDB stand-in: mongoeco's wire-protocol server over an on-disk SQLite engine.

Runs under its own Python 3.13 virtualenv (mongoeco needs >= 3.13); the real pymongo
client in the Gigsy process talks to it over TCP exactly as it would to MongoDB.
Production runs real MongoDB (docker-compose.prod.yml); see docs/architecture.md#backing-services.

Usage: python mongo_standin.py --port 27017 --data var/mongo/gigsy.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer


async def serve(host: str, port: int, data: Path) -> None:
    data.parent.mkdir(parents=True, exist_ok=True)
    server = AsyncMongoEcoProxyServer(engine=SQLiteEngine(str(data)), host=host, port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    address = await server.start()
    print(
        f"mongo stand-in listening on {address.uri} (data: {data}, pid {os.getpid()})", flush=True
    )
    await stop.wait()
    await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=27017)
    parser.add_argument("--data", type=Path, default=Path("var/mongo/gigsy.sqlite3"))
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.data))


if __name__ == "__main__":
    main()
