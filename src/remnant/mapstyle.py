"""How hazard maps are coloured: alike on the PNG map, in the report, on tiles and in QGIS."""

from __future__ import annotations

from xml.etree import ElementTree as ET

__all__ = ["COLOURMAP", "FLOOR", "hazard_norm", "hazard_style"]

COLOURMAP = "magma_r"  # light for few expected items, dark for many; readable in grey
DECADES = 4  # the log scale spans four decades below the largest value
FLOOR = 1e-4  # expected items per cell below which a cell is left uncoloured


def hazard_norm(largest: float):
    """The log colour scale for a map whose largest cell holds ``largest`` expected items.

    >>> norm = hazard_norm(2.0)
    >>> norm.vmin, norm.vmax
    (0.0002, 2.0)
    >>> hazard_norm(0.0).vmin  # an empty map still gets a scale
    0.0001
    """
    from matplotlib.colors import LogNorm

    vmax = max(float(largest), 1e-3)
    return LogNorm(vmin=max(vmax / 10**DECADES, FLOOR), vmax=vmax, clip=True)


def hazard_style(largest: float, stops: int = 9) -> str:
    """A QGIS style (QML) for a hazard COG: the log colour ramp of the PNG map and tiles.

    Cells below the ramp's floor are transparent, as on the web map.

    >>> qml = hazard_style(2.0)
    >>> 'type="singlebandpseudocolor"' in qml, qml.count("<item ")
    (True, 9)
    """
    import matplotlib

    norm = hazard_norm(largest)
    ramp = matplotlib.colormaps[COLOURMAP]
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
            "classificationMin": repr(norm.vmin),
            "classificationMax": repr(norm.vmax),
            "nodataColor": "",
        },
    )
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update({"colorRampType": "INTERPOLATED", "classificationMode": "1", "clip": "0"})
    for k in range(stops):
        value = norm.vmin * (norm.vmax / norm.vmin) ** (k / (stops - 1))
        r, g, b, _ = (round(255 * c) for c in ramp(float(norm(value))))
        ET.SubElement(
            shader,
            "item",
            {
                "value": repr(value),
                "label": f"{value:.2g}",
                "color": f"#{r:02x}{g:02x}{b:02x}",
                "alpha": "0" if k == 0 else "255",
            },
        )
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )
