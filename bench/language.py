"""Language detection cost per article (py3langid, offline), over 300 English, Russian and German bodies.

.venv/bin/python bench/language.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ingest.language import detect_language  # noqa: E402
from tests.ingest.test_language import BODY, DE, RU  # noqa: E402


def main() -> None:
    bodies = [BODY * 4, RU * 4, DE * 4] * 100
    started = time.perf_counter()
    detect_language(BODY)
    print(f"model load and first detection: {(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    found = [detect_language(b) for b in bodies]
    per_article = (time.perf_counter() - started) / len(bodies) * 1000
    print(
        f"{len(bodies)} articles: {per_article:.2f} ms per article; correct {found == ['en', 'ru', 'de'] * 100}"
    )


if __name__ == "__main__":
    main()
