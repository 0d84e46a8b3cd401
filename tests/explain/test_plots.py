"""The figures of penalized.explain.plots: built on real fits, and checked against the numbers
they are meant to show (line data, tick labels, marker positions), not only that they draw.

Every figure is saved as PNG into tmp_path and, when PENALIZED_FIGURE_DIR is set, into that
directory too, so the pictures can be looked at.
"""

import os
import subprocess
import sys
from pathlib import Path as FilePath

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # headless; the plots never touch pyplot, but be explicit

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import penalized  # noqa: E402
from penalized import ElasticNet, Lasso, Ridge  # noqa: E402
from penalized.datasets import diabetes  # noqa: E402
from penalized.explain import plots  # noqa: E402


# --------------------------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data():
    X, y, names = diabetes()
    return X, y, names


@pytest.fixture(scope="module")
def gaussian_path(data):
    X, y, _ = data
    return penalized.path(X, y, n_alphas=30)


@pytest.fixture(scope="module")
def gaussian_cv(data):
    X, y, _ = data
    return penalized.cv_path(X, y, cv=4, n_alphas=30)


@pytest.fixture(scope="module")
def three_models(data):
    X, y, names = data
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=names)
    return (Ridge(alpha=1.0).fit(frame, y), Lasso(alpha=0.5).fit(frame, y),
            ElasticNet(alpha=0.01, l1_ratio=0.5).fit(frame, y))


def save(fig, name, tmp_path):
    """Render the figure to PNG (tmp_path, and PENALIZED_FIGURE_DIR when set)."""
    targets = [FilePath(tmp_path)]
    if os.environ.get("PENALIZED_FIGURE_DIR"):
        targets.append(FilePath(os.environ["PENALIZED_FIGURE_DIR"]))
    for directory in targets:
        directory.mkdir(parents=True, exist_ok=True)
        fig.savefig(directory / f"{name}.png", dpi=100)
        assert (directory / f"{name}.png").stat().st_size > 5000
    return targets[0] / f"{name}.png"


def by_gid(ax, prefix):
    return [line for line in ax.lines if (line.get_gid() or "").startswith(prefix)]


def top_axis(ax):
    (top,) = [child for child in ax.child_axes if child.get_gid() == "nonzero-axis"]
    return top


def check_top_axis(ax, alphas, counts, log_alpha=True):
    """Each tick of the top axis sits on a grid point and reads that point's count."""
    top = top_axis(ax)
    ticks = top.get_xticks()
    labels = [t.get_text() for t in top.get_xticklabels()]
    assert len(ticks) >= 4 and len(ticks) == len(labels)
    positions = np.log(alphas) if log_alpha else np.asarray(alphas)
    for tick, label in zip(ticks, labels, strict=True):
        (at,) = np.flatnonzero(np.isclose(positions, tick, rtol=0, atol=1e-12))
        assert label == str(int(counts[at]))


def vline_x(ax, gid):
    (line,) = by_gid(ax, gid)
    x = np.unique(line.get_xdata())
    assert x.size == 1
    return float(x[0])


# --------------------------------------------------------------------------------------------
# layering
# --------------------------------------------------------------------------------------------
def test_import_penalized_does_not_import_matplotlib():
    code = ("import penalized, penalized.explain, sys; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plots_module_imports_matplotlib_only_when_drawing():
    code = ("import sys, penalized.explain.plots; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# plot_path
# --------------------------------------------------------------------------------------------
def test_plot_path_draws_each_coefficient_against_log_alpha(gaussian_path, data, tmp_path):
    names = data[2]
    fig, ax = plots.plot_path(gaussian_path, feature_names=names, n_labels=4)
    save(fig, "path_gaussian", tmp_path)
    assert isinstance(fig, Figure)
    lines = by_gid(ax, "coef-")
    assert len(lines) == gaussian_path.coefs.shape[1] == 10
    for j, line in enumerate(lines):
        assert line.get_gid() == f"coef-{j}"
        np.testing.assert_array_equal(line.get_xdata(), np.log(gaussian_path.alphas))
        np.testing.assert_array_equal(line.get_ydata(), gaussian_path.coefs[:, j])
    # glmnet's orientation: alpha decreasing to the right
    left, right = ax.get_xlim()
    assert left == pytest.approx(np.log(gaussian_path.alphas[0]))
    assert right == pytest.approx(np.log(gaussian_path.alphas[-1]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("log(alpha)", "coefficient")
    (zero,) = by_gid(ax, "zero-line")
    np.testing.assert_array_equal(zero.get_ydata(), [0, 0])
    check_top_axis(ax, gaussian_path.alphas, gaussian_path.n_nonzero)
    # the four largest |coef| at the smallest alpha are named at their line ends
    ends = gaussian_path.coefs[-1]
    expected = {names[j] for j in np.argsort(-np.abs(ends))[:4]}
    annotations = [t for t in ax.texts if hasattr(t, "xy")]
    assert {t.get_text() for t in annotations} == expected
    for t in annotations:
        j = names.index(t.get_text())
        assert t.xy == (pytest.approx(np.log(gaussian_path.alphas[-1])), ends[j])


def test_plot_path_labels_do_not_overlap(gaussian_path, tmp_path):
    fig, ax = plots.plot_path(gaussian_path, n_labels=10)  # default names x0..x9
    save(fig, "path_all_labels", tmp_path)
    canvas = FigureCanvasAgg(fig)  # a bare Figure's canvas cannot measure text
    canvas.draw()
    renderer = canvas.get_renderer()
    # the text alone: an Annotation's own extent includes its leader line
    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"x{j}" for j in range(10))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    # and they are inside the figure (not clipped)
    figure_box = fig.bbox
    for box in boxes:
        assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1
        assert figure_box.y0 <= box.y0 and box.y1 <= figure_box.y1


def test_plot_path_of_a_cv_result_marks_alpha_min_and_1se(gaussian_cv, tmp_path):
    fig, ax = plots.plot_path(gaussian_cv)
    save(fig, "path_cv", tmp_path)
    lines = by_gid(ax, "coef-")
    for j, line in enumerate(lines):
        np.testing.assert_array_equal(line.get_ydata(), gaussian_cv.path.coefs[:, j])
    assert vline_x(ax, "mark-alpha_min") == pytest.approx(np.log(gaussian_cv.alpha_min))
    assert vline_x(ax, "mark-alpha_1se") == pytest.approx(np.log(gaussian_cv.alpha_1se))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("alpha_min") for t in legend)
    assert any(t.startswith("alpha_1se") for t in legend)


def test_plot_path_without_log_and_into_a_given_axes(gaussian_path, tmp_path):
    fig = Figure(figsize=(8, 3.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    got_fig, got_ax = plots.plot_path(gaussian_path, ax=right, log_alpha=False, n_labels=0,
                                      mark={"my alpha": 0.5})
    save(fig, "path_into_axes", tmp_path)
    assert got_fig is fig and got_ax is right
    assert not left.lines  # nothing drawn elsewhere
    line = by_gid(right, "coef-0")[0]
    np.testing.assert_array_equal(line.get_xdata(), gaussian_path.alphas)
    assert right.get_xlabel() == "alpha"
    check_top_axis(right, gaussian_path.alphas, gaussian_path.n_nonzero, log_alpha=False)
    assert vline_x(right, "mark-my alpha") == 0.5
    assert not [t for t in right.texts if hasattr(t, "xy")]  # n_labels=0


def test_plot_path_binomial_works_as_gaussian(data, tmp_path):
    X, y, _ = data
    fitted = penalized.path(X, y > np.median(y), family="binomial", n_alphas=15)
    fig, ax = plots.plot_path(fitted)
    save(fig, "path_binomial", tmp_path)
    for j, line in enumerate(by_gid(ax, "coef-")):
        np.testing.assert_array_equal(line.get_ydata(), fitted.coefs[:, j])
    check_top_axis(ax, fitted.alphas, fitted.n_nonzero)


def test_plot_path_multinomial_has_one_panel_per_class(data, tmp_path):
    X, y, names = data
    grade = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    fitted = penalized.path(X, grade, family="multinomial", n_alphas=12)
    fig, axes = plots.plot_path(fitted, feature_names=names)
    save(fig, "path_multinomial", tmp_path)
    assert len(axes) == 3
    for k, ax in enumerate(axes):
        assert ax.get_title() == f"class {fitted.classes[k]}"
        for j, line in enumerate(by_gid(ax, "coef-")):
            np.testing.assert_array_equal(line.get_ydata(), fitted.coefs[:, k, j])
        check_top_axis(ax, fitted.alphas, np.count_nonzero(fitted.coefs[:, k], axis=1))
    with pytest.raises(ValueError, match="3 Axes"):
        plots.plot_path(fitted, ax=axes[0])


def test_plot_path_rejects_what_it_cannot_draw(gaussian_path, data):
    X, y, _ = data
    no_full_path = penalized.cv_path(X, y, cv=3, n_alphas=5, full_path=False)
    with pytest.raises(ValueError, match="no path fitted on all the data"):
        plots.plot_path(no_full_path)
    with pytest.raises(ValueError, match="feature_names must have 10"):
        plots.plot_path(gaussian_path, feature_names=["a", "b"])


# --------------------------------------------------------------------------------------------
# plot_cv
# --------------------------------------------------------------------------------------------
def test_plot_cv_shows_mean_and_standard_error(gaussian_cv, tmp_path):
    fig, ax = plots.plot_cv(gaussian_cv)
    save(fig, "cv_gaussian", tmp_path)
    (bars,) = ax.containers
    x = np.log(gaussian_cv.alphas)
    data_line, _, (vertical,) = bars.lines
    np.testing.assert_array_equal(data_line.get_xdata(), x)
    np.testing.assert_array_equal(data_line.get_ydata(), gaussian_cv.mean)
    segments = np.array(vertical.get_segments())  # (n_alphas, 2 ends, xy)
    np.testing.assert_allclose(segments[:, 0, 1], gaussian_cv.mean - gaussian_cv.std_error)
    np.testing.assert_allclose(segments[:, 1, 1], gaussian_cv.mean + gaussian_cv.std_error)
    assert vline_x(ax, "mark-alpha_min") == pytest.approx(np.log(gaussian_cv.alpha_min))
    assert vline_x(ax, "mark-alpha_1se") == pytest.approx(np.log(gaussian_cv.alpha_1se))
    for gid in ("mark-alpha_min", "mark-alpha_1se"):
        assert by_gid(ax, gid)[0].get_linestyle() != "-"  # dashed or dotted
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"alpha_min = {gaussian_cv.alpha_min:.3g}" in legend
    assert f"alpha_1se = {gaussian_cv.alpha_1se:.3g}" in legend
    assert "mean squared error" in ax.get_ylabel()
    assert ax.get_xlabel() == "log(alpha)" and ax.xaxis_inverted()
    check_top_axis(ax, gaussian_cv.alphas, gaussian_cv.path.n_nonzero)
    # the error bars at both ends are inside the limits (not cut by the frame)
    left, right = ax.get_xlim()
    assert left > x.max() and right < x.min()


def test_plot_cv_names_the_deviance_of_a_glm(data, tmp_path):
    X, y, _ = data
    cv = penalized.cv_path(X, y > np.median(y), family="binomial", cv=3, n_alphas=10)
    fig, ax = plots.plot_cv(cv)
    save(fig, "cv_binomial", tmp_path)
    assert ax.get_ylabel().startswith("binomial deviance")
    np.testing.assert_array_equal(ax.containers[0].lines[0].get_ydata(), cv.mean)


def test_plot_cv_without_full_path_counts_over_folds(data, tmp_path):
    X, y, _ = data
    cv = penalized.cv_path(X, y, cv=3, n_alphas=12, full_path=False)
    fig = Figure()
    ax = fig.add_subplot()
    got_fig, got_ax = plots.plot_cv(cv, ax=ax)
    assert got_fig is fig and got_ax is ax
    save(fig, "cv_without_path", tmp_path)
    assert "median over folds" in top_axis(ax).get_xlabel()
    median = np.round(np.median([fp.n_nonzero for fp in cv.fold_paths], axis=0))
    check_top_axis(ax, cv.alphas, median)


# --------------------------------------------------------------------------------------------
# plot_coefficients
# --------------------------------------------------------------------------------------------
def test_plot_coefficients_marks_exactly_the_zero_coefficients(three_models, data, tmp_path):
    names = data[2]
    fig, ax = plots.plot_coefficients(*three_models)
    save(fig, "coefficients", tmp_path)
    assert [t.get_text() for t in ax.get_yticklabels()] == names  # from feature_names_in_
    n_zeros = [int(np.sum(m.coef_ == 0)) for m in three_models]
    assert n_zeros[0] == 0 and n_zeros[1] >= 3  # ridge never, lasso several (the point)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for s, model in enumerate(three_models):
        zero = model.coef_ == 0
        (markers,) = by_gid(ax, f"zeros-{s}")
        assert len(markers.get_xdata()) == zero.sum()
        np.testing.assert_array_equal(markers.get_xdata(), 0.0)
        # each marker sits on the row of a zero coefficient, in its model's slot
        rows = np.round(markers.get_ydata()).astype(int)
        np.testing.assert_array_equal(rows, np.flatnonzero(zero))
        assert markers.get_markerfacecolor() in ("white", (1.0, 1.0, 1.0, 1.0))  # hollow
        bars = next(c for c in ax.containers if c.get_label().startswith(legend[s][:5]))
        np.testing.assert_allclose([b.get_width() for b in bars], model.coef_)
        assert f"{zero.sum()} of 10 exactly 0" in legend[s]


def test_plot_coefficients_names_arrays_and_errors(three_models, tmp_path):
    coefs = [np.array([1.0, 0.0, -2.0]), np.array([0.0, 0.0, 0.5])]
    fig, ax = plots.plot_coefficients(*coefs, names=["a", "b"], feature_names=["u", "v", "w"])
    save(fig, "coefficients_arrays", tmp_path)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["u", "v", "w"]
    assert [len(by_gid(ax, f"zeros-{s}")[0].get_xdata()) for s in (0, 1)] == [1, 2]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["a: 1 of 3 exactly 0", "b: 2 of 3 exactly 0"]
    with pytest.raises(ValueError, match="at least one"):
        plots.plot_coefficients()
    with pytest.raises(ValueError, match="same number of features"):
        plots.plot_coefficients(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="no coef_"):
        plots.plot_coefficients(Lasso())
    with pytest.raises(ValueError, match="one entry per model"):
        plots.plot_coefficients(*three_models, names=["only one"])


# --------------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def geom():
    from penalized.explain.geometry import geometry

    return geometry()  # the bundled example: the lasso optimum has an exact zero


def test_plot_geometry_marks_the_constrained_optima(geom, tmp_path):
    fig, ax = plots.plot_geometry(geom)
    save(fig, "geometry", tmp_path)
    assert geom.solutions["lasso"].zeros.any()  # the example's point
    for name, solution in geom.solutions.items():
        (point,) = by_gid(ax, f"solution-{name}")
        np.testing.assert_array_equal(np.c_[point.get_xdata(), point.get_ydata()][0],
                                      solution.coef)
        (region,) = by_gid(ax, f"region-{name}")
        b0, b1 = geom.region(name)
        np.testing.assert_array_equal(region.get_xdata(), b0)
        np.testing.assert_array_equal(region.get_ydata(), b1)
        (note,) = [t for t in ax.texts if t.get_gid() == f"annotation-{name}"]
        assert note.xy == tuple(solution.coef)
        # "0" exactly where the coordinate is an exact zero, a number elsewhere
        first, second = note.get_text().strip("()").split(", ")
        for text, value in ((first, solution.coef[0]), (second, solution.coef[1])):
            assert (text == "0") == (value == 0)
            assert float(text) == pytest.approx(value, rel=1e-2)
    (star,) = by_gid(ax, "least-squares")
    np.testing.assert_array_equal([star.get_xdata()[0], star.get_ydata()[0]], geom.center)
    # everything inside the limits, equal aspect, named axes, a legend for the regions
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    points = [geom.center, np.zeros(2)] + [s.coef for s in geom.solutions.values()]
    points += [np.column_stack(geom.region(n)) for n in geom.solutions]
    points = np.vstack([np.atleast_2d(p) for p in points])
    assert (points[:, 0] > x0).all() and (points[:, 0] < x1).all()
    assert (points[:, 1] > y0).all() and (points[:, 1] < y1).all()
    assert ax.get_aspect() == 1.0
    assert geom.feature_names[0] in ax.get_xlabel() and geom.feature_names[1] in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["lasso (L1)", "ridge (L2)", "elastic net", "least squares"]
    # the loss contour through each optimum is drawn (it is where the ellipse touches)
    levels = np.concatenate([np.atleast_1d(c.levels) for c in ax.collections
                             if hasattr(c, "levels")])
    for solution in geom.solutions.values():
        assert np.isclose(levels, geom.loss(*solution.coef), rtol=1e-12).any()


def test_plot_geometry_annotations_do_not_overlap(data, tmp_path):
    from penalized.explain.geometry import geometry

    X, y, names = data
    # bmi and s5: three optima close together, all off the axes
    geom = geometry(X, y, features=(2, 8), feature_names=(names[2], names[8]))
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.add_subplot()
    got_fig, got_ax = plots.plot_geometry(geom, ax=ax, which=("lasso", "ridge"))
    assert (got_fig, got_ax) == (fig, ax)
    save(fig, "geometry_diabetes", tmp_path)
    assert not by_gid(ax, "solution-elasticnet")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    notes = [t for t in ax.texts if (t.get_gid() or "").startswith("annotation-")]
    assert len(notes) == 3  # two optima and the least-squares point
    boxes = [Text.get_window_extent(t, renderer) for t in notes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    with pytest.raises(ValueError, match="which must name"):
        plots.plot_geometry(geom, which=("l1",))


def test_animate_geometry_writes_one_frame_per_budget(tmp_path):
    from PIL import Image

    budgets = [0.5, 1.0, 1.5, 2.0, 3.5]
    out = plots.animate_geometry(budgets=budgets, path=tmp_path / "geometry.gif", dpi=50)
    assert out == tmp_path / "geometry.gif"
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(budgets)
        sizes = set()
        for k in range(gif.n_frames):
            gif.seek(k)
            sizes.add(gif.size)
        assert len(sizes) == 1
        gif.seek(len(budgets) - 1)
        last = gif.convert("RGB")
    if os.environ.get("PENALIZED_FIGURE_DIR"):
        last.save(FilePath(os.environ["PENALIZED_FIGURE_DIR"]) / "geometry_last_frame.png")


def test_plot_corner_frequency_draws_each_share(tmp_path):
    from penalized.explain.geometry import corner_frequency

    cf = corner_frequency(dims=(2, 5, 20), budgets=(0.25, 0.75), n_trials=15)
    fig, ax = plots.plot_corner_frequency(cf)
    save(fig, "corner_frequency", tmp_path)
    assert len(ax.containers) == len(cf.names) * len(cf.budgets)
    for i, name in enumerate(cf.names):
        for b in range(len(cf.budgets)):
            (bars,) = [c for c in ax.containers
                       if c.lines[0].get_gid() == f"share-{name}-{b}"]
            line = bars.lines[0]
            np.testing.assert_array_equal(line.get_ydata(), cf.share[i, :, b])
            # dodged sideways by a few percent, never onto another dimension
            np.testing.assert_allclose(line.get_xdata(), cf.dims, rtol=0.1)
            segments = np.array(bars.lines[2][0].get_segments())
            np.testing.assert_allclose(segments[:, 1, 1] - segments[:, 0, 1],
                                       2 * cf.std_error[i, :, b])
    assert ax.get_xscale() == "log"
    low, high = ax.get_ylim()
    assert low <= 0 and high >= 1 and high - low < 1.1
    ridge = cf.names.index("ridge")
    np.testing.assert_array_equal(cf.share[ridge], 0.0)  # ridge never has an exact zero


# --------------------------------------------------------------------------------------------
# shrinkage
# --------------------------------------------------------------------------------------------
def test_plot_shrinkage_draws_the_fitted_curves_and_the_zero_bands(tmp_path):
    from penalized.explain.shrinkage import shrinkage_curves

    curves = shrinkage_curves(alpha=0.8, l1_ratio=0.4, n_points=61)
    fig, ax = plots.plot_shrinkage(curves)
    save(fig, "shrinkage", tmp_path)
    for name in ("lasso", "ridge", "elasticnet"):
        (line,) = by_gid(ax, f"curve-{name}")
        np.testing.assert_array_equal(line.get_xdata(), curves.z)
        np.testing.assert_array_equal(line.get_ydata(), getattr(curves, name))
    (identity,) = by_gid(ax, "identity")
    np.testing.assert_array_equal(identity.get_ydata(), curves.z)
    assert identity.get_linestyle() == "--"
    bands = {p.get_gid(): (p.get_x(), p.get_x() + p.get_width()) for p in ax.patches}
    for name, threshold in (("lasso", 0.8), ("elasticnet", 0.8 * 0.4)):
        low, high = bands[f"zero-band-{name}"]
        assert (low, high) == (pytest.approx(-threshold), pytest.approx(threshold))
        # the band is where the fitted coefficient is exactly zero (away from its edges,
        # where the solver's last digits decide)
        values, inside = getattr(curves, name), np.abs(curves.z) < threshold - 1e-9
        outside = np.abs(curves.z) > threshold + 1e-9
        assert (values[inside] == 0).all() and (values[outside] != 0).all()
    assert (curves.ridge[curves.z != 0] != 0).all()  # ridge: no band, no zeros
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(legend) == 6 and "no penalty (identity)" in legend
    assert ax.get_xlabel() and ax.get_ylabel()


def test_plot_shrinkage_defaults_into_a_given_axes(tmp_path):
    fig = Figure(figsize=(5, 4), layout="constrained")
    ax = fig.add_subplot()
    got_fig, got_ax = plots.plot_shrinkage(ax=ax)
    assert got_fig is fig and got_ax is ax
    save(fig, "shrinkage_default", tmp_path)
    assert len(by_gid(ax, "curve-")) == 3
