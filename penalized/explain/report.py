"""An HTML report of a fit: Ridge, Lasso and elastic net chosen by cross-validation, side by
side, with their paths, CV curves, selected features, and the pictures that show why L1 gives
exact zeros.

The page is one self-contained file: the figures are inline SVG (from
``plots.figure_svg``; this module never imports matplotlib, DESIGN.md), the CSS is inline,
there is no JavaScript and no reference to anything outside the file (no URL, no external
font), so it opens the same offline, in a mail attachment or in a CI artifact. Every number
on it comes from the library (``cv_path``, ``geometry``, ``shrinkage_curves``); every string
a user supplied (title, feature and target names, class labels) is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path as FilePath

import numpy as np
import scipy.sparse as sp

from penalized._version import __version__
from penalized.explain import plots
from penalized.explain.geometry import Geometry, geometry
from penalized.explain.shrinkage import shrinkage_curves
from penalized.results import CVResult
from penalized.selection import cv_path

__all__ = ["report"]

FAMILIES = ("gaussian", "binomial")
SCORE_LABELS = {"mse": "mean squared error", "deviance": "deviance"}
# When the default geometry budget leaves both lasso coefficients non-zero (the loss
# ellipse touches an edge of the diamond, not a corner), the budget is halved up to this
# many times to find one where it touches a corner (for a small enough budget the optimum
# is on the axis of the coefficient with the steeper loss gradient at 0), then bisected
# (on a log scale) towards the largest such budget, and the picture drawn a little below
# it: as large a diamond as possible, still clearly touched at its corner.
_MAX_BUDGET_HALVINGS = 10
_BUDGET_BISECTIONS = 6
_BELOW_LARGEST = 0.9

ProgressCallback = Callable[[int, int, str], object]


@dataclass(frozen=True)
class _Model:
    """One of the three penalties, with its cross-validation."""

    key: str  # "ridge", "lasso", "elasticnet": plots.PENALTY_COLORS' keys
    label: str
    l1_ratio: float
    cv: CVResult

    @property
    def index(self) -> int:
        """Position of the chosen alpha on the grid (it is a grid point exactly)."""
        return int(np.flatnonzero(self.cv.alphas == self.cv.alpha)[0])

    @property
    def coef(self) -> np.ndarray:
        """Coefficients of the fit on all the data at the chosen alpha (original scale)."""
        return np.asarray(self.cv.path.coefs[self.index], dtype=np.float64)

    @property
    def intercept(self) -> float:
        return float(self.cv.path.intercepts[self.index])


# --------------------------------------------------------------------------------------------
# the public function
# --------------------------------------------------------------------------------------------
def report(X, y, *, feature_names: Sequence[str] | None = None, target_name: str = "y",
           family: str = "gaussian", title: str | None = None, cv: int = 5,
           l1_ratio: float = 0.5, rule: str = "min", standardize: bool = True,
           n_alphas: int = 50, geometry_features: Sequence[int | str] | None = None,
           progress: ProgressCallback | None = None,
           out: str | FilePath | None = None) -> str:
    """A self-contained HTML page comparing Ridge, Lasso and elastic net on (X, y).

    Each of the three penalties (``l1_ratio`` 0, 1 and the given one) is fitted along a path
    and its alpha chosen by K-fold cross-validation with ``penalized.cv_path``. The page
    shows, in order: the data (sizes, target summary, per-feature mean/sd/min/max); the three
    chosen models side by side (alpha, CV score +- standard error, number of non-zero
    coefficients, the coefficients with exact zeros marked, and ``plot_coefficients``);
    ``plot_path`` and ``plot_cv`` of each; the selection frequency of every feature across
    the folds at the chosen alpha (Lasso and elastic net); and "why L1 gives zeros":
    ``plot_geometry`` on the two features the Lasso weighs most, with a caption stating
    where the computed optima lie, and ``plot_shrinkage``.

    Parameters
    ----------
    X : array-like or pandas DataFrame of shape (n_samples, n_features)
        Numeric and finite. A DataFrame's column names name the features.
    y : array-like of shape (n_samples,)
        The target: numbers for the gaussian family; exactly two labels (e.g. 0/1, or
        "no"/"yes") for the binomial family, where the second of the sorted labels is the
        class whose probability is modelled (coded 1).
    feature_names : sequence of str, optional
        Used when X has no column names; default "x0", "x1", ...
    target_name : str, default="y"
    family : {"gaussian", "binomial"}, default="gaussian"
    title : str, optional
        The page's heading; default names the family and the target.
    cv : int >= 2, default=5
        Number of folds (KFold, or StratifiedKFold for the binomial family).
    l1_ratio : float in (0, 1), default=0.5
        The elastic net's mix (Ridge is 0, Lasso 1).
    rule : {"min", "1se"}, default="min"
        The alpha each model uses: the best mean CV score, or the largest alpha within one
        standard error of it.
    standardize : bool, default=True
        Passed to ``cv_path``; coefficients are always reported on the original scale.
    n_alphas : int, default=50
        Length of each path's alpha grid.
    geometry_features : pair of int or str, optional
        The two features of the geometry figure (positions or names); default the two with
        the largest standardized |Lasso coefficient| (|coef| times the feature's sd) at its
        chosen alpha, filled up by |correlation with y| when the Lasso keeps fewer than two.
    progress : callable, optional
        Called as ``progress(done, total, label)`` after each step (each cross-validation,
        each figure, the page), with done increasing from 1 to total.
    out : str or path-like, optional
        Where to write the page too (UTF-8).

    Returns
    -------
    str
        The HTML text of the page.

    Raises
    ------
    ValueError
        For non-numeric or non-finite X, a y whose length differs from X's rows, a
        family other than "gaussian"/"binomial", a binomial y without exactly two labels,
        and bad options (cv, l1_ratio, rule, n_alphas, feature names, geometry_features).
    """
    data = _check_inputs(X, y, feature_names, family, cv, l1_ratio, rule, n_alphas,
                         progress)
    Xa, ya, names, classes, labels = data
    tracker = _Progress(progress, total=13)
    options = dict(family=family, cv=cv, rule=rule, standardize=standardize,
                   n_alphas=n_alphas)
    models = []
    for key, label, ratio in (("ridge", "Ridge", 0.0), ("lasso", "Lasso", 1.0),
                              ("elasticnet", "Elastic net", float(l1_ratio))):
        models.append(_Model(key, label, ratio, cv_path(Xa, ya, ratio, **options)))
        tracker.step(f"cross-validation: {label}")
    geometry_pair = _geometry_features(geometry_features, Xa, ya, names, models[1])

    figures = _Figures()
    coef_svg = figures.svg(plots.plot_coefficients(
        *[m.coef for m in models], names=[_legend_name(m) for m in models],
        feature_names=names, colors=[plots.PENALTY_COLORS[m.key] for m in models])[0])
    tracker.step("figure: coefficients")
    path_svgs, cv_svgs = [], []
    for m in models:
        path_svgs.append(figures.svg(plots.plot_path(m.cv, feature_names=names)[0]))
        tracker.step(f"figure: path of {m.label}")
    for m in models:
        cv_svgs.append(figures.svg(plots.plot_cv(m.cv)[0]))
        tracker.step(f"figure: cross-validation of {m.label}")
    geometry_html = _geometry_section(Xa, ya, names, geometry_pair, l1_ratio, family,
                                      figures)
    tracker.step("figure: geometry")
    shrinkage_html = _shrinkage_section(l1_ratio, figures)
    tracker.step("figure: shrinkage")

    if title is None:
        kind = "logistic regression" if family == "binomial" else "linear regression"
        title = f"Penalized {kind} of {target_name}"
    sections = [
        _data_section(Xa, ya, names, target_name, family, classes, labels),
        _models_section(models, names, coef_svg, family),
        _figure_grid_section("paths", "Coefficient paths", models, path_svgs, _path_caption),
        _figure_grid_section("cv", "Cross-validation curves", models, cv_svgs,
                             _cv_caption),
        _selection_section(models[1:], names),
        f'<section id="zeros"><h2>6. Why L1 gives exact zeros</h2><div class="stack">'
        f"{geometry_html}{shrinkage_html}</div></section>",
    ]
    page = _page(title, family, options, l1_ratio, Xa.shape, sections)
    if out is not None:
        FilePath(out).write_text(page, encoding="utf-8")
    tracker.step("page")
    return page


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------
def _check_inputs(X, y, feature_names, family, cv, l1_ratio, rule, n_alphas, progress):
    """(X float64, y for cv_path, names, class labels or None, y as given for the summary).

    Checked here, before any fitting, so that a bad call fails at once with a message that
    names the argument, not after three cross-validations deep inside the solver.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES} for the report, got {family!r}.")
    if rule not in ("min", "1se"):
        raise ValueError(f"rule must be 'min' or '1se', got {rule!r}.")
    if not isinstance(cv, Integral) or isinstance(cv, bool) or cv < 2:
        raise ValueError(f"cv must be an integer number of folds >= 2, got {cv!r}.")
    if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, int | float | np.floating) \
            or not 0.0 < float(l1_ratio) < 1.0:
        raise ValueError("l1_ratio must be a number in the open interval (0, 1) (the "
                         f"report fits Ridge (0) and Lasso (1) itself), got {l1_ratio!r}.")
    if not isinstance(n_alphas, Integral) or isinstance(n_alphas, bool) or n_alphas < 2:
        raise ValueError(f"n_alphas must be an integer >= 2, got {n_alphas!r}.")
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be a callable progress(done, total, label), got "
                         f"{type(progress).__name__}.")

    columns = getattr(X, "columns", None)
    if sp.issparse(X):
        X = X.toarray()  # the report summarizes and plots every column: dense anyway
    try:
        Xa = (X.to_numpy(dtype=np.float64) if hasattr(X, "to_numpy")
              else np.asarray(X, dtype=np.float64))
    except (TypeError, ValueError) as error:
        raise ValueError(f"X must be numeric: {error}") from None
    if Xa.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {Xa.shape}.")
    if Xa.shape[0] < 2 or Xa.shape[1] < 1:
        raise ValueError(f"X must have at least 2 samples and 1 feature, got shape "
                         f"{Xa.shape}.")
    if not np.isfinite(Xa).all():
        rows, cols = np.nonzero(~np.isfinite(Xa))
        raise ValueError(f"X contains NaN or infinite values ({rows.size} of them, the first "
                         f"at row {rows[0]}, column {cols[0]}): impute or drop them first.")
    if columns is not None:
        names = [str(c) for c in columns]
    elif feature_names is not None:
        names = [str(c) for c in feature_names]
        if len(names) != Xa.shape[1]:
            raise ValueError(f"feature_names must have one name per column of X "
                             f"({Xa.shape[1]}), got {len(names)}.")
    else:
        names = [f"x{j}" for j in range(Xa.shape[1])]

    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D (n_samples,), got shape {labels.shape}.")
    if labels.shape[0] != Xa.shape[0]:
        raise ValueError(f"y has {labels.shape[0]} values but X has {Xa.shape[0]} rows: they "
                         f"must have the same length.")
    if family == "gaussian":
        try:
            ya = labels.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError("y must be numeric for family='gaussian' (for two classes use "
                             "family='binomial').") from None
        if not np.isfinite(ya).all():
            raise ValueError("y contains NaN or infinite values.")
        return Xa, ya, names, None, ya
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError("y contains NaN or infinite values.")
    classes = np.unique(labels)
    if classes.size != 2:
        raise ValueError(f"family='binomial' needs y with exactly two labels, got "
                         f"{classes.size}: {_shorten(classes)}.")
    # cv_path's binomial family wants 0/1; the second sorted label is the modelled class,
    # as scikit-learn's LogisticRegression (classes_[1])
    ya = (labels == classes[1]).astype(np.float64)
    return Xa, ya, names, classes, labels


def _shorten(values: np.ndarray, n: int = 5) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:n])
    return shown + (", ..." if values.size > n else "")


def _geometry_features(requested, X, y, names, lasso: _Model) -> tuple[int, int] | None:
    """The two columns of the geometry figure, or None when X has only one usable column."""
    sd = X.std(axis=0)
    if requested is not None:
        chosen = list(requested) if not isinstance(requested, str) else [requested]
        if len(chosen) != 2:
            raise ValueError(f"geometry_features must name exactly two features, got "
                             f"{requested!r}.")
        pair = []
        for f in chosen:
            if isinstance(f, Integral) and not isinstance(f, bool):
                if not -X.shape[1] <= f < X.shape[1]:
                    raise ValueError(f"geometry_features: index {f} is out of range for "
                                     f"{X.shape[1]} features.")
                pair.append(int(f) % X.shape[1])
            elif isinstance(f, str) and f in names:
                pair.append(names.index(f))
            else:
                raise ValueError(f"geometry_features: {f!r} is neither a feature index nor "
                                 f"one of the feature names.")
        if pair[0] == pair[1]:
            raise ValueError(f"geometry_features must name two different features, got "
                             f"{requested!r}.")
        if (sd[pair] == 0).any():
            raise ValueError("geometry_features: a constant feature has no geometry.")
        return pair[0], pair[1]
    usable = np.flatnonzero(sd > 0)
    if usable.size < 2:
        return None
    # standardized magnitudes: the picture is on the standardized scale, and a raw
    # coefficient's size depends on its feature's units
    weight = np.abs(lasso.coef) * sd
    kept = [j for j in np.argsort(-weight, kind="stable") if weight[j] > 0 and sd[j] > 0]
    if len(kept) < 2:
        Xc = X[:, usable] - X[:, usable].mean(axis=0)
        yc = y - y.mean()
        corr = np.abs(Xc.T @ yc) / (np.sqrt((Xc * Xc).sum(axis=0)) * max(
            float(np.sqrt(yc @ yc)), np.finfo(float).tiny))
        kept += [int(usable[j]) for j in np.argsort(-corr, kind="stable")
                 if usable[j] not in kept]
    return int(kept[0]), int(kept[1])


class _Progress:
    """Counts the steps and reports each to the user's callback."""

    def __init__(self, callback: ProgressCallback | None, total: int):
        self.callback, self.total, self.done = callback, total, 0

    def step(self, label: str) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(self.done, self.total, label)


class _Figures:
    """Turns figures into inline SVG, each with its own id prefix."""

    def __init__(self):
        self.count = 0

    def svg(self, fig) -> str:
        self.count += 1
        return plots.figure_svg(fig, id_prefix=f"fig{self.count}")


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------
def _e(value) -> str:
    """HTML-escaped text of any value (quotes included: safe inside attributes too)."""
    return html.escape(str(value), quote=True)


def _num(value: float, digits: int = 4) -> str:
    """A number for a table: exactly "0" for an exact zero (also -0.0), else `digits`
    significant digits."""
    value = float(value)
    if value == 0:
        return "0"
    return f"{value:.{digits}g}"


def _summary(column: np.ndarray) -> str:
    """Mean, sd, min and max cells of one column. A mean that is rounding noise next to
    the column's size (a centred column's 1e-17) is shown as "≈ 0", not as 1.2e-17."""
    size = float(np.max(np.abs(column)))
    mean = float(column.mean())
    shown = "≈ 0" if mean != 0 and abs(mean) <= 1e-12 * size else _num(mean)
    return (f"<td>{shown}</td><td>{_num(column.std())}</td><td>{_num(column.min())}</td>"
            f"<td>{_num(column.max())}</td>")


def _score_label(cv: CVResult, family: str) -> str:
    label = SCORE_LABELS.get(cv.scoring, cv.scoring)
    return f"{family} {label}" if cv.scoring == "deviance" else label


def _legend_name(m: _Model) -> str:
    return f"{m.label} (alpha={m.cv.alpha:.3g})"


def _figure(svg: str, caption: str, css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    return f"<figure{cls}>{svg}<figcaption>{caption}</figcaption></figure>"


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------
def _data_section(X, y, names, target_name, family, classes, labels) -> str:
    n, p = X.shape
    facts = (f'<p class="facts"><span><b id="n-samples">{n}</b> samples</span>'
             f'<span><b id="n-features">{p}</b> features</span>'
             f"<span>target <b>{_e(target_name)}</b></span></p>")
    if family == "gaussian":
        target = ('<table class="num target"><caption>Target</caption><thead><tr><th></th>'
                  "<th>mean</th><th>sd</th><th>min</th><th>max</th></tr></thead><tbody>"
                  f"<tr><th>{_e(target_name)}</th>{_summary(y)}</tr></tbody></table>")
    else:
        rows = "".join(
            f"<tr><th>{_e(c)}</th><td>{'1' if k == 1 else '0'}</td>"
            f"<td>{int(np.sum(labels == c))}</td><td>{np.mean(labels == c):.1%}</td></tr>"
            for k, c in enumerate(classes))
        target = ('<table class="num target"><caption>Target classes (the model gives '
                  f"the probability of {_e(classes[1])})</caption><thead><tr>"
                  "<th>class</th><th>coded</th><th>count</th><th>share</th></tr></thead>"
                  f"<tbody>{rows}</tbody></table>")
    rows = "".join(f"<tr><th>{_e(name)}</th>{_summary(col)}</tr>"
                   for name, col in zip(names, X.T, strict=True))
    features = ('<table class="num features"><caption>Features (sd with 1/n, as the '
                "standardization uses)</caption><thead><tr><th>feature</th><th>mean</th>"
                f"<th>sd</th><th>min</th><th>max</th></tr></thead><tbody>{rows}</tbody>"
                "</table>")
    # side by side: the long feature table would otherwise leave the page's right half empty
    return (f'<section id="data"><h2>1. Data</h2>{facts}<div class="side">{target}'
            f"{features}</div></section>")


def _models_section(models: list[_Model], names, coef_svg: str, family: str) -> str:
    p = len(names)
    score = _score_label(models[0].cv, family)
    rows, notes = [], []
    for m in models:
        cv, i = m.cv, m.index
        nonzero = int(np.count_nonzero(m.coef))
        rows.append(
            f'<tr id="model-{m.key}"><th><span class="swatch {m.key}"></span>{m.label}</th>'
            f"<td>{m.l1_ratio:g}</td>"
            f'<td class="alpha" id="alpha-{m.key}" data-value="{cv.alpha!r}">'
            f"{cv.alpha:.4g}</td>"
            f'<td id="score-{m.key}">{_num(cv.mean[i])} ± {_num(cv.std_error[i], 3)}</td>'
            f'<td id="nonzero-{m.key}" data-value="{nonzero}">{nonzero} of {p}</td>'
            f"<td>{cv.alpha_min:.4g}</td><td>{cv.alpha_1se:.4g}</td></tr>")
        if i == cv.alphas.size - 1:
            notes.append(f"{m.label}'s chosen alpha is the smallest of its grid: the CV "
                         "score was still improving there, so a smaller alpha (a longer "
                         "grid) might score better still.")
        elif i == 0:
            notes.append(f"{m.label}'s chosen alpha is the largest of its grid (the model "
                         "with no features), within the rule's reach of the best score.")
    rule = models[0].cv.rule
    note_html = ('<div class="note">' + "".join(f"<p>{_e(n)}</p>" for n in notes)
                 + "</div>") if notes else ""
    comparison = (
        '<table class="num models"><caption>Each model\'s alpha chosen by '
        f"{len(models[0].cv.fold_paths)}-fold cross-validation, rule "
        f"&ldquo;{_e(rule)}&rdquo;</caption><thead><tr><th>model</th><th>l1_ratio</th>"
        f"<th>chosen alpha</th><th>CV {_e(score)} ± SE</th><th>non-zero coefficients</th>"
        "<th>alpha_min</th><th>alpha_1se</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{note_html}")
    head = "".join(f'<th><span class="swatch {m.key}"></span>{m.label}</th>' for m in models)
    body = ['<tr class="intercept"><th>(intercept)</th>'
            + "".join(f"<td>{_num(m.intercept)}</td>" for m in models) + "</tr>"]
    for j, name in enumerate(names):
        cells = []
        for m in models:
            value = m.coef[j]
            if value == 0:
                cells.append(f'<td class="zero" data-model="{m.key}" '
                             'title="exactly zero">0</td>')
            else:
                cells.append(f'<td data-model="{m.key}">{_num(value)}</td>')
        body.append(f"<tr><th>{_e(name)}</th>{''.join(cells)}</tr>")
    coefficients = (
        '<table class="num coefficients" id="coefficients"><caption>Coefficients at the '
        "chosen alphas, on the original scale of the features. "
        '<span class="zero-key">0</span> = exactly zero (dropped by the penalty)'
        f"</caption><thead><tr><th>feature</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>")
    caption = ("The three fits at their chosen alphas, bar by bar; a hollow circle marks an "
               "exact zero.")
    return ('<section id="models"><h2>2. Three models, each chosen by cross-validation</h2>'
            f'{comparison}<div class="side">{coefficients}'
            f"{_figure(coef_svg, caption, 'coef')}</div></section>")


def _path_caption(m: _Model) -> str:
    path = m.cv.path
    return (f"{m.label} (l1_ratio = {m.l1_ratio:g}): {path.alphas.size} alphas from "
            f"{path.alphas[0]:.3g} to {path.alphas[-1]:.3g}; the vertical lines mark "
            f"alpha_min = {m.cv.alpha_min:.3g} and alpha_1se = {m.cv.alpha_1se:.3g}.")


def _cv_caption(m: _Model) -> str:
    i = m.index
    return (f"{m.label}: at the chosen alpha = {m.cv.alpha:.3g} the held-out score is "
            f"{_num(m.cv.mean[i])} ± {_num(m.cv.std_error[i], 3)}.")


def _figure_grid_section(anchor, heading, models, svgs, caption) -> str:
    number = {"paths": 3, "cv": 4}[anchor]
    figures = "".join(_figure(svg, _e(caption(m))) for m, svg in zip(models, svgs,
                                                                     strict=True))
    return (f'<section id="{anchor}"><h2>{number}. {heading}</h2>'
            f'<div class="grid">{figures}</div></section>')


def _selection_section(models: list[_Model], names) -> str:
    tables = []
    for m in models:
        frequency = np.asarray(m.cv.selection_frequency, dtype=np.float64)
        order = np.argsort(-frequency, kind="stable")
        rows = "".join(
            f'<tr data-feature="{_e(names[j])}"><th>{_e(names[j])}</th>'
            f'<td class="freq" data-value="{float(frequency[j])!r}"><div class="meter">'
            f'<span class="track"><span class="bar {m.key}" '
            f'style="width:{100 * frequency[j]:.0f}%"></span></span>'
            f'<span class="value">{frequency[j]:.2f}</span></div></td>'
            f'<td class="{"zero" if m.coef[j] == 0 else ""}">{_num(m.coef[j])}</td></tr>'
            for j in order)
        tables.append(
            f'<table class="num selection" id="selection-{m.key}"><caption>{m.label} at '
            f"alpha = {m.cv.alpha:.3g}</caption><thead><tr><th>feature</th>"
            "<th>selected in folds</th><th>coefficient (all data)</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")
    n_folds = len(models[0].cv.fold_paths)
    return ('<section id="selection"><h2>5. Selected features</h2>'
            f"<p>The share of the {n_folds} cross-validation folds whose fit, at the chosen "
            "alpha, keeps each feature (a non-zero coefficient): a feature kept in every "
            "fold is a stable choice, one kept in a few is not.</p>"
            f'<div class="side">{"".join(tables)}</div></section>')


def _geometry_section(X, y, names, pair, l1_ratio, family, figures: _Figures) -> str:
    if pair is None:
        return ('<p class="note">The geometry figure needs two non-constant features; this '
                "data has fewer.</p>")
    i, j = pair
    kwargs = dict(features=(i, j), feature_names=(names[i], names[j]), standardize=True,
                  l1_ratio=float(l1_ratio))
    geom = geometry(X, y, **kwargs)
    default_budget = geom.budget
    lasso = geom.solutions["lasso"]
    lowered = False
    if lasso.active and not lasso.zeros.any():
        # the default budget lands on an edge of the diamond: look for the largest one
        # where the optimum is at a corner, so the picture shows what it is meant to
        def has_zero(budget: float) -> bool:
            return bool(geometry(X, y, budget=budget, **kwargs).solutions["lasso"]
                        .zeros.any())

        edge, corner = default_budget, None
        for k in range(1, _MAX_BUDGET_HALVINGS + 1):
            if has_zero(default_budget * 0.5 ** k):
                corner = default_budget * 0.5 ** k
                break
            edge = default_budget * 0.5 ** k
        if corner is not None:
            for _ in range(_BUDGET_BISECTIONS):
                middle = float(np.sqrt(edge * corner))
                edge, corner = (edge, middle) if has_zero(middle) else (middle, corner)
            candidate = geometry(X, y, budget=_BELOW_LARGEST * corner, **kwargs)
            if candidate.solutions["lasso"].zeros.any():
                geom, lowered = candidate, True
    svg = figures.svg(plots.plot_geometry(geom)[0])
    caption = _geometry_caption(geom, default_budget, lowered, family)
    return _figure(svg, caption, "geometry")


def _point(coef) -> str:
    return "(" + ", ".join(_num(c, 3) for c in coef) + ")"


def _geometry_caption(geom: Geometry, default_budget: float, lowered: bool,
                      family: str) -> str:
    name0, name1 = (_e(n) for n in geom.feature_names)
    lasso = geom.solutions["lasso"]
    sentences = [
        f"The least-squares loss of <b>{name0}</b> and <b>{name1}</b> alone (standardized; "
        f"the other features left out), with the unconstrained optimum "
        f"{_point(geom.center)} (star) and the three regions at budget "
        f"t = {geom.budget:.3g}."]
    if lowered:
        sentences.append(
            f"At the default budget t = {default_budget:.3g} (half the L1 norm of the "
            "star) the loss ellipse meets an edge of the diamond, not a corner, and both "
            "coefficients are non-zero; the budget shown is a little below the largest "
            "one at which it meets a corner.")
    if not lasso.active:
        sentences.append("The unconstrained optimum lies inside the diamond: no penalty "
                         "binds, so no coefficient is set to zero.")
    elif lasso.zeros.any():
        zero = [n for n, z in zip((name0, name1), lasso.zeros, strict=True) if z]
        sentences.append(
            f'<span class="claim" id="l1-claim">The L1 optimum {_point(lasso.coef)} is on an '
            f"axis, at a corner of the diamond: the coefficient of "
            f"{' and '.join(zero)} is exactly 0.</span>")
    else:
        sentences.append(f"The L1 optimum {_point(lasso.coef)} lies on an edge of the "
                         "diamond: here both coefficients stay non-zero.")
    ridge = geom.solutions["ridge"]
    sentences.append(
        f"The L2 optimum {_point(ridge.coef)} "
        + ("has an exact zero only because the star itself is on an axis."
           if ridge.zeros.any() else "has no zero: the disc has no corners.")
        + f" The elastic net's {_point(geom.solutions['elasticnet'].coef)} lies between.")
    if family == "binomial":
        sentences.append("For this binomial target the picture is drawn for least squares "
                         "on the 0/1-coded classes (a linear probability model): it shows "
                         "the geometry of the penalties, not the logistic fit above.")
    return " ".join(sentences)


def _shrinkage_section(l1_ratio: float, figures: _Figures) -> str:
    curves = shrinkage_curves(l1_ratio=float(l1_ratio))
    svg = figures.svg(plots.plot_shrinkage(curves)[0])
    z = np.asarray(curves.z)

    def zeros(fitted, threshold: float, name: str) -> str:
        """How many fitted values are exactly 0, and whether they are exactly those with
        |z| <= threshold (up to the grid's rounding), as the soft threshold says."""
        zero = np.asarray(fitted) == 0
        inside = np.abs(z) <= threshold * (1 + 1e-9)
        if threshold > 0 and np.array_equal(zero, inside):
            return (f"{name} returns exactly 0 for the {int(zero.sum())} values with "
                    f"|z| ≤ {threshold:.3g}")
        return f"{name} returns exactly 0 for {int(zero.sum())} of them"

    nonzero_z = z != 0
    ridge_zero = int(np.count_nonzero(np.asarray(curves.ridge) == 0))
    factor = np.median(np.asarray(curves.ridge)[nonzero_z] / z[nonzero_z])
    caption = (
        f"One coefficient on an orthonormal design, fitted by the library for {z.size} "
        f"least-squares values z in [{z.min():g}, {z.max():g}] (alpha = {curves.alpha:g}). "
        f"The {zeros(curves.lasso, curves.lasso_threshold, 'lasso')}, the "
        f"{zeros(curves.elasticnet, curves.elasticnet_threshold, 'elastic net')}; ridge "
        + ("returns 0 for none of them" if ridge_zero == 0 else
           f"returns 0 for {ridge_zero} of them (z = 0 itself)")
        + f": it scales every z by {factor:.3g} instead of setting any to 0.")
    return _figure(svg, _e(caption), "shrinkage")


# --------------------------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------------------------
# No web fonts, no external sheets: the system's own sans-serif. Figures scale with the
# column (figure_svg caps them at their natural size so their text never grows).
_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1d2330;
 font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px;background:#fff;
 box-shadow:0 0 0 1px #e3e5ea}
h1{font-size:1.7em;margin:.2em 0 .1em}
h2{font-size:1.25em;margin:2em 0 .6em;padding-bottom:.25em;border-bottom:2px solid #e3e5ea}
.meta{color:#5b6272;margin:0 0 .8em}
nav{font-size:.92em;margin:.6em 0 0}
nav a{color:#2457a6;text-decoration:none;margin-right:1.2em}
.facts span{margin-right:2em}
table{border-collapse:collapse;margin:.8em 0 1.2em;font-size:.9em}
caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 .35em;color:#333a48}
th,td{border:1px solid #cfd3da;padding:.28em .7em}
thead th{background:#eef0f4;font-weight:600}
tbody th{text-align:left;font-weight:500;background:#fafbfc}
table.num td{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:#8a909c;background:#f0f1f3;font-style:italic}
.zero-key{display:inline-block;padding:0 .5em;color:#8a909c;background:#f0f1f3;
 border:1px solid #cfd3da;font-style:italic;font-weight:400}
tr.intercept th,tr.intercept td{color:#5b6272;border-bottom:2px solid #b9bec8}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;
 vertical-align:-.05em}
.swatch.ridge,.bar.ridge{background:#1f77b4}
.swatch.lasso,.bar.lasso{background:#d62728}
.swatch.elasticnet,.bar.elasticnet{background:#2ca02c}
.side{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.side>table{flex:0 0 auto}
.side>figure{flex:1 1 460px;min-width:0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:22px}
figure{margin:0 0 1em;min-width:0}
figure svg{display:block;margin:0 auto}
figcaption{font-size:.86em;color:#4a5161;margin-top:.3em}
td.freq{min-width:12em}
.meter{display:flex;align-items:center;gap:.6em}
.meter .track{flex:1 1 auto;height:.7em;background:#eef0f4;border-radius:2px;overflow:hidden}
.meter .bar{display:block;height:100%;opacity:.8}
.meter .value{flex:0 0 auto}
.note{background:#fff8e5;border-left:4px solid #e0b04a;padding:.4em .8em;font-size:.9em}
.note p{margin:.2em 0}
.stack>figure{margin:0 auto 2em;max-width:780px}
.claim{font-weight:600}
footer{margin-top:3em;color:#6b7280;font-size:.85em}
"""


def _page(title, family, options, l1_ratio, shape, sections) -> str:
    standardize = "standardized" if options["standardize"] else "not standardized"
    meta = (f"penalized {_e(__version__)} · family {_e(family)} · {options['cv']}-fold "
            f"cross-validation, rule &ldquo;{_e(options['rule'])}&rdquo; · "
            f"{options['n_alphas']} alphas per path · elastic net l1_ratio = "
            f"{float(l1_ratio):g} · features {standardize} inside the solver")
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("data", "Data"), ("models", "Models"), ("paths", "Paths"), ("cv", "CV curves"),
        ("selection", "Selected features"), ("zeros", "Why L1 gives zeros")))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
        f'<header><h1 id="title">{_e(title)}</h1><p class="meta">{meta}</p>'
        f"<nav>{nav}</nav></header>{''.join(sections)}"
        f"<footer>Generated by penalized {_e(__version__)} from {shape[0]} × {shape[1]} "
        "data. Every number and figure on this page was computed by the library.</footer>"
        "</main></body></html>\n")
