"""What a file must be to be attached to a record: its type read from its content, its size.

Photos, sketch maps and completion certificates travel with the records they document
(docs/attachments.md). Every door (the CLI, the API, a library call, an import of an
exported folder) checks a file with :func:`inspect` before the store keeps it; the limits
and types are in ``attachments.toml``.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath, PureWindowsPath

from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["Inspected", "Rules", "inspect", "rules"]

# Pillow's names for the image formats attachments.toml may allow.
_PILLOW_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff"}
_PDF_MAGIC = b"%PDF-"  # ISO 32000-1, 7.5.2: the first line of every PDF file


@dataclass(frozen=True)
class Rules:
    """The largest file, the media types allowed (with their file name endings), the kinds."""

    max_bytes: int
    types: dict[str, tuple[str, ...]]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Inspected:
    """A file that passed: its name, media type, size in bytes and SHA-256 (hex)."""

    name: str
    media_type: str
    size: int
    sha256: str


def rules() -> Rules:
    """The rules of ``attachments.toml``.

    >>> r = rules()
    >>> r.max_bytes, sorted(r.types), r.kinds[0]
    (10485760, ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'], 'photo')
    """
    text = resources.files("remnant").joinpath("attachments.toml").read_text("utf-8")
    data = tomllib.loads(text)
    types = {media: tuple(ends) for media, ends in data["types"].items()}
    return Rules(int(data["max_bytes"]), types, tuple(data["kinds"]))


def inspect(name: str, data: bytes, the_rules: Rules | None = None) -> Inspected:
    """Check a file offered as an attachment; raise :class:`InputError` saying what is wrong.

    The name must be a plain file name (no folder, no control characters) ending as its
    type does; the content must be a whole file of an allowed type and no larger than the
    limit.

    Examples
    --------
    >>> from PIL import Image
    >>> png = io.BytesIO(); Image.new("RGB", (4, 3)).save(png, "PNG")
    >>> found = inspect("site.png", png.getvalue())
    >>> found.media_type, found.size, len(found.sha256)
    ('image/png', 69, 64)
    >>> inspect("site.pdf", png.getvalue())
    Traceback (most recent call last):
    ...
    remnant.errors.InputError: site.pdf: the file is image/png, so its name must end .png
    >>> inspect("../../etc/site.png", png.getvalue())
    Traceback (most recent call last):
    ...
    remnant.errors.InputError: '../../etc/site.png': give a file name without a folder
    >>> inspect("notes.png", b"hello")
    Traceback (most recent call last):
    ...
    remnant.errors.InputError: notes.png: not a JPEG, PNG, TIFF or PDF file (read from its content)
    """
    the_rules = the_rules or rules()
    _check_name(name)
    if not data:
        raise InputError(N_("{name}: the file is empty"), name=name)
    if len(data) > the_rules.max_bytes:
        raise InputError(
            N_("{name}: {n_data:,} bytes, over the limit of {max_bytes:,} (attachments.toml)"),
            name=name,
            n_data=len(data),
            max_bytes=the_rules.max_bytes,
        )
    media = _media_type(name, data)
    if media not in the_rules.types:
        allowed = ", ".join(sorted(the_rules.types))
        raise InputError(
            N_("{name}: files of type {media} are not taken (allowed: {allowed})"),
            name=name,
            media=media,
            allowed=allowed,
        )
    endings = the_rules.types[media]
    if not name.lower().endswith(endings):
        raise InputError(
            N_("{name}: the file is {media}, so its name must end {endings}"),
            name=name,
            media=media,
            endings=endings[0],
        )
    return Inspected(name, media, len(data), hashlib.sha256(data).hexdigest())


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InputError(N_("an attachment needs a file name"))
    plain = PurePosixPath(name).name == name and PureWindowsPath(name).name == name
    if not plain or name in (".", ".."):
        raise InputError(N_("{name!r}: give a file name without a folder"), name=name)
    if any(unicodedata.category(c).startswith("C") for c in name) or len(name) > 200:
        raise InputError(N_("{name!r}: a file name of at most 200 printable characters"), name=name)


def _media_type(name: str, data: bytes) -> str:
    """The media type the content shows, refusing what is no whole file of a known type."""
    if data.startswith(_PDF_MAGIC):
        if b"%%EOF" not in data[-1024:]:
            raise InputError(
                N_("{name}: a PDF that does not end as one does (cut short?)"), name=name
            )
        return "application/pdf"
    from PIL import Image, UnidentifiedImageError

    kind = "image"
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or kind
            image.load()  # decodes every pixel: a cut or damaged image fails here
    except UnidentifiedImageError:
        raise InputError(
            N_("{name}: not a JPEG, PNG, TIFF or PDF file (read from its content)"), name=name
        ) from None
    except Image.DecompressionBombError:
        raise InputError(
            N_("{name}: an image of too many pixels to open safely"), name=name
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(
            N_("{name}: a damaged {kind} image ({exc})"), name=name, kind=kind, exc=exc
        ) from None
    if kind not in _PILLOW_TYPES:
        raise InputError(
            N_("{name}: a {kind} image; take a JPEG, PNG or TIFF"), name=name, kind=kind
        )
    return _PILLOW_TYPES[kind]
