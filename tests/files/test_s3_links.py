"""Links against a real S3-compatible bucket (AWS, MinIO, R2), run when one is configured:
S3_TEST_ENDPOINT_URL (or AWS's default endpoint when only S3_TEST_BUCKET is set), S3_TEST_BUCKET,
and credentials the usual way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Locally the presigned
URL's shape is checked by test_links.py without a bucket. moto's server checks neither
signatures nor expiry (the last assertion fails there): use MinIO or a real bucket."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.core.files.base import ContentFile
from django.db.models import FileField
from django.db.models.fields.files import FieldFile

from gigsy.files import file_link

pytestmark = pytest.mark.skipif(
    not os.environ.get("S3_TEST_BUCKET"), reason="S3_TEST_BUCKET not set"
)

PDF = b"%PDF-1.7\n" + b"s3" * 100


@pytest.fixture
def bucket_file():
    from storages.backends.s3 import S3Storage

    storage = S3Storage(
        bucket_name=os.environ["S3_TEST_BUCKET"],
        endpoint_url=os.environ.get("S3_TEST_ENDPOINT_URL") or None,
        region_name=os.environ.get("S3_TEST_REGION") or None,
        signature_version="s3v4",
        querystring_auth=True,
        default_acl=None,
        file_overwrite=False,
    )
    name = storage.save(f"gigsy-tests/{uuid.uuid4().hex}/cert.pdf", ContentFile(PDF))
    yield FieldFile(None, FileField(storage=storage), name)
    storage.delete(name)


def _lower(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}  # type: ignore[attr-defined]


def get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our bucket
            return response.status, response.read(), _lower(response.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, error.read(), _lower(error.headers.items())


def test_presigned_link_opens_then_expires(bucket_file, settings) -> None:
    settings.FILE_LINK_SECONDS = 2
    link = file_link(bucket_file, filename="certificate.pdf")

    status, body, headers = get(link)
    assert (status, body) == (200, PDF)
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == 'inline; filename="certificate.pdf"'

    time.sleep(4)
    assert get(link)[0] == 403  # S3 refuses an expired signature
