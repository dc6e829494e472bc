"""Carrier mapping tables: a raw code and description in, a status and sub-status out.

Tables are JSON data files under `linkstar/tracking/mappings/` (format in
docs/formats/tracking.md). Each is an ordered list of rules; the first rule that matches
wins, and when none does the event is `unmapped` -- never "in transit" by default.

A rule matches when
  * its `codes` is empty, or one pattern equals the raw code part by part ("/" separates the
    parts of two-level codes such as UPS type/code; "*" matches any one part), and
  * its `any` is empty, or at least one phrase occurs in the description, and
  * none of its `none` phrases occurs in the description.
Phrases match whole words of the case-folded, punctuation-free description; a phrase ending
in "*" may end inside a word ("return*" finds "returning"); phrases written in a script
without spaces (Chinese, Japanese) match as plain substrings.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any, NamedTuple

from linkstar.tracking.core.vocabulary import Status, SubStatus

WILDCARD = "*"
_NON_WORD = re.compile(r"[\W_]+")
_RULE_KEYS = frozenset({"id", "codes", "any", "none", "status", "sub_status", "note"})
_TABLE_KEYS = frozenset({"table", "aliases", "version", "code_format", "sources", "rules"})


class MappingTableError(ValueError):
    """A mapping table file is malformed; the message lists every problem found."""


class Normalised(NamedTuple):
    """The outcome of normalising one raw event: status, sub-status and the deciding rule."""

    status: Status
    sub_status: SubStatus | None
    rule_id: str | None


UNMAPPED = Normalised(Status.UNMAPPED, None, None)


def fold_text(text: str) -> str:
    """Case-fold, NFKC-normalise and reduce punctuation to single spaces, padded by spaces."""
    folded = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    return f" {' '.join(folded.split())} "


def fold_code(code: str) -> tuple[str, ...]:
    """Split a raw or pattern code into its upper-cased, stripped "/"-separated parts."""
    text = unicodedata.normalize("NFKC", code).strip().upper()
    return tuple(part.strip() for part in text.split("/"))


def _unspaced_script(phrase: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in phrase)  # CJK and later blocks write no spaces


def fold_phrase(phrase: str) -> str:
    """Fold a table phrase like a description, keeping a trailing "*" (word-prefix match)."""
    prefix = phrase.rstrip().endswith(WILDCARD)
    folded = fold_text(phrase.rstrip().removesuffix(WILDCARD)).strip()
    return f"{folded}{WILDCARD}" if prefix and folded else folded


def _needle(phrase: str) -> tuple[str, bool]:
    """A substring to look for, and whether to look in the text with its spaces removed."""
    if _unspaced_script(phrase):
        return phrase.rstrip(WILDCARD).replace(" ", ""), True
    if phrase.endswith(WILDCARD):
        return f" {phrase[:-1]}", False
    return f" {phrase} ", False


def phrase_in(phrase: str, folded_text: str) -> bool:
    """True when a folded phrase occurs as whole words in a `fold_text` result.

    A phrase ending in "*" may end inside a word ("return*" finds "returning"); phrases in a
    script written without spaces match anywhere.
    """
    needle, unspaced = _needle(phrase)
    return needle in (folded_text.replace(" ", "") if unspaced else folded_text)


class _Needles:
    """Pre-computed substrings for a rule's phrases, so matching is plain `in` tests."""

    __slots__ = ("spaced", "unspaced")

    def __init__(self, phrases: tuple[str, ...]) -> None:
        needles = [_needle(p) for p in phrases]
        self.spaced = tuple(n for n, unspaced in needles if not unspaced)
        self.unspaced = tuple(n for n, unspaced in needles if unspaced)

    def found(self, folded: str) -> bool:
        """True when any phrase occurs in the folded text."""
        if any(n in folded for n in self.spaced):
            return True
        if self.unspaced:
            compact = folded.replace(" ", "")
            return any(n in compact for n in self.unspaced)
        return False


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of a mapping table."""

    id: str
    order: int
    codes: tuple[tuple[str, ...], ...]
    any: tuple[str, ...]
    none: tuple[str, ...]
    status: Status
    sub_status: SubStatus | None
    _any: _Needles = field(init=False, repr=False, compare=False)
    _none: _Needles = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_any", _Needles(self.any))
        object.__setattr__(self, "_none", _Needles(self.none))

    def matches_code(self, code: tuple[str, ...]) -> bool:
        """True when the rule has no code patterns or one of them fits `code`."""
        return not self.codes or any(_fits(pattern, code) for pattern in self.codes)

    def matches_text(self, folded: str) -> bool:
        """True when the description satisfies the rule's `any` and `none` phrases."""
        if self.any and not self._any.found(folded):
            return False
        return not (self.none and self._none.found(folded))


def _fits(pattern: tuple[str, ...], code: tuple[str, ...]) -> bool:
    return len(pattern) == len(code) and all(
        p in (WILDCARD, c) for p, c in zip(pattern, code, strict=True)
    )


@dataclass(frozen=True, slots=True)
class MappingTable:
    """A validated, ordered mapping table for one carrier or aggregator vocabulary."""

    name: str
    aliases: tuple[str, ...]
    version: str
    code_format: str
    sources: tuple[str, ...]
    rules: tuple[Rule, ...]
    _by_code: dict[tuple[str, ...], tuple[Rule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def candidates(self, code: tuple[str, ...]) -> tuple[Rule, ...]:
        """The rules whose code patterns fit `code`, in table order (memoised)."""
        cached = self._by_code.get(code)
        if cached is None:
            cached = tuple(rule for rule in self.rules if rule.matches_code(code))
            if len(self._by_code) < 50_000:  # bounded: codes are a small vocabulary
                self._by_code[code] = cached
        return cached

    def match(self, raw_code: str, raw_description: str) -> Normalised:
        """Status, sub-status and rule id for one raw event; `UNMAPPED` when nothing fits."""
        folded = fold_text(raw_description)
        for rule in self.candidates(fold_code(raw_code)):
            if rule.matches_text(folded):
                return Normalised(rule.status, rule.sub_status, f"{self.name}:{rule.id}")
        return UNMAPPED


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a list of non-empty strings")
        return ()
    return tuple(value)


def _parse_rule(raw: Any, order: int, problems: list[str]) -> Rule | None:
    where = f"rule #{order + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object")
        return None
    where = f"rule {raw.get('id', f'#{order + 1}')!r}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        problems.append(f"{where}: needs a non-empty string id")
    codes = tuple(fold_code(c) for c in _strings(raw.get("codes"), f"{where} codes", problems))
    any_ = tuple(fold_phrase(p) for p in _strings(raw.get("any"), f"{where} any", problems))
    none = tuple(fold_phrase(p) for p in _strings(raw.get("none"), f"{where} none", problems))
    if any(not p or p == WILDCARD for p in any_ + none):
        problems.append(f"{where}: a phrase folds to nothing")
    if not any_ and (not codes or any(all(part == WILDCARD for part in c) for c in codes)):
        problems.append(f"{where}: a rule needs a specific code or an 'any' phrase (no catch-all)")
    try:
        status = Status(str(raw.get("status")))
        sub = SubStatus(raw["sub_status"]) if raw.get("sub_status") is not None else None
    except ValueError as error:
        problems.append(f"{where}: {error}")
        return None
    if status is Status.UNMAPPED:
        problems.append(f"{where}: 'unmapped' is what no rule gives; do not map to it")
    return Rule(str(rule_id), order, codes, any_, none, status, sub)


def parse_table(data: Mapping[str, Any]) -> MappingTable:
    """Validate a decoded mapping-table document; raise `MappingTableError` listing problems."""
    if not isinstance(data, Mapping):
        raise MappingTableError("a mapping table must be a JSON object")
    problems: list[str] = []
    unknown = set(data) - _TABLE_KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    name = data.get("table")
    if not isinstance(name, str) or not name.strip():
        problems.append("'table' must be a non-empty string")
        name = "?"
    for key in ("version", "code_format"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(f"{key!r} must be a non-empty string")
    sources = _strings(data.get("sources"), "sources", problems)
    if not sources:
        problems.append("'sources' must name where the codes come from")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("'rules' must be a non-empty list")
        raw_rules = []
    rules = [r for i, raw in enumerate(raw_rules) if (r := _parse_rule(raw, i, problems))]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    aliases = _strings(data.get("aliases"), "aliases", problems)
    if problems:
        raise MappingTableError(f"mapping table {name!r}: " + "; ".join(problems))
    return MappingTable(
        name=name.lower(),
        aliases=tuple(a.lower() for a in aliases),
        version=str(data["version"]),
        code_format=str(data["code_format"]),
        sources=sources,
        rules=tuple(rules),
    )


@cache
def mapping_tables() -> Mapping[str, MappingTable]:
    """Every table shipped with the package, by lower-case name and alias (read-only)."""
    directory = files("linkstar.tracking").joinpath("mappings")
    by_name: dict[str, MappingTable] = {}
    for entry in sorted(directory.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".json"):
            continue
        table = parse_table(json.loads(entry.read_text("utf-8")))
        for key in (table.name, *table.aliases):
            if key in by_name:
                raise MappingTableError(f"{entry.name}: name or alias {key!r} is already taken")
            by_name[key] = table
    return MappingProxyType(by_name)


def table_for(carrier: str) -> MappingTable | None:
    """The mapping table for a carrier or aggregator code (case-insensitive), if any."""
    return mapping_tables().get(carrier.strip().lower())


@lru_cache(maxsize=200_000)
def normalise(carrier: str, raw_code: str | None, raw_description: str | None) -> Normalised:
    """Map a carrier's raw event code and description to (status, sub_status, rule_id)."""
    table = table_for(carrier)
    if table is None:
        return UNMAPPED
    return table.match(raw_code or "", raw_description or "")


def normalise_many(carrier: str, rows: Sequence[tuple[str | None, str | None]]) -> list[Normalised]:
    """Normalise a batch of (raw_code, raw_description) pairs of one carrier."""
    return [normalise(carrier, code, text) for code, text in rows]
