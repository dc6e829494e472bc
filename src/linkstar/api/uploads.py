"""Multipart uploads of the API: one file plus a few text fields, read once.

The form is read here rather than by FastAPI so that the idempotency check, which reads the raw
body first, and the form share one buffered body.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from linkstar.kit.errors import InvalidInput


async def read_file_form(request: Request, what: str) -> tuple[str, bytes, FormData]:
    """(file name, file bytes, the whole form); `what` names the file in the error."""
    try:
        form = await request.form(max_files=1, max_fields=10)
    except MultiPartException as exc:
        raise InvalidInput(f"malformed multipart body: {exc.message}") from None
    upload = form.get("file")
    if not isinstance(upload, StarletteUpload):
        raise InvalidInput(f"send {what} as a file in the `file` field", {"field": "file"})
    return upload.filename or "upload", await upload.read(), form


def upload_body(file_description: str, **fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of a multipart upload: the `file` plus optional text fields."""
    file = {"type": "string", "format": "binary", "description": file_description}
    schema = {"type": "object", "required": ["file"], "properties": {"file": file, **fields}}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
