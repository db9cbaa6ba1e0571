"""gunicorn settings for the `web` process: gthread workers (docs/architecture.md#processes).

Every value can be overridden with GUNICORN_* environment variables or on the command line.
"""

import os
import shutil

from prometheus_client import multiprocess

from gigsy.observability.logging import configure_logging

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = 5
timeout = 30
graceful_timeout = 20
# Request lines and headers are bounded here; bodies by MAX_REQUEST_BODY_BYTES in Django.
limit_request_line = 8190
accesslog = None  # the app logs one structured line per request with its request id
errorlog = "-"
# gunicorn's own lines (boot, worker exits, timeouts) in the same format as the app's.
logconfig_dict = configure_logging(
    level=os.environ.get("LOG_LEVEL", "INFO"), fmt=os.environ.get("LOG_FORMAT", "json")
)
logconfig_dict["loggers"]["gunicorn.error"] = {
    "handlers": ["stdout"],
    "level": "INFO",
    "propagate": False,
}


def on_starting(server):
    # Counters from a previous run of the master would otherwise be added to this run's.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    # Drop a dead worker's live gauges from the aggregated /metrics.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
