"""Understanding a buyer message: language, intent with confidence, tone and entities.

The trained model gives intent probabilities; keyword rules (rules.py) boost the intents
they back and the result is renormalised. Any text gives a result: empty or letterless text is
intent "other" with confidence 0, huge text is cut (the model reads 2,000 characters, entities
20,000), control characters are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linkstar.inbox.core.entities import Entity, extract_entities
from linkstar.inbox.core.intents import Intent
from linkstar.inbox.core.language import UNKNOWN, detect_language
from linkstar.inbox.core.model import IntentModel
from linkstar.inbox.core.rules import match_rules
from linkstar.inbox.core.sentiment import Sentiment, Urgency, assess_tone

MAX_TEXT = 100_000  # characters of a message that are looked at at all
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LETTER = re.compile(r"[^\W\d_]")
_PROBLEMS = ("delivery_problem", "complaint")
_POSITIVE_DAMPING = 0.3


@dataclass(frozen=True, slots=True)
class Message:
    """A message to understand: body, optional subject and channel."""

    text: str
    subject: str = ""
    channel: str = ""


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the inbox understood of one message."""

    intent: Intent
    confidence: float
    language: str
    language_probability: float
    sentiment: Sentiment
    urgency: Urgency
    entities: tuple[Entity, ...] = ()
    rule: str = ""
    cues: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    def entities_json(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.entities]


def clean_text(value: str) -> str:
    """NFC, no control characters or lone surrogates, at most MAX_TEXT characters."""
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", value[:MAX_TEXT]))


class Classifier:
    """Classifies messages with a trained IntentModel plus keyword rules."""

    def __init__(self, model: IntentModel) -> None:
        self.model = model
        self._index = {label: i for i, label in enumerate(model.labels)}

    def classify(self, message: Message | str) -> Understanding:
        if isinstance(message, str):
            message = Message(message)
        return self.classify_batch([message])[0]

    def classify_batch(self, messages: Sequence[Message]) -> list[Understanding]:
        """Understand many messages at once (the model runs once over the batch)."""
        texts = [clean_text(f"{m.subject}\n{m.text}" if m.subject else m.text) for m in messages]
        usable = [i for i, t in enumerate(texts) if _LETTER.search(t[:MAX_TEXT])]
        probabilities = self.model.probabilities([texts[i] for i in usable])
        rows = dict(zip(usable, probabilities, strict=True))
        return [self._understand(text, rows.get(i)) for i, text in enumerate(texts)]

    def _understand(self, text: str, row: np.ndarray[Any, Any] | None) -> Understanding:
        language = detect_language(text)
        tone = assess_tone(text, language.code if language.code != UNKNOWN else "en")
        entities = extract_entities(text)
        if row is None:
            return Understanding(
                Intent.other,
                0.0,
                language.code,
                language.probability,
                tone.sentiment,
                tone.urgency,
                entities,
                "no_text",
                tone.cues,
            )
        scores = row.astype(float).copy()
        hits = match_rules(text[:5000].lower(), language.code)
        for hit in hits:
            index = self._index.get(hit.intent.value)
            if index is not None:
                scores[index] += hit.weight
        if tone.sentiment is Sentiment.positive:
            # Praise without a single negative cue is not a problem report.
            for intent in _PROBLEMS:
                index = self._index.get(intent)
                if index is not None:
                    scores[index] *= _POSITIVE_DAMPING
        scores /= scores.sum()
        order = np.argsort(-scores)
        best = self.model.labels[int(order[0])]
        rule = next((h.rule_id for h in hits if h.intent.value == best), "")
        alternatives = tuple(
            (self.model.labels[int(i)], round(float(scores[int(i)]), 4)) for i in order[1:3]
        )
        return Understanding(
            Intent(best),
            round(float(scores[int(order[0])]), 4),
            language.code,
            language.probability,
            tone.sentiment,
            tone.urgency,
            entities,
            rule,
            tone.cues,
            alternatives,
        )
