"""PDF letters with fpdf2: real PDF structure and the text recoverable from the content stream."""

from __future__ import annotations

import re

import pytest

from accord.channels.adapters.base import OutboundMessage, TransientSendError
from accord.channels.adapters.fonts import find_cjk_font
from accord.channels.adapters.letter_pdf import FontMissingError, PdfLetterAdapter, render_letter_pdf
from accord.channels.rendering import render
from accord.channels.samples import sample_context

needs_cjk = pytest.mark.skipif(find_cjk_font() is None,
                               reason="no CJK font installed (apt-get install fonts-wqy-microhei)")


def _unescape(s: bytes) -> bytes:
    out, i = bytearray(), 0
    simple = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(s):
        c = s[i]
        if c == 0x5C:  # backslash
            n = s[i + 1]
            if n in simple:
                out.append(simple[n]); i += 2
            elif 0x30 <= n <= 0x37:
                m = re.match(rb"[0-7]{1,3}", s[i + 1:i + 4])
                out.append(int(m.group(0), 8) & 0xFF); i += 1 + len(m.group(0))
            else:
                out.append(n); i += 2
        else:
            out.append(c); i += 1
    return bytes(out)


def extract_text(pdf: bytes) -> str:
    """Text of an uncompressed fpdf2 PDF with an Identity-H font: glyph codes mapped back through the
    ToUnicode CMap (what a PDF reader does to copy text)."""
    cmap = {int(a, 16): chr(int(b, 16)) for a, b in
            re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", pdf)}
    text = []
    for raw in re.findall(rb"\((.*?)(?<!\\)\) Tj", pdf, re.S):
        codes = _unescape(raw)
        text.append("".join(cmap.get(int.from_bytes(codes[i:i + 2], "big"), "?")
                            for i in range(0, len(codes) - 1, 2)))
    return "\n".join(text)


@needs_cjk
def test_chinese_validation_notice_letter_holds_its_text():
    msg = render("validation_notice", lang="zh", channel="letter",
                 context=sample_context("zh", "CN"), policy="CN")
    pdf = render_letter_pdf(subject=msg.subject, text=msg.text, lang="zh",
                            address="上海市浦东新区世纪大道100号\n张三 收", compress=False)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/ToUnicode" in pdf and b"/FontFile2" in pdf
    text = extract_text(pdf).replace("\n", "")
    assert "债务确认通知" in text and "1,037.70元" in text and "张三 收" in text


def test_english_arrangement_letter_through_the_adapter(tmp_path):
    msg = render("arrangement_confirmation", lang="en", channel="letter",
                 context=sample_context("en", "UK"), policy="UK")
    adapter = PdfLetterAdapter(tmp_path / "letters")
    out = OutboundMessage("ob:letter/1", "letter", "1 High Street\nLondon N1 1AA", msg.text,
                          msg.subject, None, "en")
    first = adapter.send(out)
    again = adapter.send(out)
    files = list((tmp_path / "letters").iterdir())
    assert len(files) == 1 and first.provider_id == again.provider_id == files[0].name
    data = files[0].read_bytes()
    assert data.startswith(b"%PDF-") and first.raw["bytes"] == len(data) > 1000


def test_missing_cjk_font_is_one_clear_sentence(tmp_path, monkeypatch):
    missing = tmp_path / "nope.ttf"
    with pytest.raises(FontMissingError, match="fonts-wqy-microhei"):
        render_letter_pdf(subject="通知", text="张三您好", lang="zh", font_path=missing)
    adapter = PdfLetterAdapter(tmp_path, font_path=missing)
    with pytest.raises(TransientSendError, match="no CJK font"):
        adapter.send(OutboundMessage("k", "letter", "地址", "张三您好", "通知", None, "zh"))
