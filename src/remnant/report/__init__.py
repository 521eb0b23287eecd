"""Reports in the manner of the Landmine / Cluster Munition Monitor and CCM Article 7.

:func:`write_report` computes the content once (:mod:`remnant.report.content`) and writes
it as a self-contained HTML file and, if asked, a PDF of the same content.
"""

from __future__ import annotations

from pathlib import Path

from remnant.report.content import Report, build_report
from remnant.report.html import render_html
from remnant.report.pdf import write_pdf
from remnant.store import Store

__all__ = ["Report", "build_report", "render_html", "write_pdf", "write_report"]


def write_report(
    store: Store,
    out: str | Path,
    *,
    pdf: str | Path | None = None,
    year: int | None = None,
    hazard: str | Path | None = None,
    fit=None,
    overwrite: bool = False,
    lang: str = "en",
    second: str | None = None,
) -> Report:
    """Write the report on ``store`` to ``out`` (HTML) and ``pdf``; return its content.

    ``lang`` is the report's language (``uk``, ``ar``, ``ar-IQ`` …); with ``second``, the
    HTML carries a second language under the first (the PDF stays in ``lang``).
    """
    import contextlib

    from remnant.errors import ModelError
    from remnant.mapping import fit_store
    from remnant.outputs import refuse_existing
    from remnant.translate import language

    refuse_existing(out, pdf, overwrite=overwrite)
    if second and fit is None:  # fitted once for both languages
        with contextlib.suppress(ModelError):  # each report then says why it has none
            fit = fit_store(store)
    with language(lang):
        report = build_report(store, year=year, hazard=hazard, fit=fit)
    other = None
    if second:
        with language(second):
            other = build_report(store, year=year, hazard=hazard, fit=fit)
    Path(out).write_text(render_html(report, other), "utf-8")
    if pdf:
        write_pdf(report, pdf)
    return report
