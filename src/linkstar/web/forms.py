"""HTML forms → Pydantic models, and errors → messages next to the fields they concern."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from linkstar.kit.errors import LinkStarError

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass
class FormState:
    """What a form shows: the user's input, messages per field, and one for the whole form."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    status: int = 422  # of the response that shows the form again

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.message)

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)


def text_fields(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The named text inputs, stripped; absent ones become empty strings."""
    values: dict[str, str] = {}
    for name in names:
        raw = form.get(name)
        values[name] = raw.strip() if isinstance(raw, str) else ""
    return values


def optional_dates(
    values: Mapping[str, str], names: Iterable[str], state: FormState
) -> dict[str, date | None]:
    """The named YYYY-MM-DD inputs (blank: None); a bad one is an error on its field."""
    days: dict[str, date | None] = {}
    for name in names:
        try:
            days[name] = date.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            days[name] = None
            state.errors[name] = "must be a date (YYYY-MM-DD)"
    return days


async def read_upload(form: FormData, name: str, limit: int) -> tuple[str, bytes] | None:
    """The chosen file's name and at most `limit` + 1 of its bytes (more than `limit` means
    too large), or None when no file was chosen."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.filename, await upload.read(limit + 1)


def checkbox(form: FormData, name: str) -> bool:
    """An HTML checkbox is sent only when ticked."""
    return form.get(name) is not None


def choices(form: FormData, name: str) -> list[str]:
    """All values of a repeated field (a group of checkboxes)."""
    return [v for v in form.getlist(name) if isinstance(v, str)]


def _clean_message(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message[:1].upper() + message[1:]


def field_errors(exc: ValidationError, aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """The first message for each field; `aliases` maps model fields to form inputs."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = err.get("loc", ())
        name = str(loc[0]) if loc else "__all__"
        name = (aliases or {}).get(name, name)
        errors.setdefault(name, _clean_message(str(err.get("msg", "invalid value"))))
    return errors


def parse(
    model: type[ModelT],
    data: Mapping[str, Any],
    state: FormState,
    aliases: Mapping[str, str] | None = None,
) -> ModelT | None:
    """Validate `data` into `model`; on failure fill `state.errors` and return None."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        state.errors.update(field_errors(exc, aliases))
        return None


def service_error(exc: LinkStarError, state: FormState, fields: Iterable[str]) -> None:
    """Place a service error next to its field when the error names one, else above the form."""
    state.status = exc.status
    known = set(fields)
    details = exc.details if isinstance(exc.details, dict) else {}
    name = details.get("field")
    if name is None and len(details) == 1:
        name = next(iter(details))
    if isinstance(name, str) and name in known:
        state.errors[name] = _clean_message(exc.message)
    else:
        state.message = _clean_message(exc.message)
