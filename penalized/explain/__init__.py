"""Pictures and numbers that show why L1 gives exact zeros and L2 does not.

``geometry`` and ``shrinkage`` compute (plain numpy plus the solver); ``plots`` is the only
module that imports matplotlib, lazily, inside its functions; ``report`` assembles an HTML
page from the figures.
"""

from penalized.explain.geometry import (
    ConstrainedSolution,
    CornerFrequency,
    Geometry,
    constrained_fit,
    corner_frequency,
    corner_share_2d_identity,
    example_data,
    geometry,
    region_value,
)
from penalized.explain.plots import (
    animate_geometry,
    plot_coefficients,
    plot_corner_frequency,
    plot_cv,
    plot_geometry,
    plot_path,
    plot_shrinkage,
)
from penalized.explain.shrinkage import ShrinkageCurves, shrinkage_curves, soft_threshold

__all__ = [
    "ConstrainedSolution",
    "CornerFrequency",
    "Geometry",
    "ShrinkageCurves",
    "animate_geometry",
    "constrained_fit",
    "corner_frequency",
    "corner_share_2d_identity",
    "example_data",
    "geometry",
    "plot_coefficients",
    "plot_corner_frequency",
    "plot_cv",
    "plot_geometry",
    "plot_path",
    "plot_shrinkage",
    "region_value",
    "shrinkage_curves",
    "soft_threshold",
]
