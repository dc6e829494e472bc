"""The trained part of intent classification: TF-IDF word + char n-grams, logistic regression.

Small (a few MB), fast (thousands of messages a second in batch on one core) and retrainable in
seconds from labelled examples. Character n-grams (2-4, within word boundaries) carry Chinese,
inflections and typos; word uni/bigrams carry phrases. Multinomial logistic regression gives
probabilities that are reasonably calibrated out of the box; benchmarks/inbox_classify.py
measures the expected calibration error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from linkstar.inbox.core.intents import INTENTS
from linkstar.kit.errors import InvalidInput

MODEL_VERSION = "inbox-intent-2"  # part of the cache key: bump when features or settings change
C_VALUE = 30.0  # inverse regularisation strength of the logistic regression
MAX_MODEL_CHARS = 2000  # the first 2,000 characters carry the intent; more only costs time
_PLACEHOLDER = re.compile(r"\{\{[^{}]{0,40}\}\}")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message for training or evaluation."""

    text: str
    intent: str
    lang: str = ""
    source: str = ""


def normalise_for_model(text: str) -> str:
    """What the model sees: lower case, placeholders and digit runs folded, spaces collapsed."""
    text = _PLACEHOLDER.sub(" 0 ", text[:MAX_MODEL_CHARS])
    text = _HAN.sub(r" \g<0> ", text)  # Chinese: characters become words, bigrams carry words
    return _SPACE.sub(" ", _DIGITS.sub("0", text.lower())).strip()


def training_hash(examples: Sequence[Example]) -> str:
    """A stable key for a training set (order-independent) and the model settings."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    for line in sorted(json.dumps([e.text, e.intent], ensure_ascii=False) for e in examples):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def _pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=1,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regex, not a password
                    dtype=np.float32,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 4),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=120_000,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=C_VALUE, max_iter=2000)
    return Pipeline([("features", features), ("classifier", classifier)])


def _fit(examples: Sequence[Example]) -> Pipeline:
    pipeline = _pipeline()
    pipeline.fit(
        [normalise_for_model(e.text) for e in examples],
        [e.intent for e in examples],
        classifier__sample_weight=_balanced_weights(examples),
    )
    return pipeline


def _softmax(scores: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


_TEMPERATURES = np.round(np.arange(0.2, 3.01, 0.05), 2)


def _fit_temperature(examples: Sequence[Example]) -> float:
    """Temperature scaling (Guo et al. 2017): the divisor of the logits that minimises the
    log-loss on a seeded 20 % split; 1.0 when there are too few examples to split."""
    counts = Counter(e.intent for e in examples)
    if len(examples) < 200 or min(counts.values()) < 5:
        return 1.0
    rng = np.random.default_rng(7)
    held = rng.random(len(examples)) < 0.2
    train = [e for e, h in zip(examples, held, strict=True) if not h]
    test = [e for e, h in zip(examples, held, strict=True) if h]
    if len({e.intent for e in train}) < len(counts):
        return 1.0
    pipeline = _fit(train)
    scores = np.asarray(
        pipeline.decision_function([normalise_for_model(e.text) for e in test]), dtype=float
    )
    column = {label: i for i, label in enumerate(pipeline.classes_)}
    gold = np.array([column[e.intent] for e in test])
    losses = [
        -np.log(_softmax(scores / t)[np.arange(len(test)), gold] + 1e-12).mean()
        for t in _TEMPERATURES
    ]
    return float(_TEMPERATURES[int(np.argmin(losses))])


def _balanced_weights(examples: Sequence[Example]) -> np.ndarray[Any, Any]:
    """Every (intent, language) cell weighs the same in total.

    Without this the language of the data becomes a cue: English dominates the intents the public
    data covers, so a Spanish "thank you" would look like the intents with most Spanish examples.
    """
    cells = Counter((e.intent, e.lang) for e in examples)
    weights = np.array([1.0 / cells[(e.intent, e.lang)] for e in examples])
    return weights * (len(examples) / weights.sum())


class IntentModel:
    """A fitted pipeline and the hash of the data it was trained on."""

    def __init__(
        self, pipeline: Pipeline, data_hash: str, size: int, temperature: float = 1.0
    ) -> None:
        self.pipeline = pipeline
        self.temperature = temperature
        self.data_hash = data_hash
        self.size = size
        self.labels: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)

    @classmethod
    def train(cls, examples: Sequence[Example]) -> IntentModel:
        """Fit on labelled examples; InvalidInput when they cannot make a model."""
        unknown = sorted({e.intent for e in examples} - set(INTENTS))
        if unknown:
            raise InvalidInput(f"unknown intents in the training data: {', '.join(unknown)}")
        if len({e.intent for e in examples}) < 2:
            raise InvalidInput("training needs examples of at least two intents")
        temperature = _fit_temperature(examples)
        pipeline = _fit(examples)
        return cls(pipeline, training_hash(examples), len(examples), temperature)

    def probabilities(self, texts: Iterable[str]) -> np.ndarray[Any, Any]:
        """One row of intent probabilities (columns in `labels` order) per text."""
        prepared = [normalise_for_model(t) for t in texts]
        if not prepared:
            return np.zeros((0, len(self.labels)))
        scores = np.asarray(self.pipeline.decision_function(prepared), dtype=float)
        return _softmax(scores / self.temperature)

    def save(self, path: Path) -> None:
        """Write the model atomically (a temporary file, then a rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(
            {
                "version": MODEL_VERSION,
                "hash": self.data_hash,
                "size": self.size,
                "pipeline": self.pipeline,
            },
            tmp,
            compress=3,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> IntentModel | None:
        """A cached model, or None when the file is missing, stale or unreadable."""
        try:
            payload = joblib.load(path)
        except (OSError, EOFError, ValueError, KeyError, AttributeError, ImportError, TypeError):
            return None
        if not isinstance(payload, dict) or payload.get("version") != MODEL_VERSION:
            return None
        return cls(
            payload["pipeline"],
            str(payload["hash"]),
            int(payload["size"]),
            float(payload.get("temperature", 1.0)),
        )


def cached_model(examples: Sequence[Example], cache_dir: Path | None) -> IntentModel:
    """The model for these examples: from `cache_dir/inbox-<hash>.joblib`, else trained and cached.

    The cache is a local file the process wrote itself (joblib unpickles: never point it at a
    directory others can write).
    """
    data_hash = training_hash(examples)
    path = cache_dir / f"inbox-{data_hash}.joblib" if cache_dir is not None else None
    if path is not None and path.is_file():
        model = IntentModel.load(path)
        if model is not None and model.data_hash == data_hash:
            return model
    model = IntentModel.train(examples)
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only data dir only costs retraining
            model.save(path)
    return model
