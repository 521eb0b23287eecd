"""The report as PDF, laid out on A4 pages with matplotlib's PDF backend.

Same content as the HTML (one :class:`~remnant.report.content.Report` feeds both); no
HTML engine and no network needed. Text flows down the page; a table longer than what is
left of a page continues on the next. Text is shaped by the libraqm in matplotlib, with
the fonts of :mod:`remnant.report.figures` embedded; a report in a language written right
to left runs from the right margin, its tables' columns mirrored.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

from remnant.report.content import Report, Table
from remnant.report.figures import Figure, fonts
from remnant.translate import _, direction, drafts, language

__all__ = ["write_pdf"]

PAGE = (8.27, 11.69)  # A4, inches
MARGIN = 0.7
ROW = 0.21  # inches per table row
LINE = 0.2  # inches per line of text
WRAP = 95  # characters per line of body text


class _Pages:
    """A cursor over A4 pages: ``need`` inches of height, starting a page when out of room."""

    def __init__(self, pdf, plt, rtl: bool):
        self.pdf, self.plt, self.rtl = pdf, plt, rtl
        self.fig: Any = None
        self.y = 0.0

    def need(self, height: float) -> None:
        if self.fig is None or self.y - height < MARGIN:
            self.flush()
            self.fig = self.plt.figure(figsize=PAGE)
            self.y = PAGE[1] - MARGIN

    def text(self, text: str, size: float = 9, weight: str = "normal", colour="black") -> None:
        for line in textwrap.wrap(text, int(WRAP * 9 / size)) or [""]:
            self.need(LINE * size / 9)
            self.fig.text(
                (PAGE[0] - MARGIN if self.rtl else MARGIN) / PAGE[0],
                self.y / PAGE[1],
                line,
                fontsize=size,
                weight=weight,
                color=colour,
                va="top",
                ha="right" if self.rtl else "left",
            )
            self.y -= LINE * size / 9 * 1.15

    def table(self, t: Table) -> None:
        with language(t.lang):
            empty = _("no records")
        header, cells = t.header(), t.cells() or [[empty]]
        if self.rtl:  # columns run from the right
            header, cells = header[::-1], [row[::-1] for row in cells]
        if len(header) > 7:  # a wide table: its names word by word on lines of their own
            header = [textwrap.fill(h, 9, break_long_words=False) for h in header]
        lines = max(h.count("\n") + 1 for h in header)
        start = 0
        while start < len(cells):
            self.need(ROW * 3)
            rows = max(1, min(len(cells) - start, int((self.y - MARGIN) / ROW) - 1))
            chunk = cells[start : start + rows]
            height = ROW * (len(chunk) + lines)
            ax = self.fig.add_axes(
                [
                    MARGIN / PAGE[0],
                    (self.y - height) / PAGE[1],
                    (PAGE[0] - 2 * MARGIN) / PAGE[0],
                    height / PAGE[1],
                ]
            )
            ax.axis("off")
            width = len(header)
            if self.rtl:
                chunk = [[""] * (width - len(row)) + row for row in chunk]
            else:
                chunk = [row + [""] * (width - len(row)) for row in chunk]
            table = ax.table(
                cellText=chunk,
                colLabels=header,
                loc="upper left",
                cellLoc="right" if self.rtl else "left",
            )
            table.auto_set_font_size(False)
            table.set_fontsize(6.5 if width > 7 else 7.5)
            for (r, _column), cell in table.get_celld().items():
                cell.set_height((lines if r == 0 else 1) / (len(chunk) + lines))
                cell.set_linewidth(0.3)
                if r == 0:
                    cell.set_facecolor("#eeeeee")
            self.y -= height + 0.1
            start += rows

    def image(self, f: Figure) -> None:
        import matplotlib.image as mpimg

        picture = mpimg.imread(io.BytesIO(f.png), format="png")
        h, w = picture.shape[:2]
        width = PAGE[0] - 2 * MARGIN
        height = min(width * h / w, PAGE[1] - 2 * MARGIN - 0.5)
        width = height * w / h
        self.need(height)
        ax = self.fig.add_axes(
            [MARGIN / PAGE[0], (self.y - height) / PAGE[1], width / PAGE[0], height / PAGE[1]]
        )
        ax.imshow(picture)
        ax.axis("off")
        self.y -= height + 0.1

    def flush(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.plt.close(self.fig)
            self.fig = None


def write_pdf(report: Report, path: str | Path) -> Path:
    """Lay the report out on A4 pages and write it to ``path``, in the report's language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    metadata = {"Title": report.title, "Creator": "remnant"}
    with language(report.lang), fonts(), PdfPages(path, metadata=metadata) as pdf:
        pages = _Pages(pdf, plt, direction(report.lang) == "rtl")
        pages.text(report.title, size=15, weight="bold")
        pages.text(report.subtitle, size=9, colour="#555555")
        if report.synthetic:
            pages.text(
                _("SYNTHETIC DATA.")
                + " "
                + _(
                    "The records behind this report were generated by remnant's demo; "
                    "they describe no real place or event."
                ),
                weight="bold",
                colour="#8a6d00",
            )
        if report.lang.split("-")[0] in drafts():
            pages.text(
                _("Translation: machine draft, not yet reviewed by a native speaker."),
                colour="#4a6fb5",
            )
        for section in report.sections:
            pages.need(1.5)  # no section title alone at the foot of a page
            pages.y -= 0.15
            pages.text(section.title, size=12.5, weight="bold", colour="#8c2d04")
            for paragraph in section.text:
                pages.text(paragraph)
            for block in section.blocks:
                if isinstance(block, Table):
                    pages.need(LINE + ROW * 3)  # a table's title stays with its first rows
                    pages.text(block.title, size=9.5, weight="bold")
                    pages.table(block)
                    if block.note:
                        pages.text(block.note, size=7.5, colour="#666666")
                else:
                    pages.image(block)
        pages.flush()
    return path
