"""Training data: the seed set shipped with LinkStar and the Bitext file mapped to our taxonomy."""

from __future__ import annotations

import csv
import gzip
import io
import json
from importlib import resources
from pathlib import Path

from linkstar.inbox.core.intents import INTENTS, map_bitext_intent
from linkstar.inbox.core.model import Example
from linkstar.kit.errors import InvalidInput

BITEXT_FILE = "bitext_buyer_messages_dev.csv.gz"


def seed_examples() -> tuple[Example, ...]:
    """The hand-written multilingual seed set (src/linkstar/inbox/data/seed_messages.jsonl)."""
    text = resources.files("linkstar.inbox").joinpath("data/seed_messages.jsonl").read_text("utf-8")
    return parse_examples(text, source="seed")


def parse_examples(text: str, *, source: str) -> tuple[Example, ...]:
    """JSON lines of {"text", "intent"[, "lang"]}; InvalidInput naming the first bad line."""
    out: list[Example] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{source}: line {number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InvalidInput(f"{source}: line {number}: needs a string 'text'")
        intent = item.get("intent")
        if intent not in INTENTS:
            raise InvalidInput(f"{source}: line {number}: unknown intent {intent!r}")
        out.append(Example(item["text"], str(intent), str(item.get("lang", "")), source))
    return tuple(out)


def bitext_examples(path: Path) -> tuple[Example, ...]:
    """Bitext utterances mapped onto our intents (unmapped intents are skipped)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    if reader.fieldnames is None or not {"instruction", "intent"} <= set(reader.fieldnames):
        raise InvalidInput(f"{path}: needs the columns instruction and intent")
    out = []
    for row in reader:
        intent = map_bitext_intent(row["intent"] or "")
        if intent is not None and (row["instruction"] or "").strip():
            out.append(Example(row["instruction"], intent.value, "en", "bitext"))
    return tuple(out)
