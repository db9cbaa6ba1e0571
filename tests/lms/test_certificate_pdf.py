"""The certificate PDF: one landscape A4 page carrying the facts a reader needs to verify it."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import reportlab
from pypdf import PdfReader

from apps.lms.certificates.facts import CertificateFacts
from apps.lms.certificates.pdf import render_certificate_pdf
from tests.lms.certificate_facts import VERIFY_URL, sample_facts

# Bitstream Vera ships inside reportlab: a TrueType font available wherever reportlab is.
VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
VERA_BOLD = Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"


def make_facts(**changes: object) -> CertificateFacts:
    return sample_facts(**{"issued_at": datetime(2025, 3, 5, 23, 30, tzinfo=UTC), **changes})


def render(facts: CertificateFacts | None = None, **options: object) -> bytes:
    return render_certificate_pdf(
        facts or make_facts(), verify_url=VERIFY_URL, issuer_name="Gigsy", **options
    )


def page_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_pdf_is_one_landscape_a4_page() -> None:
    pdf = render()

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    # A4 landscape: 297 x 210 mm.
    assert round(float(box.width) / 72 * 25.4) == 297
    assert round(float(box.height) / 72 * 25.4) == 210
    assert reader.metadata is not None
    assert reader.metadata.title == "Certificate of completion: Python Basics"


def test_pdf_text_carries_the_certificate_facts() -> None:
    text = page_text(render())

    for expected in (
        "Ada Lovelace",
        "Python Basics",
        "K7Q2-9XZD",
        VERIFY_URL,
        "python · testing",
        "5 March 2025",
        "GIGSY",
    ):
        assert expected in text
    assert "REVOKED" not in text


def test_long_course_title_is_wrapped_not_cut() -> None:
    title = (
        "Building Reliable REST APIs with Django, DRF and PostgreSQL: "
        "from the first endpoint to production"
    )
    text = " ".join(page_text(render(make_facts(course_title=title))).split())

    assert title in text


def test_revoked_certificate_says_so() -> None:
    assert "REVOKED" in page_text(render(make_facts(revoked=True)))


def test_rendering_is_reproducible() -> None:
    assert render() == render()
    assert render() != render(make_facts(verify_code="OTHER-CODE"))


def test_truetype_font_prints_names_beyond_latin_1() -> None:
    facts = make_facts(learner_name="Łukasz Nowak")

    text = page_text(render(facts, font_path=VERA, bold_font_path=VERA_BOLD))

    assert "Łukasz" in text


def test_missing_glyphs_with_the_standard_font_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="apps.lms.certificates.pdf"):
        render(make_facts(learner_name="Ada Lovelace"))
    assert not caplog.records

    with caplog.at_level(logging.WARNING, logger="apps.lms.certificates.pdf"):
        render(make_facts(learner_name="Łukasz"))
    assert "TrueType" in caplog.text
