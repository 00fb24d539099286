"""Finding a CJK TrueType font for PDF letters. Chinese text needs one; none ships with Python.

Debian: ``apt-get install fonts-wqy-microhei`` (1.6 MB; ``fonts-noto-cjk`` also works but is large).
Or point ``ACCORD_CJK_FONT`` at any .ttf / .ttc / .otf that covers Chinese.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

KNOWN_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
)
KNOWN_LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
INSTALL_HINT = ("install a CJK TrueType font (Debian: apt-get install fonts-wqy-microhei) or set "
                "ACCORD_CJK_FONT to a .ttf/.ttc file that covers Chinese")


def _fc_list_zh() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = [line.split(":", 1)[0].strip() for line in out.splitlines() if line.strip()]
    return sorted(f for f in files if f.lower().endswith((".ttf", ".ttc", ".otf")))


def find_cjk_font(explicit: Path | str | None = None) -> Path | None:
    """The configured font, else a known Debian path, else whatever fontconfig lists for zh."""
    configured = explicit or os.environ.get("ACCORD_CJK_FONT")
    if configured:
        path = Path(configured)
        return path if path.is_file() else None
    for candidate in (*KNOWN_CJK_FONTS, *_fc_list_zh()):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def find_latin_font() -> Path | None:
    for candidate in KNOWN_LATIN_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    return None
