"""Training, caching and retraining of the intent model."""

import json

import pytest

from linkstar.inbox.core.classify import Classifier
from linkstar.inbox.core.model import Example, IntentModel, cached_model, training_hash
from linkstar.inbox.core.training import bitext_examples, parse_examples, seed_examples
from linkstar.inbox.understanding import classifier as default_classifier
from linkstar.inbox.understanding import retrain
from linkstar.kit.errors import InvalidInput

from .conftest import BITEXT


def test_cache_is_keyed_by_the_training_data(tmp_path):
    examples = seed_examples()
    first = cached_model(examples, tmp_path)
    (path,) = tmp_path.glob("inbox-*.joblib")
    assert path.name == f"inbox-{training_hash(examples)}.joblib"
    again = cached_model(tuple(reversed(examples)), tmp_path)  # order does not matter
    assert again.data_hash == first.data_hash
    assert list(tmp_path.glob("inbox-*.joblib")) == [path]
    assert 0.2 <= again.temperature <= 3.0


def test_a_corrupt_cache_file_is_retrained(tmp_path):
    examples = seed_examples()
    path = tmp_path / f"inbox-{training_hash(examples)}.joblib"
    path.write_bytes(b"not a model")
    model = cached_model(examples, tmp_path)
    assert model.size == len(examples)
    assert IntentModel.load(path) is not None


def test_retrain_learns_a_workspace_phrase(settings):
    phrase = "Is the flux capacitor kit in stock for pickup at the depot?"
    own = [
        Example("flux capacitor kit depot pickup please", "shipping_question", "en", "workspace"),
        Example(
            "can I pick up the flux capacitor at your depot", "shipping_question", "en", "workspace"
        ),
        Example("depot pickup for my flux capacitor order", "shipping_question", "en", "workspace"),
    ]
    model = retrain(settings, own)
    assert isinstance(model, Classifier)
    assert model.classify(phrase).intent.value == "shipping_question"
    assert list((settings.data_dir / "models").glob("inbox-*.joblib"))


def test_default_classifier_is_cached_per_data_dir(settings):
    assert default_classifier(settings) is default_classifier(settings)


def test_bad_training_data_is_refused():
    with pytest.raises(InvalidInput, match="unknown intents in the training data: nonsense"):
        IntentModel.train([Example("a", "nonsense"), Example("b", "other")])
    with pytest.raises(InvalidInput, match="at least two intents"):
        IntentModel.train([Example("a", "other")])
    with pytest.raises(InvalidInput, match="line 2: not JSON"):
        parse_examples('{"text": "a", "intent": "other"}\n{oops', source="x")
    with pytest.raises(InvalidInput, match="line 1: unknown intent 'x'"):
        parse_examples(json.dumps({"text": "a", "intent": "x"}), source="x")


def test_bitext_file_maps_every_row_it_keeps():
    if not BITEXT.is_file():
        pytest.skip(f"reference data not found at {BITEXT} (set LINKSTAR_REFERENCE_DATA_DIR)")
    examples = bitext_examples(BITEXT)
    assert len(examples) == 2250  # every intent of the dev file maps onto ours
    assert {e.intent for e in examples} == {
        "where_is_my_order",
        "refund_request",
        "cancel_order",
        "change_order",
        "shipping_question",
        "invoice_request",
        "payment_question",
        "product_question",
        "complaint",
        "feedback",
        "account_help",
        "subscription",
        "human_agent",
    }


def test_bad_bitext_file(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidInput, match="needs the columns instruction and intent"):
        bitext_examples(path)
    with pytest.raises(InvalidInput, match="cannot read"):
        bitext_examples(tmp_path / "missing.csv.gz")


def test_without_the_reference_data_the_seed_set_is_enough(settings, tmp_path):
    bare = settings.model_copy(update={"reference_data_dir": tmp_path / "no-such-dir"})
    model = default_classifier(bare)
    assert model.model.size == len(seed_examples())
    result = model.classify("Wir möchten 500 Stück mit eigenem Logo im Großhandel bestellen")
    assert (result.intent.value, result.language, result.rule) == (
        "bulk_or_oem_inquiry",
        "de",
        "de.b2b",
    )
