"""Short-lived links to stored files that a browser can open without a Bearer header.

`file_link(field_file)` is the one function every response uses for a file URL. It chooses by
the storage the file lives in:

- S3 (django-storages, production): the storage's own presigned URL, expiring after
  `FILE_LINK_SECONDS`, with the response's Content-Type, Content-Disposition and Cache-Control
  set by the signature.
- the local file system (development, tests): an absolute URL of the signed view
  (`gigsy/files/views.py`), whose token is a `TimestampSigner` signature over the storage path,
  the download name and the disposition; the view refuses it after `FILE_LINK_SECONDS`.
- anything else: the storage's own URL, made absolute.

`seconds=` gives one link another lifetime (an emailed data export link works for hours, not
minutes): S3 signs it for that long, a local token carries it under its signature.

A link is a bearer credential for minutes: issue one only for a file the caller may see at that
moment (the caller's policy decides; this module knows no app).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils.http import content_disposition_header

from gigsy.files.content import INLINE, FileType, type_of_name

SALT = "gigsy.files.link"
URL_NAME = "signed-file"


@dataclass(frozen=True)
class LinkTarget:
    """What a valid local link points at."""

    name: str  # the storage path
    filename: str  # the name the browser saves it under
    inline: bool
    type: FileType
    seconds_left: int


class LinkInvalidError(Exception):
    """Not a link this server signed (or tampered with)."""


class LinkExpiredError(Exception):
    """A link this server signed, older than FILE_LINK_SECONDS."""


def link_seconds() -> int:
    return int(settings.FILE_LINK_SECONDS)


def file_link(
    file: FieldFile | None, *, filename: str | None = None, seconds: int | None = None
) -> str | None:
    """An absolute, short-lived URL that loads `file`; None when there is no file. It works for
    `seconds` (default FILE_LINK_SECONDS)."""
    if not file or not file.name:
        return None
    name = str(file.name)
    storage = file.storage
    download_name = filename or PurePath(name).name
    kind = type_of_name(name)
    inline = kind.family in INLINE
    lifetime = link_seconds() if seconds is None else max(1, int(seconds))
    if _is_s3(storage):
        url: str = storage.url(  # type: ignore[call-arg]  # S3Storage.url takes more than Storage
            name,
            parameters={
                "ResponseContentType": kind.content_type,
                "ResponseContentDisposition": content_disposition_header(not inline, download_name),
                "ResponseCacheControl": f"private, max-age={lifetime}",
            },
            expire=lifetime,
        )
        return url
    if isinstance(storage, FileSystemStorage):
        payload: dict[str, Any] = {"p": name, "f": download_name, "i": inline}
        if seconds is not None:
            payload["s"] = lifetime  # signed with the rest: the holder cannot extend it
        token = signing.TimestampSigner(salt=SALT).sign_object(payload)
        return absolute(reverse(URL_NAME, kwargs={"token": token}))
    return absolute(storage.url(name))


def read_link(token: str) -> LinkTarget:
    """The file a local link points at; LinkInvalidError or LinkExpiredError otherwise. The
    signature is checked in constant time (django.core.signing); the lifetime is the one the
    link was signed with (`file_link(seconds=...)`), else FILE_LINK_SECONDS."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload: Any = signer.unsign_object(token)
    except (signing.BadSignature, ValueError):
        raise LinkInvalidError() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), str):
        raise LinkInvalidError()
    signed_lifetime = payload.get("s")
    seconds = (
        signed_lifetime
        if isinstance(signed_lifetime, int) and signed_lifetime > 0
        else link_seconds()
    )
    name = payload["p"]
    signed_at = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    age = time.time() - signed_at
    if age > seconds:
        raise LinkExpiredError()
    return LinkTarget(
        name=name,
        filename=str(payload.get("f") or PurePath(name).name),
        inline=bool(payload.get("i")),
        type=type_of_name(name),
        seconds_left=max(0, int(seconds - age)),
    )


def local_storage() -> Storage:
    """Where the signed view reads files: the default storage (FileFields use it)."""
    return storages["default"]


def absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/{url.lstrip('/')}"


def _is_s3(storage: Storage) -> bool:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # django-storages is a base requirement; tolerate a slim install
        return False
    return isinstance(storage, S3Storage)
