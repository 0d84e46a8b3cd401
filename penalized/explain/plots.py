"""Figures: regularization paths, cross-validation curves, coefficients side by side, and the
geometry of the constraint regions that explains why L1 gives exact zeros and L2 does not.

This is the only module of the package that imports matplotlib, and it does so inside the
functions, so that ``import penalized`` stays free of it (DESIGN.md). Every function draws
with the object-oriented API only (a ``matplotlib.figure.Figure`` or the Axes passed in,
never pyplot's global state), so it works headless, in threads and under any backend; each
returns ``(fig, ax)`` and accepts ``ax=`` to draw into an existing Axes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # for the annotations only: importing here would load matplotlib eagerly
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from penalized.explain.geometry import CornerFrequency, Geometry
    from penalized.explain.shrinkage import ShrinkageCurves
    from penalized.results import CVResult, Path

__all__ = [
    "animate_geometry",
    "figure_svg",
    "plot_coefficients",
    "plot_corner_frequency",
    "plot_cv",
    "plot_geometry",
    "plot_path",
    "plot_shrinkage",
]

# What each CV scoring measures, for the y label of plot_cv.
SCORING_LABELS = {
    "mse": "mean squared error",
    "mae": "mean absolute error",
    "r2": "R$^2$",
    "deviance": "deviance",
    "class": "misclassification rate",
}
# One colour per penalty, the same in every figure (lasso, ridge, elastic net).
PENALTY_COLORS = {"lasso": "tab:red", "ridge": "tab:blue", "elasticnet": "tab:green"}
PENALTY_LABELS = {"lasso": "lasso (L1)", "ridge": "ridge (L2)", "elasticnet": "elastic net"}
# Ticks on the nonzero-count axis: glmnet shows about this many.
N_TOP_TICKS = 7
# Sideways shift between neighbouring series of plot_corner_frequency, in log(dimension).
DODGE = 0.012


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------
def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The Axes to draw into and its figure; a new constrained-layout Figure without ax.

    A bare ``Figure`` (not ``pyplot.figure``) is not registered with pyplot, so nothing
    global changes and the figure is garbage-collected with its last reference.
    """
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _feature_colors(n: int) -> list:
    """Distinct colours for n lines: the qualitative maps while they last, then viridis."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    return [colormaps["viridis"](t) for t in np.linspace(0.0, 0.95, n)]


def _names(feature_names, n_features: int, fallback=None) -> list[str]:
    """Feature names given, or fallback (e.g. the Path's), or "x0", "x1", ..."""
    names = feature_names if feature_names is not None else fallback
    if names is None:
        return [f"x{j}" for j in range(n_features)]
    names = [str(name) for name in names]
    if len(names) != n_features:
        raise ValueError(f"feature_names must have {n_features} entries, got {len(names)}.")
    return names


def _alpha_axis(alphas: np.ndarray, log_alpha: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """x positions of the alphas that can be drawn, which alphas those are, and the label.

    log(0) is not drawable: a user grid ending in alpha=0 (the unpenalized fit) loses that
    point on the log scale.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    if not log_alpha:
        return alphas, np.ones(alphas.shape, dtype=bool), "alpha"
    keep = alphas > 0
    if not keep.any():
        raise ValueError("log_alpha=True needs at least one alpha > 0.")
    return np.log(alphas[keep]), keep, "log(alpha)"


def _decreasing_x(ax: Axes, x: np.ndarray, pad: float) -> None:
    """x limits from the largest to the smallest x (alpha decreasing to the right), padded
    by a fraction of the range; a single point keeps matplotlib's limits, inverted."""
    low, high = float(np.min(x)), float(np.max(x))
    if high > low:
        margin = pad * (high - low)
        ax.set_xlim(high + margin, low - margin)
    elif not ax.xaxis_inverted():
        ax.invert_xaxis()


def _nonzero_axis(ax: Axes, x: np.ndarray, counts: np.ndarray, label: str):
    """glmnet's top axis: the number of nonzero coefficients, at grid points.

    The ticks sit exactly on grid points, so each label is the count *at* that alpha, not an
    interpolation. A secondary axis follows the parent's limits and inversion.
    """
    from matplotlib.ticker import NullLocator

    top = ax.secondary_xaxis("top")
    # the grid points nearest to evenly spaced positions: even on the axis whatever the
    # grid's spacing (a log grid on a linear alpha axis crowds at one end)
    targets = np.linspace(np.min(x), np.max(x), min(N_TOP_TICKS, len(x)))
    index = np.unique(np.abs(x[None, :] - targets[:, None]).argmin(axis=1))
    top.set_xticks(x[index], labels=[str(int(c)) for c in counts[index]])
    top.xaxis.set_minor_locator(NullLocator())
    top.set_xlabel(label, fontsize=9)
    top.tick_params(labelsize=8)
    top.set_gid("nonzero-axis")
    return top


def _spread(values: np.ndarray, gap: float, low: float, high: float) -> np.ndarray:
    """Positions as close as possible to values, at least gap apart, within [low, high].

    Used to stack line-end labels without overlap: sort, push up where too close, then
    shift the stack back down if it left the axes and push down where too close again.
    """
    order = np.argsort(values)
    placed = np.asarray(values, dtype=np.float64)[order].copy()
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    if len(placed) and placed[-1] > high:
        placed[-1] = high
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    if len(placed) and placed[0] < low:  # more labels than room: spread evenly
        placed = np.linspace(low, high, len(placed))
    out = np.empty_like(placed)
    out[order] = placed
    return out


def _label_line_ends(ax: Axes, x_end: float, ends: np.ndarray, names: list[str],
                     colors: list, n_labels: int) -> list:
    """Name the n_labels largest |coefficients| at the right end, just outside the axes.

    Labels sit in axes coordinates horizontally (just right of the frame) and data
    coordinates vertically, moved apart where they would overlap and joined to their line's
    end by a thin leader.
    """
    from matplotlib.transforms import blended_transform_factory

    if n_labels <= 0:
        return []
    strongest = np.argsort(-np.abs(ends), kind="stable")[:n_labels]
    # a feature still at zero at the end of the path is not worth a label (unless all are)
    if (ends[strongest] != 0).any():
        strongest = strongest[ends[strongest] != 0]
    low, high = ax.get_ylim()
    # one 8-point line of text (with leading) in data units; the axes' height before layout,
    # less 15% for what the layout engine will take for labels and titles
    height_inches = 0.85 * ax.get_window_extent().height / ax.figure.dpi
    gap = (8 * 1.5 / 72) / max(height_inches, 0.5) * (high - low)
    spots = _spread(ends[strongest], gap, low + gap / 2, high - gap / 2)
    text_at = blended_transform_factory(ax.transAxes, ax.transData)
    labels = []
    for j, spot in zip(strongest, spots, strict=True):
        labels.append(ax.annotate(
            names[j], xy=(x_end, ends[j]), xycoords="data", xytext=(1.02, spot),
            textcoords=text_at, va="center", ha="left", fontsize=8, color=colors[j],
            arrowprops=dict(arrowstyle="-", color=colors[j], lw=0.6, shrinkA=0, shrinkB=0),
            annotation_clip=False,
        ))
    return labels


def _fmt(value: float) -> str:
    """A coordinate for an annotation: exactly "0" for an exact zero, else 3 digits."""
    return "0" if value == 0 else f"{value:.3g}"


# --------------------------------------------------------------------------------------------
# figures as text, for the HTML report
# --------------------------------------------------------------------------------------------
_SVG_PROLOGUE = re.compile(r"\A.*?(?=<svg[\s>])", re.DOTALL)  # XML declaration and DOCTYPE
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SVG_COMMENT = re.compile(r"[ \t]*<!--.*?-->\s*", re.DOTALL)
_SVG_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_SVG_SIZE = re.compile(r'\A(<svg[^>]*?)\s+width="([\d.]+)pt"\s+height="([\d.]+)pt"')
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def figure_svg(fig: Figure, *, id_prefix: str = "fig") -> str:
    """A figure as an ``<svg>`` element to inline in an HTML page.

    The text is ready to paste into HTML5: no XML declaration or DOCTYPE (not allowed
    inside a page), no metadata block and no namespace declarations (HTML's parser puts
    ``<svg>`` in the SVG namespace itself, and the page then holds no URL of any kind),
    width 100% of its container up to the figure's natural size, and every ``id`` (clip
    paths, glyphs, gids) prefixed with ``id_prefix`` so that several figures on one page
    never resolve each other's references; an id that a figure repeats (a ``gid`` given to
    every bar of a series) gets a numbered suffix, so ids stay unique on the page. The
    comments matplotlib writes (each text's string) are left out. Glyphs are drawn as
    paths, so the figure looks the same without any font installed. The output is
    deterministic (fixed hash salt).

    Parameters
    ----------
    fig : Figure
    id_prefix : str, default="fig"
        Prepended (with a dash) to every id and reference; give each figure of a page its
        own, e.g. "fig3".

    Returns
    -------
    str
    """
    import io

    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "path", "svg.hashsalt": "penalized"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = _SVG_PROLOGUE.sub("", buffer.getvalue(), count=1)
    text = _SVG_METADATA.sub("", text, count=1)
    text = _SVG_COMMENT.sub("", text)
    text = _SVG_XMLNS.sub("", text)
    # natural size in CSS pixels (1pt = 4/3 px): never drawn larger than that, so text in
    # the figure keeps the size it was designed with
    match = _SVG_SIZE.match(text)
    if match is not None:
        width_px = float(match.group(2)) * 4.0 / 3.0
        text = (f'{match.group(1)} style="width:100%;height:auto;max-width:{width_px:.0f}px"'
                + text[match.end():])
    seen: dict[str, int] = {}

    def unique_id(match: re.Match) -> str:
        name = match.group(1)
        seen[name] = seen.get(name, 0) + 1
        suffix = f"-{seen[name]}" if seen[name] > 1 else ""
        return f'id="{id_prefix}-{name}{suffix}"'

    # references keep pointing at the first element of a repeated id, as a browser's
    # lookup of a duplicated id would
    text = _SVG_ID.sub(unique_id, text)
    text = _SVG_REF.sub(lambda m: f"{m.group(1)}{id_prefix}-{m.group(2)}", text)
    return text.strip()


# --------------------------------------------------------------------------------------------
# paths and cross-validation
# --------------------------------------------------------------------------------------------
def _draw_path(ax: Axes, alphas, coefs, counts, names, *, n_labels, log_alpha, marks, title,
               top_label):
    x, keep, xlabel = _alpha_axis(alphas, log_alpha)
    coefs = coefs[keep]
    colors = _feature_colors(coefs.shape[1])
    ax.axhline(0.0, color="0.5", lw=0.8, ls=":", zorder=1, gid="zero-line")
    for j in range(coefs.shape[1]):
        ax.plot(x, coefs[:, j], color=colors[j], lw=1.4, gid=f"coef-{j}", label="_" + names[j])
    for k, (label, alpha) in enumerate(marks.items()):
        if log_alpha and alpha <= 0:
            continue
        ax.axvline(np.log(alpha) if log_alpha else alpha, color="0.25", lw=1,
                   ls=("--", ":", "-.")[k % 3], label=f"{label} = {alpha:.3g}",
                   gid=f"mark-{label}")
    # glmnet draws alpha decreasing to the right: the model grows from left to right
    _decreasing_x(ax, x, pad=0.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("coefficient")
    if title:
        ax.set_title(title, fontsize=10)
    _nonzero_axis(ax, x, counts[keep], top_label)
    if marks:
        ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
    _label_line_ends(ax, x[-1], coefs[-1], names, colors, n_labels)


def plot_path(path: Path | CVResult, *, ax: Axes | Sequence[Axes] | None = None,
              feature_names: Sequence[str] | None = None, n_labels: int = 5,
              log_alpha: bool = True, mark: Mapping[str, float] | None = None,
              ) -> tuple[Figure, Axes | np.ndarray]:
    """Coefficient paths against log(alpha), glmnet's ``plot(fit, xvar="lambda")``.

    One line per feature, alpha decreasing to the right (the model grows from left to
    right), a zero line, a top axis with the number of nonzero coefficients at its ticks,
    and the ``n_labels`` features with the largest |coefficient| at the smallest alpha
    named at their line ends.

    Parameters
    ----------
    path : Path or CVResult
        A CVResult draws its ``path`` (the fit on all the data) and marks ``alpha_min`` and
        ``alpha_1se`` with vertical lines.
    ax : Axes, or a sequence of n_classes Axes for a multinomial path, optional
        Where to draw; a new figure without it (one panel per class for the multinomial).
    feature_names : sequence of str, optional
        Defaults to the path's ``feature_names``, else "x0", "x1", ...
    n_labels : int, default=5
        How many line ends to name (0 for none).
    log_alpha : bool, default=True
        x is log(alpha); False draws alpha itself (linear scale).
    mark : mapping of label -> alpha, optional
        Extra vertical lines (e.g. ``{"alpha (BIC)": 0.02}``), with legend entries.

    Returns
    -------
    fig : Figure
    ax : Axes, or ndarray of Axes (one per class) for a multinomial path
    """
    from penalized.results import CVResult

    marks = dict(mark or {})
    if isinstance(path, CVResult):
        cv = path
        if cv.path is None:
            raise ValueError(
                "This CVResult holds no path fitted on all the data (cv_path(..., "
                "full_path=False), or an estimator's cv_result_): pass a Path, or compute "
                "one with penalized.path(X, y, alphas=cv.alphas).")
        path = cv.path
        marks = {"alpha_min": cv.alpha_min, "alpha_1se": cv.alpha_1se, **marks}
    coefs = np.asarray(path.coefs)
    names = _names(feature_names, coefs.shape[-1], path.feature_names)
    family = getattr(path, "family", "gaussian")
    options = dict(n_labels=n_labels, log_alpha=log_alpha, marks=marks)
    if coefs.ndim == 2:
        fig, ax = _new_axes(ax, (7.0, 4.5))
        title = None if family == "gaussian" else f"{family} path"
        _draw_path(ax, path.alphas, coefs, path.n_nonzero, names, title=title,
                   top_label="nonzero coefficients", **options)
        return fig, ax
    # multinomial (n_alphas, K, p): every class has its own coefficient vector, so one panel
    # each, with that class's own count of nonzeros on top (as glmnet's plot.multnet)
    n_classes = coefs.shape[1]
    classes = path.classes if path.classes is not None else np.arange(n_classes)
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(4.6 * n_classes, 4.5), layout="constrained")
        axes = np.asarray(fig.subplots(1, n_classes, squeeze=False)[0])
    else:
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.size != n_classes:
            raise ValueError(f"A multinomial path needs ax to be {n_classes} Axes (one per "
                             f"class), got {axes.size}.")
        fig = axes[0].figure
    for k, panel in enumerate(axes):
        _draw_path(panel, path.alphas, coefs[:, k, :], np.count_nonzero(coefs[:, k, :], axis=1),
                   names, title=f"class {classes[k]}", top_label="nonzero (this class)",
                   **options)
    return fig, axes


def plot_cv(cv_result: CVResult, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Mean held-out score against log(alpha) with standard-error bars, glmnet's
    ``plot(cv.glmnet(...))``.

    Dashed vertical lines mark ``alpha_min`` (best mean score) and ``alpha_1se`` (largest
    alpha within one standard error of it); the top axis counts the nonzero coefficients
    of ``cv_result.path`` at its ticks (when the CVResult holds no full-data path, the
    median count over the fold paths, and the axis says so).

    Parameters
    ----------
    cv_result : CVResult
    ax : Axes, optional

    Returns
    -------
    fig : Figure
    ax : Axes
    """
    fig, ax = _new_axes(ax, (7.0, 4.5))
    alphas = np.asarray(cv_result.alphas, dtype=np.float64)
    x, keep, xlabel = _alpha_axis(alphas, True)
    mean, se = cv_result.mean[keep], cv_result.std_error[keep]
    ax.errorbar(x, mean, yerr=se, fmt="o", ms=3.5, color="tab:red", ecolor="0.6",
                elinewidth=1, capsize=2, label="mean ± 1 standard error", gid="cv-mean")
    for label, alpha, style in (("alpha_min", cv_result.alpha_min, "--"),
                                ("alpha_1se", cv_result.alpha_1se, (0, (2, 2)))):
        if alpha > 0:
            ax.axvline(np.log(alpha), color="0.2", lw=1, ls=style, gid=f"mark-{label}",
                       label=f"{label} = {alpha:.3g}")
    # a margin, so the first and last error bars are not cut by the frame
    _decreasing_x(ax, x, pad=0.02)
    ax.set_xlabel(xlabel)
    path = cv_result.path
    family = getattr(path if path is not None else cv_result.fold_paths[0], "family",
                     "gaussian")
    scoring = SCORING_LABELS.get(cv_result.scoring, cv_result.scoring)
    if cv_result.scoring == "deviance" and family != "gaussian":
        scoring = f"{family} deviance"
    ax.set_ylabel(f"{scoring} (held out)")
    n_folds = np.shape(cv_result.fold_scores)[0]
    ax.set_title(f"{n_folds}-fold cross-validation", fontsize=10)
    if path is not None:
        counts, top_label = path.n_nonzero, "nonzero coefficients"
    else:  # e.g. LassoCV's cv_result_: only the folds were fitted along the whole grid
        counts = np.median([fp.n_nonzero for fp in cv_result.fold_paths], axis=0)
        top_label = "nonzero coefficients (median over folds)"
    _nonzero_axis(ax, x, np.round(counts[keep]), top_label)
    # the best score is low for errors and high for R^2: keep the legend off the minimum
    ax.legend(loc="lower right" if cv_result.greater_is_better else "upper right",
              fontsize=8, framealpha=0.85)
    return fig, ax


# --------------------------------------------------------------------------------------------
# fitted models side by side
# --------------------------------------------------------------------------------------------
def _model_name(model) -> str:
    """A short legend name: the class and its penalty, e.g. "Lasso (alpha=0.1)"."""
    if isinstance(model, np.ndarray):
        return "coefficients"
    params = []
    alpha = getattr(model, "alpha_", getattr(model, "alpha", None))
    if isinstance(alpha, int | float) and not isinstance(alpha, bool):
        params.append(f"alpha={alpha:.3g}")
    l1_ratio = getattr(model, "l1_ratio_", getattr(model, "l1_ratio", None))
    if isinstance(l1_ratio, int | float) and type(model).__name__.startswith("ElasticNet"):
        params.append(f"l1_ratio={l1_ratio:.2g}")
    inside = f" ({', '.join(params)})" if params else ""
    return type(model).__name__ + inside


def plot_coefficients(*models: Any, ax: Axes | None = None, names: Sequence[str] | None = None,
                      feature_names: Sequence[str] | None = None,
                      colors: Sequence[Any] | None = None) -> tuple[Figure, Axes]:
    """Fitted models' coefficients side by side: one group of horizontal bars per feature.

    An exactly-zero coefficient has no bar, so it is drawn as a hollow circle at 0 in its
    model's colour, and each legend entry counts that model's exact zeros: the picture of
    "L1 sets coefficients to zero, L2 only shrinks them".

    Parameters
    ----------
    *models : fitted estimators (anything with ``coef_``) or 1-D coefficient arrays
        A 2-D ``coef_`` (several classes or targets) gives one series per row.
    ax : Axes, optional
    names : sequence of str, optional
        Legend names, one per model; defaults to the class and its alpha.
    feature_names : sequence of str, optional
        Defaults to the first model's ``feature_names_in_``, else "x0", "x1", ...
    colors : sequence of matplotlib colours, optional
        One per series (e.g. ``PENALTY_COLORS`` to match the other figures); default the
        "tab10" colours in order.

    Returns
    -------
    fig : Figure
    ax : Axes
    """
    if not models:
        raise ValueError("plot_coefficients needs at least one fitted model.")
    if names is not None and len(names) != len(models):
        raise ValueError(f"names must have one entry per model ({len(models)}), got "
                         f"{len(names)}.")
    series = []  # (legend name, coefficient vector)
    for i, model in enumerate(models):
        coef = model if isinstance(model, np.ndarray) else getattr(model, "coef_", None)
        if coef is None:
            raise ValueError(f"Model {i} ({type(model).__name__}) has no coef_: fit it first.")
        coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
        name = names[i] if names is not None else _model_name(model)
        rows = coef.shape[0]
        labels = getattr(model, "classes_", np.arange(rows))
        for r in range(rows):
            series.append((name if rows == 1 else f"{name} [{labels[r]}]", coef[r]))
    p = series[0][1].shape[0]
    if any(c.shape[0] != p for _, c in series):
        raise ValueError("All models must have the same number of features.")
    fallback = next((m.feature_names_in_ for m in models
                     if getattr(m, "feature_names_in_", None) is not None), None)
    features = _names(feature_names, p, fallback)

    fig, ax = _new_axes(ax, (7.0, max(3.0, 0.22 * p * len(series) ** 0.5 + 1.8)))
    from matplotlib import colormaps

    if colors is not None and len(colors) != len(series):
        raise ValueError(f"colors must have one entry per series ({len(series)}), got "
                         f"{len(colors)}.")
    palette = colormaps["tab10"]
    height = 0.8 / len(series)
    rows = np.arange(p)
    ax.axvline(0.0, color="0.3", lw=0.8, zorder=1)
    for s, (name, coef) in enumerate(series):
        color = palette(s % 10) if colors is None else colors[s]
        y = rows - 0.4 + height * (s + 0.5)
        zero = coef == 0
        ax.barh(y, coef, height=height * 0.92, color=color, alpha=0.85,
                label=f"{name}: {int(zero.sum())} of {p} exactly 0", gid=f"bars-{s}")
        ax.plot(np.zeros(int(zero.sum())), y[zero], ls="none", marker="o",
                ms=max(3.0, min(7.0, 60 * height / max(1, p) ** 0.5)), mfc="white", mec=color,
                mew=1.5, zorder=3, gid=f"zeros-{s}", label="_zeros")
    ax.set_yticks(rows, labels=features)
    ax.set_ylim(p - 0.5, -0.5)  # first feature on top, as in a table
    ax.set_xlabel("coefficient")
    ax.grid(axis="x", color="0.9", lw=0.8)
    ax.set_axisbelow(True)
    # above the axes, where it can hide no bar; its title explains the hollow circles
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
              title="hollow circle: coefficient exactly 0", title_fontsize=8)
    return fig, ax


# --------------------------------------------------------------------------------------------
# geometry: why L1 touches corners
# --------------------------------------------------------------------------------------------
def _geometry_limits(geoms: Sequence[Geometry], which: Sequence[str]) -> tuple:
    """Square-ish limits holding the origin, the optima and every region, with a margin."""
    points = [np.zeros(2)]
    for geom in geoms:
        points.append(np.asarray(geom.center, dtype=np.float64))
        for name in which:
            b0, b1 = geom.region(name)
            points.append(np.column_stack([b0, b1]))
            points.append(np.asarray(geom.solutions[name].coef, dtype=np.float64))
    pts = np.vstack([np.atleast_2d(p) for p in points])
    low, high = pts.min(axis=0), pts.max(axis=0)
    # room for the annotations around the outermost points
    pad = 0.18 * max(high - low)
    return (low[0] - pad, high[0] + pad), (low[1] - pad, high[1] + pad)


def _draw_geometry(ax: Axes, geom: Geometry, which: Sequence[str], limits=None) -> None:
    which = tuple(which)
    unknown = [name for name in which if name not in geom.solutions]
    if unknown:
        raise ValueError(f"which must name solutions of the Geometry "
                         f"{tuple(geom.solutions)}, got {unknown}.")
    (x0, x1), (y0, y1) = limits if limits is not None else _geometry_limits([geom], which)
    grid0, grid1 = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    loss = np.asarray(geom.loss(grid0, grid1), dtype=np.float64)
    # grey contours spaced geometrically above the minimum (the loss is quadratic, so
    # these are ellipses), then the contour through each constrained optimum in its colour:
    # that is the ellipse that just touches the region.
    touching = {name: float(geom.loss(*geom.solutions[name].coef)) for name in which}
    excess = max(touching.values()) - geom.loss_at_center
    if excess <= 1e-9 * max(abs(geom.loss_at_center), 1.0):
        # no constraint binds (the optimum is inside every region): contours still show
        # the loss, spaced by what the picture holds
        excess = 0.1 * (float(loss.max()) - geom.loss_at_center)
    extra = geom.loss_at_center + excess * np.array([0.05, 0.2, 0.5, 2.0, 3.5])
    extra = extra[extra < loss.max()]
    if extra.size:
        ax.contour(grid0, grid1, loss, levels=np.unique(extra), colors="0.7",
                   linewidths=0.7, zorder=1)
    for name in which:
        level = touching[name]
        if geom.loss_at_center < level < loss.max():
            ax.contour(grid0, grid1, loss, levels=[level], colors=[PENALTY_COLORS[name]],
                       linewidths=1.1, linestyles="--", zorder=2)
    ax.axhline(0.0, color="0.2", lw=0.8, zorder=1.5)
    ax.axvline(0.0, color="0.2", lw=0.8, zorder=1.5)
    for name in which:
        color = PENALTY_COLORS.get(name, "tab:purple")
        b0, b1 = geom.region(name)
        ax.fill(b0, b1, color=color, alpha=0.13, lw=0, zorder=0.5)
        ax.plot(b0, b1, color=color, lw=1.4, zorder=2, gid=f"region-{name}",
                label=PENALTY_LABELS.get(name, name))
        coef = np.asarray(geom.solutions[name].coef, dtype=np.float64)
        ax.plot([coef[0]], [coef[1]], ls="none", marker="o", ms=7, color=color, mec="black",
                mew=0.8, zorder=4, gid=f"solution-{name}", label="_solution")
    _annotate_solutions(ax, geom, which, (x0, x1), (y0, y1))
    center = np.asarray(geom.center, dtype=np.float64)
    ax.plot([center[0]], [center[1]], ls="none", marker="*", ms=12, color="black", zorder=4,
            gid="least-squares", label="least squares")
    # below the star, centred: to its side it would run off the frame when the star is
    # near the edge of the picture
    ax.annotate(f"({_fmt(center[0])}, {_fmt(center[1])})", xy=(center[0], center[1]),
                xytext=(0, -10), textcoords="offset points", fontsize=8, va="top",
                ha="center", zorder=5, gid="annotation-least-squares",
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    name0, name1 = geom.feature_names
    ax.set_xlabel(f"coefficient of {name0}")
    ax.set_ylabel(f"coefficient of {name1}")
    binding = [getattr(geom.solutions[name], "active", True) for name in which]
    note = ("dashed: the loss contour that touches each region" if any(binding) else
            "the least-squares optimum lies inside every region")
    ax.set_title(f"budget t = {geom.budget:.3g}, l1_ratio = {geom.l1_ratio:g}\n{note}",
                 fontsize=9)
    # outside the axes: inside it would hide contours or a region, wherever it went
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def _annotate_solutions(ax: Axes, geom: Geometry, which: Sequence[str], xlim, ylim) -> None:
    """Write each constrained optimum's coordinates next to it, without overlaps.

    The optima all lie where the contours first meet the regions, often close together, so
    the labels are stacked in a column on the origin side of the points (inside the
    regions, where nothing else is drawn) and joined to their points by leaders.
    """
    coefs = np.array([np.asarray(geom.solutions[name].coef, dtype=np.float64)
                      for name in which])
    # towards the origin from the points (left of points with x > 0)
    side = -1.0 if coefs[:, 0].mean() >= 0 else 1.0
    x_text = (coefs[:, 0].min() if side < 0 else coefs[:, 0].max()) + side * 0.07 * (
        xlim[1] - xlim[0])
    # one 8-point line with a little room, in data units of the (square) axes
    height_inches = 0.8 * ax.get_window_extent().height / ax.figure.dpi
    gap = (8 * 1.9 / 72) / max(height_inches, 0.5) * (ylim[1] - ylim[0])
    spots = _spread(coefs[:, 1], gap, ylim[0] + gap, ylim[1] - gap)
    for name, coef, spot in zip(which, coefs, spots, strict=True):
        color = PENALTY_COLORS.get(name, "tab:purple")
        ax.annotate(f"({_fmt(coef[0])}, {_fmt(coef[1])})", xy=(coef[0], coef[1]),
                    xytext=(x_text, spot), textcoords="data", fontsize=8, color=color,
                    ha="right" if side < 0 else "left", va="center", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=color, lw=0.6,
                              alpha=0.9),
                    arrowprops=dict(arrowstyle="-", color=color, lw=0.7, shrinkA=0,
                                    shrinkB=3),
                    gid=f"annotation-{name}")


def plot_geometry(geom: Geometry | None = None, *, ax: Axes | None = None,
                  which: Sequence[str] = ("lasso", "ridge", "elasticnet"),
                  ) -> tuple[Figure, Axes]:
    """The constraint regions and the loss contours that touch them, in two coefficients.

    The L1 diamond has corners on the axes, so the smallest loss ellipse that reaches it
    usually touches a corner: a coefficient that is exactly zero. The L2 disc has none.

    Draws the loss contours (grey, plus the one through each constrained optimum, dashed in
    that penalty's colour), each region filled lightly, each constrained optimum marked and
    annotated with its coordinates ("0" for an exact zero), the unconstrained least-squares
    optimum (a star), the axes through the origin, equal aspect, and limits that hold
    everything.

    Parameters
    ----------
    geom : Geometry, optional
        From ``penalized.explain.geometry.geometry``; None computes the default one.
    ax : Axes, optional
    which : sequence of {"lasso", "ridge", "elasticnet"}
        The regions to draw.

    Returns
    -------
    fig : Figure
    ax : Axes
    """
    if geom is None:
        from penalized.explain.geometry import geometry

        geom = geometry()
    fig, ax = _new_axes(ax, (7.6, 5.8))
    _draw_geometry(ax, geom, which)
    return fig, ax


def animate_geometry(X=None, y=None, budgets: Sequence[float] | None = None,
                     path: str | FilePath = "geometry.gif", *, fps: int = 3, dpi: int = 80,
                     **geometry_kwargs: Any) -> FilePath:
    """A GIF of ``plot_geometry`` as the budget t grows: the lasso's optimum sits on an
    axis (a zero) for small budgets and leaves it only once the budget is large.

    Every frame shares the same limits, so only the regions and optima move. Written with
    matplotlib's PillowWriter (Pillow already comes with matplotlib).

    Parameters
    ----------
    X, y : array-like, optional
        Passed to ``geometry``; None uses its default data.
    budgets : sequence of float, optional
        One frame each; default 12 budgets from 10% to 110% of the L1 norm of the
        unconstrained optimum (the budget at which the lasso stops binding).
    path : str or pathlib.Path, default="geometry.gif"
    fps, dpi : int
        Frames per second and resolution of the GIF.
    **geometry_kwargs
        Passed to ``geometry`` (features, l1_ratio, standardize, ...).

    Returns
    -------
    pathlib.Path
        Where the GIF was written.
    """
    from matplotlib.animation import PillowWriter
    from matplotlib.figure import Figure

    from penalized.explain.geometry import geometry

    if budgets is None:
        base = geometry(X, y, **geometry_kwargs)
        scale = float(np.abs(np.asarray(base.center)).sum()) or 1.0
        budgets = scale * np.linspace(0.1, 1.1, 12)
    budgets = [float(b) for b in budgets]
    if not budgets:
        raise ValueError("budgets must hold at least one budget.")
    geoms = [geometry(X, y, budget=b, **geometry_kwargs) for b in budgets]
    which = tuple(geoms[0].solutions)
    limits = _geometry_limits(geoms, which)
    # a fixed layout (not constrained) so every frame has exactly the same pixel size
    fig = Figure(figsize=(7.6, 5.8))
    fig.subplots_adjust(left=0.1, right=0.76, bottom=0.1, top=0.9)
    ax = fig.add_subplot()
    out = FilePath(path)
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, str(out), dpi):
        for geom in geoms:
            ax.clear()
            _draw_geometry(ax, geom, which, limits)
            writer.grab_frame()
    return out


# --------------------------------------------------------------------------------------------
# shrinkage and corner frequency
# --------------------------------------------------------------------------------------------
def plot_shrinkage(curves: ShrinkageCurves | None = None, *, ax: Axes | None = None,
                   ) -> tuple[Figure, Axes]:
    """What each penalty does to one least-squares coefficient z (orthonormal design).

    The lasso soft-thresholds (exactly 0 while |z| <= alpha: the shaded band), ridge scales
    z by a constant factor (never 0), the elastic net does both (exactly 0 while
    |z| <= alpha l1_ratio: the narrower band). The identity (no penalty) is dashed.

    Parameters
    ----------
    curves : ShrinkageCurves, optional
        From ``penalized.explain.shrinkage.shrinkage_curves``; None computes the default.
    ax : Axes, optional

    Returns
    -------
    fig : Figure
    ax : Axes
    """
    if curves is None:
        from penalized.explain.shrinkage import shrinkage_curves

        curves = shrinkage_curves()
    fig, ax = _new_axes(ax, (6.4, 4.8))
    z = np.asarray(curves.z, dtype=np.float64)
    # the bands where the soft threshold sets the coefficient to exactly 0: |z| <= alpha
    # for the lasso, |z| <= alpha l1_ratio for the elastic net (its L1 part is smaller)
    thresholds = {"lasso": curves.alpha, "elasticnet": curves.alpha * curves.l1_ratio}
    # the lasso's band filled, the elastic net's (inside it) hatched, so both stay readable
    looks = {"lasso": dict(facecolor=PENALTY_COLORS["lasso"], alpha=0.12, lw=0),
             "elasticnet": dict(facecolor="none", edgecolor=PENALTY_COLORS["elasticnet"],
                                hatch="///", alpha=0.45, lw=0)}
    for name, look in looks.items():
        threshold = float(thresholds[name])
        if threshold > 0:
            ax.axvspan(-threshold, threshold, gid=f"zero-band-{name}",
                       label=f"{PENALTY_LABELS[name]} exactly 0: |z| ≤ {threshold:.3g}",
                       **look)
    ax.plot(z, z, color="0.3", ls="--", lw=1, label="no penalty (identity)", gid="identity")
    for name in ("lasso", "ridge", "elasticnet"):
        ax.plot(z, np.asarray(getattr(curves, name)), color=PENALTY_COLORS[name], lw=2,
                label=PENALTY_LABELS[name], gid=f"curve-{name}")
    ax.axhline(0.0, color="0.2", lw=0.6)
    ax.axvline(0.0, color="0.2", lw=0.6)
    ax.set_xlabel("least-squares coefficient z")
    ax.set_ylabel("penalized coefficient")
    ax.set_title(f"Shrinkage of one coefficient (alpha = {curves.alpha:g}, "
                 f"l1_ratio = {curves.l1_ratio:g})", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    return fig, ax


def plot_corner_frequency(cf: CornerFrequency, *, ax: Axes | None = None,
                          ) -> tuple[Figure, Axes]:
    """How often the constrained optimum has at least one exact zero, against dimension.

    One colour per penalty and one line style per relative budget, with standard-error
    bars: the lasso's share stays high as the dimension grows, ridge's stays at zero. The
    series are dodged sideways by about 1% of a decade each so the error bars stay apart.

    Parameters
    ----------
    cf : CornerFrequency
        From ``penalized.explain.geometry.corner_frequency``.
    ax : Axes, optional

    Returns
    -------
    fig : Figure
    ax : Axes
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import NullLocator

    fig, ax = _new_axes(ax, (7.0, 4.5))
    dims = np.asarray(cf.dims, dtype=np.float64)
    share, se = np.asarray(cf.share), np.asarray(cf.std_error)
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D"]
    n_series = len(cf.names) * len(cf.budgets)
    for i, name in enumerate(cf.names):
        color = PENALTY_COLORS.get(name, f"C{i}")
        for b, _budget in enumerate(cf.budgets):
            # each series nudged sideways by a few percent (dodged) so that error bars at
            # the same dimension do not hide one another
            dodge = np.exp(DODGE * (i * len(cf.budgets) + b - (n_series - 1) / 2))
            ax.errorbar(dims * dodge, share[i, :, b], yerr=se[i, :, b], color=color,
                        ls=styles[b % len(styles)], marker=markers[b % len(markers)], ms=4,
                        lw=1.4, capsize=2, gid=f"share-{name}-{b}")
    ax.set_xscale("log")
    ax.set_xticks(dims, labels=[f"{int(d)}" if d == int(d) else f"{d:g}" for d in dims])
    ax.xaxis.set_minor_locator(NullLocator())
    # a little room beyond [0, 1] so markers at exactly 0 or 1 are not cut in half
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("dimension (number of coefficients)")
    ax.set_ylabel("share of optima with ≥ 1 exact zero")
    ax.set_title(f"{cf.n_trials} random problems per point ({cf.hessian} Hessian)",
                 fontsize=10)
    ax.grid(color="0.92", lw=0.8)
    ax.set_axisbelow(True)
    # two small legends (penalty = colour, budget = line style) instead of one of
    # n_names x n_budgets entries
    penalty_handles = [Line2D([], [], color=PENALTY_COLORS.get(n, f"C{i}"), lw=2,
                              label=PENALTY_LABELS.get(n, n)) for i, n in enumerate(cf.names)]
    budget_handles = [Line2D([], [], color="0.3", ls=styles[b % len(styles)],
                             marker=markers[b % len(markers)], ms=4, label=f"{t:g}")
                      for b, t in enumerate(cf.budgets)]
    # outside, on the right: inside they would hide points at some dimension
    first = ax.legend(handles=penalty_handles, title="penalty", fontsize=8, title_fontsize=8,
                      loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    ax.add_artist(first)
    ax.legend(handles=budget_handles, title="relative budget", fontsize=8, title_fontsize=8,
              loc="lower left", bbox_to_anchor=(1.02, 0.0), borderaxespad=0.0)
    return fig, ax
