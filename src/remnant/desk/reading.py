"""The text of a report: plain text, an HTML article or a PDF's text layer.

HTML goes through ``trafilatura`` (the article without menus, adverts and comments), a PDF
through ``pypdf`` (its text layer: a scanned page without one has no text, and says so).
A folder stands for every report in it. Anything else is refused with one line naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["KINDS", "MAX_BYTES", "Document", "documents", "read_document", "sentences"]

KINDS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html"}
KINDS |= {".pdf": "pdf"}
MAX_BYTES = 20 * 2**20  # a report larger than this is not an article (judgement)
# A sentence ends at . ! ? or a line break, before a capital letter, digit or quote;
# "Mr." and single initials ("J. Smith") do not end one.
_END = re.compile(
    r"(?<!\b[A-ZА-ЯІЇЄҐ])(?<!\bMr)(?<!\bDr)(?<!\bSt)([.!?…])\s+(?=[\"“«(]?[A-ZА-ЯІЇЄҐ0-9])"
)


@dataclass(frozen=True)
class Document:
    """One report: where it came from, its title, its text and its publication day.

    The day is known where the report says it (an HTML page's metadata).
    """

    path: Path
    title: str
    text: str
    published: dt.date | None = None


def documents(paths) -> list[Document]:
    """The reports at ``paths`` (files, or folders of them), each read once, in name order.

    Raises
    ------
    InputError
        For a missing path, a file of another kind, an empty or unreadable report.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix.lower() in KINDS and f.is_file())
        else:
            files.append(p)
    return [read_document(f) for f in files]


def read_document(path) -> Document:
    r"""Read one report.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> _ = p.write_text("Strike reported\n\nCluster rockets hit the town.", "utf-8")
    >>> read_document(p).title, read_document(p).text.strip()
    ('Strike reported', 'Cluster rockets hit the town.')
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(N_("{path}: no such file"), path=path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            N_("{path}: not a report remnant reads (plain text, HTML or PDF: {kinds})"),
            path=path,
            kinds=", ".join(sorted(KINDS)),
        )
    if path.stat().st_size > MAX_BYTES:
        raise InputError(
            N_("{path}: larger than {limit} MiB, not read"),
            path=path,
            limit=MAX_BYTES >> 20,
        )
    data = path.read_bytes()
    published = None
    if kind == "pdf":
        title, text = _pdf(path, data)
    elif kind == "html":
        title, text, published = _html(path, data)
    else:
        text = _decoded(path, data).strip()
        title, _, rest = text.partition("\n")
        text = rest if rest.strip() else text
    title = title.strip()
    if title and text.lstrip().startswith(title):  # a headline sums up; it is not an event
        text = text.lstrip()[len(title) :]
    if not text.strip():
        if kind == "pdf":
            raise InputError(N_("{path}: no text in it (a scan without a text layer?)"), path=path)
        raise InputError(N_("{path}: no text in it"), path=path)
    return Document(path, title, text, published)


def _decoded(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InputError(N_("{path}: binary data, not text"), path=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise InputError(
                N_("{path}: not text in any encoding remnant recognises"), path=path
            ) from None
        return str(best)


def _html(path: Path, data: bytes) -> tuple[str, str, dt.date | None]:
    import trafilatura

    html = _decoded(path, data)
    text = trafilatura.extract(html, include_comments=False, include_tables=False)
    meta = trafilatura.extract_metadata(html)
    title = (meta.title if meta is not None and meta.title else "") or ""
    day = None
    if meta is not None and meta.date:
        try:
            day = dt.date.fromisoformat(str(meta.date)[:10])
        except ValueError:
            day = None
    return title, text or "", day


def _pdf(path: Path, data: bytes) -> tuple[str, str]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = str(meta.get("/Title") or "") if meta is not None else ""
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InputError(
            N_("{path}: not a PDF remnant can read ({exc})"), path=path, exc=exc
        ) from None
    return title, "\n\n".join(pages)


def sentences(text: str) -> list[str]:
    r"""The sentences of ``text``: split at ., !, ? before a capital, and at blank lines.

    >>> sentences("On 3 May Mr. Ivanenko was injured. A child died.\n\nUnexploded bomblets")
    ['On 3 May Mr. Ivanenko was injured.', 'A child died.', 'Unexploded bomblets']
    """
    out = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        if block:
            out += [s.strip() for s in _END.sub(r"\1\n", block).split("\n") if s.strip()]
    return out
