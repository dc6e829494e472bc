"""Language of a buyer message: en, es, de, fr, pt, zh or "unknown".

py3langid (a maintained fork of langid.py, BSD) ships its Naive Bayes model inside the wheel,
so detection works offline. It is restricted to our six languages; Han script decides Chinese
directly, and text with too few letters or a low normalised probability is "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "es", "de", "fr", "pt", "zh")
UNKNOWN = "unknown"
MIN_PROBABILITY = 0.5
_MIN_LETTERS = 4
_MAX_CHARS = 2000  # the first 2,000 characters decide; beyond that nothing changes
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Language:
    """A detected language and the detector's normalised probability (0..1)."""

    code: str
    probability: float


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> Language:
    """The language of `text`, or "unknown" when it is too short or too unsure to say."""
    sample = text[:_MAX_CHARS]
    letters = len(_LETTER.findall(sample))
    han = len(_HAN.findall(sample))
    if han >= 2 and han * 2 >= letters:
        return Language("zh", 1.0)
    if letters < _MIN_LETTERS:
        return Language(UNKNOWN, 0.0)
    code, probability = _identifier().classify(sample)
    probability = float(probability)
    if probability < MIN_PROBABILITY:
        return Language(UNKNOWN, round(probability, 3))
    return Language(str(code), round(probability, 3))
