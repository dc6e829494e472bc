"""One classifier for the whole session: trained once (seed set + Bitext when present), cached;
API callers for the inbox's HTTP tests."""

from pathlib import Path

import pytest

from linkstar.config import Settings
from linkstar.inbox.core.classify import Classifier
from linkstar.inbox.core.model import cached_model
from linkstar.inbox.core.training import BITEXT_FILE, bitext_examples, seed_examples

BITEXT = Settings().reference_data_dir / BITEXT_FILE


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inbox-models")


@pytest.fixture(scope="session")
def classifier(model_cache: Path) -> Classifier:
    """The model a workspace gets: seed set plus the bitext reference data (skips without it;
    `seed_classifier` covers a checkout without the reference data directory)."""
    if not BITEXT.is_file():
        pytest.skip(f"reference data not found at {BITEXT} (set LINKSTAR_REFERENCE_DATA_DIR)")
    return Classifier(cached_model((*seed_examples(), *bitext_examples(BITEXT)), model_cache))


@pytest.fixture(scope="session")
def seed_classifier(model_cache: Path) -> Classifier:
    """Seed set only: what a checkout without the reference data directory gets."""
    return Classifier(cached_model(seed_examples(), model_cache))


@pytest.fixture
def api(client, sessions):  # type: ignore[no-untyped-def]
    from tests.api.conftest import Api

    return Api(client, sessions)


@pytest.fixture
def owner(api, tenant, monkeypatch):  # type: ignore[no-untyped-def]
    """An API key of the tenant with every scope; the seed-set model (trained once per
    process) instead of training per temporary data dir."""
    from linkstar.inbox import understanding
    from tests.inbox.seed import seed_only_classifier

    monkeypatch.setattr(understanding, "classifier", lambda settings: seed_only_classifier())
    return api.with_key(tenant)
