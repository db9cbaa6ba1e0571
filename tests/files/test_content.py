"""gigsy.files.content: a file's type comes from its bytes; a name that lies is refused."""

from __future__ import annotations

import io

import pytest

from gigsy.files import ContentMismatchError, Family, identify, identify_upload, type_of_name
from gigsy.files.content import EXTENSIONS, Signature, signature_of

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 32
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42" + b"\x00" * 32
QUICKTIME = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 32
OLD_QUICKTIME = b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat" + b"\x00" * 32
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm" + b"\x00" * 16
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 8
MP3_NO_TAG = b"\xff\xfb\x90\x64" + b"\x00" * 32
OGG = b"OggS\x00\x02" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 16
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 16
HTML = b"<!doctype html><script>alert(1)</script>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 32


@pytest.mark.parametrize(
    ("name", "head", "content_type", "family"),
    [
        ("talk.mp4", MP4, "video/mp4", Family.VIDEO),
        ("talk.MOV", QUICKTIME, "video/quicktime", Family.VIDEO),
        ("old.mov", OLD_QUICKTIME, "video/quicktime", Family.VIDEO),
        ("talk.webm", WEBM, "video/webm", Family.VIDEO),
        ("podcast.mp3", MP3, "audio/mpeg", Family.AUDIO),
        ("podcast.mp3", MP3_NO_TAG, "audio/mpeg", Family.AUDIO),
        ("podcast.m4a", M4A, "audio/mp4", Family.AUDIO),
        # An .mp4 whose brand says audio-only is audio.
        ("podcast.mp4", M4A, "audio/mp4", Family.AUDIO),
        ("podcast.ogg", OGG, "audio/ogg", Family.AUDIO),
        ("slides.pdf", PDF, "application/pdf", Family.PDF),
        ("shot.png", PNG, "image/png", Family.IMAGE),
        ("shot.jpeg", JPEG, "image/jpeg", Family.IMAGE),
        ("shot.jpg", JPEG, "image/jpeg", Family.IMAGE),
        ("anim.gif", GIF, "image/gif", Family.IMAGE),
        ("code.zip", ZIP, "application/zip", Family.DOCUMENT),
        ("deck.pptx", ZIP, EXTENSIONS[".pptx"].type.content_type, Family.DOCUMENT),
        ("notes.md", "# Über\n".encode(), "text/markdown; charset=utf-8", Family.DOCUMENT),
        ("data.csv", b"a,b\n1,2\n", "text/csv; charset=utf-8", Family.DOCUMENT),
    ],
)
def test_known_files_are_identified_by_their_bytes(name, head, content_type, family) -> None:
    found = identify(name, head)
    assert (found.content_type, found.family) == (content_type, family)


@pytest.mark.parametrize(
    ("name", "head", "says"),
    [
        ("talk.mp4", HTML, "its bytes look like UTF-8 text"),
        ("talk.mp4", PDF, "its bytes look like PDF"),
        ("slides.pdf", ELF, "its bytes match no format accepted here"),
        ("shot.png", JPEG, "its bytes look like JPEG image"),
        ("notes.txt", ELF, "its bytes match no format accepted here"),
        ("notes.txt", b"bin\x00ary", "its bytes match no format accepted here"),
        ("podcast.mp3", b"", "its bytes match no format accepted here"),
    ],
)
def test_bytes_that_do_not_match_the_extension_are_refused(name, head, says) -> None:
    with pytest.raises(ContentMismatchError) as refused:
        identify(name, head)
    assert says in str(refused.value)
    assert name.rsplit(".", 1)[1].lower() in str(refused.value)


@pytest.mark.parametrize("name", ["page.html", "icon.svg", "run.exe", "noext"])
def test_types_outside_the_list_are_refused_whatever_their_bytes(name) -> None:
    with pytest.raises(ContentMismatchError, match="are not accepted here"):
        identify(name, b"hello")


def test_text_cut_inside_a_multibyte_character_is_still_text() -> None:
    assert signature_of("é".encode() * 10 + "€".encode()[:2]) is Signature.TEXT
    assert signature_of(b"\xff\xfe\xfd not utf-8 text at all") is None


def test_an_upload_is_read_from_its_start_and_rewound() -> None:
    upload = io.BytesIO(MP4 + b"rest of the movie")
    upload.seek(5)
    assert identify_upload(upload, "x.mp4").family is Family.VIDEO
    assert upload.tell() == 0


def test_stored_files_are_served_by_their_extension() -> None:
    assert type_of_name("lms/lessons/2025/01/a.pdf").content_type == "application/pdf"
    assert type_of_name("x.unknown").content_type == "application/octet-stream"


def test_a_utf16_byte_order_mark_is_not_an_mp3_frame() -> None:
    assert signature_of(b"\xff\xfe<\x00h\x00t\x00m\x00l\x00") is None
    with pytest.raises(ContentMismatchError):
        identify("song.mp3", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00")
