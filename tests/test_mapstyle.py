"""The QGIS style's colours are the colour map the PNG, report and tiles draw with."""

import matplotlib
import numpy as np

from remnant.mapstyle import COLOURMAP, RAMP, hazard_norm, hazard_scale, hazard_style


def test_ramp_is_the_colour_map_at_even_steps_of_the_log_scale():
    ramp = matplotlib.colormaps[COLOURMAP]
    drawn = [matplotlib.colors.to_hex(ramp(k / (len(RAMP) - 1))) for k in range(len(RAMP))]
    assert list(RAMP) == drawn


def test_style_stops_sit_where_the_norm_puts_the_ramp_colours():
    for largest in (0.0, 0.37, 2.0, 5e4):
        norm, (vmin, vmax) = hazard_norm(largest), hazard_scale(largest)
        assert (norm.vmin, norm.vmax) == (vmin, vmax)
        qml = hazard_style(largest)
        values = [float(v) for v in qml.split('value="')[1:] for v in [v.split('"')[0]]]
        np.testing.assert_allclose(norm(values), np.linspace(0, 1, len(RAMP)), atol=1e-12)
