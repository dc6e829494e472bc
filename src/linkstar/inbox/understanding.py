"""The classifier a process uses: trained from the seed set, the Bitext reference file when it
is there, and a workspace's own labelled threads; cached under the data directory.

First use trains in a few seconds and writes `<data_dir>/models/inbox-<hash>.joblib`, keyed by
the hash of the training data and the model version; later processes load that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from linkstar.config import Settings
from linkstar.inbox.core.classify import Classifier
from linkstar.inbox.core.model import Example, cached_model
from linkstar.inbox.core.training import BITEXT_FILE, bitext_examples, seed_examples


def model_dir(settings: Settings) -> Path:
    return settings.data_dir / "models"


def base_examples(settings: Settings) -> tuple[Example, ...]:
    """The seed set plus the Bitext utterances when the reference data directory has them."""
    bitext = settings.reference_data_dir / BITEXT_FILE
    extra = bitext_examples(bitext) if bitext.is_file() else ()
    return (*seed_examples(), *extra)


def classifier(settings: Settings) -> Classifier:
    """The default classifier (seed + Bitext), trained once and cached per data directory."""
    return _cached(model_dir(settings).resolve(), settings.reference_data_dir.resolve())


@lru_cache(maxsize=4)
def _cached(cache: Path, reference: Path) -> Classifier:
    bitext = reference / BITEXT_FILE
    extra = bitext_examples(bitext) if bitext.is_file() else ()
    return Classifier(cached_model((*seed_examples(), *extra), cache))


def retrain(settings: Settings, labelled: Sequence[Example]) -> Classifier:
    """A classifier that also learns from a workspace's own labelled threads.

    The workspace's examples count twice (they are the closest to its real traffic); the model is
    cached by the hash of the whole training set, so retraining on unchanged data is a file load.
    """
    examples = (*base_examples(settings), *labelled, *labelled)
    return Classifier(cached_model(examples, model_dir(settings)))
