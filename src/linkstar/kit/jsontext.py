"""`json.dumps` with fixed settings and its C encoder built once.

`json.dumps` builds a new encoder on every call, which is most of its time on the small values
a bulk import serialises by the hundred thousand (JSON columns, content fingerprints, payload
hashes). The text is the same; the one difference is that a circular structure fails with
RecursionError instead of ValueError.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from json import encoder as _encoder
from typing import Any


def _unserialisable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps_with(
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] = (", ", ": "),
    ensure_ascii: bool = True,
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """A function equal to `json.dumps(value, **these settings)`."""
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator (another interpreter): json.dumps itself
        return partial(
            json.dumps,
            sort_keys=sort_keys,
            separators=separators,
            ensure_ascii=ensure_ascii,
            default=default,
        )
    strings = _encoder.encode_basestring_ascii if ensure_ascii else _encoder.encode_basestring
    encode = make(
        None,  # no circular-reference bookkeeping
        default or _unserialisable,
        strings,
        None,  # no indentation
        separators[1],
        separators[0],
        sort_keys,
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )
    return _Dumps(encode)


class _Dumps:
    # An object, not a closure: psycopg (PostgreSQL JSON columns) caches its JSON dumpers by
    # the function's code, and logs a warning for a closure instead of caching it.
    __slots__ = ("_encode",)

    def __init__(self, encode: Callable[[Any, int], Any]) -> None:
        self._encode = encode

    def __call__(self, value: Any) -> str:
        return "".join(self._encode(value, 0))
