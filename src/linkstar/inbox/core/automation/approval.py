"""Approval policy as data: does an outbound reply need a human to approve it, and why.

Reasons: a refund above the workspace's limit (the amount the reply offers, else the price the
buyer names, else the order total), legal-threat words in the buyer's message or the reply (in
the six inbox languages and more), an angry (negative and urgent) high-value buyer, and the
first reply to a B2B lead (bulk / OEM inquiry or price negotiation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated

from babel.numbers import get_currency_precision
from pydantic import BaseModel, ConfigDict, Field

from linkstar.inbox.core.entities import Entity

DEFAULT_LEGAL_WORDS = (
    # English
    "lawyer", "attorney", "lawsuit", "sue you", "court", "legal action", "chargeback",
    "small claims", "trading standards", "consumer protection",
    # German
    "anwalt", "rechtsanwalt", "klage", "verklagen", "gericht", "rückbuchung",
    "verbraucherzentrale",
    # Spanish
    "abogado", "demanda", "denuncia", "tribunal", "contracargo", "acciones legales",
    # French
    "avocat", "procès", "poursuites", "tribunal", "plainte", "action en justice",
    "rétrofacturation",
    # Portuguese
    "advogado", "processo judicial", "processar", "procon", "estorno",
    # Chinese
    "律师", "起诉", "法院", "诉讼", "投诉", "拒付",
)  # fmt: skip
REFUND_WORDS = (
    "refund", "money back", "reimburse", "erstattung", "erstatten", "rückerstattung", "geld zurück",
    "reembolso", "reembolsar", "devolución del dinero", "remboursement", "rembourser",
    "estorno", "reembolso", "退款", "退钱",
)  # fmt: skip
REFUND_INTENTS = ("refund_request", "return_request", "cancel_order")
LEAD_INTENTS = ("bulk_or_oem_inquiry", "price_negotiation")


class ApprovalPolicy(BaseModel):
    """What makes a reply wait for approval; amounts are minor units per currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    refund_limits: dict[
        Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Annotated[int, Field(ge=0)]
    ] = {"USD": 5000, "EUR": 5000, "GBP": 4000}
    legal_words: list[Annotated[str, Field(min_length=2, max_length=60)]] = list(
        DEFAULT_LEGAL_WORDS
    )
    high_value_buyer: dict[
        Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Annotated[int, Field(ge=0)]
    ] = {"USD": 50000, "EUR": 50000, "GBP": 40000}
    lead_intents: list[str] = list(LEAD_INTENTS)
    first_lead_reply: bool = True
    angry_high_value: bool = True


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What the policy looks at: the inbound message's understanding and the draft reply."""

    reply_text: str
    inbound_text: str = ""
    intent: str | None = None
    sentiment: str | None = None
    urgency: str | None = None
    prices: tuple[Money, ...] = ()  # prices the buyer named (entities)
    refund_offered: Money | None = None
    order_total: Money | None = None
    buyer_lifetime_value: Money | None = None
    first_reply: bool = False


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # refund_above_limit | legal_threat | angry_high_value_buyer | first_lead_reply
    detail: str


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    required: bool
    reasons: tuple[Reason, ...]


def money_from_entities(entities: Iterable[Entity]) -> tuple[Money, ...]:
    """The `price` entities of a message as integer minor units."""
    out = []
    for e in entities:
        currency = e.detail.get("currency")
        if e.type != "price" or not isinstance(currency, str) or len(currency) != 3:
            continue
        try:
            value = Decimal(e.value)
        except InvalidOperation:
            continue
        out.append(Money(int(value.scaleb(get_currency_precision(currency))), currency))
    return tuple(out)


@lru_cache(maxsize=64)
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    # Latin words need word boundaries ("sue" is not "issue"); CJK words have no spaces.
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        escaped = re.escape(w.casefold())
        cjk = any("\u3040" <= ch <= "\u9fff" for ch in w)
        parts.append(escaped if cjk else rf"\b{escaped}\b")
    return re.compile("|".join(parts))


def _found(words: Sequence[str], *texts: str) -> list[str]:
    pattern = _words(tuple(words))
    hits: list[str] = []
    for text in texts:
        for m in pattern.finditer(text.casefold()):
            if m.group() not in hits:
                hits.append(m.group())
    return hits


def _refund_amount(ctx: ReplyContext) -> Money | None:
    if ctx.refund_offered is not None:
        return ctx.refund_offered
    if ctx.prices:
        return max(ctx.prices, key=lambda m: m.amount)
    return ctx.order_total


def _above(money: Money, limits: dict[str, int]) -> bool:
    limit = limits.get(money.currency)
    return limit is not None and money.amount > limit


def _fmt(money: Money) -> str:
    digits = get_currency_precision(money.currency)
    return f"{Decimal(money.amount).scaleb(-digits):.{digits}f} {money.currency}"


def needs_approval(ctx: ReplyContext, policy: ApprovalPolicy | None = None) -> ApprovalDecision:
    """Whether the reply must wait in the approval queue, with every reason that applies."""
    p = policy or ApprovalPolicy()
    reasons: list[Reason] = []
    about_refund = (
        ctx.refund_offered is not None
        or ctx.intent in REFUND_INTENTS
        or bool(_found(REFUND_WORDS, ctx.reply_text))
    )
    amount = _refund_amount(ctx) if about_refund else None
    if amount is not None and _above(amount, p.refund_limits):
        limit = Money(p.refund_limits[amount.currency], amount.currency)
        reasons.append(
            Reason("refund_above_limit", f"refund of {_fmt(amount)} above {_fmt(limit)}")
        )
    legal = _found(p.legal_words, ctx.inbound_text, ctx.reply_text)
    if legal:
        reasons.append(Reason("legal_threat", "legal-threat words: " + ", ".join(legal)))
    ltv = ctx.buyer_lifetime_value
    if (
        p.angry_high_value
        and ctx.sentiment == "negative"
        and ctx.urgency == "high"
        and ltv is not None
        and p.high_value_buyer.get(ltv.currency) is not None
        and ltv.amount >= p.high_value_buyer[ltv.currency]
    ):
        reasons.append(
            Reason("angry_high_value_buyer", f"negative, urgent buyer worth {_fmt(ltv)}")
        )
    if p.first_lead_reply and ctx.first_reply and ctx.intent in p.lead_intents:
        reasons.append(Reason("first_lead_reply", f"first reply to a {ctx.intent} lead"))
    return ApprovalDecision(bool(reasons), tuple(reasons))
