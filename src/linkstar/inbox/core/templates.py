"""Reply templates: sandboxed Jinja2 with buyer, order and shipment variables, per language.

Templates run in jinja2.sandbox.ImmutableSandboxedEnvironment: no access to dunder or private
attributes, no mutation of the variables, bounded output. HTML templates autoescape every
variable; plain-text templates do not (the compliance lint refuses markup on plain-text
channels). Undefined variables are errors (StrictUndefined), syntax errors come back as
TemplateProblem with the line number. Nothing here raises anything but TemplateProblem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from linkstar.kit.errors import InvalidInput

MAX_SOURCE = 50_000  # characters of template source
MAX_OUTPUT = 200_000  # characters of rendered output
LANGUAGES = ("en", "es", "de", "fr", "pt", "zh")


class Mode(StrEnum):
    html = "html"
    text = "text"


class TemplateProblem(InvalidInput):
    """A template that cannot be compiled or rendered; the message says where and why."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class ReplyTemplate:
    """One template: a name, its language, its mode and its Jinja2 source."""

    name: str
    language: str
    body: str
    subject: str = ""
    mode: Mode = Mode.text


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    language: str


MAX_EXPONENT = 64
MAX_REPEAT = 10_000


class _Env(ImmutableSandboxedEnvironment):
    # Operators that can make huge values in one step are checked before they run.
    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if not isinstance(right, int | float) or abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right!r} is too large (at most {MAX_EXPONENT})")
            return left**right
        if isinstance(left, str | list | tuple) or isinstance(right, str | list | tuple):
            count = right if isinstance(left, str | list | tuple) else left
            if isinstance(count, int) and count > MAX_REPEAT:
                raise SecurityError(
                    f"repeating {count:,} times is too many (at most {MAX_REPEAT:,})"
                )
        return left * right

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_"):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))


@lru_cache(maxsize=2)
def _environment(mode: Mode) -> _Env:
    env = _Env(
        autoescape=mode is Mode.html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["money"] = _money
    return env


def _money(value: Any, currency: str = "") -> str:
    try:
        amount = f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)
    return f"{amount} {currency}".strip()


def check(template: ReplyTemplate) -> None:
    """Compile subject and body; TemplateProblem with the line number when they do not."""
    _compile(template.subject, template.mode, "subject")
    _compile(template.body, template.mode, "body")


def _compile(source: str, mode: Mode, part: str) -> Any:
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(f"the {part} has {len(source):,} characters; at most {MAX_SOURCE:,}")
    try:
        return _environment(mode).from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"{part}: syntax error: {exc.message}", exc.lineno) from None
    except (TemplateError, RecursionError, MemoryError) as exc:
        raise TemplateProblem(f"{part}: cannot compile: {exc}") from None


def render(template: ReplyTemplate, variables: Mapping[str, Any]) -> Rendered:
    """Render subject and body with `variables`; TemplateProblem for any failure."""
    return Rendered(
        _render(template.subject, template.mode, "subject", variables),
        _render(template.body, template.mode, "body", variables),
        template.language,
    )


def _render(source: str, mode: Mode, part: str, variables: Mapping[str, Any]) -> str:
    compiled = _compile(source, mode, part)
    try:
        pieces: list[str] = []
        size = 0
        for chunk in compiled.generate(dict(variables)):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateProblem(f"{part}: the output exceeds {MAX_OUTPUT:,} characters")
            pieces.append(chunk)
        return "".join(pieces)
    except TemplateProblem:
        raise
    except UndefinedError as exc:
        raise TemplateProblem(f"{part}: undefined variable: {exc.message}", _line(exc)) from None
    except SecurityError as exc:
        raise TemplateProblem(f"{part}: not allowed in a template: {exc}") from None
    except TemplateError as exc:
        raise TemplateProblem(f"{part}: {exc}", _line(exc)) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise TemplateProblem(f"{part}: {type(exc).__name__}: {exc}", _line(exc)) from None
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise TemplateProblem(f"{part}: too expensive to render ({type(exc).__name__})") from None


def _line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def sample_variables(language: str = "en") -> dict[str, Any]:
    """Realistic preview variables: buyer, order and shipment (with tracking status and ETA)."""
    names = {
        "en": "Emily Carter",
        "es": "Lucía Fernández",
        "de": "Jonas Becker",
        "fr": "Camille Martin",
        "pt": "Ana Souza",
        "zh": "王芳",
    }
    eta = date(2026, 12, 9)
    return {
        "buyer": {
            "name": names.get(language, names["en"]),
            "first_name": names.get(language, names["en"]).split()[0],
            "language": language,
            "email": "buyer@example.com",
        },
        "order": {
            "id": "112-3456789-1234567",
            "channel": "amazon",
            "placed_at": (eta - timedelta(days=7)).isoformat(),
            "total": "42.90",
            "currency": "USD",
            "lines": [
                {
                    "sku": "MUG-CER-350",
                    "title": "Ceramic mug 350 ml",
                    "quantity": 2,
                    "price": "12.95",
                },
                {"sku": "TEA-SET-01", "title": "Tea infuser set", "quantity": 1, "price": "17.00"},
            ],
        },
        "shipment": {
            "carrier": "UPS",
            "service": "Ground",
            "tracking_number": "1Z5R89390357567127",
            "tracking_url": "https://www.ups.com/track?tracknum=1Z5R89390357567127",
            "status": "in_transit",
            "status_text": "In transit",
            "eta": eta.isoformat(),
        },
        "seller": {"name": "LinkStar Demo Store"},
    }


def preview(template: ReplyTemplate, variables: Mapping[str, Any] | None = None) -> Rendered:
    """Render with sample variables (overridden by any given) to show before saving."""
    merged = sample_variables(template.language)
    merged.update(variables or {})
    return render(template, merged)
