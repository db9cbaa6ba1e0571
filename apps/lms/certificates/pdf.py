"""A certificate as a one-page landscape A4 PDF (reportlab), for the Celery task that stores it.

Text is drawn with the canvas API, never through reportlab's Paragraph markup, so course titles
and names are printed as written. The built-in Helvetica covers Latin-1 (Windows-1252) only:
other characters (Ł, Ş, Cyrillic, CJK...) print as boxes. Pass `font_path` (and `bold_font_path`)
to a Unicode TrueType font such as DejaVu Sans (Debian `fonts-dejavu-core`), which is embedded.

Output is byte-for-byte reproducible (reportlab's `invariant` mode: fixed dates and document id),
so re-rendering an unchanged certificate yields the same file.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from apps.lms.certificates.facts import CertificateFacts

logger = logging.getLogger(__name__)
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_INK = colors.HexColor("#1f2937")
_MUTED = colors.HexColor("#6b7280")
_ACCENT = colors.HexColor("#4f46e5")


def render_certificate_pdf(
    facts: CertificateFacts,
    *,
    verify_url: str,
    issuer_name: str,
    font_path: Path | str | None = None,
    bold_font_path: Path | str | None = None,
) -> bytes:
    """The certificate of `facts` as PDF bytes (one landscape A4 page).

    `issuer_name` is the platform's. A certificate the platform issued carries its name on top
    and names the course's verified creator; one the instructor issued (docs/decisions/0011)
    carries the instructor's name on top and says it was issued by them on the platform, which
    has not verified them."""
    regular, bold = _fonts(font_path, bold_font_path)
    if font_path is None and not _fits_standard_fonts(facts, issuer_name):
        logger.warning(
            "Certificate %s has characters Helvetica cannot print; configure a TrueType font",
            facts.certificate_id,
        )
    width, height = landscape(A4)
    centre = width / 2
    text_width = width - 70 * mm

    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(width, height), invariant=True, pageCompression=1)
    pdf.setTitle(f"Certificate of completion: {facts.course_title}")
    instructor = facts.creator_name or "the course's instructor"
    heading = issuer_name if facts.issued_by_platform else instructor
    if facts.issued_by_platform:
        issuer_line = f"Course by {instructor}, verified instructor" if facts.creator_name else ""
    else:
        issuer_line = (
            f"Issued by {instructor} on {issuer_name}. "
            f"The instructor is not verified by {issuer_name}."
        )
    pdf.setAuthor(heading)
    pdf.setSubject(f"{facts.learner_name}, verification code {facts.verify_code}")
    pdf.setCreator(issuer_name)

    pdf.setStrokeColor(_ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.75)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    y = height - 38 * mm
    y = _centred(pdf, heading.upper(), bold, 14, y, centre, text_width, _ACCENT)
    y -= 8 * mm
    y = _centred(pdf, "Certificate of Completion", bold, 32, y, centre, text_width, _INK)
    y -= 8 * mm
    y = _centred(pdf, "This certifies that", regular, 13, y, centre, text_width, _MUTED)
    y -= 4 * mm
    y = _centred(pdf, facts.learner_name, bold, 28, y, centre, text_width, _INK, max_lines=2)
    y -= 4 * mm
    y = _centred(pdf, "has completed the course", regular, 13, y, centre, text_width, _MUTED)
    y -= 4 * mm
    y = _centred(pdf, facts.course_title, bold, 20, y, centre, text_width, _INK, max_lines=2)
    if facts.skills:
        y -= 5 * mm
        skills = "Skills: " + " · ".join(facts.skills)
        y = _centred(pdf, skills, regular, 11, y, centre, text_width, _INK, max_lines=3)
    y -= 4 * mm
    y = _centred(pdf, f"Issued on {_long_date(facts)}", regular, 12, y, centre, text_width, _INK)
    if issuer_line:
        y -= 1 * mm
        _centred(pdf, issuer_line, regular, 10, y, centre, text_width, _MUTED, max_lines=2)

    # Verification block, bottom left; QR code to the same URL, bottom right.
    left = 25 * mm
    qr_size = 30 * mm
    pdf.setFillColor(_MUTED)
    pdf.setFont(regular, 9)
    pdf.drawString(left, 34 * mm, "Verify this certificate:")
    pdf.setFillColor(_INK)
    pdf.setFont(bold, 11)
    pdf.drawString(left, 28 * mm, f"Verification code: {facts.verify_code}")
    pdf.setFont(regular, 9)
    for i, line in enumerate(simpleSplit(verify_url, regular, 9, width - 2 * left - qr_size)[:2]):
        pdf.drawString(left, 23 * mm - i * 4 * mm, line)
    pdf.linkURL(verify_url, (left, 17 * mm, width / 2, 27 * mm), relative=0)
    _draw_qr(pdf, verify_url, x=width - left - qr_size, y=18 * mm, size=qr_size)

    if facts.revoked:
        pdf.saveState()
        pdf.setFillColor(colors.HexColor("#dc2626"))
        pdf.setFillAlpha(0.55)
        pdf.setFont(bold, 72)
        pdf.translate(centre, height / 2)
        pdf.rotate(20)
        pdf.drawCentredString(0, 0, "REVOKED")
        pdf.restoreState()

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _centred(
    pdf: Canvas,
    text: str,
    font: str,
    size: float,
    y: float,
    centre: float,
    max_width: float,
    color: colors.Color,
    *,
    max_lines: int = 1,
) -> float:
    """Draw `text` centred from baseline `y` down, shrinking then wrapping it to fit.

    Returns the baseline below the last line drawn.
    """
    while size > 9 and pdfmetrics.stringWidth(text, font, size) > max_width * max_lines:
        size -= 1
    lines = simpleSplit(text, font, size, max_width) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        while pdfmetrics.stringWidth(lines[-1] + "…", font, size) > max_width:
            lines[-1] = lines[-1][:-1]
        lines[-1] = lines[-1].rstrip() + "…"
    pdf.setFillColor(color)
    pdf.setFont(font, size)
    for line in lines:
        pdf.drawCentredString(centre, y, line)
        y -= size * 1.25
    return y


def _draw_qr(pdf: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x, y)


def _fonts(font_path: Path | str | None, bold_font_path: Path | str | None) -> tuple[str, str]:
    if font_path is None:
        return "Helvetica", "Helvetica-Bold"
    regular = _register(font_path)
    return regular, _register(bold_font_path) if bold_font_path else regular


def _register(path: Path | str) -> str:
    name = f"cert-{Path(path).stem}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def _fits_standard_fonts(facts: CertificateFacts, issuer_name: str) -> bool:
    """Whether every text fits the standard fonts' encoding (WinAnsi, i.e. Windows-1252)."""
    texts = [
        facts.learner_name,
        facts.course_title,
        issuer_name,
        facts.creator_name,
        facts.verify_code,
        *facts.skills,
    ]
    try:
        "".join(texts).encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _long_date(facts: CertificateFacts) -> str:
    day = facts.issued_at.astimezone(UTC)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
