"""How hazard maps are coloured: alike on the PNG map, in the report, on tiles and in QGIS."""

from __future__ import annotations

from xml.etree import ElementTree as ET

__all__ = ["COLOURMAP", "FLOOR", "RAMP", "hazard_norm", "hazard_scale", "hazard_style"]

COLOURMAP = "magma_r"  # light for few expected items, dark for many; readable in grey
DECADES = 4  # the log scale spans four decades below the largest value
FLOOR = 1e-4  # expected items per cell below which a cell is left uncoloured
# COLOURMAP at 0, 1/8, …, 1: the QGIS style's stops, evenly spaced on the log scale.
# Written out so that a hazard command need not load matplotlib for nine colours;
# tests/test_mapstyle.py checks them against matplotlib's colour map.
RAMP: tuple[str, ...] = (
    *("#fcfdbf", "#fec287", "#fb8761", "#e55064", "#b5367a"),
    *("#812581", "#4f127b", "#1c1044", "#000004"),
)


def hazard_scale(largest: float) -> tuple[float, float]:
    """The ends (vmin, vmax) of the log colour scale for a map whose largest cell is ``largest``.

    >>> hazard_scale(2.0), hazard_scale(0.0)  # an empty map still gets a scale
    ((0.0002, 2.0), (0.0001, 0.001))
    """
    vmax = max(float(largest), 1e-3)
    return max(vmax / 10**DECADES, FLOOR), vmax


def hazard_norm(largest: float):
    """The log colour scale (matplotlib) of :func:`hazard_scale`.

    >>> norm = hazard_norm(2.0)
    >>> norm.vmin, norm.vmax
    (0.0002, 2.0)
    """
    from matplotlib.colors import LogNorm

    vmin, vmax = hazard_scale(largest)
    return LogNorm(vmin=vmin, vmax=vmax, clip=True)


def hazard_style(largest: float) -> str:
    """A QGIS style (QML) for a hazard COG: the log colour ramp of the PNG map and tiles.

    Cells below the ramp's floor are transparent, as on the web map.

    >>> qml = hazard_style(2.0)
    >>> 'type="singlebandpseudocolor"' in qml, qml.count("<item ")
    (True, 9)
    """
    vmin, vmax = hazard_scale(largest)
    root = ET.Element("qgis", {"styleCategories": "Symbology"})
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        {
            "type": "singlebandpseudocolor",
            "band": "1",
            "opacity": "0.8",
            "alphaBand": "-1",
            "classificationMin": repr(vmin),
            "classificationMax": repr(vmax),
            "nodataColor": "",
        },
    )
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update({"colorRampType": "INTERPOLATED", "classificationMode": "1", "clip": "0"})
    for k, colour in enumerate(RAMP):
        value = vmin * (vmax / vmin) ** (k / (len(RAMP) - 1))
        ET.SubElement(
            shader,
            "item",
            {
                "value": repr(value),
                "label": f"{value:.2g}",
                "color": colour,
                "alpha": "0" if k == 0 else "255",
            },
        )
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )
