"""What a file is, told by its first bytes rather than its name.

A small pure-Python signature check (no libmagic): enough to tell the media a course may carry
apart and to refuse a file whose bytes do not match its extension (an `.mp4` that is really an
HTML page, a `.pdf` that is a script). Each accepted extension names the signatures its bytes
may carry and the type the file is served as.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import IO

# Enough for every signature below (PDF allows junk before its header, up to 1 KiB).
HEAD_BYTES = 8192


class Family(StrEnum):
    """What a reader does with the file: play it, view it, or download it."""

    VIDEO = "video"
    AUDIO = "audio"
    PDF = "pdf"
    IMAGE = "image"
    DOCUMENT = "document"  # archives, office files, plain text: downloaded


# Families a browser shows in place (`Content-Disposition: inline`); others are attachments.
INLINE = frozenset({Family.VIDEO, Family.AUDIO, Family.PDF, Family.IMAGE})


class Signature(StrEnum):
    ISO_MEDIA = "ISO media (MP4/MOV/M4A)"
    QUICKTIME = "QuickTime movie"
    WEBM = "WebM/Matroska"
    MP3 = "MP3 audio"
    OGG = "Ogg"
    PDF = "PDF"
    PNG = "PNG image"
    JPEG = "JPEG image"
    GIF = "GIF image"
    ZIP = "ZIP archive"
    TEXT = "UTF-8 text"


@dataclass(frozen=True)
class FileType:
    content_type: str
    family: Family


@dataclass(frozen=True)
class _Accepts:
    signatures: frozenset[Signature]
    type: FileType


def _accepts(signatures: Iterable[Signature], content_type: str, family: Family) -> _Accepts:
    return _Accepts(frozenset(signatures), FileType(content_type, family))


_ISO = (Signature.ISO_MEDIA,)
_ZIP = (Signature.ZIP,)
_TEXT = (Signature.TEXT,)
_OOXML = "application/vnd.openxmlformats-officedocument"

# Extension -> the signatures its bytes may carry and how it is served.
EXTENSIONS: dict[str, _Accepts] = {
    ".mp4": _accepts(_ISO, "video/mp4", Family.VIDEO),
    ".m4v": _accepts(_ISO, "video/mp4", Family.VIDEO),
    ".mov": _accepts((Signature.ISO_MEDIA, Signature.QUICKTIME), "video/quicktime", Family.VIDEO),
    ".webm": _accepts((Signature.WEBM,), "video/webm", Family.VIDEO),
    ".mp3": _accepts((Signature.MP3,), "audio/mpeg", Family.AUDIO),
    ".m4a": _accepts(_ISO, "audio/mp4", Family.AUDIO),
    ".ogg": _accepts((Signature.OGG,), "audio/ogg", Family.AUDIO),
    ".pdf": _accepts((Signature.PDF,), "application/pdf", Family.PDF),
    ".png": _accepts((Signature.PNG,), "image/png", Family.IMAGE),
    ".jpg": _accepts((Signature.JPEG,), "image/jpeg", Family.IMAGE),
    ".jpeg": _accepts((Signature.JPEG,), "image/jpeg", Family.IMAGE),
    ".gif": _accepts((Signature.GIF,), "image/gif", Family.IMAGE),
    ".zip": _accepts(_ZIP, "application/zip", Family.DOCUMENT),
    ".pptx": _accepts(_ZIP, f"{_OOXML}.presentationml.presentation", Family.DOCUMENT),
    ".docx": _accepts(_ZIP, f"{_OOXML}.wordprocessingml.document", Family.DOCUMENT),
    ".xlsx": _accepts(_ZIP, f"{_OOXML}.spreadsheetml.sheet", Family.DOCUMENT),
    ".txt": _accepts(_TEXT, "text/plain; charset=utf-8", Family.DOCUMENT),
    ".md": _accepts(_TEXT, "text/markdown; charset=utf-8", Family.DOCUMENT),
    ".csv": _accepts(_TEXT, "text/csv; charset=utf-8", Family.DOCUMENT),
    ".ipynb": _accepts(_TEXT, "application/x-ipynb+json", Family.DOCUMENT),
}

# ISO base media brands of audio-only files: an .mp4 carrying one is audio.
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
# Top-level atoms an old QuickTime file (no `ftyp`) starts with.
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


class ContentMismatchError(ValueError):
    """The bytes are not what the name says (or the name is not an accepted type)."""


def signature_of(head: bytes) -> Signature | None:
    """The format the first bytes of a file announce, or None for anything unrecognised."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return Signature.ISO_MEDIA
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return Signature.QUICKTIME
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Signature.WEBM
    if head.startswith(b"ID3") or _is_mpeg_audio_frame(head):
        return Signature.MP3
    if head.startswith(b"OggS"):
        return Signature.OGG
    if b"%PDF-" in head[:1024]:
        return Signature.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Signature.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return Signature.JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Signature.GIF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Signature.ZIP
    if _is_text(head):
        return Signature.TEXT
    return None


def _is_mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, then no reserved version, layer, bitrate or
    sample rate (a UTF-16 byte-order mark, FF FE, is not one)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, sample_rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and sample_rate != 0b11


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still text.
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def identify(name: str, head: bytes) -> FileType:
    """The type of a file called `name` whose first bytes are `head`; ContentMismatchError when the
    extension is not accepted or the bytes are something else."""
    extension = PurePath(name).suffix.lower()
    accepts = EXTENSIONS.get(extension)
    if accepts is None:
        raise ContentMismatchError(f"Files of type {extension or '(none)'} are not accepted here.")
    found = signature_of(head)
    if found not in accepts.signatures:
        what = f"look like {found.value}" if found else "match no format accepted here"
        raise ContentMismatchError(
            f"The file's content does not match its {extension} extension (its bytes {what})."
        )
    if found is Signature.ISO_MEDIA and head[8:12] in _AUDIO_BRANDS:
        return FileType("audio/mp4", Family.AUDIO)
    return accepts.type


def identify_upload(upload: IO[bytes], name: str) -> FileType:
    """`identify` for an open file (an upload): reads its head and rewinds it."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return identify(name, head)


def type_of_name(name: str) -> FileType:
    """How a stored file is served, from its (checked at upload) extension."""
    accepts = EXTENSIONS.get(PurePath(name).suffix.lower())
    if accepts is None:
        return FileType("application/octet-stream", Family.DOCUMENT)
    return accepts.type
