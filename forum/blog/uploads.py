"""Cover images of guest posts: checked by their first bytes, stored under a random name, and
served so that a browser can only ever show them as the image they are."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import anyio
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from forum.forms import Invalid
from forum.i18n import gettext as _
from forum.settings import settings
from forum.web import not_found

MAX_COVER_BYTES = 2 * 1024 * 1024
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
# Only names this module made: 32 hex digits and one of the extensions above.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:png|jpg|webp|gif)")
SERVED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "inline",
    "Cache-Control": "public, max-age=31536000, immutable",
    # Opened on its own, an image may do nothing: no scripts, no styles, no same origin.
    "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
}


def cover_dir() -> Path:
    return settings.data_dir / "uploads" / "covers"


def image_kind(data: bytes) -> str | None:
    """The image format its magic bytes announce (never the file's name or the browser's word)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


async def store_cover(upload: object) -> str | None:
    """Keep an uploaded cover and return its stored name; None when no file was chosen.
    Raise Invalid (for the `cover` field) when it is not a PNG, JPEG, WebP or GIF of at most
    2 MB."""
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read(MAX_COVER_BYTES + 1)
    if not data and not upload.filename:
        return None  # the file field was left empty
    if len(data) > MAX_COVER_BYTES:
        raise Invalid({"cover": _("The image is larger than 2 MB: choose a smaller one.")})
    kind = image_kind(data)
    if kind is None:
        raise Invalid({"cover": _("Choose a PNG, JPEG, WebP or GIF image.")})
    name = f"{secrets.token_hex(16)}.{kind}"
    await anyio.to_thread.run_sync(_write, cover_dir() / name, data)
    return name


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as file:  # a random name never overwrites another
        file.write(data)


def remove_cover(name: str) -> None:
    """Remove a cover stored a moment ago that nothing came to use."""
    if STORED_NAME.fullmatch(name):
        (cover_dir() / name).unlink(missing_ok=True)


async def serve_cover(request: Request) -> Response:
    name = request.path_params["name"]
    if not STORED_NAME.fullmatch(name):
        raise not_found()
    path = cover_dir() / name
    if not path.is_file():
        raise not_found()
    media_type = MEDIA_TYPES[name.rsplit(".", 1)[1]]
    return FileResponse(path, media_type=media_type, headers=SERVED_HEADERS)


routes = [Route("/uploads/covers/{name}", serve_cover)]
