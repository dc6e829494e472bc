"""Buyer-message understanding: accuracy on held-out real and multilingual data, and speed.

1. Bitext (real buyer utterances, CDLA-Sharing-1.0, read from the reference data directory):
   a stratified, seeded 25 % split is held out; the model trains on the rest plus the seed set.
   Accuracy and macro-F1 of the model alone and of model + keyword rules, calibration (ECE).
2. Seed set (src/linkstar/inbox/data/seed_messages.jsonl, six languages): a stratified 25 %
   split by intent and language is held out; the model trains on the rest plus all of Bitext.
   Accuracy and macro-F1 per language, and the most frequent confusions.
3. Language detection accuracy on every seed message, per language.
4. Throughput: batch classification (language, intent, rules, tone, entities) on one core, and
   single-message latency.

Usage: python benchmarks/inbox_classify.py [--reference-data DIR] [--messages N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
from _common import percentiles, report
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from linkstar.inbox.core.classify import Classifier, Message
from linkstar.inbox.core.language import detect_language
from linkstar.inbox.core.model import Example, IntentModel
from linkstar.inbox.core.training import BITEXT_FILE, bitext_examples, seed_examples

SEED = 20261204


def split(examples: Sequence[Example], key: str) -> tuple[list[Example], list[Example]]:
    labels = [e.intent if key == "intent" else f"{e.intent}/{e.lang}" for e in examples]
    train, test = train_test_split(
        list(examples), test_size=0.25, random_state=SEED, stratify=labels
    )
    return list(train), list(test)


def evaluate(classifier: Classifier, test: Sequence[Example]) -> dict[str, float]:
    gold = [e.intent for e in test]
    probs = classifier.model.probabilities([e.text for e in test])
    model_only = [classifier.model.labels[int(i)] for i in probs.argmax(axis=1)]
    results = classifier.classify_batch([Message(e.text) for e in test])
    combined = [r.intent.value for r in results]
    confidences = np.array([r.confidence for r in results])
    correct = np.array([c == g for c, g in zip(combined, gold, strict=True)])
    return {
        "n": len(test),
        "model_acc": accuracy_score(gold, model_only),
        "model_macro_f1": f1_score(gold, model_only, average="macro", zero_division=0),
        "acc": accuracy_score(gold, combined),
        "macro_f1": f1_score(gold, combined, average="macro", zero_division=0),
        "ece": ece(confidences, correct),
        "_pred": combined,  # type: ignore[dict-item]
    }


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |accuracy - confidence| weighted over 10 confidence bins."""
    total = 0.0
    edges = np.linspace(0, 1, bins + 1)
    for low, high in pairwise(edges):
        mask = (confidence > low) & (confidence <= high)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def confusions(gold: Sequence[str], pred: Sequence[str], top: int = 8) -> list[str]:
    pairs = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
    return [f"{g} -> {p}: {n}" for (g, p), n in pairs.most_common(top)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    bitext_path = args.reference_data / BITEXT_FILE
    if not bitext_path.is_file():
        print(f"{bitext_path} not found: pass --reference-data", file=sys.stderr)
        return 2
    bitext = list(bitext_examples(bitext_path))
    seed = list(seed_examples())
    print(f"bitext: {len(bitext)} mapped utterances; seed set: {len(seed)} messages\n")

    rows = []
    b_train, b_test = split(bitext, "intent")
    start = time.perf_counter()
    model = IntentModel.train([*b_train, *seed])
    train_s = time.perf_counter() - start
    bitext_result = evaluate(Classifier(model), b_test)
    pred = bitext_result.pop("_pred")
    rows.append({"held-out set": "bitext (en)", **bitext_result})
    bitext_confusions = confusions([e.intent for e in b_test], pred)  # type: ignore[arg-type]

    s_train, s_test = split(seed, "intent_lang")
    classifier = Classifier(IntentModel.train([*bitext, *s_train]))
    for lang in ("all", "en", "es", "de", "fr", "pt", "zh"):
        subset = [e for e in s_test if lang in ("all", e.lang)]
        result = evaluate(classifier, subset)
        pred = result.pop("_pred")
        rows.append({"held-out set": f"seed {lang}", **result})
        if lang == "all":
            seed_confusions = confusions([e.intent for e in subset], pred)  # type: ignore[arg-type]
    print(f"training on {len(b_train) + len(seed)} examples: {train_s:.1f} s\n")
    report("inbox_accuracy", rows)
    print("\nmost frequent confusions, bitext held-out (gold -> predicted):")
    print("\n".join(f"  {c}" for c in bitext_confusions) or "  none")
    print("most frequent confusions, seed held-out:")
    print("\n".join(f"  {c}" for c in seed_confusions) or "  none")

    lang_rows = []
    for lang in ("en", "es", "de", "fr", "pt", "zh"):
        items = [e for e in seed if e.lang == lang]
        detected = Counter(detect_language(e.text).code for e in items)
        lang_rows.append(
            {
                "language": lang,
                "messages": len(items),
                "accuracy": detected[lang] / len(items),
                "unknown": detected["unknown"],
                "other_language": len(items) - detected[lang] - detected["unknown"],
            }
        )
    print()
    report("inbox_language", lang_rows)

    rng = random.Random(SEED)
    pool = [e.text for e in [*bitext, *seed]]
    messages = [Message(rng.choice(pool)) for _ in range(args.messages)]
    full = Classifier(IntentModel.train([*bitext, *seed]))
    full.classify_batch(messages[:200])  # warm caches
    speed = []
    load = os.getloadavg()[0]
    for batch in (256, 1024, args.messages):
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(0, len(messages), batch):
            full.classify_batch(messages[i : i + batch])
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        # On a shared machine wall time includes waiting for a core; CPU time is the work.
        speed.append(
            {
                "batch": batch,
                "messages": len(messages),
                "wall_s": seconds,
                "cpu_s": cpu,
                "msg_per_wall_s": len(messages) / seconds,
                "msg_per_cpu_s": len(messages) / cpu,
            }
        )
    samples = []
    for message in messages[:500]:
        start = time.perf_counter()
        full.classify(message)
        samples.append(time.perf_counter() - start)
    print(f"\nload average before the throughput run: {load:.1f}")
    report("inbox_throughput", speed)
    single = percentiles(samples)
    print(f"\nsingle message: p50 {single['p50_ms']:.2f} ms, p95 {single['p95_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    with threadpool_limits(limits=1):  # one core, as the target says
        raise SystemExit(main())
