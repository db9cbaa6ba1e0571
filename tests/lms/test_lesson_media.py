"""Lesson media: the kind follows the uploaded bytes, and the lesson hands out a short-lived
absolute link that opens without a Bearer header, only to people who may open the lesson."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.lms.models import Lesson
from tests.lms.conftest import client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 200
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50
PDF = b"%PDF-1.4\n1 0 obj\n"
ZIP = b"PK\x03\x04\x14\x00" + b"\x00" * 50


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_API_URL = "http://api.example.test"
    return tmp_path


def upload(client, lesson_id: int, name: str, content: bytes, content_type: str = "x/y"):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.put(f"{LMS}/lessons/{lesson_id}/media", {"file": file}, format="multipart")


def open_link(url: str):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://api.example.test"
    response = APIClient().get(parts.path)  # no Authorization header
    return response, b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("intro.mp4", MP4, "video", "video/mp4"),
        ("episode.mp3", MP3, "audio", "audio/mpeg"),
        ("diagram.png", PNG, "image", "image/png"),
        ("slides.pdf", PDF, "pdf", "application/pdf"),
        ("code.zip", ZIP, "file", "application/zip"),
    ],
)
def test_the_uploaded_bytes_set_the_lesson_kind_and_the_link_serves_them(
    built, instructor, media_root, name, content, kind, content_type
) -> None:
    lesson = built.lessons[0]
    assert lesson.kind == "text"

    response = upload(client_for(instructor), lesson.pk, name, content)

    assert response.status_code == 200, response.content
    assert response.json()["kind"] == kind
    assert Lesson.objects.get(pk=lesson.pk).kind == kind
    served, body = open_link(response.json()["media_url"])
    assert served.status_code == 200
    assert body == content
    assert served["Content-Type"] == content_type


def test_an_enrolled_learner_gets_a_working_link_and_an_outsider_none(
    built, instructor, learner, other_learner, media_root
) -> None:
    lesson = built.lessons[0]
    assert upload(client_for(instructor), lesson.pk, "intro.mp4", MP4).status_code == 200
    me = client_for(learner)
    assert me.post(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 201

    mine = me.get(f"{LMS}/lessons/{lesson.pk}")
    outsider = client_for(other_learner).get(f"{LMS}/lessons/{lesson.pk}")

    assert mine.status_code == 200
    served, body = open_link(mine.json()["media_url"])
    assert (served.status_code, body) == (200, MP4)
    assert served["Content-Disposition"] == 'inline; filename="intro.mp4"'
    assert outsider.status_code == 403
    assert "media_url" not in outsider.json()


def test_a_lesson_without_a_file_has_no_link(built, instructor, media_root) -> None:
    response = client_for(instructor).get(f"{LMS}/lessons/{built.lessons[0].pk}")
    assert response.json()["media_url"] is None


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("intro.mp4", b"<!doctype html><script>alert(1)</script>", "look like UTF-8 text"),
        ("slides.pdf", MP4, "look like ISO media (MP4/MOV/M4A)"),
        ("diagram.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "match no format accepted here"),
    ],
)
def test_bytes_that_do_not_match_the_extension_are_a_400(
    built, instructor, media_root, name, content, says
) -> None:
    lesson = built.lessons[0]

    response = upload(client_for(instructor), lesson.pk, name, content)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    (message,) = error["fields"]["file"]
    assert f"does not match its .{name.rsplit('.', 1)[1]} extension" in message
    assert says in message
    assert list(media_root.rglob("*.*")) == []
    assert Lesson.objects.get(pk=lesson.pk).kind == "text"


def test_a_new_file_replaces_the_kind_and_the_old_file(
    built, instructor, media_root, django_capture_on_commit_callbacks
) -> None:
    me = client_for(instructor)
    lesson = built.lessons[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(me, lesson.pk, "intro.mp4", MP4).json()["kind"] == "video"
        assert upload(me, lesson.pk, "notes.pdf", PDF).json()["kind"] == "pdf"
    assert [p.name for p in media_root.rglob("*.*")] == ["notes.pdf"]


def test_a_media_kind_needs_a_file_of_that_kind(built, instructor, media_root) -> None:
    me = client_for(instructor)
    lesson = built.lessons[0]

    no_file = me.patch(f"{LMS}/lessons/{lesson.pk}", {"kind": "pdf"}, format="json")
    assert no_file.status_code == 400
    assert "upload it first" in no_file.json()["error"]["fields"]["kind"][0]

    assert upload(me, lesson.pk, "intro.mp4", MP4).status_code == 200
    wrong_file = me.patch(f"{LMS}/lessons/{lesson.pk}", {"kind": "image"}, format="json")
    assert wrong_file.status_code == 400
    # Any lesson with a file may be shown as a plain download.
    as_file = me.patch(f"{LMS}/lessons/{lesson.pk}", {"kind": "file"}, format="json")
    assert as_file.status_code == 200
    assert as_file.json()["kind"] == "file"
