"""gigsy.files.links and the signed view: absolute, short-lived links that open without a Bearer
header, refused (with the JSON envelope) once tampered with or expired."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from rest_framework.test import APIClient
from storages.backends.s3 import S3Storage

from gigsy.files import file_link
from gigsy.files.links import SALT

PDF = b"%PDF-1.7\n" + b"x" * 1000
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 4


@pytest.fixture
def stored(settings, tmp_path):
    """Save bytes in the default (file system) storage; returns a FieldFile for them."""
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_API_URL = "https://api.gigsy.test/"

    def save(name: str, content: bytes) -> FieldFile:
        saved = storages["default"].save(name, ContentFile(content))
        return FieldFile(None, FileField(), saved)

    return save


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fetch(url: str, **headers: str):
    """GET with no credentials at all, as a browser following an <a href> would."""
    response = APIClient().get(path_of(url), **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_no_file_no_link() -> None:
    assert file_link(None) is None
    assert file_link(FieldFile(None, FileField(), "")) is None


def test_a_local_link_is_absolute_and_opens_without_a_bearer_header(stored) -> None:
    link = file_link(stored("lms/lessons/slides.pdf", PDF))

    assert link is not None
    assert link.startswith("https://api.gigsy.test/api/v1/files/")
    response, body = fetch(link)
    assert response.status_code == 200
    assert body == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="slides.pdf"'
    assert response["Cache-Control"].startswith("private, max-age=")
    assert 0 < int(response["Cache-Control"].rsplit("=", 1)[1]) <= 300
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in response  # an inline PDF may sit in the frontend's <iframe>


def test_media_itself_is_never_served(stored, settings) -> None:
    """Only signed links open stored files: /media/<path> would publish every certificate."""
    file = stored("certificates/K7Q2.pdf", PDF)
    response = APIClient().get(f"/{settings.MEDIA_URL.strip('/')}/{file.name}")
    assert response.status_code == 404


def test_documents_download_as_attachments_under_the_name_given(stored) -> None:
    link = file_link(stored("notes.csv", b"a,b\n"), filename="week 1 notes.csv")

    response, body = fetch(link)

    assert body == b"a,b\n"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="week 1 notes.csv"'


def test_a_video_link_serves_byte_ranges_for_seeking(stored) -> None:
    link = file_link(stored("talk.mp4", MP4))

    part, body = fetch(link, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert body == MP4[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(MP4)}"
    assert part["Content-Type"] == "video/mp4"
    tail, body = fetch(link, HTTP_RANGE="bytes=-5")
    assert (tail.status_code, body) == (206, MP4[-5:])
    unsatisfiable, body = fetch(link, HTTP_RANGE=f"bytes={len(MP4) + 10}-")
    assert (unsatisfiable.status_code, body) == (200, MP4)  # the Range is ignored


def test_a_tampered_link_is_a_404_envelope(stored) -> None:
    link = file_link(stored("slides.pdf", PDF))
    payload, stamp, signature = path_of(link).rsplit("/", 1)[1].split(":")
    # Someone else's path, signed with a guess: same shape, wrong signature.
    forged = signing.TimestampSigner(salt=SALT, key="not-our-secret").sign_object(
        {"p": "../../etc/passwd", "f": "x", "i": True}
    )

    for token in (
        f"{payload}:{stamp}:{signature[:-2]}AA",
        f"{payload[:-3]}abc:{stamp}:{signature}",
        forged,
        "garbage",
    ):
        response = APIClient().get(f"/api/v1/files/{token}")
        assert response.status_code == 404, token
        assert response.json()["error"]["code"] == "not_found"


def test_an_expired_link_is_a_410_envelope(stored, settings) -> None:
    settings.FILE_LINK_SECONDS = 1
    link = file_link(stored("slides.pdf", PDF))
    assert fetch(link)[0].status_code == 200

    time.sleep(2.1)
    response = APIClient().get(path_of(link))

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "link_expired"
    assert "fresh" in response.json()["error"]["message"]


def test_a_link_to_a_deleted_file_is_a_404_envelope(stored) -> None:
    file = stored("slides.pdf", PDF)
    link = file_link(file)
    storages["default"].delete(file.name)

    response = APIClient().get(path_of(link))

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "The file behind this link no longer exists."


def test_with_s3_the_link_is_the_buckets_presigned_url(settings) -> None:
    """Signed locally by botocore (no request is sent): the kernel asks S3 for a presigned URL
    expiring after FILE_LINK_SECONDS, carrying the response headers a browser needs."""
    settings.FILE_LINK_SECONDS = 240
    storage = S3Storage(
        bucket_name="gigsy-media",
        endpoint_url="http://127.0.0.1:9000",
        region_name="us-east-1",
        access_key="AKIAEXAMPLE",
        secret_key="example-secret",
        signature_version="s3v4",
        querystring_auth=True,
    )
    field = FileField(storage=storage)

    link = file_link(FieldFile(None, field, "certificates/K7Q2.pdf"), filename="cert.pdf")

    parts = urlsplit(link)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "http://127.0.0.1:9000/gigsy-media/certificates/K7Q2.pdf"
    )
    assert query["X-Amz-Expires"] == "240"
    assert query["X-Amz-Signature"]
    assert query["response-content-type"] == "application/pdf"
    assert query["response-content-disposition"] == 'inline; filename="cert.pdf"'
    assert query["response-cache-control"] == "private, max-age=240"


def test_a_link_can_be_given_its_own_lifetime(stored, settings) -> None:
    """`file_link(seconds=...)` (a data export's link works for hours): the lifetime is signed
    into the token, so FILE_LINK_SECONDS neither shortens nor lengthens it."""
    settings.FILE_LINK_SECONDS = 1
    long_lived = file_link(stored("export.zip", b"PK\x05\x06" + b"\x00" * 18), seconds=3600)
    settings.FILE_LINK_SECONDS = 300
    short_lived = file_link(stored("slides.pdf", PDF), seconds=1)

    time.sleep(2.1)

    response, body = fetch(long_lived)
    assert response.status_code == 200
    assert body.startswith(b"PK")
    assert response["Content-Type"] == "application/zip"
    assert "max-age=35" in response["Cache-Control"]  # what is left of its hour
    expired = APIClient().get(path_of(short_lived))
    assert expired.status_code == 410
    assert expired.json()["error"]["code"] == "link_expired"


def test_a_signed_lifetime_cannot_be_extended_by_the_holder(stored, settings) -> None:
    settings.FILE_LINK_SECONDS = 300
    link = file_link(stored("slides.pdf", PDF), seconds=1)
    token = urlsplit(link).path.rsplit("/", 1)[1]
    payload, stamp_and_signature = token.split(":", 1)
    longer = {**signing.TimestampSigner(salt=SALT).unsign_object(token), "s": 3600}
    forged_payload = signing.b64_encode(json.dumps(longer, separators=(",", ":")).encode())
    forged_payload = forged_payload.decode()

    response = APIClient().get(f"/api/v1/files/{forged_payload}:{stamp_and_signature}")

    assert response.status_code == 404
    assert payload != forged_payload


def test_with_s3_a_link_is_presigned_for_its_own_lifetime(settings) -> None:
    settings.FILE_LINK_SECONDS = 240
    storage = S3Storage(
        bucket_name="gigsy-media",
        endpoint_url="http://127.0.0.1:9000",
        region_name="us-east-1",
        access_key="AKIAEXAMPLE",
        secret_key="example-secret",
        signature_version="s3v4",
        querystring_auth=True,
    )

    link = file_link(FieldFile(None, FileField(storage=storage), "exports/x.zip"), seconds=86400)

    query = {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}
    assert query["X-Amz-Expires"] == "86400"
    assert query["response-cache-control"] == "private, max-age=86400"
    assert query["response-content-type"] == "application/zip"
