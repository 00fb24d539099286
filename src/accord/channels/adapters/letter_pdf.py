"""Letters rendered to PDF with fpdf2 (validation notice, arrangement confirmation ...).

The adapter writes one file per outbox row, named by the idempotency key, into ``ACCORD_LETTER_DIR``
(atomically: a retry rewrites the same file), for a print-and-mail provider to pick up. Chinese needs
a CJK font (see ``fonts.py``); without one the adapter says so in one sentence instead of printing
boxes.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from pathlib import Path

from accord.channels.adapters.base import (
    AdapterConfigError, ChannelAdapter, OutboundMessage, Receipt, TransientSendError, receipt,
)
from accord.channels.adapters.fonts import INSTALL_HINT, find_cjk_font, find_latin_font


class FontMissingError(AdapterConfigError):
    """No font that can print this letter's language."""


def _has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def render_letter_pdf(*, subject: str, text: str, lang: str, address: str = "", sender: str = "",
                      dated: date | str | None = None, font_path: Path | str | None = None,
                      compress: bool = True) -> bytes:
    """One A4 letter: sender, address block, date, subject in bold size, body. Returns PDF bytes."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode, XPos, YPos

    needs_cjk = lang == "zh" or _has_cjk(subject + text + address + sender)
    font = find_cjk_font(font_path) if needs_cjk or font_path else None
    if needs_cjk and font is None:
        raise FontMissingError(f"cannot print a Chinese letter: no CJK font found; {INSTALL_HINT}")
    font = font or find_latin_font()

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(subject)
    pdf.set_creator("Accord")
    pdf.add_page()
    if font is not None:
        pdf.add_font("Letter", "", str(font))
        family = "Letter"
    else:
        family = "Helvetica"  # core font: Latin-1 only
        subject, text, address, sender = (s.encode("latin-1", "replace").decode("latin-1")
                                          for s in (subject, text, address, sender))
    wrap = WrapMode.CHAR if needs_cjk else WrapMode.WORD
    width = pdf.epw

    def block(content: str, size: float, gap: float = 2) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(width, size * 0.5, content, wrapmode=wrap, align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    if sender:
        block(sender, 10, 6)
    if address:
        block(address, 11, 8)
    if dated:
        block(str(dated), 10, 6)
    block(subject, 14, 6)
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        block(paragraph.strip(), 11, 4)
    return bytes(pdf.output())


def _file_name(key: str) -> str:
    # Keys may hold ":" or "/"; keep a readable prefix and a hash for uniqueness.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:60]
    return f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.pdf"


class PdfLetterAdapter(ChannelAdapter):
    """``message.to`` is the postal address (lines separated by newlines)."""

    channel = "letter"
    name = "pdf"

    def __init__(self, out_dir: Path | str = "letters", *, font_path: Path | str | None = None,
                 sender: str = ""):
        self.out_dir = Path(out_dir)
        self.font_path = font_path
        self.sender = sender

    @classmethod
    def from_settings(cls, settings) -> PdfLetterAdapter:
        return cls(settings.letter_dir, font_path=settings.cjk_font)

    def send(self, message: OutboundMessage) -> Receipt:
        try:
            pdf = render_letter_pdf(subject=message.subject, text=message.text, lang=message.lang,
                                    address=message.to,
                                    sender=str(message.metadata.get("sender", self.sender)),
                                    dated=message.metadata.get("dated"), font_path=self.font_path)
        except FontMissingError as exc:
            raise TransientSendError(str(exc)) from exc
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / _file_name(message.idempotency_key)
        tmp = path.with_suffix(".pdf.tmp")
        tmp.write_bytes(pdf)
        os.replace(tmp, path)
        return receipt(path.name, "sent", {"path": str(path), "bytes": len(pdf),
                                           "sha256": hashlib.sha256(pdf).hexdigest()})
