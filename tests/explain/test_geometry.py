"""Constraint-region geometry against closed forms and independent optimizers.

References: Euclidean projection onto the L1 ball (sort-based, Duchi et al. 2008) and onto
the L2 ball where X'X/n = I; scipy's SLSQP on the smooth split-variable form of each
constrained problem; scikit-learn's own Lasso/ElasticNet/Ridge at the reported alpha; the
2-D corner share in closed form (lasso) and by quadrature over the angle (elastic net).
"""

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import Ridge as SkRidge

from penalized.explain.geometry import (
    NAMES,
    ConstrainedSolution,
    CornerFrequency,
    Geometry,
    constrained_fit,
    corner_frequency,
    corner_share_2d_identity,
    effective_l1_ratio,
    example_data,
    geometry,
    region_gauge,
    region_value,
)


# ------------------------------------------------------------------------------ references
def project_l1_ball(v, t):
    """Euclidean projection of v onto {||b||_1 <= t} (Duchi, Shalev-Shwartz, Singer, Chandra)."""
    if np.abs(v).sum() <= t:
        return v.copy()
    u = np.sort(np.abs(v))[::-1]
    css = np.cumsum(u)
    j = np.arange(1, v.size + 1)
    rho = j[u > (css - t) / j][-1]
    theta = (css[rho - 1] - t) / rho
    return np.sign(v) * np.maximum(np.abs(v) - theta, 0.0)


def orthonormal_problem(c, n=80, seed=0, intercept=2.0):
    """X with X_c'X_c/n = I (columns shifted off zero mean), y whose least-squares slope is c."""
    rng = np.random.default_rng(seed)
    p = len(c)
    Z = rng.standard_normal((n, p))
    Q = np.linalg.qr(Z - Z.mean(axis=0))[0]
    X = np.sqrt(n) * Q + rng.uniform(-3, 3, p)
    noise = rng.standard_normal(n)
    basis = np.column_stack([np.ones(n) / np.sqrt(n), Q])
    noise -= basis @ (basis.T @ noise)  # orthogonal to the intercept and the columns
    y = intercept + (X - X.mean(axis=0)) @ np.asarray(c, float) + noise
    return X, y


def correlated_problem(p, n=60, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.8 * X[:, :1]  # strongly correlated columns: tilted, elongated contours
    y = X @ (2.0 * rng.standard_normal(p)) + rng.standard_normal(n) + 1.0
    return X, y


def slsqp_constrained(X, y, t, name, l1_ratio=0.5):
    """min 1/(2n)||y_c - X_c b||^2 s.t. R(b) <= t, with b = u - v, u, v >= 0 (smooth form)."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    p = X.shape[1]

    def loss(z):
        r = yc - Xc @ (z[:p] - z[p:])
        return 0.5 * np.mean(r * r)

    def room(z):
        u, v = z[:p], z[p:]
        b = u - v
        if name == "lasso":
            return t - np.sum(u + v)
        if name == "ridge":
            return t * t - b @ b
        return t - (l1_ratio * np.sum(u + v) + (1 - l1_ratio) * (b @ b) / t)

    res = minimize(loss, np.zeros(2 * p), method="SLSQP", bounds=[(0, None)] * (2 * p),
                   constraints=[{"type": "ineq", "fun": room}],
                   options={"ftol": 1e-15, "maxiter": 2000})
    return res.x[:p] - res.x[p:]


# -------------------------------------------------------------------- constrained optima
@pytest.mark.parametrize(
    "c, t",
    [
        ((2.0, 0.5), 1.0),    # ||c0|-|c1|| = 1.5 >= t: projection lands on a corner
        ((-0.3, 2.0), 1.5),   # 1.7 >= 1.5: corner on the other axis
        ((1.2, -1.0), 1.0),   # 0.2 < t: projection on an edge, both non-zero
        ((0.8, 0.7), 0.5),    # 0.1 < t
    ],
)
def test_lasso_is_l1_projection_when_hessian_is_identity(c, t):
    X, y = orthonormal_problem(c)
    sol = constrained_fit(X, y, t, "lasso")
    expected = project_l1_ball(np.array(c), t)
    np.testing.assert_allclose(sol.coef, expected, atol=1e-8, rtol=0)
    corner = abs(abs(c[0]) - abs(c[1])) >= t
    assert sol.zeros.sum() == (1 if corner else 0)
    if corner:
        j = int(np.argmin(np.abs(c)))
        assert sol.coef[j] == 0.0  # exactly, straight from the solver
        assert sol.zeros[j]
    assert sol.active and sol.alpha > 0
    assert abs(sol.penalty_value - t) <= 1e-9 * t


def test_lasso_projection_in_five_dimensions():
    c = np.array([2.0, -1.5, 0.3, 0.9, -0.1])
    X, y = orthonormal_problem(c, n=120, seed=3)
    t = 2.0
    sol = constrained_fit(X, y, t, "lasso")
    expected = project_l1_ball(c, t)
    np.testing.assert_allclose(sol.coef, expected, atol=1e-8, rtol=0)
    np.testing.assert_array_equal(sol.zeros, expected == 0)
    assert sol.zeros.sum() == 2  # theta = 0.8 zeroes 0.3 and -0.1, keeps 0.9 - 0.8
    assert (sol.coef[sol.zeros] == 0.0).all()


def test_ridge_is_scaled_center_when_hessian_is_identity():
    c = np.array([1.5, -2.0])
    X, y = orthonormal_problem(c, seed=4)
    t = 1.25
    sol = constrained_fit(X, y, t, "ridge")
    np.testing.assert_allclose(sol.coef, c * t / np.linalg.norm(c), atol=1e-8, rtol=0)
    assert not sol.zeros.any()
    # ridge with X'X/n = I is c / (1 + alpha): alpha = ||c|| / t - 1
    assert sol.alpha == pytest.approx(np.linalg.norm(c) / t - 1.0, rel=1e-9)


@pytest.mark.parametrize("p", [2, 5])
@pytest.mark.parametrize("name", NAMES)
def test_agrees_with_slsqp_on_correlated_problem(p, name):
    X, y = correlated_problem(p, seed=p)
    ols = np.linalg.lstsq(X - X.mean(axis=0), y - y.mean(), rcond=None)[0]
    t = 0.5 * np.abs(ols).sum()
    sol = constrained_fit(X, y, t, name, l1_ratio=0.5)
    np.testing.assert_allclose(sol.coef, slsqp_constrained(X, y, t, name), atol=1e-5)
    assert sol.penalty_value == pytest.approx(t, rel=1e-9)
    assert region_value(name, sol.coef, t, 0.5) == pytest.approx(t, rel=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_alpha_is_the_penalized_problem_it_claims(name):
    """scikit-learn's own estimator at (alpha, penalty_l1_ratio) gives the same coefficients:
    an independent check of the elastic-net conversion (1-a)/(2a) = (1-l1_ratio)/(t l1_ratio)."""
    X, y = correlated_problem(4, n=70, seed=7)
    t = 1.5
    sol = constrained_fit(X, y, t, name, l1_ratio=0.3)
    n = X.shape[0]
    if name == "lasso":
        ref = SkLasso(alpha=sol.alpha, tol=1e-14, max_iter=1_000_000).fit(X, y)
        assert sol.penalty_l1_ratio == 1.0
    elif name == "ridge":
        ref = SkRidge(alpha=n * sol.alpha).fit(X, y)
        assert sol.penalty_l1_ratio == 0.0
    else:
        a = t * 0.3 / (t * 0.3 + 2 * 0.7)
        assert sol.penalty_l1_ratio == pytest.approx(a, rel=1e-14)
        assert effective_l1_ratio(t, 0.3) == pytest.approx(a, rel=1e-14)
        ref = SkElasticNet(alpha=sol.alpha, l1_ratio=a, tol=1e-14,
                           max_iter=1_000_000).fit(X, y)
    np.testing.assert_allclose(sol.coef, ref.coef_, atol=1e-7)
    assert sol.intercept == pytest.approx(ref.intercept_, abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_multiplier_is_minus_the_slope_of_the_loss_in_the_budget(name):
    X, y = correlated_problem(3, n=50, seed=11)
    t, h = 1.3, 1e-4
    mid = constrained_fit(X, y, t, name)
    up = constrained_fit(X, y, t + h, name)
    down = constrained_fit(X, y, t - h, name)
    np.testing.assert_array_equal(up.zeros, down.zeros)  # no kink inside the difference
    slope = (up.loss - down.loss) / (2 * h)
    assert slope == pytest.approx(-mid.multiplier, rel=1e-5)
    assert mid.loss < down.loss and up.loss < mid.loss  # more budget, less loss


def test_unconstrained_optimum_inside_the_region_is_the_answer():
    X, y = correlated_problem(3, seed=5)
    ols = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
    for name in NAMES:
        big = 2.0 * region_gauge(name, ols[1:])
        sol = constrained_fit(X, y, big, name)
        np.testing.assert_allclose(sol.coef, ols[1:], rtol=1e-10, atol=1e-12)
        assert sol.intercept == pytest.approx(ols[0], rel=1e-10)
        assert sol.alpha == 0.0 and sol.multiplier == 0.0 and not sol.active
        assert sol.penalty_value < big


def test_without_intercept():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((40, 2)) + 1.0
    y = X @ np.array([1.0, -2.0]) + 0.1 * rng.standard_normal(40)
    sol = constrained_fit(X, y, 1.0, "lasso", fit_intercept=False)
    ref = SkLasso(alpha=sol.alpha, fit_intercept=False, tol=1e-14, max_iter=10**6).fit(X, y)
    np.testing.assert_allclose(sol.coef, ref.coef_, atol=1e-7)
    assert sol.intercept == 0.0
    assert sol.penalty_value == pytest.approx(1.0, rel=1e-9)


# ----------------------------------------------------------------------------- regions
@pytest.mark.parametrize("name", NAMES)
def test_region_curves_lie_on_the_boundary(name):
    geo = geometry()
    b0, b1 = geo.region(name, n_points=401)
    assert b0.shape == b1.shape == (401,)
    assert (b0[0], b1[0]) == (b0[-1], b1[-1])  # closed
    values = [region_value(name, [u, v], geo.budget, geo.l1_ratio)
              for u, v in zip(b0, b1, strict=True)]
    np.testing.assert_allclose(values, geo.budget, rtol=1e-12)
    # every region passes exactly through the four axis points (the diamond's corners)
    points = set(zip(b0.tolist(), b1.tolist(), strict=True))
    t = geo.budget
    assert {(t, 0.0), (0.0, t), (-t, 0.0), (0.0, -t)} <= points


def test_region_value_formulas():
    b = np.array([0.6, -0.8])
    assert region_value("lasso", b, 2.0) == pytest.approx(1.4)
    assert region_value("ridge", b, 2.0) == pytest.approx(1.0)
    assert region_value("elasticnet", b, 2.0, 0.25) == pytest.approx(0.25 * 1.4 + 0.75 / 2)
    # the gauge is the budget at which b sits on the boundary
    for name in NAMES:
        g = region_gauge(name, b, 0.25)
        assert region_value(name, b, g, 0.25) == pytest.approx(g, rel=1e-14)


def test_solution_minimizes_the_loss_on_the_region_boundary():
    """The contour through the optimum touches the region: no boundary point is lower."""
    geo = geometry()
    for name, sol in geo.solutions.items():
        b0, b1 = geo.region(name, n_points=4001)
        assert geo.loss(b0, b1).min() >= sol.loss - 1e-12
        assert geo.touching_level(name) == sol.loss
        assert geo.loss(*sol.coef) == pytest.approx(sol.loss, rel=1e-12)


# ---------------------------------------------------------------------------- geometry
def test_example_lasso_on_an_axis_ridge_off_the_axes():
    geo = geometry()
    assert isinstance(geo, Geometry)
    lasso, ridge = geo.solutions["lasso"], geo.solutions["ridge"]
    assert isinstance(lasso, ConstrainedSolution)
    assert lasso.zeros.sum() == 1 and lasso.coef[1] == 0.0
    assert lasso.coef[0] == pytest.approx(geo.budget, rel=1e-9)  # the corner (t, 0)
    assert not ridge.zeros.any() and (np.abs(ridge.coef) > 0.1).all()
    # built exactly: standardized correlation 0.3, least-squares optimum (2.5, 0.5)
    np.testing.assert_allclose(geo.hessian, [[1.0, 0.3], [0.3, 1.0]], atol=1e-12)
    np.testing.assert_allclose(geo.center, [2.5, 0.5], atol=1e-10)
    assert geo.budget == pytest.approx(1.5)  # default: half the L1 norm of the centre
    assert set(geo.solutions) == set(NAMES)
    for name, sol in geo.solutions.items():
        assert sol.name == name
        assert sol.penalty_value == pytest.approx(geo.budget, rel=1e-9)


def test_example_is_the_same_geometry_for_every_seed():
    for seed in (1, 2):
        geo = geometry(*example_data(seed))
        np.testing.assert_allclose(geo.center, [2.5, 0.5], atol=1e-10)
        assert geo.solutions["lasso"].zeros.tolist() == [False, True]
        assert not geo.solutions["ridge"].zeros.any()


def test_loss_is_the_least_squares_loss_with_profiled_intercept():
    X, y = example_data()
    geo = geometry(X, y)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    rng = np.random.default_rng(0)
    b = rng.uniform(-3, 3, (7, 2))
    direct = [0.5 * np.mean((y - y.mean() - Xs @ bk) ** 2) for bk in b]
    np.testing.assert_allclose(geo.loss(b[:, 0], b[:, 1]), direct, rtol=1e-12)
    # broadcasting over a grid, as a contour plot uses it
    g0, g1 = np.meshgrid(np.linspace(-1, 3, 5), np.linspace(-1, 1, 4))
    assert geo.loss(g0, g1).shape == (4, 5)


def test_unstandardized_geometry_is_on_the_raw_scale():
    X, y = example_data()
    geo = geometry(X, y, standardize=False, budget=1.0)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(geo.hessian, Xc.T @ Xc / len(y), rtol=1e-12)
    np.testing.assert_allclose(geo.center, np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0],
                               rtol=1e-10)
    np.testing.assert_array_equal(geo.scale, [1.0, 1.0])
    std = geometry(X, y)
    np.testing.assert_allclose(std.center / std.scale, geo.center, rtol=1e-10)


def test_features_by_name_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    X = rng.standard_normal((50, 4))
    y = X @ np.array([0.5, 3.0, 0.0, -1.0]) + rng.standard_normal(50)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    by_name = geometry(df, y, features=("b", "d"))
    by_index = geometry(X, y, features=(1, 3))
    assert by_name.feature_names == ("b", "d")
    assert by_index.feature_names == ("x1", "x3")
    np.testing.assert_allclose(by_name.center, by_index.center, rtol=1e-12)
    for name in NAMES:
        np.testing.assert_array_equal(by_name.solutions[name].coef,
                                      by_index.solutions[name].coef)
    assert geometry(df, y, features=(3, 0)).feature_names == ("d", "a")
    assert geometry(X, y, feature_names=("u", "v")).feature_names == ("u", "v")


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"budget": 0.0}, "budget"),
        ({"budget": -1.0}, "budget"),
        ({"budget": float("nan")}, "budget"),
        ({"budget": float("inf")}, "budget"),
        ({"budget": 1.0, "name": "l1"}, "name"),
        ({"budget": 1.0, "name": "elasticnet", "l1_ratio": 0.0}, "l1_ratio"),
        ({"budget": 1.0, "name": "elasticnet", "l1_ratio": 1.0}, "l1_ratio"),
        ({"budget": 1.0, "name": "elasticnet", "l1_ratio": 1.5}, "l1_ratio"),
        ({"budget": 1.0, "tol": 0.0}, "tol"),
    ],
)
def test_constrained_fit_rejects_bad_arguments(kwargs, match):
    X, y = correlated_problem(2)
    with pytest.raises(ValueError, match=match):
        constrained_fit(X, y, **kwargs)


def test_nan_input_is_rejected():
    X, y = correlated_problem(3)
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        constrained_fit(X, y, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        geometry(X, y, features=(0, 1))
    y2 = correlated_problem(3)[1]
    y2[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        geometry(correlated_problem(3)[0], y2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"features": (0, 1, 2)}, "features"),
        ({"features": (0,)}, "features"),
        ({"features": (1, 1)}, "features"),
        ({"features": (0, 9)}, "features"),
        ({"features": ("a", "b")}, "features"),  # names without a DataFrame
        ({"budget": 0.0}, "budget"),
        ({"budget": float("nan")}, "budget"),
        ({"l1_ratio": 1.0}, "l1_ratio"),
        ({"l1_ratio": -0.1}, "l1_ratio"),
        ({"feature_names": ("only one",)}, "feature_names"),
    ],
)
def test_geometry_rejects_bad_arguments(kwargs, match):
    X, y = correlated_problem(3)
    with pytest.raises(ValueError, match=match):
        geometry(X, y, **kwargs)


def test_geometry_rejects_missing_or_degenerate_data():
    X, y = correlated_problem(3)
    with pytest.raises(ValueError, match="y"):
        geometry(X)
    X[:, 1] = 4.0
    with pytest.raises(ValueError, match="constant"):
        geometry(X, y)
    with pytest.raises(ValueError, match="name"):
        region_value("diamond", [1.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="budget"):
        region_value("lasso", [1.0, 0.0], 0.0)


# --------------------------------------------------------------------- corner frequency
def test_corner_share_closed_form_matches_quadrature_over_the_angle():
    theta = (np.arange(200_000) + 0.5) / 200_000 * 2 * np.pi
    c = np.column_stack([np.cos(theta), np.sin(theta)])
    for s in (0.1, 0.25, 0.5, 0.75, 0.9):
        t = s * np.abs(c).sum(axis=1)
        share = np.mean(np.abs(np.abs(c[:, 0]) - np.abs(c[:, 1])) >= t)
        assert corner_share_2d_identity(s) == pytest.approx(share, abs=1e-4)
    with pytest.raises(ValueError, match="budget"):
        corner_share_2d_identity(1.0)


def elasticnet_share_2d_identity(s, l1_ratio):
    """Share of angles whose projection onto the elastic-net ball t*K is a corner (quadrature).

    At the corner (t, 0) the normal cone of {r|b|_1 + (1-r)|b|^2/t <= t} is spanned by
    (2 - r, +-r), so the projection of c (|c0| >= |c1|) is the corner iff
    |c1| <= (|c0| - t) r / (2 - r)."""
    theta = (np.arange(100_000) + 0.5) / 100_000 * 2 * np.pi
    c = np.column_stack([np.cos(theta), np.sin(theta)])
    big, small = np.abs(c).max(axis=1), np.abs(c).min(axis=1)
    half = 0.5 * l1_ratio * np.abs(c).sum(axis=1)
    t = s * (half + np.sqrt(half**2 + (1 - l1_ratio)))  # s times the gauge of c (|c| = 1)
    return np.mean(small <= (big - t) * l1_ratio / (2 - l1_ratio))


def test_corner_frequency_identity_2d_matches_closed_forms():
    budgets = (0.25, 0.5, 0.75)
    n = 400
    cf = corner_frequency(dims=(2,), budgets=budgets, n_trials=n, hessian="identity",
                          random_state=1)
    lasso, enet, ridge = (cf.names.index(k) for k in ("lasso", "elasticnet", "ridge"))
    for k, s in enumerate(budgets):
        for row, expected in ((lasso, corner_share_2d_identity(s)),
                              (enet, elasticnet_share_2d_identity(s, 0.5))):
            se = np.sqrt(expected * (1 - expected) / n)
            assert abs(cf.share[row, 0, k] - expected) <= 4 * se, (cf.names[row], s)
    np.testing.assert_array_equal(cf.share[ridge], 0.0)


def test_corner_frequency_orders_lasso_elasticnet_ridge():
    cf = corner_frequency(dims=(2, 10), budgets=(0.5, 0.75), n_trials=60, random_state=2)
    lasso, enet, ridge = (cf.share[cf.names.index(k)] for k in ("lasso", "elasticnet", "ridge"))
    np.testing.assert_array_equal(ridge, 0.0)
    np.testing.assert_array_equal(cf.mean_zeros[cf.names.index("ridge")], 0.0)
    assert (lasso >= enet).all() and (enet > ridge).all()
    assert lasso[0, 0] > enet[0, 0]  # 2-D, s = 0.5: clearly apart
    # the lasso zeroes more coordinates than the elastic net everywhere
    mz = cf.mean_zeros
    assert (mz[cf.names.index("lasso")] > mz[cf.names.index("elasticnet")]).all()
    # more dimensions, more corners
    assert (lasso[1] >= lasso[0]).all() and lasso[1, 0] > lasso[0, 0]


def test_corner_frequency_fields():
    cf = corner_frequency(dims=(2, 3), budgets=(0.3,), n_trials=5, random_state=0)
    assert isinstance(cf, CornerFrequency)
    assert cf.dims == (2, 3) and cf.budgets == (0.3,) and cf.n_trials == 5
    assert cf.names == ("lasso", "elasticnet", "ridge") and cf.hessian == "random"
    assert cf.share.shape == cf.std_error.shape == (3, 2, 1)
    assert ((cf.share * 5) % 1 == 0).all()  # counts over 5 trials
    np.testing.assert_allclose(cf.std_error, np.sqrt(cf.share * (1 - cf.share) / 5))
    assert "lasso" in cf.table() and "s=0.3" in str(cf)
    again = corner_frequency(dims=(2, 3), budgets=(0.3,), n_trials=5, random_state=0)
    np.testing.assert_array_equal(cf.share, again.share)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"budgets": (0.0,)}, "budgets"),
        ({"budgets": (1.0,)}, "budgets"),
        ({"dims": (0,)}, "dims"),
        ({"dims": ()}, "dims"),
        ({"n_trials": 0}, "n_trials"),
        ({"hessian": "diagonal"}, "hessian"),
        ({"l1_ratio": 1.0}, "l1_ratio"),
    ],
)
def test_corner_frequency_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        corner_frequency(**{"n_trials": 1, **kwargs})
