"""Property-based tests (hypothesis) over random problems: certificates, invariances, alpha_max.

Every property is checked against an independent reference written here in plain numpy
(objective, gradients, prox steps, alpha_max, closed forms), never against an earlier output
of the library alone. Tolerances follow from the certificates:

* gaussian: the solver certifies a duality gap g <= tol * sum_i w_i (y_i - ybar)^2 (weights
  summing to one; ybar = 0 without intercept). Since the smooth part is exactly quadratic,
  the exact minimizer T_j of the objective along coordinate j satisfies
  L_j / 2 (b_j - T_j)^2 <= F(b) - F(T b) <= F(b) - F* <= g  (L_j its curvature), and for any
  two certified solutions of the same problem 1/2 ||X_c (b1 - b2)||_W^2 is at most
  (sqrt(g1) + sqrt(g2))^2 (F - F* >= 1/2 ||X_c (b - b*)||_W^2); with a ridge part of modulus
  mu > 0, ||b1 - b2|| <= sqrt(2 g1 / mu) + sqrt(2 g2 / mu).
* binomial / poisson: the certificate is a KKT violation <= tol * max_j |grad_j| of the
  intercept-only model; we recompute the violation of the returned point ourselves. Two
  points z = (b0, b) with subgradient residuals v1, v2 (|v|_inf = their KKT violations e)
  satisfy sum_i (s_i / S) h_i (eta1_i - eta2_i)^2 <= (e1 + e2) |z1 - z2|_1 (h_i the smallest
  curvature of the loss between them) and |F(z1) - F(z2)| <= max(e1, e2) |z1 - z2|_1.

float32 inputs are solved in float64 arithmetic on the float32 values and coef_ is returned
in float32; the rounding of coef_ (2^-24 relative) is added to each bound through the
Lipschitz constant of what is checked.

Profiles: "ci" (default: few examples, derandomized) and "long" (thousands), chosen by the
environment variable PENALIZED_HYPOTHESIS_PROFILE (registered in tests/conftest.py).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, note, reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from scipy.optimize import lsq_linear
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso as SkLasso

from penalized import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, path

pytestmark = [
    pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning"),
    # a path whose alpha_max is 0 (y constant on the weighted samples, or bounds that keep
    # every penalized coefficient at 0) warns; check_path_start checks that case
    pytest.mark.filterwarnings("ignore:alpha_max is 0:UserWarning"),
]

EPS32 = 2.0**-24  # relative rounding of a float32
# Known bugs (see the xfail tests at the end of this module, which pin a minimal reproducer
# of each). While a switch is True the random strategies leave that case out (or, for the
# GLM solver, reject an example only when it shows exactly that symptom); once the source
# is fixed, remove the xfail mark and set the switch to False.
#
# 1. An unpenalized feature (penalty_factor 0) with exactly one infinite bound (positive=True,
#    or only one finite bound) got a wrong dual point: the fit stopped at a non-optimal point
#    with dual_gap_ 0 (fixed: such features join the dual projection while they need it).
KNOWN_BUG_ONE_SIDED_UNPENALIZED = False
# 2. A constant non-zero column: its centred sum of squares was rounding noise (1e-31, or
#    negative for sparse X with precompute=True) instead of 0, so standardize=True (or
#    penalty_factor 0 on it) divided by ~0 (fixed during this session, commit a53a6a0:
#    design.py's CONSTANT_RTOL; test_constant_column pins it). The sparse remainder (with
#    standardize=True and a ridge part the constant column kept a non-zero coefficient the
#    gap did not see) is fixed by centring the sparse sums of squares entry by entry
#    (test_sparse_constant_column_with_ridge). The switch is off: the long run's remaining
#    failure (a GLM stall just below alpha_max, a step the gap cannot resolve) was fixed by
#    the exact support step of proximal Newton.
KNOWN_BUG_SPARSE_CONSTANT_COLUMN = False
# 3. Proximal Newton (binomial, poisson) stalled just above its own KKT tolerance when the
#    curvature was large (a sizeable ridge part): the least-squares steps were solved to a
#    gap tolerance that ignored the curvature (fixed: the step's gap now follows from the
#    gradient accuracy it needs and the curvature; ridge without bounds is solved exactly).
KNOWN_BUG_GLM_INNER_TOL = False
# 4. With unpenalized features, alpha_max is computed from an iterative fit of those
#    features whose error (~1e-6 relative, from a 1e-12 gap) exceeds the 1e-9 margin the
#    library adds: the path's first solution can keep small non-zero penalized coefficients
#    and alphas[0] is off alpha_max by up to ~1e-6 relative. Also: when the unpenalized
#    features fit y exactly, alpha_max comes out ~1e-9 instead of 0 (no warning, non-zero
#    penalized coefficients at the top); the strategies keep the unpenalized features
#    fewer than the weighted samples (see `cases`).
KNOWN_BUG_ALPHA_MAX_FREE = False
# 5. (Fixed: the sparse sums of squares are centred entry by entry; past |mean| / sd = 1e4
#    dense X is centred in a copy and sparse X warns, see
#    test_huge_column_means_dense_centres_a_copy_sparse_warns.)
#    Sparse X computed the centred sums of squares as E_w[x^2] - xbar^2: cancellation made
#    the standardization scales wrong when |mean| >> sd (4.6% for mean 1e4, sd 1e-3, in
#    float64; the squares were also rounded to float32 for float32 X, fixed during this
#    session), so sparse and dense standardized fits differ. The columns drawn here have
#    |mean| / sd < 100, where the loss is < 1e-12, so no switch is needed.
# 6. (Fixed: the full step now takes the solve's point exactly.) Proximal Newton's line
#    search landed a coefficient that should sit on a finite bound
#    one ulp inside it (coef + 1 * (bound - coef) != bound in floating point), and the KKT
#    check compares with the bound exactly: the optimal point is judged interior, its
#    violation is the full gradient (3e-2 against a tolerance 1.6e-8), the solve stalls and
#    warns. Examples whose only fault is that (KKT within tolerance once a coefficient
#    within 4 ulps of a bound counts as on it) are rejected while the switch is on.
KNOWN_BUG_GLM_BOUND_ULP = False
# Fixed during this session (each pinned by a plain test at the end of this module):
# constant columns (a53a6a0, test_constant_column), the GLM KKT tolerance floor when the
# null model is optimal up to rounding (d13012e, test_glm_tolerance_floor), and working-set
# ties that kept the most violating feature out (79af2f1, test_working_set_ties).

# Examples rejected for bug 3 are those where the solver warned and the independent KKT
# violation is within this factor of the tolerance (far above it still fails the test).
GLM_STALL_FACTOR = 100.0

SHAPES = st.one_of(
    st.sampled_from([(1, 1), (5, 40), (60, 5), (2, 1), (1, 4), (40, 40)]),
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
)
STORAGES = ("dense", "csc", "csr", "gram")


# ----------------------------------------------------------------------------- problems
@dataclass
class Case:
    """One random problem: the input as the library gets it and float64 references."""

    X: object  # what is passed to the library (dense, CSC or CSR; float32 or float64)
    Xd: np.ndarray  # the same values, dense float64
    y: np.ndarray
    sample_weight: np.ndarray | None
    penalty_factor: np.ndarray | None
    lower_bounds: object
    upper_bounds: object
    positive: bool
    fit_intercept: bool
    standardize: bool
    storage: str
    dtype: type

    # ---- the references, computed here from the definitions
    @property
    def n(self):
        return self.Xd.shape[0]

    @property
    def p(self):
        return self.Xd.shape[1]

    @property
    def sw(self):
        return np.ones(self.n) if self.sample_weight is None else self.sample_weight

    @property
    def w(self):
        return self.sw / self.sw.sum()

    @property
    def pf(self):
        return np.ones(self.p) if self.penalty_factor is None else self.penalty_factor

    @property
    def lo(self):
        lo = np.broadcast_to(np.asarray(-np.inf if self.lower_bounds is None
                                        else self.lower_bounds, float), (self.p,))
        return np.maximum(lo, 0.0) if self.positive else lo.copy()

    @property
    def hi(self):
        return np.broadcast_to(np.asarray(np.inf if self.upper_bounds is None
                                          else self.upper_bounds, float), (self.p,)).copy()

    @property
    def x_mean(self):
        """Weighted column means; exact for a column constant on the weighted rows (whose
        centred values are then exactly 0, as they are mathematically)."""
        if not self.fit_intercept:
            return np.zeros(self.p)
        mean = self.w @ self.Xd
        rows = self.Xd[self.sw > 0]
        constant = np.ptp(rows, axis=0) == 0
        mean[constant] = rows[0, constant]
        return mean

    @property
    def Xc(self):
        return self.Xd - self.x_mean

    @property
    def col_sq(self):
        return self.w @ self.Xc**2

    @property
    def scale(self):
        """glmnet's standardization: the weighted sd (about the weighted mean when fitting
        an intercept, about 0 otherwise); 1 for a column that is constant (zero)."""
        if not self.standardize:
            return np.ones(self.p)
        s = np.sqrt(self.col_sq)
        return np.where(s > 0, s, 1.0)

    def l1w(self, l1_ratio):
        return l1_ratio * self.pf * self.scale

    def l2w(self, l1_ratio):
        return (1.0 - l1_ratio) * self.pf * self.scale**2

    def kwargs(self, precompute=True):
        kw = dict(fit_intercept=self.fit_intercept, standardize=self.standardize,
                  penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
                  upper_bounds=self.upper_bounds)
        if self.positive:
            kw["positive"] = True
        if precompute:
            kw["precompute"] = self.storage == "gram"
        return kw

    def with_X(self, Xd, storage=None):
        """The same problem on other values of X (kept in this case's dtype and storage)."""
        storage = self.storage if storage is None else storage
        return Case(**{**self.__dict__, "X": as_storage(Xd, storage, self.dtype),
                       "Xd": Xd.astype(self.dtype).astype(np.float64), "storage": storage})

    def fit_kw(self):
        return {} if self.sample_weight is None else {"sample_weight": self.sample_weight}


def as_storage(Xd, storage, dtype):
    X = np.asarray(Xd, dtype=dtype)
    if storage == "csc":
        return sp.csc_matrix(X)
    if storage == "csr":
        return sp.csr_matrix(X)
    return X


@st.composite
def cases(draw, family="gaussian", storages=STORAGES, dtypes=(np.float64, np.float32),
          bounds=True, free_features=True, min_n=1):
    n, p = draw(SHAPES)
    n = max(n, min_n)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    storage = draw(st.sampled_from(storages))
    dtype = draw(st.sampled_from(dtypes))
    standardize = draw(st.booleans())
    density = draw(st.sampled_from([1.0, 0.5, 0.2]))
    X = rng.standard_normal((n, p)) * 10.0 ** rng.uniform(-1, 1, p)
    if draw(st.booleans()):
        X = X + rng.normal(0.0, 2.0, p)  # columns far from centred
    X = X * (rng.uniform(size=(n, p)) < density)
    if p > 1 and draw(st.integers(0, 9)) == 0:  # a constant column
        sparse = storage in ("csc", "csr")
        X[:, rng.integers(p)] = 0.0 if KNOWN_BUG_SPARSE_CONSTANT_COLUMN and sparse else draw(
            st.sampled_from([0.0, 3.0]))
    X = X.astype(dtype).astype(np.float64)

    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0.2, 3.0, n)
        sample_weight[rng.uniform(size=n) < 0.25] = 0.0  # some zero weights
        if sample_weight.sum() == 0:
            sample_weight[rng.integers(n)] = 1.0
    positive_rows = np.flatnonzero(sample_weight > 0) if sample_weight is not None \
        else np.arange(n)

    beta = rng.standard_normal(p) * (rng.uniform(size=p) < 0.5)
    eta = X @ beta / max(1.0, np.abs(X @ beta).max() / 2.0)
    if family == "gaussian":
        y = eta + rng.standard_normal(n) + rng.normal(0.0, 3.0)
    elif family == "binomial":
        y = (rng.uniform(size=n) < expit(eta)).astype(float)
        if positive_rows.size < 2:  # both classes among the weighted samples
            sample_weight = np.ones(n) if sample_weight is None else sample_weight
            sample_weight[:2] = 1.0
            positive_rows = np.flatnonzero(sample_weight > 0)
        first, second = rng.choice(positive_rows, 2, replace=False)
        y[first], y[second] = 0.0, 1.0
    else:  # poisson
        y = rng.poisson(np.exp(eta)).astype(float)
        y[rng.choice(positive_rows)] += 1.0  # a positive weighted sum of y

    penalty_factor = None
    if draw(st.booleans()):
        choices = [0.0, 0.5, 1.0, 2.0] if free_features else [0.5, 1.0, 2.0]
        penalty_factor = rng.choice(choices, p)

    lower = upper = None
    positive = False
    mode = draw(st.sampled_from(["none", "positive", "box", "scalar"])) if bounds else "none"
    if mode == "positive":
        positive = True
    elif mode == "scalar":
        lower, upper = -0.5, 1.0
    elif mode == "box":
        lower = np.where(rng.uniform(size=p) < 0.5, -np.inf, -rng.uniform(0.0, 1.0, p))
        upper = np.where(rng.uniform(size=p) < 0.5, np.inf, rng.uniform(0.0, 1.0, p))
    if penalty_factor is not None:
        # Degenerate draws left out: when the unpenalized features can fit every weighted
        # sample, y is explained exactly (alpha_max = 0, where rounding leaves 1e-9 instead,
        # see test_known_bug_alpha_max_when_unpenalized_features_fit_y) and coordinate
        # descent on the flat remainder converges arbitrarily slowly at small alpha. Keep
        # at most (n_weighted - 2) // 2 of them.
        free = np.flatnonzero(penalty_factor == 0)
        penalty_factor[free[max(0, (positive_rows.size - 2) // 2):]] = 1.0
    if KNOWN_BUG_ONE_SIDED_UNPENALIZED and penalty_factor is not None:
        lo = np.broadcast_to(0.0 if positive else -np.inf if lower is None else lower, (p,))
        hi = np.broadcast_to(np.inf if upper is None else upper, (p,))
        one_sided = np.isinf(lo) != np.isinf(hi)
        penalty_factor = np.where((penalty_factor == 0) & one_sided, 1.0, penalty_factor)
    if family != "gaussian" and penalty_factor is not None:
        # an unpenalized feature needs finite bounds, or the likelihood may have no
        # minimizer (separable classes, or a Poisson mean driven to zero)
        lo = np.broadcast_to(-np.inf if lower is None else lower, (p,))
        hi = np.broadcast_to(np.inf if upper is None else upper, (p,))
        bounded = np.isfinite(lo) & np.isfinite(hi)
        penalty_factor = np.where((penalty_factor == 0) & ~bounded, 1.0, penalty_factor)

    return Case(X=as_storage(X, storage, dtype), Xd=X, y=y, sample_weight=sample_weight,
                penalty_factor=penalty_factor, lower_bounds=lower, upper_bounds=upper,
                positive=positive, fit_intercept=draw(st.booleans()),
                standardize=standardize, storage=storage, dtype=dtype)


L1_RATIOS = st.one_of(st.just(1.0), st.sampled_from([0.0, 0.1, 0.5, 0.9]),
                      st.floats(0.05, 0.95))
STRICT_L1_RATIOS = st.one_of(st.sampled_from([0.0, 0.1, 0.5, 0.9]), st.floats(0.05, 0.95))


# ------------------------------------------------------------------ gaussian references
def null_rss(case):
    """The library's gap scale: sum_i w_i (y_i - ybar)^2 (ybar = 0 without intercept)."""
    ybar = case.w @ case.y if case.fit_intercept else 0.0
    return float(case.w @ (case.y - ybar) ** 2)


def gaussian_alpha_max(case, l1_ratio):
    """The smallest alpha with every penalized coefficient 0, from the definition: fit the
    unpenalized features (bounded least squares, scipy), then the largest ratio of the
    gradient that could move a penalized b_j off 0 to its L1 weight."""
    w, Xc = case.w, case.Xc
    yc = case.y - (w @ case.y if case.fit_intercept else 0.0)
    free = case.pf == 0
    r = yc
    if free.any():
        root = np.sqrt(w)
        A = Xc[:, free] * root[:, None]
        lo, hi = case.lo[free], case.hi[free]
        fit = lsq_linear(A, yc * root, bounds=(lo, hi), method="bvls", tol=1e-14)
        r = yc - Xc[:, free] @ fit.x
    g = Xc.T @ (w * r)  # minus the gradient of the loss at b = 0
    up = np.where(case.hi > 0, np.maximum(g, 0.0), 0.0)
    down = np.where(case.lo < 0, np.maximum(-g, 0.0), 0.0)
    l1w = case.l1w(l1_ratio)
    pen = l1w > 0
    return float(np.max(np.maximum(up, down)[pen] / l1w[pen], initial=0.0))


def data_scale(case):
    """The size of X'y, below which a gradient is rounding noise."""
    return float(np.abs(case.Xd).max(initial=0.0) * (np.abs(case.y).max(initial=0.0) + 1.0)
                 + 1.0)


def coef_rounding(case, coef):
    """How much the rounding of coef_ to the input dtype may have moved it (elementwise)."""
    return np.abs(coef) * (EPS32 if case.dtype == np.float32 else 1e-15)


def check_gaussian_certificate(case, coef, intercept, alpha, l1_ratio, gap_bound):
    """Independent check that (coef, intercept) is within the certified gap of optimal:
    bounds hold, the intercept is optimal for coef, and each coordinate is within
    sqrt(2 g / L_j) of its exact coordinate minimizer (see the module docstring)."""
    coef = np.asarray(coef, dtype=np.float64)
    w, Xc = case.w, case.Xc
    ybar = w @ case.y if case.fit_intercept else 0.0
    yc = case.y - ybar
    delta = coef_rounding(case, coef)
    lo, hi = case.lo, case.hi
    assert np.all(coef >= lo - delta) and np.all(coef <= hi + delta), "bounds violated"
    scale_y = np.sqrt(max(null_rss(case), 1e-300))
    if case.fit_intercept:
        expected = ybar - case.x_mean @ coef
        slack = 1e-9 * (abs(ybar) + np.abs(case.x_mean) @ np.abs(coef) + scale_y) \
            + np.abs(case.x_mean) @ delta
        assert abs(intercept - expected) <= slack, "intercept is not ybar - xbar'b"
    else:
        assert intercept == 0.0
    Q = Xc.T @ (w[:, None] * Xc)
    l1, l2 = alpha * case.l1w(l1_ratio), alpha * case.l2w(l1_ratio)
    r = yc - Xc @ coef
    grad = -(Xc.T @ (w * r)) + l2 * coef
    L = np.diag(Q) + l2
    ok = L > 0
    u = coef[ok] - grad[ok] / L[ok]
    T = np.clip(np.sign(u) * np.maximum(np.abs(u) - l1[ok] / L[ok], 0.0), lo[ok], hi[ok])
    dist = np.abs(coef[ok] - T)
    # rounding: coef_ (float32), and the float64 arithmetic of the gradient
    absQ = np.abs(Q[ok])
    rounding = 2 * delta[ok] + (absQ @ delta + l2[ok] * delta[ok]) / L[ok] \
        + 1e-10 * (np.abs(coef[ok]) + (np.sqrt(np.diag(Q)[ok]) * scale_y
                                       + absQ @ np.abs(coef)) / L[ok])
    bound = np.sqrt(2 * gap_bound / L[ok]) + rounding
    _note(f"coordinate distances {dist}, bounds {bound}")
    assert np.all(dist <= bound), "a coordinate is further from optimal than the gap allows"


def weighted_norm(case, v):
    return float(np.sqrt(case.w @ (v * v)))


def prediction_bound(case, *gaps):
    """Bound on ||X_c (b1 - b2)||_W for certified solutions of one problem."""
    return sum(np.sqrt(2 * g) for g in gaps)


def ridge_modulus(case, alpha, l1_ratio):
    """Strong-convexity modulus of the penalty (0 without a ridge part on every feature)."""
    return float(alpha * np.min(case.l2w(l1_ratio), initial=np.inf))


def rounding_in_predictions(case, *coefs):
    return sum(weighted_norm(case, np.abs(case.Xc) @ coef_rounding(case, c)) for c in coefs)


def fit_gaussian(case, alpha, l1_ratio, tol, **overrides):
    kw = {**case.kwargs(), **overrides}
    est = (Lasso(alpha=alpha, tol=tol, max_iter=100_000, **kw) if l1_ratio == 1.0 else
           ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=100_000, **kw))
    return est.fit(case.X, case.y, **case.fit_kw())


def smallest_ratio(case):
    """glmnet's lambda.min.ratio: alphas below 1e-2 alpha_max on a wide problem (more
    features than weighted samples) are left out. There the lasso nearly interpolates and
    coordinate descent legitimately needs more than 1e5 epochs (a 5 x 40 lasso at 1e-3
    alpha_max: 92,000 epochs on the Gram matrix, over 100,000 on X)."""
    return 1e-3 if np.count_nonzero(case.sw) > case.p else 1e-2


def draw_alpha(data, case, l1_ratio):
    """alpha on the scale of the problem: a fraction of alpha_max (for l1_ratio = 0, as
    glmnet, the alpha_max of l1_ratio = 0.001)."""
    top = gaussian_alpha_max(case, max(l1_ratio, 1e-3))
    if not top > 1e-9 * data_scale(case):  # 0 up to rounding: alpha ~ 1e-16 is no penalty
        top = 1.0
    low = np.log10(smallest_ratio(case))
    return top * 10.0 ** data.draw(st.floats(low, 0.3), label="log10(alpha / alpha_max)")


# ----------------------------------------------------------------------- GLM references
def glm_parts(family, case, coef, intercept):
    eta = case.Xd @ np.asarray(coef, np.float64) + intercept
    if family == "binomial":
        mu = expit(eta)
        loss = np.logaddexp(0.0, eta) - case.y * eta
        curvature = mu * (1 - mu)
    else:
        mu = np.exp(eta)
        loss = mu - case.y * eta
        curvature = mu
    return mu, loss, curvature


def glm_objective(family, case, coef, intercept, alpha, l1_ratio):
    coef = np.asarray(coef, np.float64)
    _, loss, _ = glm_parts(family, case, coef, intercept)
    return float(case.sw @ loss / case.sw.sum() + alpha * (
        case.l1w(l1_ratio) @ np.abs(coef) + 0.5 * case.l2w(l1_ratio) @ coef**2))


def glm_null_gradient(family, case):
    """The gradient of the mean loss at the intercept-only model (closed forms)."""
    sw, y = case.sw, case.y
    ybar = sw @ y / sw.sum()
    if not case.fit_intercept:
        b0 = 0.0
    elif family == "binomial":
        b0 = np.log(ybar / (1 - ybar))
    else:
        b0 = np.log(ybar)
    mu, _, _ = glm_parts(family, case, np.zeros(case.p), b0)
    return case.Xd.T @ (sw * (mu - y)) / sw.sum()


def glm_alpha_max(family, case, l1_ratio):
    """alpha_max without unpenalized features: the gradient at the intercept-only model."""
    g = -glm_null_gradient(family, case)
    up = np.where(case.hi > 0, np.maximum(g, 0.0), 0.0)
    down = np.where(case.lo < 0, np.maximum(-g, 0.0), 0.0)
    l1w = case.l1w(l1_ratio)
    return float(np.max(np.maximum(up, down) / l1w, initial=0.0))


def glm_kkt(family, case, coef, intercept, alpha, l1_ratio, rounding=None):
    """Largest violation of 0 in grad F(b0, b) (with the subdifferential of the penalty and
    the normal cone of the box), computed from the definition.

    rounding (elementwise bound on how far coef may be from the solver's own float64
    coefficients) widens 'at a bound' to within that distance.
    """
    coef = np.asarray(coef, np.float64)
    sw = case.sw
    mu, _, _ = glm_parts(family, case, coef, intercept)
    res = sw * (mu - case.y) / sw.sum()
    l1, l2 = alpha * case.l1w(l1_ratio), alpha * case.l2w(l1_ratio)
    g = case.Xd.T @ res + l2 * coef
    lo, hi = case.lo, case.hi
    tolb = np.zeros(case.p) if rounding is None else rounding
    s = np.sign(coef)
    at_zero = coef == 0
    at_hi = ~at_zero & (coef >= hi - tolb)
    at_lo = ~at_zero & (coef <= lo + tolb)
    inside = ~at_zero & ~at_hi & ~at_lo
    viol = np.zeros(case.p)
    viol[inside] = np.abs(g + l1 * s)[inside]
    # b_j = 0: the subgradient may be anything in [-l1, l1], where the box lets b_j move
    up = np.where(hi > 0, -g - l1, -np.inf)
    down = np.where(lo < 0, g - l1, -np.inf)
    viol[at_zero] = np.maximum(np.maximum(up, down), 0.0)[at_zero]
    viol[at_hi] = np.maximum(g + l1 * s, 0.0)[at_hi]
    viol[at_lo] = np.maximum(-(g + l1 * s), 0.0)[at_lo]
    out = float(viol.max(initial=0.0))
    return max(out, abs(res.sum())) if case.fit_intercept else out


def glm_gradient_rounding(family, case, coef, intercept):
    """Floating-point error of the gradient computed in glm_kkt: a few ulps of the sums of
    absolute terms (relevant when the gradient itself is near 0)."""
    mu, _, _ = glm_parts(family, case, np.asarray(coef, np.float64), intercept)
    terms = case.sw * (np.abs(mu) + np.abs(case.y)) / case.sw.sum()
    return 1e-14 * float(max((np.abs(case.Xd).T @ terms).max(initial=0.0), terms.sum()))


def glm_rounding_slack(family, case, coef, intercept, alpha, l1_ratio):
    """How much float32 rounding of coef_ and intercept_ can change the KKT violation: the
    Lipschitz bound |H| |delta| of the gradient (curvature taken at the solution, doubled)."""
    coef = np.asarray(coef, np.float64)
    dc = coef_rounding(case, coef)
    db = abs(intercept) * (EPS32 if case.dtype == np.float32 else 1e-15)
    _, _, h = glm_parts(family, case, coef, intercept)
    hw = 2 * case.sw * h / case.sw.sum()
    absX = np.abs(case.Xd)
    move = absX @ dc + db  # |delta eta|
    slack = absX.T @ (hw * move) + alpha * case.l2w(l1_ratio) * dc
    return float(max(slack.max(initial=0.0), hw @ move)), dc


def fit_glm(family, case, alpha, l1_ratio, tol):
    """Fit LogisticRegression / PoissonRegressor at the mean-loss penalty alpha.

    Returns (coef, intercept). A ConvergenceWarning fails the test, except for known bug 3
    (a stall just above the tolerance): such examples are rejected while the switch is on.
    """
    kw = case.kwargs(precompute=False)
    kw.pop("positive", None)
    if case.positive:
        kw["lower_bounds"] = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if family == "binomial":
            C = 1.0 / (alpha * case.sw.sum())
            est = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=tol, max_iter=1000, **kw)
            est.fit(case.X, case.y, **case.fit_kw())
            coef, b0 = est.coef_[0], float(est.intercept_[0])
        else:
            est = PoissonRegressor(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=1000, **kw)
            est.fit(case.X, case.y, **case.fit_kw())
            coef, b0 = est.coef_, float(est.intercept_)
    handle_glm_warnings(family, case, caught, [(alpha, coef, b0)], l1_ratio, tol)
    return coef, b0


def handle_glm_warnings(family, case, caught, solutions, l1_ratio, tol):
    """Re-raise any ConvergenceWarning, unless the example shows only a known bug's symptom
    (then it is rejected, and counted in hypothesis' statistics): bug 6 (within tolerance
    once coefficients within 4 ulps of a bound count as on it) or bug 3 (every solution
    within GLM_STALL_FACTOR of the tolerance, or within 10x the resolution of an
    objective-based line search, sqrt(2 L_max 4 eps |F|))."""
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not convergence:
        return
    scale = max(float(np.abs(glm_null_gradient(family, case)).max(initial=0.0)), 1e-12)
    on_bound, stalled = True, True
    for alpha, coef, b0 in solutions:
        coef = np.asarray(coef, float)
        slack, dc = glm_rounding_slack(family, case, coef, b0, alpha, l1_ratio)
        slack += glm_gradient_rounding(family, case, coef, b0)
        near = np.maximum(dc, 4 * np.spacing(np.abs(coef)))
        on_bound &= glm_kkt(family, case, coef, b0, alpha, l1_ratio, rounding=near) \
            <= tol * scale * (1 + 1e-6) + slack
        _, _, h = glm_parts(family, case, coef, b0)
        hw = case.sw * h / case.sw.sum()
        curvature = max(float((hw @ case.Xd**2 + alpha * case.l2w(l1_ratio)).max(initial=0.0)),
                        float(hw.sum()))
        value = abs(glm_objective(family, case, coef, b0, alpha, l1_ratio))
        floor = np.sqrt(2 * curvature * 4 * np.finfo(float).eps * value)
        kkt = glm_kkt(family, case, coef, b0, alpha, l1_ratio, rounding=dc)
        stalled &= kkt <= max(GLM_STALL_FACTOR * tol * scale, 10 * floor) + slack
    if (KNOWN_BUG_GLM_BOUND_ULP and on_bound) or (KNOWN_BUG_GLM_INNER_TOL and stalled):
        reject()
    raise convergence[0].message


def _note(text):
    """hypothesis.note inside a property test; nothing in a plain test."""
    try:
        note(text)
    except InvalidArgument:
        pass


def check_glm_certificate(family, case, coef, intercept, alpha, l1_ratio, tol):
    scale = max(float(np.abs(glm_null_gradient(family, case)).max(initial=0.0)), 1e-12)
    slack, dc = glm_rounding_slack(family, case, coef, intercept, alpha, l1_ratio)
    kkt = glm_kkt(family, case, coef, intercept, alpha, l1_ratio, rounding=dc)
    _note(f"KKT violation {kkt:.3e}, tolerance {tol * scale:.3e}, rounding {slack:.3e}")
    slack += glm_gradient_rounding(family, case, coef, intercept)
    assert kkt <= tol * scale * (1 + 1e-6) + slack
    delta = coef_rounding(case, np.asarray(coef, np.float64))
    assert np.all(coef >= case.lo - delta) and np.all(coef <= case.hi + delta)
    if not case.fit_intercept:
        assert intercept == 0.0


# ================================================================= (a) certificates
@given(case=cases(), l1_ratio=L1_RATIOS, tol=st.sampled_from([1e-4, 1e-8, 1e-12]),
       data=st.data())
def test_gaussian_fit_is_certified(case, l1_ratio, tol, data):
    """Lasso / ElasticNet: dual_gap_ <= tol * sum_i w_i (y_i - ybar)^2, and the returned point
    passes the independent coordinate-wise check that this gap implies."""
    alpha = draw_alpha(data, case, l1_ratio)
    est = fit_gaussian(case, alpha, l1_ratio, tol)
    bound = tol * null_rss(case)
    assert est.dual_gap_ <= bound
    check_gaussian_certificate(case, est.coef_, est.intercept_, alpha, l1_ratio, bound)


@given(case=cases(storages=("dense", "csc", "csr")), l1_ratio=L1_RATIOS,
       n_alphas=st.integers(1, 8), data=st.data())
def test_gaussian_path_is_certified(case, l1_ratio, n_alphas, data):
    """path(): every solution is certified (as above), the grid decreases and starts at the
    alpha_max computed here, where the penalized coefficients are 0."""
    tol = 1e-10
    eps = data.draw(st.sampled_from([None, smallest_ratio(case), 0.1]), label="eps")
    precompute = data.draw(st.sampled_from([False, True, "auto"]), "precompute")
    fitted = path(case.X, case.y, l1_ratio, n_alphas=n_alphas, eps=eps, tol=tol,
                  sample_weight=case.sample_weight, **case.kwargs(precompute=False),
                  precompute=precompute)
    bound = tol * null_rss(case)
    assert np.all(fitted.dual_gaps <= bound)
    assert np.all(np.diff(fitted.alphas) < 0)
    for alpha, coef, b0 in zip(fitted.alphas, fitted.coefs, fitted.intercepts, strict=True):
        check_gaussian_certificate(case, coef, b0, alpha, l1_ratio, bound)
    check_path_start(case, fitted, l1_ratio, gaussian_alpha_max(case, max(l1_ratio, 1e-3)))


def check_path_start(case, fitted, l1_ratio, top):
    """(c) n_nonzero counts the non-zero coefficients; the grid starts at alpha_max (computed
    here), where every penalized coefficient is 0 (for l1_ratio = 0 the grid starts at the
    alpha_max of l1_ratio = 0.001, glmnet's convention, and ridge coefficients are not 0);
    when alpha_max is 0 the whole path has them at 0 (the library warns, see the filter)."""
    np.testing.assert_array_equal(fitted.n_nonzero, np.count_nonzero(fitted.coefs, axis=1))
    penalized = case.pf > 0
    if top == 0:
        assert np.all(fitted.coefs[:, penalized] == 0)
        return
    if top <= 1e-9 * data_scale(case):
        return  # alpha_max is 0 up to rounding: the grid's scale is arbitrary
    free = (case.pf == 0).any()
    if l1_ratio > 0 and not (free and KNOWN_BUG_ALPHA_MAX_FREE):
        assert np.all(fitted.coefs[0][penalized] == 0)
        assert fitted.n_nonzero[0] == np.count_nonzero(fitted.coefs[0][~penalized])
    rel = 1e-9
    if free and KNOWN_BUG_ALPHA_MAX_FREE:
        rel = 1e-5
    assert fitted.alphas[0] == pytest.approx(top, rel=rel)


@given(case=cases(family="binomial", free_features=True, min_n=2), l1_ratio=L1_RATIOS,
       tol=st.sampled_from([1e-4, 1e-8]), data=st.data())
def test_logistic_fit_satisfies_kkt(case, l1_ratio, tol, data):
    """LogisticRegression (alpha = 1 / (C sum(s))): KKT violation computed here <= tol times
    the largest null-model gradient."""
    top = glm_alpha_max("binomial", case, max(l1_ratio, 1e-3)) if (case.pf > 0).all() else 1.0
    alpha = (top if top > 0 else 1.0) * 10.0 ** data.draw(st.floats(-2.0, 0.3), "log alpha")
    coef, b0 = fit_glm("binomial", case, alpha, l1_ratio, tol)
    check_glm_certificate("binomial", case, coef, b0, alpha, l1_ratio, tol)


@given(case=cases(family="poisson", free_features=True), l1_ratio=L1_RATIOS,
       tol=st.sampled_from([1e-4, 1e-8]), data=st.data())
def test_poisson_fit_satisfies_kkt(case, l1_ratio, tol, data):
    """PoissonRegressor: KKT violation computed here <= tol times the largest null-model
    gradient."""
    top = glm_alpha_max("poisson", case, max(l1_ratio, 1e-3)) if (case.pf > 0).all() else 1.0
    alpha = (top if top > 0 else 1.0) * 10.0 ** data.draw(st.floats(-2.0, 0.3), "log alpha")
    coef, b0 = fit_glm("poisson", case, alpha, l1_ratio, tol)
    check_glm_certificate("poisson", case, coef, b0, alpha, l1_ratio, tol)


@pytest.mark.parametrize("family", ["binomial", "poisson"])
@given(data=st.data(), l1_ratio=L1_RATIOS, n_alphas=st.integers(1, 6))
def test_glm_path_satisfies_kkt(family, data, l1_ratio, n_alphas):
    """path(family=...): every solution passes the KKT check; the grid starts at alpha_max."""
    case = data.draw(cases(family=family, storages=("dense", "csc", "csr"), min_n=2), "case")
    tol = 1e-7
    kw = case.kwargs(precompute=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fitted = path(case.X, case.y, l1_ratio, family=family, n_alphas=n_alphas, eps=0.05,
                      tol=tol, sample_weight=case.sample_weight, **kw)
    solutions = list(zip(fitted.alphas, fitted.coefs, fitted.intercepts, strict=True))
    handle_glm_warnings(family, case, caught, solutions, l1_ratio, tol)
    for alpha, coef, b0 in solutions:
        check_glm_certificate(family, case, coef, b0, alpha, l1_ratio, tol)
    if (case.pf > 0).all():  # (alpha_max with unpenalized features needs a GLM fit)
        check_path_start(case, fitted, l1_ratio,
                         glm_alpha_max(family, case, max(l1_ratio, 1e-3)))
    elif l1_ratio > 0 and not KNOWN_BUG_ALPHA_MAX_FREE:
        assert np.all(fitted.coefs[0][case.pf > 0] == 0)


# ================================================================= (b) invariances
@given(case=cases(), l1_ratio=L1_RATIOS, data=st.data())
def test_permuting_columns_permutes_coefficients(case, l1_ratio, data):
    """Permuting the columns (with their penalty factors and bounds) permutes the solution:
    the fitted values agree within the gaps, and with a ridge part the coefficients too."""
    tol = 1e-10
    alpha = draw_alpha(data, case, l1_ratio)
    perm = np.random.default_rng(data.draw(st.integers(0, 2**16), "perm seed")).permutation(
        case.p)
    permuted = case.with_X(case.Xd[:, perm])
    permuted.penalty_factor = None if case.penalty_factor is None else case.pf[perm]
    for name in ("lower_bounds", "upper_bounds"):
        value = getattr(case, name)
        if value is not None and np.ndim(value):
            setattr(permuted, name, np.asarray(value)[perm])
    a = fit_gaussian(case, alpha, l1_ratio, tol)
    b = fit_gaussian(permuted, alpha, l1_ratio, tol)
    g = tol * null_rss(case)
    check_gaussian_certificate(permuted, b.coef_, b.intercept_, alpha, l1_ratio, g)
    coef_b = np.empty(case.p)
    coef_b[perm] = b.coef_
    diff = weighted_norm(case, case.Xc @ (a.coef_.astype(float) - coef_b))
    assert diff <= prediction_bound(case, g, g) + rounding_in_predictions(case, a.coef_,
                                                                          b.coef_)
    mu = ridge_modulus(case, alpha, l1_ratio)
    if mu > 0:
        limit = 2 * np.sqrt(2 * g / mu) + coef_rounding(case, a.coef_) \
            + coef_rounding(case, coef_b)
        assert np.all(np.abs(a.coef_ - coef_b) <= limit)


@given(case=cases(), l1_ratio=STRICT_L1_RATIOS, data=st.data())
def test_duplicated_column_splits_its_weight_equally(case, l1_ratio, data):
    """With a ridge part, two copies of a column get equal coefficients: averaging them keeps
    the loss and the L1 term and lowers the ridge term by c (b_k - b_d)^2 / 4, so
    (b_k - b_d)^2 <= 4 g / (alpha (1 - l1_ratio) pf_k s_k^2)."""
    tol = 1e-10
    k = data.draw(st.integers(0, case.p - 1), "duplicated column")
    assume(case.pf[k] > 0)
    alpha = draw_alpha(data, case, l1_ratio)
    dup = case.with_X(np.c_[case.Xd, case.Xd[:, k]])
    if case.penalty_factor is not None:
        dup.penalty_factor = np.r_[case.pf, case.pf[k]]
    for name in ("lower_bounds", "upper_bounds"):
        value = getattr(case, name)
        if value is not None and np.ndim(value):
            setattr(dup, name, np.r_[value, value[k]])
    est = fit_gaussian(dup, alpha, l1_ratio, tol)
    g = tol * null_rss(dup)
    check_gaussian_certificate(dup, est.coef_, est.intercept_, alpha, l1_ratio, g)
    c = alpha * dup.l2w(l1_ratio)[k]
    split = abs(float(est.coef_[k]) - float(est.coef_[-1]))
    rounding = 2 * coef_rounding(dup, est.coef_[[k, -1]]).max()
    assert split <= np.sqrt(4 * g / c) + rounding
    if l1_ratio == 0 and np.isinf(dup.lo[k]) and np.isinf(dup.hi[k]):
        # ridge: an equal split b/2, b/2 costs half of b^2, so the duplicated problem is the
        # original one with pf_k halved; their fitted values agree within the two gaps
        half = case.with_X(case.Xd)
        half.penalty_factor = case.pf.copy()
        half.penalty_factor[k] /= 2
        ref = fit_gaussian(half, alpha, l1_ratio, tol)
        diff = weighted_norm(case, dup.Xc @ est.coef_.astype(float)
                             - case.Xc @ ref.coef_.astype(float))
        assert diff <= prediction_bound(case, g, g) + rounding_in_predictions(
            dup, est.coef_) + rounding_in_predictions(case, ref.coef_)


@given(case=cases(dtypes=(np.float64,)), l1_ratio=L1_RATIOS, data=st.data())
def test_rescaling_a_column_with_standardize_keeps_predictions(case, l1_ratio, data):
    """With standardize=True, multiplying column j by c (and its bounds by 1/c) is the same
    problem in b_j / c: the fitted values agree within the two gaps."""
    tol = 1e-10
    case.standardize = True
    alpha = draw_alpha(data, case, l1_ratio)
    j = data.draw(st.integers(0, case.p - 1), "rescaled column")
    c = data.draw(st.sampled_from([1e-3, 0.37, 4.0, 250.0]), "factor")
    Xs = case.Xd.copy()
    Xs[:, j] *= c
    scaled = case.with_X(Xs)
    for name in ("lower_bounds", "upper_bounds"):  # b_j on the new scale is b_j / c
        value = getattr(case, name)
        if value is not None:
            value = np.broadcast_to(np.asarray(value, float), (case.p,)).copy()
            value[j] /= c
            setattr(scaled, name, value)
    a = fit_gaussian(case, alpha, l1_ratio, tol)
    b = fit_gaussian(scaled, alpha, l1_ratio, tol)
    g = tol * null_rss(case)
    check_gaussian_certificate(scaled, b.coef_, b.intercept_, alpha, l1_ratio, g)
    pa = a.predict(case.Xd)
    pb = b.predict(Xs)
    diff = weighted_norm(case, (pa - pb) - case.w @ (pa - pb) * case.fit_intercept)
    assert diff <= prediction_bound(case, g, g) + 1e-9 * np.sqrt(null_rss(case) + 1e-300)
    # the intercept makes the weighted residuals sum to zero in both fits
    if case.fit_intercept:
        scale_y = np.sqrt(null_rss(case)) + abs(case.w @ case.y)
        assert abs(case.w @ (pa - pb)) <= 1e-9 * scale_y + 1e-9 * np.abs(pa).max()


@given(case=cases(), l1_ratio=L1_RATIOS, shift=st.floats(-1e3, 1e3), data=st.data())
def test_adding_a_constant_to_y_moves_only_the_intercept(case, l1_ratio, shift, data):
    """With an intercept, y + c has the same centred problem: X_c b agrees within the gaps
    (b itself with a ridge part) and the intercept moves by c (up to xbar'(b_a - b_b))."""
    tol = 1e-10
    case.fit_intercept = True
    alpha = draw_alpha(data, case, l1_ratio)
    a = fit_gaussian(case, alpha, l1_ratio, tol)
    shifted = Case(**{**case.__dict__, "y": case.y + shift})
    b = fit_gaussian(shifted, alpha, l1_ratio, tol)
    g = tol * null_rss(case)
    check_gaussian_certificate(shifted, b.coef_, b.intercept_, alpha, l1_ratio, g)
    ca, cb = a.coef_.astype(float), b.coef_.astype(float)
    diff = weighted_norm(case, case.Xc @ (ca - cb))
    y_round = 1e-12 * (abs(shift) + np.abs(case.y).max())
    assert diff <= prediction_bound(case, g, g) + rounding_in_predictions(case, ca, cb) \
        + y_round * 10
    # the intercepts differ by the shift, up to xbar'(b_a - b_b)
    moved = b.intercept_ - a.intercept_ - shift + case.x_mean @ (cb - ca)
    assert abs(moved) <= 1e-9 * (abs(shift) + abs(a.intercept_) + np.abs(case.y).max()) \
        + np.abs(case.x_mean) @ (coef_rounding(case, ca) + coef_rounding(case, cb))
    mu = ridge_modulus(case, alpha, l1_ratio)
    if mu > 0:
        limit = 2 * np.sqrt(2 * g / mu) + coef_rounding(case, ca) + coef_rounding(case, cb)
        assert np.all(np.abs(ca - cb) <= limit + y_round / np.sqrt(mu))


# ================================================================= (c) alpha_max
@given(case=cases(), l1_ratio=st.one_of(st.just(1.0), st.floats(0.05, 1.0)),
       factor=st.one_of(st.just(1.0001), st.floats(1.0001, 10.0)))
def test_alpha_above_alpha_max_gives_zeros(case, l1_ratio, factor):
    """Above alpha_max (computed here) the penalized coefficients are 0. From a cold start
    with every feature penalized no coordinate ever moves: exact zeros. With unpenalized
    features (fitted first) the certificate bounds them: at the optimum b* (penalized part
    0) F(b) - F* >= sum_j (alpha - alpha_max) l1w_j |b_j| over the penalized j, so that sum
    is at most the gap."""
    top = gaussian_alpha_max(case, l1_ratio)
    if top == 0:  # the bounds pin every penalized coefficient at 0
        top = 1.0
    assume(top > 1e-9 * data_scale(case))  # else alpha_max is 0 up to rounding
    tol = 1e-10
    alpha = top * factor
    est = fit_gaussian(case, alpha, l1_ratio, tol)
    coef = np.asarray(est.coef_, dtype=np.float64)
    penalized = case.pf > 0
    if penalized.all():
        assert np.all(coef == 0)
    else:
        excess = (alpha - top) * case.l1w(l1_ratio)[penalized] @ np.abs(coef[penalized])
        assert excess <= tol * null_rss(case) * (1 + 1e-9) + 1e-15 * alpha * top


@pytest.mark.parametrize("family", ["binomial", "poisson"])
@given(data=st.data(), l1_ratio=st.one_of(st.just(1.0), st.floats(0.05, 1.0)),
       factor=st.one_of(st.just(1.0001), st.floats(1.0001, 10.0)))
def test_glm_alpha_above_alpha_max_gives_zeros(family, data, l1_ratio, factor):
    """Above the alpha_max computed here the GLM estimators return b = 0 and the
    intercept-only fit (closed form)."""
    case = data.draw(cases(family=family, free_features=False, min_n=2), "case")
    top = glm_alpha_max(family, case, l1_ratio)
    if top == 0:  # the bounds pin every penalized coefficient at 0
        top = 1.0
    assume(top > 1e-9 * data_scale(case))  # else alpha_max is 0 up to rounding
    coef, b0 = fit_glm(family, case, top * factor, l1_ratio, 1e-8)
    assert np.all(np.asarray(coef) == 0)
    # ... and the intercept is the intercept-only fit (closed form), to within the KKT
    # tolerance divided by the curvature of the mean loss in b0 there (doubled, for the
    # change of curvature between the two points)
    sw = case.sw
    ybar = sw @ case.y / sw.sum()
    if case.fit_intercept:
        expected = np.log(ybar / (1 - ybar)) if family == "binomial" else np.log(ybar)
        curvature = ybar * (1 - ybar) if family == "binomial" else ybar
        scale = float(np.abs(glm_null_gradient(family, case)).max(initial=0.0))
        rounding = abs(expected) * (EPS32 if family == "binomial" and case.dtype == np.float32
                                    else 1e-15)  # LogisticRegression keeps X's dtype
        grad_rounding = glm_gradient_rounding(family, case, np.zeros(case.p), expected)
        assert abs(b0 - expected) <= (2e-8 * scale + 2 * grad_rounding) / curvature \
            + 2 * rounding + 8 * np.finfo(float).eps * abs(expected)


# ================================================================= (d) sparse == dense
@given(case=cases(storages=("csc", "csr")), l1_ratio=L1_RATIOS, data=st.data())
def test_sparse_and_dense_agree(case, l1_ratio, data):
    """CSC / CSR X and the same values dense (column kernel or Gram) solve one problem: the
    fitted values agree within the two gaps, the coefficients too with a ridge part."""
    tol = 1e-10
    alpha = draw_alpha(data, case, l1_ratio)
    dense = case.with_X(case.Xd, data.draw(st.sampled_from(["dense", "gram"]), "dense kind"))
    a = fit_gaussian(case, alpha, l1_ratio, tol)
    b = fit_gaussian(dense, alpha, l1_ratio, tol)
    g = tol * null_rss(case)
    ca, cb = a.coef_.astype(float), b.coef_.astype(float)
    diff = weighted_norm(case, case.Xc @ (ca - cb))
    assert diff <= prediction_bound(case, g, g) + rounding_in_predictions(case, ca, cb)
    mu = ridge_modulus(case, alpha, l1_ratio)
    if mu > 0:
        limit = 2 * np.sqrt(2 * g / mu) + coef_rounding(case, ca) + coef_rounding(case, cb)
        assert np.all(np.abs(ca - cb) <= limit)


@pytest.mark.parametrize("family", ["binomial", "poisson"])
@given(data=st.data(), l1_ratio=L1_RATIOS)
def test_glm_sparse_and_dense_agree(family, data, l1_ratio):
    """Two points z1, z2 = (b0, b) with subgradient residuals v1, v2 (|v|_inf = their KKT
    violations e1, e2) satisfy, by monotonicity of the penalty's subdifferential,
    sum_i (s_i / S) h_i (eta1_i - eta2_i)^2 <= (v1 - v2)'(z1 - z2) <= (e1 + e2) |z1 - z2|_1,
    h_i the smallest curvature of the loss between eta1_i and eta2_i (at an end point)."""
    tol = 1e-8
    case = data.draw(cases(family=family, storages=("csc", "csr"), min_n=2), "case")
    top = glm_alpha_max(family, case, max(l1_ratio, 1e-3)) if (case.pf > 0).all() else 1.0
    alpha = (top if top > 0 else 1.0) * 10.0 ** data.draw(st.floats(-2.0, 0.3), "log alpha")
    dense = case.with_X(case.Xd, "dense")
    ca, ba = fit_glm(family, case, alpha, l1_ratio, tol)
    cb, bb = fit_glm(family, dense, alpha, l1_ratio, tol)
    check_glm_certificate(family, case, ca, ba, alpha, l1_ratio, tol)
    check_glm_certificate(family, case, cb, bb, alpha, l1_ratio, tol)
    # float32 rounding may leave coef_ an ulp outside the box: the inequality needs
    # feasible points, so take the nearest ones (the KKT violations are measured there)
    ca = np.clip(np.asarray(ca, float), case.lo, case.hi)
    cb = np.clip(np.asarray(cb, float), case.lo, case.hi)
    e1 = glm_kkt(family, case, ca, ba, alpha, l1_ratio) \
        + glm_gradient_rounding(family, case, ca, ba)
    e2 = glm_kkt(family, case, cb, bb, alpha, l1_ratio) \
        + glm_gradient_rounding(family, case, cb, bb)
    _, _, h1 = glm_parts(family, case, ca, ba)
    _, _, h2 = glm_parts(family, case, cb, bb)
    d_eta = case.Xd @ (ca - cb) + (ba - bb)
    lhs = case.sw @ (np.minimum(h1, h2) * d_eta**2) / case.sw.sum()
    dist = np.abs(ca - cb).sum() + abs(ba - bb)
    note(f"curvature-weighted |d eta|^2 {lhs:.3e}, bound {(e1 + e2) * dist:.3e}")
    assert lhs <= (e1 + e2) * dist * (1 + 1e-9) + 1e-14 * (1 + np.abs(d_eta).max())
    # and the objectives differ by at most max(e1, e2) |z1 - z2|_1 (convexity)
    fa = glm_objective(family, case, ca, ba, alpha, l1_ratio)
    fb = glm_objective(family, case, cb, bb, alpha, l1_ratio)
    assert abs(fa - fb) <= max(e1, e2) * dist + 1e-13 * (abs(fa) + abs(fb))


def test_profiles_are_registered():
    """The hypothesis profiles of tests/conftest.py exist."""
    from hypothesis import settings

    assert settings.get_profile("ci").derandomize
    assert settings.get_profile("long").max_examples >= 1000


# ====================================================== known bugs: minimal reproducers
# Each is strict: it must fail until the bug is fixed; then drop the mark and set the
# matching KNOWN_BUG_* switch at the top of this module to False.
def test_one_sided_unpenalized_feature():
    """Was a bug: an unpenalized feature with one infinite bound (penalty_factor 0 with
    positive=True) stopped at 0 with dual_gap_ 0 (its sign constraint was taken as met)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = X @ [1.0, 0.0] + 0.1 * rng.standard_normal(20)
    est = Lasso(alpha=1.0, tol=1e-12, penalty_factor=[0, 1], positive=True).fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    b0 = max(float(Xc[:, 0] @ yc / (Xc[:, 0] @ Xc[:, 0])), 0.0)  # feature 0 alone, >= 0
    # at alpha = 1 feature 1 stays at 0 (|its gradient| < 1 at that fit)
    assert abs(Xc[:, 1] @ (yc - b0 * Xc[:, 0])) / 20 < 1.0
    np.testing.assert_allclose(est.coef_, [b0, 0.0], atol=1e-6)


@pytest.mark.parametrize("storage", ["dense", "sparse", "dense-gram", "sparse-gram"])
@pytest.mark.parametrize("options", [{"standardize": True}, {"penalty_factor": [1, 0, 1]}])
def test_constant_column(storage, options):
    """A constant column is all zeros once centred: it must not change the fit of the
    others (the same as dropping it)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3))
    X[:, 1] = 3.0
    y = rng.standard_normal(5)
    Xs = sp.csc_matrix(X) if storage.startswith("sparse") else X
    est = Lasso(alpha=0.01, tol=1e-12, precompute=storage.endswith("gram"),
                **options).fit(Xs, y)
    keep = [0, 2]
    drop_options = dict(options)
    if "penalty_factor" in drop_options:
        drop_options["penalty_factor"] = [1, 1]
    ref = Lasso(alpha=0.01, tol=1e-12, **drop_options).fit(X[:, keep], y)
    np.testing.assert_allclose(est.coef_[keep], ref.coef_, atol=1e-6)
    np.testing.assert_allclose(est.predict(X), ref.predict(X[:, keep]), atol=1e-6)


@pytest.mark.parametrize("model", ["poisson", "logistic", "poisson-path"])
def test_glm_converges_with_large_ridge_curvature(model):
    """Was a bug: these tiny problems at default settings stalled above the KKT tolerance
    with a ConvergenceWarning (the least-squares steps' gap ignored the curvature)."""
    warnings.simplefilter("error", ConvergenceWarning)
    if model == "poisson":
        X = np.array([[-0.803], [0.050], [-0.383], [0.651], [0.891], [0.481], [0.067],
                      [-0.694]])
        y = np.array([2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 0.0, 1.0])
        est = PoissonRegressor().fit(X, y)
        coef, b0, alpha, family = est.coef_, est.intercept_, 1.0, "poisson"
    elif model == "logistic":
        X = np.array([[0.241], [1.447], [0.754], [-0.588], [0.603], [1.153], [0.323],
                      [-0.303], [0.713], [-0.318], [-1.831], [1.367], [-1.254]])
        y = np.array([0.0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1])
        est = LogisticRegression(C=1 / 13).fit(X, y)
        coef, b0, alpha, family = est.coef_[0], est.intercept_[0], 1.0, "binomial"
    else:
        X = np.array([[0.15370559], [-0.16149861], [0.7829187], [0.12824072],
                      [-0.65485749], [0.44205109], [1.59414415], [1.15780945]])
        y = np.array([1.0, 0, 1, 2, 5, 0, 1, 0])
        fitted = path(X, y, 0.0, family="poisson", n_alphas=1, fit_intercept=False)
        coef, b0, alpha, family = fitted.coefs[0], 0.0, fitted.alphas[0], "poisson"
    case = Case(X=X, Xd=X, y=y, sample_weight=None, penalty_factor=None, lower_bounds=None,
                upper_bounds=None, positive=False, fit_intercept=model != "poisson-path",
                standardize=False, storage="dense", dtype=np.float64)
    check_glm_certificate(family, case, coef, b0, alpha, 0.0, 1e-4 if model != "poisson-path"
                          else 1e-7)


def test_alpha_max_when_unpenalized_features_fit_y():
    """Was a bug: alpha_max came out ~1e-9 instead of 0 (the null fit was iterative)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 5))  # 3 samples: 2 centred unpenalized columns fit y
    y = rng.standard_normal(3)
    pf = np.array([0.0, 0.0, 1.0, 1.0, 1.0])
    with pytest.warns(UserWarning, match="alpha_max is 0"):
        fitted = path(X, y, n_alphas=1, penalty_factor=pf)
    assert np.all(fitted.coefs[:, 2:] == 0)


def test_alpha_max_with_unpenalized_features():
    """Was a bug: alpha_max was off by ~1e-7 relative and the path's first solution kept a
    non-zero penalized coefficient; the null model is now an exact least-squares fit and
    the path starts from it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 40))
    y = X[:, :20] @ rng.standard_normal(20) + rng.standard_normal(40)
    pf = np.r_[np.zeros(15), np.ones(25)]
    fitted = path(X, y, n_alphas=1, penalty_factor=pf, tol=1e-10)
    Xc, yc = X - X.mean(0), y - y.mean()
    r = yc - Xc[:, :15] @ np.linalg.lstsq(Xc[:, :15], yc, rcond=None)[0]
    top = np.abs(Xc[:, 15:].T @ r / 40).max()
    assert np.all(fitted.coefs[0][15:] == 0)
    assert fitted.alphas[0] == pytest.approx(top, rel=1e-8)


def test_glm_coefficient_on_its_bound_exactly():
    """Was a bug: the line search's full step coef + (new - coef) left a coefficient one ulp
    inside its upper bound, the KKT check counted it as interior and the path stalled (KKT
    3e-2); the full step now takes the least-squares solution itself."""
    X = np.zeros((3, 3), dtype=np.float32)
    X[2, 2] = -0.93455195
    y = np.array([0.0, 1.0, 0.0])
    hi = 0.820075750170535
    fitted = path(X, y, 0.1, family="binomial", n_alphas=3, eps=0.05, fit_intercept=False,
                  lower_bounds=[-0.630090199785343, -0.29816309065742475, -np.inf],
                  upper_bounds=[0.6576522108732432, np.inf, hi], tol=1e-7)
    assert fitted.coefs[-1, 2] == hi  # the optimum is on the bound


def test_huge_column_means_dense_centres_a_copy_sparse_warns():
    """Was a bug: with |mean| / sd = 1e7 the implicit centring lost the residual's precision:
    the dense fit did not converge and the sparse one reported a negative gap. Dense X is
    now centred in a copy past CENTRE_COPY_RATIO; sparse X cannot be, and says so."""
    rng = np.random.default_rng(0)
    X = 1e4 + 1e-3 * rng.standard_normal((50, 3))
    y = (X - 1e4) @ [1000.0, -500.0, 0.0] + rng.standard_normal(50)
    dense = Lasso(alpha=0.05, standardize=True, tol=1e-10, max_iter=100_000).fit(X, y)
    Xc = X - X.mean(0)
    scale = Xc.std(0)
    ref = SkLasso(alpha=0.05, tol=1e-14, max_iter=100_000).fit(Xc / scale, y)
    np.testing.assert_allclose(dense.coef_, ref.coef_ / scale, rtol=1e-6)
    assert 0 <= dense.dual_gap_
    with pytest.warns(UserWarning, match="column 1 has .mean. = 1.2e\\+07 times its standard"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Lasso(alpha=0.05, standardize=True).fit(sp.csc_matrix(X), y)


def test_glm_tolerance_floor():
    """Constant counts: the null model is optimal, and the fit must say so without a
    warning (the KKT tolerance once fell below the rounding of the gradient)."""
    rng = np.random.default_rng(0)
    X = 10 * rng.standard_normal((10, 3))
    y = np.full(10, 3.0)
    est = PoissonRegressor(alpha=1e-3, l1_ratio=1.0).fit(X, y)
    np.testing.assert_array_equal(est.coef_, 0.0)
    assert est.intercept_ == pytest.approx(np.log(3.0))


def test_sparse_constant_column_with_ridge():
    """Was a bug: sparse X + standardize=True + a ridge part gave a constant column a
    non-zero coefficient that dual_gap_ ignored (its sum of squares was E[x^2] - mean^2, a
    rounding residue); the sparse sums of squares are now centred entry by entry."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    X[:, 1] = 3.0
    y = rng.standard_normal(60) + 3
    est = ElasticNet(alpha=800.0, l1_ratio=0.0, tol=1e-10, standardize=True).fit(
        sp.csc_matrix(X), y)
    # the column is zero once centred: any b_1 != 0 pays 400 b_1^2 for nothing, which the
    # certified gap must cover
    assert 400.0 * est.coef_[1] ** 2 <= max(est.dual_gap_, 0.0) + 1e-15


def test_working_set_ties():
    """Ties in the working-set scores (columns identical once standardized) must not keep
    the most violating feature out of every working set (it once stalled, gap 10)."""
    X = np.zeros((5, 11))
    for i, j, v in [(0, 4, -5.820900989253154), (0, 10, -0.8719969368555139),
                    (2, 0, -0.16794464614927676), (2, 2, -1.2799139867457956),
                    (2, 6, 3.9902575690155033), (2, 7, -0.880950980293984),
                    (2, 8, 2.781084679908966), (3, 5, -0.6275980749892447),
                    (3, 9, -0.2730658255543426), (3, 10, -2.3706938668415516),
                    (4, 1, 1.1798817491683222), (4, 3, -0.08313018526152886),
                    (4, 5, 0.2367372676458558)]:
        X[i, j] = v
    y = np.array([2.571647547709467, 2.7687162548382895, 1.4866227858254835,
                  -1.3092621513324694, 2.0306104076216838])
    pf = [1, 1, 1, 0.5, 0.5, 2, 0.5, 1, 0.5, 2, 0.5]
    est = ElasticNet(alpha=0.65, l1_ratio=0.9, standardize=True, penalty_factor=pf,
                     tol=1e-10, max_iter=2000).fit(X, y)
    assert est.dual_gap_ <= 1e-10 * np.var(y)


def test_stored_constant_sparse_column_with_weights():
    """Found by the long run: a sparse column storing the same value in every row, with
    non-uniform weights, had a centred sum of squares of m^2 (1 - sum of stored weights),
    rounding residue that looked like data (sd 1e-8 |mean|): a bounded logistic ridge put
    it at its bound (KKT 0.1) and an unpenalized one gave non-finite coefficients."""
    from penalized.design import SparseDesign

    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 4))
    X[:, 1] = 3.0
    w = rng.uniform(0.2, 3.0, 10)
    design = SparseDesign(sp.csc_matrix(X), w / w.sum(), True)
    assert design.col_sq[1] == 0.0
    y = (X[:, 0] + rng.standard_normal(10) > 0).astype(float)
    kw = dict(l1_ratio=0.0, standardize=True, upper_bounds=[np.inf, 0.1, np.inf, np.inf],
              tol=1e-8)
    sparse = LogisticRegression(**kw).fit(sp.csc_matrix(X), y, sample_weight=w)
    dense = LogisticRegression(**kw).fit(X, y, sample_weight=w)
    assert abs(sparse.coef_[0, 1]) < 1e-12
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-7)
