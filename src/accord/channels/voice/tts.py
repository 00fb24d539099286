"""Text to speech with espeak-ng (when installed): WAV files of the robot's prompts, cached by text.

``espeak-ng`` is a Debian package (``apt-get install espeak-ng``); without it ``EspeakTTS.available()``
is False and ``synthesize`` raises ``TTSUnavailable`` with that hint. Voices: Mandarin ``cmn``,
English ``en-us`` / ``en-gb``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

VOICES = {"zh": "cmn", "en": "en-us", "en-GB": "en-gb"}


class TTSUnavailable(RuntimeError):
    """No speech synthesiser on this machine."""


class EspeakTTS:
    def __init__(self, out_dir: Path | str, *, speed: int = 160, binary: str | None = None):
        self.out_dir = Path(out_dir)
        self.speed = speed
        self.binary = binary or shutil.which("espeak-ng")

    @staticmethod
    def available() -> bool:
        return shutil.which("espeak-ng") is not None

    def synthesize(self, text: str, lang: str) -> Path:
        """The WAV file of ``text`` spoken in ``lang`` (re-used when already made)."""
        if not self.binary:
            raise TTSUnavailable("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
        voice = VOICES.get(lang, VOICES["en"])
        key = hashlib.sha256(f"{voice}|{self.speed}|{text}".encode()).hexdigest()[:24]
        path = self.out_dir / f"{key}.wav"
        if path.is_file() and path.stat().st_size > 44:
            return path
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.wav")
        proc = subprocess.run([self.binary, "-v", voice, "-s", str(self.speed), "-w", str(tmp),
                               "--", text], capture_output=True, timeout=60, check=False)
        if proc.returncode != 0 or not tmp.is_file():
            raise TTSUnavailable(f"espeak-ng failed: {proc.stderr.decode('utf-8', 'replace')[:200]}")
        tmp.replace(path)
        return path
