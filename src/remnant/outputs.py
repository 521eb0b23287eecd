"""Writing outputs safely: no file replaced unless asked, no half-written file left behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["refuse_existing", "written_beside"]


def refuse_existing(*paths, overwrite: bool) -> None:
    """Refuse, before any work, to replace an existing output unless ``overwrite``.

    ``None`` paths (outputs not asked for) are skipped.

    >>> refuse_existing(None, "/", overwrite=True)
    >>> refuse_existing("/", overwrite=False)
    Traceback (most recent call last):
    remnant.errors.InputError: /: exists; pass overwrite=True to replace it
    """
    for path in paths:
        if path is not None and Path(path).exists() and not overwrite:
            raise InputError(
                N_("exists; pass {option} to replace it"), file=path, option="overwrite"
            )


@contextmanager
def written_beside(path: str | Path) -> Iterator[Path]:
    r"""A temporary folder beside ``path``; what is made there moves into place on success.

    Readers never see half a file: each file is renamed into ``path``'s folder only once
    the block has finished; after an error nothing is moved and the folder is removed.

    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with written_beside(out) as folder:
    ...     _ = (folder / out.name).write_text("id\n")
    >>> out.read_text()
    'id\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".remnant-") as tmp:
        yield Path(tmp)
        for produced in Path(tmp).iterdir():
            os.replace(produced, path.parent / produced.name)
