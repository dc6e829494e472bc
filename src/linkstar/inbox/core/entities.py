"""Entities in a buyer message: order ids, tracking numbers, SKUs, quantities, prices, contacts.

Every entity keeps its character span in the text it was found in. Tracking numbers are
recognised by linkstar.tracking.core.detect (check digits, prefixes); a token that reads both as
an order id and as a tracking number is an order id when an order keyword precedes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from linkstar.tracking.core.detect import detect_carriers

MAX_CHARS = 20_000  # entities are looked for in the first 20,000 characters
MAX_REFERENCES = 100  # stored-number candidates per message (bounds the linker's IN lists)

_ORDER_WORDS = (
    r"order|purchase|pedido|compra|encomenda|bestellung|bestellnummer|auftrag|commande|订单|訂單"
)
_NUMBER_WORDS = r"(?:#|no\.?|nr\.?|n[°º]|number|num\.?|id|número|numero|nummer|numéro|号|编号)"
AMAZON_ORDER = re.compile(r"(?<![\d-])\d{3}-\d{7}-\d{7}(?![\d-])")
EBAY_ORDER = re.compile(r"(?<![\d-])\d{2}-\d{5}-\d{5}(?![\d-])")
SHOPIFY_ORDER = re.compile(r"(?<![\w#])#(\d{3,10})(?!\w)")
GENERIC_ORDER = re.compile(
    rf"(?i)(?:{_ORDER_WORDS})\s*(?:{_NUMBER_WORDS}\s*)?[:\uff1a]?\s*#?"
    r"(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{3,24}[A-Z0-9])(?![\w-])"
)
_TOKEN = re.compile(r"[A-Za-z0-9]+")  # whole runs, then length and digit checks: linear time
_DASHED_TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_TRACKING_WORDS = re.compile(
    r"(?i)track|seguimiento|rastreo|sendungsnummer|sendungsverfolgung|suivi|rastreio|"
    r"rastreamento|运单|物流单号|快递单号|追踪"
)
SKU = re.compile(
    r"(?i)(?:\bsku|\bitem\s*(?:no\.?|number|#)|\bmodel(?:o)?|\bartikel(?:nummer|nr\.?)?|"
    r"\bréf(?:érence)?\.?|\bref\.?|\breferencia|\breferência|型号|货号)\s*[:\uff1a#]?\s*"
    r"(?=[A-Z0-9_-]*\d)([A-Z0-9][A-Z0-9_-]{2,30}[A-Z0-9])(?![\w-])"
)
ASIN = re.compile(r"(?<![A-Z0-9])B0[A-Z0-9]{8}(?![A-Z0-9])")
_NUM = r"\d{1,3}(?:[,.\s ]\d{3})+|\d+"
QUANTITY = re.compile(
    rf"(?i)(?<![\d.,])({_NUM})\s*(pcs|pieces|piece|pc|units|unit|sets|pairs|boxes|cartons|"
    r"dozen|piezas|pzas|unidades|uds|cajas|stück|stk|einheiten|paar|pièces|unités|paires|"
    r"cartons|peças|pçs|caixas|pares|件|个|套|台|箱|双)(?![a-zà-ÿ])"
)
_CUR = r"US\$|USD|EUR|GBP|R\$|BRL|CNY|RMB|\$|€|£|¥|￥"
_AMOUNT = r"\d{1,3}(?:[.,\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
PRICE = re.compile(
    rf"(?i)(?:(?P<c1>{_CUR})\s?(?P<a1>{_AMOUNT})|(?<![\d.,])(?P<a2>{_AMOUNT})\s?(?P<c2>{_CUR}|"
    r"(?:dollars?|euros?|dólares|reais)(?!\w)|美元|欧元|元))"
)
_PER_UNIT = re.compile(
    r"(?i)\s*(?:/\s*(?:unit|pc|pcs|piece|pz|stück|stk|pièce|unidade|件|个)|per\s+(?:unit|piece|pc)"
    r"|each|ea\b|a piece|por\s+(?:unidad|pieza|unidade|peça)|pro\s+stück|je\s+stück|"
    r"l'unité|par\s+(?:unité|pièce)|la pièce|cada|每件|每个|一件)"
)
_CURRENCY_CODES = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "美元": "USD",
    "dólares": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "欧元": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "r$": "BRL",
    "brl": "BRL",
    "reais": "BRL",
    "¥": "CNY",
    "￥": "CNY",
    "cny": "CNY",
    "rmb": "CNY",
    "元": "CNY",
}
EMAIL = re.compile(r"(?i)(?<![\w.+-])[a-z0-9._%+-]{1,64}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}")
_DIGIT = re.compile(r"\d")
_PHONE_HINT = re.compile(r"\+?\d[\d\s().-]{6,}\d")


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing found in a message: its type, normalised value, span and details."""

    type: str
    value: str
    start: int
    end: int
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            **self.detail,
        }


def _number(raw: str) -> Decimal | None:
    """A decimal from "1,200.50", "1.200,50", "3,20", "2 000"; None when unreadable."""
    text = raw.replace(" ", "").replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = (
            text.replace(",", "") if len(tail) == 3 and head else head.replace(",", "") + "." + tail
        )
    elif text.count(".") > 1 or (text.count(".") == 1 and len(text.rpartition(".")[2]) == 3):
        text = text.replace(".", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in taken)


def extract_entities(text: str, *, default_region: str = "US") -> tuple[Entity, ...]:
    """Every entity found in `text`, in order of position."""
    text = text[:MAX_CHARS]
    if "@" not in text and _DIGIT.search(text) is None:
        return ()  # every entity type needs a digit or an @
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(entity: Entity) -> None:
        found.append(entity)
        taken.append((entity.start, entity.end))

    for m in AMAZON_ORDER.finditer(text):
        add(Entity("order_id", m.group(), m.start(), m.end(), {"format": "amazon"}))
    for m in EBAY_ORDER.finditer(text):
        if _free(taken, m.start(), m.end()):
            add(Entity("order_id", m.group(), m.start(), m.end(), {"format": "ebay"}))
    for m in SHOPIFY_ORDER.finditer(text):
        if _free(taken, m.start(), m.end()):
            add(Entity("order_id", m.group(), m.start(), m.end(), {"format": "shopify"}))
    for m in GENERIC_ORDER.finditer(text):
        if _free(taken, m.start(1), m.end(1)):
            add(Entity("order_id", m.group(1), m.start(1), m.end(1), {"format": "generic"}))
    for m in EMAIL.finditer(text):
        add(Entity("email", m.group().lower(), m.start(), m.end()))
    tracking_context = _TRACKING_WORDS.search(text) is not None
    floor = 0.6 if tracking_context else 0.85
    for m in _TOKEN.finditer(text):
        if not 10 <= len(m.group()) <= 34 or not _DIGIT.search(m.group()):
            continue
        if not _free(taken, m.start(), m.end()):
            continue
        candidates = detect_carriers(m.group(), min_confidence=floor)
        if candidates:
            best = candidates[0]
            add(
                Entity(
                    "tracking_number",
                    m.group().upper(),
                    m.start(),
                    m.end(),
                    {"carrier": best.carrier, "confidence": best.confidence},
                )
            )
    for m in ASIN.finditer(text):
        if _free(taken, m.start(), m.end()):
            add(Entity("sku", m.group(), m.start(), m.end(), {"format": "asin"}))
    for m in SKU.finditer(text):
        if _free(taken, m.start(1), m.end(1)):
            add(Entity("sku", m.group(1).upper(), m.start(1), m.end(1), {"format": "sku"}))
    for m in QUANTITY.finditer(text):
        amount = _number(m.group(1))
        if (
            amount is not None
            and amount == amount.to_integral_value()
            and _free(taken, m.start(), m.end())
        ):
            add(
                Entity(
                    "quantity", str(int(amount)), m.start(), m.end(), {"unit": m.group(2).lower()}
                )
            )
    for m in PRICE.finditer(text):
        raw, cur = (
            (m.group("a1"), m.group("c1")) if m.group("a1") else (m.group("a2"), m.group("c2"))
        )
        amount = _number(raw)
        if amount is None or not _free(taken, m.start(), m.end()):
            continue
        per_unit = _PER_UNIT.match(text, m.end()) is not None
        add(
            Entity(
                "price",
                f"{amount:.2f}",
                m.start(),
                m.end(),
                {"currency": _CURRENCY_CODES.get(cur.lower(), cur.upper()), "per_unit": per_unit},
            )
        )
    if _PHONE_HINT.search(text):
        matcher = phonenumbers.PhoneNumberMatcher(
            text, default_region, leniency=phonenumbers.Leniency.VALID, max_tries=20
        )
        for match in matcher:
            if _free(taken, match.start, match.end):
                number = phonenumbers.format_number(
                    match.number, phonenumbers.PhoneNumberFormat.E164
                )
                add(Entity("phone", number, match.start, match.end))
    return tuple(sorted(found, key=lambda e: (e.start, e.type)))


def reference_candidates(text: str) -> tuple[str, ...]:
    """Tokens that could be a stored tracking number, whatever the carrier's format.

    Runs of letters and digits (dashes inside allowed and removed), 8 to 64 characters with at
    least one digit, upper-cased, first seen first, at most MAX_REFERENCES. The linker looks
    them up among the workspace's own shipments, so a format no carrier pattern knows (the
    demo's `LS…` numbers, a 3PL's own numbers) still links when the number exists.
    """
    out: dict[str, None] = {}
    for m in _DASHED_TOKEN.finditer(text[:MAX_CHARS]):
        token = m.group().replace("-", "").upper()
        if 8 <= len(token) <= 64 and _DIGIT.search(token):
            out.setdefault(token)
            if len(out) == MAX_REFERENCES:
                break
    return tuple(out)
