"""The language of an article that does not state one (plain text, archive lines, feeds, pages without
a `lang` attribute), so `search --language` and per-language analysis work for them too.

py3langid (langid.py's naive Bayes model over byte n-grams, 97 languages) ships its model inside the
wheel and never touches the network. Loading the model takes under a second, once per process, on the
first article; classifying the opening SAMPLE_CHARS of a body then costs well under a millisecond.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

SAMPLE_CHARS = (
    800  # the opening paragraphs decide; more text costs time (~0.1 ms per 100) and changes nothing
)
MIN_LETTERS = 40  # below this the guess is noise ("ok" comes out as Serbian)
MIN_CONFIDENCE = 0.8  # normalised probability of the best language

_lock = threading.Lock()
_identifier: Any = None
_unavailable = False


def _model() -> Any:
    """The identifier, loaded once; None (warned about once) if py3langid cannot load."""
    global _identifier, _unavailable
    with _lock:
        if _identifier is None and not _unavailable:
            try:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            except Exception:  # a missing or broken model must never cost an article
                _unavailable = True
                log.warning("language detection unavailable: py3langid failed to load", exc_info=True)
        return _identifier


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code ("en", "ru"...), or None when the text is too short or the model unsure."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    model = _model()
    if model is None:
        return None
    code, confidence = model.classify(sample)
    if code == "und" or confidence < MIN_CONFIDENCE:
        return None
    return str(code)
