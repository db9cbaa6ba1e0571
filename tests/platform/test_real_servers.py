"""Readiness against the production servers, run when their URLs are set (docker-compose.prod.yml
provides them). Locally the stand-ins are checked by test_probes.py instead."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(not os.environ.get("QDRANT_URL"), reason="QDRANT_URL not set")
def test_qdrant_server_answers(client, settings):
    settings.QDRANT_URL = os.environ["QDRANT_URL"]
    state = client.get("/readyz").json()["dependencies"]["vector"]
    assert state == {**state, "status": "ok", "backend": "qdrant"}


@pytest.mark.skipif(not os.environ.get("MEILISEARCH_URL"), reason="MEILISEARCH_URL not set")
def test_meilisearch_server_answers(client, settings):
    settings.MEILISEARCH_URL = os.environ["MEILISEARCH_URL"]
    settings.MEILISEARCH_API_KEY = os.environ.get("MEILISEARCH_API_KEY", "")
    state = client.get("/readyz").json()["dependencies"]["keyword"]
    assert state == {**state, "status": "ok", "backend": "meilisearch"}


@pytest.mark.skipif(not os.environ.get("REAL_MONGODB_URL"), reason="REAL_MONGODB_URL not set")
def test_real_mongodb_answers(client, settings):
    settings.MONGODB_URL = os.environ["REAL_MONGODB_URL"]
    assert client.get("/readyz").json()["dependencies"]["mongodb"]["status"] == "ok"
