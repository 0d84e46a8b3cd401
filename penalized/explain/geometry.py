"""Constraint-region geometry: why the L1 ball gives exact zeros and the L2 ball does not.

Every penalized fit of this library,

    min_{b0, b}  1/(2n) ||y - X b - b0||^2 + alpha * P(b),

is the Lagrangian form of a constrained problem

    min_{b0, b}  1/(2n) ||y - X b - b0||^2      subject to  R(b) <= t,

where the regions {R(b) <= t} all pass through (+-t, 0) and (0, +-t) so that they can be
compared at the same budget t:

- ``"lasso"``:      R(b) = ||b||_1                                           (the diamond)
- ``"ridge"``:      R(b) = ||b||_2                                           (the disc)
- ``"elasticnet"``: R(b) = l1_ratio ||b||_1 + (1 - l1_ratio) ||b||_2^2 / t    (rounded diamond)

The loss is a quadratic bowl whose elliptical contours grow from the least-squares optimum
c until they first touch the region. The diamond has corners on the axes, and a corner is
where most contours touch it first, so the lasso optimum often has an exact zero; the disc
has no corners, so the ridge optimum has one only if c itself lies on an axis.

Nothing here is sketched: each constrained optimum is found by solving the penalized
problem with the library's own coordinate-descent solver (lasso, elastic net) or closed-form
ridge, and adjusting alpha until R(b) = t. The lasso's exact zeros come out of the solver.
`corner_frequency` counts how often the optimum lands on a corner (has an exact zero) for
random quadratic losses in 2 to 100 dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from penalized._validation import Interval, build_problem, check_arrays, check_number
from penalized.design import GramDesign
from penalized.path import alpha_max
from penalized.ridge import ridge as ridge_closed_form
from penalized.solver import SINGLE_INNER_RATIO, solve_arrays

NAMES = ("lasso", "ridge", "elasticnet")

# Root finding on alpha stops once the region value is this close to the budget (relative);
# the solver's own accuracy (tol) bounds how far below this it can get.
_BUDGET_RTOL = 1e-12
_MAX_ROOT_STEPS = 200
# The bracketing search walks alpha down from its upper end in chunks of _CHUNK
# log-spaced values spanning a factor _CHUNK_SPAN, warm-started in one compiled call each.
_CHUNK = 9
_CHUNK_SPAN = 1e-2
_SMALLEST_ALPHA = 1e-14  # relative to the upper end: below this the fit is least squares
_RIDGE_STEP = 0.3  # ridge's walk (closed form, one alpha per solve)


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------
def _check_name(name) -> str:
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(f"name must be one of {NAMES}, got {name!r}.")
    return name


def _check_budget(budget) -> float:
    if isinstance(budget, np.generic):
        budget = budget.item()
    if not isinstance(budget, Real) or isinstance(budget, bool):
        raise ValueError(f"budget must be a finite number > 0, got {budget!r}.")
    if not np.isfinite(budget) or budget <= 0:
        raise ValueError(f"budget must be a finite number > 0, got {budget!r}.")
    return float(budget)


def _check_l1_ratio(l1_ratio) -> float:
    if isinstance(l1_ratio, np.generic):
        l1_ratio = l1_ratio.item()
    if (not isinstance(l1_ratio, Real) or isinstance(l1_ratio, bool)
            or not 0.0 < l1_ratio < 1.0):
        raise ValueError(
            f"l1_ratio must be a number in the open interval (0, 1) for the elastic-net "
            f"region (0 is ridge, 1 is lasso), got {l1_ratio!r}."
        )
    return float(l1_ratio)


def _values(name: str, coefs: np.ndarray, budget: float, l1_ratio: float) -> np.ndarray:
    """R(b) for every row of coefs (no checks)."""
    l1 = np.abs(coefs).sum(axis=-1)
    sq = (coefs * coefs).sum(axis=-1)
    if name == "lasso":
        return l1
    if name == "ridge":
        return np.sqrt(sq)
    return l1_ratio * l1 + (1.0 - l1_ratio) * sq / budget


def region_value(name: str, coef, budget: float, l1_ratio: float = 0.5) -> float:
    """The constraint function R(b) of region `name` at `coef` (the region is R(b) <= budget).

    - ``"lasso"``:      R(b) = ||b||_1
    - ``"ridge"``:      R(b) = ||b||_2
    - ``"elasticnet"``: R(b) = l1_ratio ||b||_1 + (1 - l1_ratio) ||b||_2^2 / budget

    The budget enters only the elastic-net function; it makes all three regions pass through
    the points where one coordinate is +-budget and the others are 0.

    Parameters
    ----------
    name : {"lasso", "ridge", "elasticnet"}
    coef : array-like of shape (p,)
    budget : float > 0
    l1_ratio : float in (0, 1)
        Used by the elastic-net region only.

    Returns
    -------
    float
    """
    name = _check_name(name)
    budget = _check_budget(budget)
    if name == "elasticnet":
        l1_ratio = _check_l1_ratio(l1_ratio)
    b = np.asarray(coef, dtype=np.float64)
    if b.ndim != 1 or not np.isfinite(b).all():
        raise ValueError(f"coef must be a finite 1-D array, got shape {b.shape}.")
    return float(_values(name, b, budget, l1_ratio))


def region_gauge(name: str, coef, l1_ratio: float = 0.5) -> float:
    """The smallest budget t whose region contains `coef`: R(coef; t) = t on its boundary.

    Every region is t times a fixed shape (for the elastic net, t * {u : l1_ratio ||u||_1 +
    (1 - l1_ratio) ||u||_2^2 <= 1}), so this is the gauge of that shape: ||b||_1 (lasso),
    ||b||_2 (ridge), and for the elastic net the positive root of
    t^2 - l1_ratio ||b||_1 t - (1 - l1_ratio) ||b||_2^2 = 0.
    `corner_frequency` expresses budgets as fractions of this value at the unconstrained
    optimum.
    """
    name = _check_name(name)
    if name == "elasticnet":
        l1_ratio = _check_l1_ratio(l1_ratio)
    b = np.asarray(coef, dtype=np.float64)
    if b.ndim != 1 or not np.isfinite(b).all():
        raise ValueError(f"coef must be a finite 1-D array, got shape {b.shape}.")
    return float(_gauges(name, b, l1_ratio))


def _gauges(name: str, coefs: np.ndarray, l1_ratio: float) -> np.ndarray:
    l1 = np.abs(coefs).sum(axis=-1)
    l2 = np.sqrt((coefs * coefs).sum(axis=-1))
    if name == "lasso":
        return l1
    if name == "ridge":
        return l2
    half = 0.5 * l1_ratio * l1
    return half + np.sqrt(half * half + (1.0 - l1_ratio) * l2 * l2)


def effective_l1_ratio(budget: float, l1_ratio: float) -> float:
    """The l1_ratio `a` of the ElasticNet whose solutions trace the elastic-net region's optima.

    The Lagrangian of the constraint l1_ratio ||b||_1 + (1 - l1_ratio) ||b||^2 / t <= t with
    multiplier mu is mu l1_ratio ||b||_1 + mu (1 - l1_ratio) / t ||b||^2, which equals
    ElasticNet's alpha (a ||b||_1 + (1 - a)/2 ||b||^2) when alpha a = mu l1_ratio and
    alpha (1 - a)/2 = mu (1 - l1_ratio)/t, i.e. (1 - a)/(2a) = (1 - l1_ratio)/(t l1_ratio):

        a = t l1_ratio / (t l1_ratio + 2 (1 - l1_ratio)),    alpha = mu l1_ratio / a.
    """
    budget = _check_budget(budget)
    l1_ratio = _check_l1_ratio(l1_ratio)
    return budget * l1_ratio / (budget * l1_ratio + 2.0 * (1.0 - l1_ratio))


def region_boundary(name: str, budget: float, l1_ratio: float = 0.5,
                    n_points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Closed boundary curve (b0, b1) of a 2-D region, corners included exactly.

    Each point is t u / gauge(u) for a direction u; the directions include the four axis
    directions (the diamond's corners), and the last point repeats the first.
    """
    name = _check_name(name)
    budget = _check_budget(budget)
    if name == "elasticnet":
        l1_ratio = _check_l1_ratio(l1_ratio)
    check_number(n_points, "n_points", Interval(Integral, 5, None))
    # n_points - 1 directions split over the four quadrants, each starting at its axis
    sizes = np.full(4, (n_points - 1) // 4)
    sizes[: (n_points - 1) % 4] += 1
    angles = np.concatenate([
        np.linspace(k * np.pi / 2, (k + 1) * np.pi / 2, m, endpoint=False)
        for k, m in enumerate(sizes)
    ])
    u = np.column_stack([np.cos(angles), np.sin(angles)])
    # exact zeros on the axes (cos(pi/2) is 6e-17, not 0): the corners sit on the axes
    u[np.abs(u) < 1e-15] = 0.0
    points = budget * u / _gauges(name, u, l1_ratio)[:, None]
    points = np.vstack([points, points[:1]])
    return points[:, 0].copy(), points[:, 1].copy()


# ---------------------------------------------------------------------------------------------
# Constrained optima through the penalized solver
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConstrainedSolution:
    """The optimum of min 1/(2n) ||y - X b - b0||^2 subject to R(b) <= budget.

    Attributes
    ----------
    name : str
        "lasso", "ridge" or "elasticnet".
    coef : ndarray of shape (p,)
        The constrained optimum, on the scale of the features used.
    alpha : float
        The penalty of the equivalent penalized fit, in ElasticNet's scaling: coef minimizes
        1/(2n) ||y - X b - b0||^2 + alpha (a ||b||_1 + (1 - a)/2 ||b||_2^2) with
        a = `penalty_l1_ratio` (1 for the lasso, 0 for ridge, so penalized.Ridge's alpha is
        n * alpha). 0 when the unconstrained optimum already lies inside the region.
    penalty_value : float
        R(coef); equals the budget (to ~1e-9 relative) whenever the constraint is active.
    zeros : ndarray of bool, shape (p,)
        coef == 0 exactly, as the solver returned it.
    penalty_l1_ratio : float
        The ElasticNet l1_ratio `a` of the penalized fit (see `effective_l1_ratio`).
    multiplier : float
        The shadow price of the budget, mu = -d loss / d t: the loss falls by about mu per
        unit of extra budget. For the lasso and ridge it is the Lagrange multiplier of
        R(b) <= t; for the elastic net, of gauge(b) <= t (`region_gauge`: the same region,
        written without t inside the function). 0 when the constraint is inactive.
    intercept : float
    loss : float
        1/(2n) ||y - X coef - intercept||^2 at the optimum.
    budget : float
    active : bool
        Whether the constraint binds (the unconstrained optimum lies outside the region).
    """

    name: str
    coef: np.ndarray
    alpha: float
    penalty_value: float
    zeros: np.ndarray
    penalty_l1_ratio: float = 1.0
    multiplier: float = 0.0
    intercept: float = 0.0
    loss: float = float("nan")
    budget: float = float("nan")
    active: bool = True


class _LeastSquares:
    """One least-squares problem, solved at many penalties by the library's solvers.

    The Problem (validation, centring, Gram matrix) is built once; every penalized solve
    then goes straight to the compiled coordinate-descent engine (lasso, elastic net) or to
    the closed-form ridge, warm-started where it helps.
    """

    def __init__(self, X, y, *, fit_intercept: bool = True, tol: float = 1e-12):
        X, y = check_arrays(X, y)
        n, p = X.shape
        # The Gram matrix is p x p: cheap when n >= p, and it makes every later solve
        # independent of n (the bisection solves many times).
        gram = not sp.issparse(X) and n >= p
        self.problem = build_problem(X, np.asarray(y, dtype=np.float64),
                                     fit_intercept=fit_intercept, precompute=gram)
        self.tol = float(tol)
        self.n_features = p
        self._ols = None
        self._q = None

    # -- the unconstrained optimum ---------------------------------------------------------
    def least_squares(self) -> np.ndarray:
        """The (minimum-norm) least-squares coefficients."""
        if self._ols is None:
            problem, design = self.problem, self.problem.design
            y = problem.y
            y_c = y - problem.y_mean(y)
            if isinstance(design, GramDesign):
                Q, q = design.Q, design.rmatvec(y_c)
                self._ols = np.linalg.lstsq(Q, q, rcond=None)[0]
            else:
                X = design.X.toarray() if sp.issparse(design.X) else np.asarray(design.X)
                root_w = np.sqrt(problem.weights)
                A = (X - design.x_mean) * root_w[:, None]
                self._ols = np.linalg.lstsq(A, y_c * root_w, rcond=None)[0]
        return self._ols

    def intercept(self, coef: np.ndarray) -> float:
        problem = self.problem
        if not problem.fit_intercept:
            return 0.0
        return float(problem.y_mean(problem.y) - problem.design.x_mean @ coef)

    def loss(self, coef: np.ndarray) -> float:
        """1/(2n) ||y - X b - b0(b)||^2 with the intercept profiled out."""
        problem = self.problem
        resid = problem.y - problem.design.matvec(coef) - self.intercept(coef)
        return float(0.5 * problem.weights @ (resid * resid))

    # -- penalized solves ------------------------------------------------------------------
    def enet(self, alphas: np.ndarray, a: float, coef_init=None,
             single: bool = False) -> np.ndarray:
        """Elastic-net solutions (rows) along the decreasing alphas, warm-started."""
        kwargs = {"inner_ratio": SINGLE_INNER_RATIO} if single else {}
        return solve_arrays(self.problem, np.asarray(alphas, dtype=np.float64), a,
                            tol=self.tol, max_iter=100_000, coef_init=coef_init,
                            **kwargs).coefs

    def ridge(self, alpha: float) -> np.ndarray:
        """Closed-form ridge: argmin 1/(2n) ||y - Xb - b0||^2 + alpha/2 ||b||^2."""
        # penalized.ridge takes scikit-learn's Ridge alpha (undivided sum of squares)
        return ridge_closed_form(self.problem, alpha * self.problem.sum_weights)[0][0]

    # -- exactness: one Newton step on the solver's support --------------------------------
    def _centred_y(self) -> np.ndarray:
        problem = self.problem
        return problem.y - problem.y_mean(problem.y)

    def _hessian_block(self, S: np.ndarray) -> np.ndarray:
        """X_c[:, S]' W X_c[:, S] (the loss's Hessian restricted to the support)."""
        design = self.problem.design
        if isinstance(design, GramDesign):
            return design.Q[np.ix_(S, S)]
        X = design.X[:, S]
        X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        A = (X - design.x_mean[S]) * np.sqrt(self.problem.weights)[:, None]
        return A.T @ A

    def _descent(self, coef: np.ndarray) -> np.ndarray:
        """Minus the loss gradient, X_c' W (y_c - X_c b)."""
        design = self.problem.design
        if isinstance(design, GramDesign):
            if self._q is None:
                self._q = design.rmatvec(self._centred_y())
            return self._q - design.Q @ coef
        resid = self._centred_y() - (design.matvec(coef) - design.x_mean @ coef)
        return design.rmatvec(resid)

    def polish(self, coef: np.ndarray, alpha: float, a: float) -> np.ndarray | None:
        """The exact elastic-net solution on the solver's support and signs, or None.

        A duality-gap certificate bounds the coefficient error only by about
        sqrt(gap / curvature) (~1e-7 for elastic-net fits at tol=1e-12). On the support S
        with signs sigma that the solver found, the objective is quadratic, so one Newton
        step lands exactly on its minimizer:

            (H_SS + alpha (1 - a) I) b_S = q_S - alpha a sigma_S.

        The step is kept only if it keeps every sign and the zeros still satisfy the
        optimality conditions |q_j - H_j b| <= alpha a; zeros are never created or
        removed here, they are the solver's.
        """
        S = np.flatnonzero(coef)
        if S.size == 0:
            return coef
        sigma = np.sign(coef[S])
        M = self._hessian_block(S) + alpha * (1.0 - a) * np.eye(S.size)
        try:
            b_S = np.linalg.solve(M, self._descent(np.zeros_like(coef))[S] - alpha * a * sigma)
        except np.linalg.LinAlgError:
            return None
        if not np.isfinite(b_S).all() or (np.sign(b_S) != sigma).any():
            return None
        # a singular H_SS (collinear support) leaves a flat direction: refuse big moves
        if np.abs(b_S - coef[S]).max() > 1e-4 * max(np.abs(coef[S]).max(), 1e-300):
            return None
        out = np.zeros_like(coef)
        out[S] = b_S
        grad = np.abs(self._descent(out))
        zero = np.ones(coef.shape[0], dtype=bool)
        zero[S] = False
        slack = 1e-7 * alpha * a + 1e-12 * grad.max()
        if (grad[zero] > alpha * a + slack).any():
            return None
        return out

    def exact_enet(self, alpha: float, a: float, coef_init=None) -> np.ndarray:
        """The solver's elastic-net solution at alpha, polished (see `polish`)."""
        coef = self.enet(np.array([alpha]), a, coef_init, single=True)[0]
        out = self.polish(coef, alpha, a)
        if out is None and coef_init is not None:
            # a warm start the solver already accepts is returned unchanged: when its
            # support is stale, solve afresh
            coef = self.enet(np.array([alpha]), a, None, single=True)[0]
            out = self.polish(coef, alpha, a)
        return coef if out is None else out

    def _exact(self, name: str, a: float, alpha: float, coef_init=None) -> np.ndarray:
        """The exact penalized solution at one alpha (a refinement step)."""
        if name == "ridge":
            return self.ridge(alpha)
        return self.exact_enet(alpha, a, coef_init)

    def _alpha_top(self, name: str, a: float, budgets: np.ndarray) -> float:
        """An alpha whose solution lies inside every region (R(b) <= t)."""
        if name == "ridge":
            # b(alpha) = (H + alpha I)^-1 q, so ||b||_2 <= ||q||_2 / alpha for H >= 0
            problem = self.problem
            y_c = problem.y - problem.y_mean(problem.y)
            return float(np.linalg.norm(problem.design.rmatvec(y_c))) / budgets.min()
        return alpha_max(self.problem, a)  # every coefficient is 0 there

    # -- constrained optima ----------------------------------------------------------------
    def constrained(self, name: str, budgets, l1_ratio: float = 0.5) -> list:
        """The ConstrainedSolution at each budget (a list, in the order given)."""
        budgets = np.atleast_1d(np.asarray(budgets, dtype=np.float64))
        out = [None] * len(budgets)
        ols = self.least_squares()
        todo = []
        for k, t in enumerate(budgets):
            if _values(name, ols, t, l1_ratio) <= t:
                out[k] = self._solution(name, ols, 0.0, t, l1_ratio, a=_mix(name, t, l1_ratio),
                                        active=False)
            else:
                todo.append(k)
        if name == "elasticnet":
            # the penalized family depends on t: one search per budget
            for k in todo:
                out[k] = self._search(name, budgets[[k]], l1_ratio)[0]
        elif todo:
            for k, sol in zip(todo, self._search(name, budgets[todo], l1_ratio), strict=True):
                out[k] = sol
        return out

    def _search(self, name: str, budgets: np.ndarray, l1_ratio: float) -> list:
        """Bracket each budget's alpha on one warm-started descending grid, then refine."""
        a = _mix(name, float(budgets[0]), l1_ratio)
        top = self._alpha_top(name, a, budgets)
        alphas = [top]
        coefs = [np.zeros(self.n_features) if name != "ridge" else self.ridge(top)]
        exact = [True]  # zero at alpha_max, closed-form ridge: nothing to polish
        values = [self._at(name, coefs[0], budgets, l1_ratio)]  # each budget's R at top
        scale = 1.0
        # walk alpha down until every budget's region is left (R > t)
        while not (np.array(values) > budgets).any(axis=0).all() and scale > _SMALLEST_ALPHA:
            if name == "ridge":  # closed form, one alpha at a time: stop as soon as possible
                grid = [alphas[-1] * _RIDGE_STEP]
                chunk = [self.ridge(grid[0])]
                scale *= _RIDGE_STEP
            else:  # one compiled, warm-started call per chunk; polished only where needed
                grid = top * scale * np.geomspace(1.0, _CHUNK_SPAN, _CHUNK + 1)[1:]
                chunk = self.enet(grid, a, coef_init=coefs[-1])
                scale *= _CHUNK_SPAN
            for alpha, coef in zip(grid, chunk, strict=True):
                alphas.append(alpha)
                coefs.append(coef)
                exact.append(name == "ridge")
                values.append(self._at(name, coef, budgets, l1_ratio))
        values = np.array(values)  # (n_alphas, n_budgets), increasing down the rows

        def make_exact(i: int) -> None:
            if not exact[i]:
                polished = self.polish(coefs[i], alphas[i], a)
                coefs[i] = self.exact_enet(alphas[i], a) if polished is None else polished
                exact[i] = True
                values[i] = self._at(name, coefs[i], budgets, l1_ratio)

        results = []
        for k, t in enumerate(budgets):
            outside = np.flatnonzero(values[:, k] > t)
            i = outside[0] if outside.size else len(alphas)
            # the raw grid values are good to ~1e-7: make the two bracketing ends exact
            # and move the bracket if that moved a value across t
            while 0 < i < len(alphas):
                make_exact(i)
                make_exact(i - 1)
                if values[i, k] <= t:
                    i += 1
                elif values[i - 1, k] > t:
                    i -= 1
                else:
                    break
            if i >= len(alphas):  # R reaches t only at alpha ~ 0: least squares itself
                make_exact(len(alphas) - 1)
                coef, alpha = coefs[-1], alphas[-1]
            else:  # alphas[i] < alpha* <= alphas[i - 1]
                alpha, coef = self._refine(
                    name, a, t, l1_ratio, (alphas[i], values[i, k], coefs[i]),
                    (alphas[i - 1], values[i - 1, k], coefs[i - 1]))
            results.append(self._solution(name, coef, alpha, t, l1_ratio, a=a))
        return results

    @staticmethod
    def _at(name: str, coef: np.ndarray, budgets: np.ndarray, l1_ratio: float) -> np.ndarray:
        """R(coef) under each budget (only the elastic-net value depends on it)."""
        return np.broadcast_to(_values(name, coef, budgets, l1_ratio), budgets.shape).copy()

    def _refine(self, name, a, t, l1_ratio, low, high):
        """Illinois (regula falsi) on alpha: R(b(alpha)) - t changes sign on [low, high].

        R(b(alpha)) is non-increasing in alpha. For the lasso it is piecewise linear (the
        path is), so once both ends sit on one piece the secant step is exact. For ridge
        1/R is close to linear (exactly, when X'X/n = I: ||b|| = ||c|| / (1 + alpha)), so
        the secant runs on -1/R there and for the elastic net.
        """
        def phi(value):
            return value if name == "lasso" else -1.0 / value

        (lo, g_lo, c_lo), (hi, g_hi, c_hi) = low, high
        target = phi(t)
        f_lo, f_hi = phi(g_lo) - target, phi(g_hi) - target  # f_lo > 0 >= f_hi
        best = (abs(g_hi - t), hi, c_hi)
        if best[0] <= _BUDGET_RTOL * t:
            return hi, c_hi
        side = 0
        for _ in range(_MAX_ROOT_STEPS):
            if hi - lo <= 4 * np.finfo(float).eps * hi:
                break
            x = hi - f_hi * (hi - lo) / (f_hi - f_lo)
            if not lo < x < hi:
                x = 0.5 * (lo + hi)
            warm = c_lo if x - lo < hi - x else c_hi
            coef = self._exact(name, a, x, coef_init=warm)
            value = float(_values(name, coef, t, l1_ratio))
            if abs(value - t) < best[0]:
                best = (abs(value - t), x, coef)
            if abs(value - t) <= _BUDGET_RTOL * t:
                break
            f = phi(value) - target
            if f > 0:
                lo, f_lo, c_lo = x, f, coef
                if side == 1:
                    f_hi *= 0.5  # Illinois: keep the stale end from stalling the secant
                side = 1
            else:
                hi, f_hi, c_hi = x, f, coef
                if side == -1:
                    f_lo *= 0.5
                side = -1
        return best[1], best[2]

    def _solution(self, name, coef, alpha, t, l1_ratio, a, active=True) -> ConstrainedSolution:
        coef = np.array(coef, dtype=np.float64)
        value = float(_values(name, coef, t, l1_ratio))
        # The shadow price -d loss / d t, from the penalized alpha (stationarity of both)
        if name == "lasso":
            mu = alpha
        elif name == "ridge":
            mu = alpha * value  # grad R = b / ||b||, grad of alpha/2 ||b||^2 = alpha b
        else:
            # alpha a / l1_ratio is the multiplier of R(b; t) <= t; R also depends on t, and
            # the envelope theorem adds d/dt (t - R(b; t)) = 1 + (1 - l1_ratio) ||b||^2 / t^2
            mu = alpha * a / l1_ratio * (1.0 + (1.0 - l1_ratio) * (coef @ coef) / (t * t))
        return ConstrainedSolution(
            name=name, coef=coef, alpha=float(alpha), penalty_value=value, zeros=coef == 0.0,
            penalty_l1_ratio=a, multiplier=float(mu), intercept=self.intercept(coef),
            loss=self.loss(coef), budget=float(t), active=bool(active),
        )


def _mix(name: str, budget: float, l1_ratio: float) -> float:
    if name == "lasso":
        return 1.0
    if name == "ridge":
        return 0.0
    return budget * l1_ratio / (budget * l1_ratio + 2.0 * (1.0 - l1_ratio))


def constrained_fit(X, y, budget: float, name: str = "lasso", *, l1_ratio: float = 0.5,
                    fit_intercept: bool = True, tol: float = 1e-12) -> ConstrainedSolution:
    """The least-squares fit constrained to a region, solved through the penalized solver.

    Solves

        min_{b0, b}  1/(2n) ||y - X b - b0||^2      subject to  R(b) <= budget

    with R as in `region_value`. If the least-squares optimum lies inside the region it is
    the answer (alpha = 0). Otherwise the constraint binds and the optimum is the penalized
    solution whose R equals the budget: R(b(alpha)) is non-increasing in alpha, so alpha is
    bracketed on a warm-started descending grid and refined by regula falsi. The penalized
    fits are

    - lasso:      1/(2n) ||y - Xb - b0||^2 + alpha ||b||_1            (Lasso)
    - ridge:      1/(2n) ||y - Xb - b0||^2 + alpha/2 ||b||_2^2        (Ridge, closed form)
    - elasticnet: 1/(2n) ||y - Xb - b0||^2 + alpha (a ||b||_1 + (1 - a)/2 ||b||_2^2) with
      a = budget l1_ratio / (budget l1_ratio + 2 (1 - l1_ratio)) (see `effective_l1_ratio`),

    so the lasso's exact zeros are the solver's own. A duality-gap certificate pins the
    coefficients down only to about sqrt(tol); so that R(b) meets the budget to ~1e-12, the
    non-zero coefficients the solver returns are finished by one Newton step on its support
    and signs (exact there, the objective being quadratic), kept only if every sign and
    every zero's optimality condition survive it. Zeros are never added or removed by it.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Any number of features, used on their own scale (no standardization).
    y : array-like of shape (n_samples,)
    budget : float > 0
        The t of the region.
    name : {"lasso", "ridge", "elasticnet"}
    l1_ratio : float in (0, 1)
        The elastic-net region's mix.
    fit_intercept : bool
    tol : float in (0, 1)
        Duality-gap tolerance of each penalized solve, relative to the variance of y.

    Returns
    -------
    ConstrainedSolution
    """
    name = _check_name(name)
    budget = _check_budget(budget)
    if name == "elasticnet":
        l1_ratio = _check_l1_ratio(l1_ratio)
    check_number(tol, "tol", Interval(Real, 0, 1, closed="neither"))
    engine = _LeastSquares(X, y, fit_intercept=fit_intercept, tol=tol)
    return engine.constrained(name, budget, l1_ratio)[0]


# ---------------------------------------------------------------------------------------------
# The two-feature picture
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geometry:
    """Everything needed to draw loss contours against the three constraint regions.

    The loss of two features is the quadratic 1/(2n) ||y - X b - b0||^2 with the intercept
    profiled out, = loss_at_center + 1/2 (b - center)' hessian (b - center).

    Attributes
    ----------
    hessian : ndarray of shape (2, 2)
        X_c'X_c / n of the two features as used (centred when fitting an intercept,
        standardized when asked): the curvature of the loss.
    center : ndarray of shape (2,)
        The unconstrained least-squares optimum.
    loss_at_center : float
    budget : float
        The t of every region.
    l1_ratio : float
        The elastic-net region's mix.
    solutions : dict
        {"lasso": ConstrainedSolution, "ridge": ..., "elasticnet": ...}.
    feature_names : tuple of str
    scale : ndarray of shape (2,)
        The factors the features were divided by (ones without standardization): a
        coefficient b on this picture's scale is b / scale on the original one.
    """

    hessian: np.ndarray
    center: np.ndarray
    loss_at_center: float
    budget: float
    l1_ratio: float
    solutions: dict
    feature_names: tuple
    scale: np.ndarray = field(default_factory=lambda: np.ones(2))

    def loss(self, b0, b1) -> np.ndarray:
        """1/(2n) ||y - X b - b0||^2 at b = (b0, b1), broadcasting over arrays."""
        d0 = np.asarray(b0, dtype=np.float64) - self.center[0]
        d1 = np.asarray(b1, dtype=np.float64) - self.center[1]
        H = self.hessian
        return self.loss_at_center + 0.5 * (H[0, 0] * d0 * d0 + 2.0 * H[0, 1] * d0 * d1
                                            + H[1, 1] * d1 * d1)

    def region(self, name: str, n_points: int = 400) -> tuple[np.ndarray, np.ndarray]:
        """Closed boundary curve (b0, b1) of region `name` at this budget.

        n_points points, the last equal to the first; the diamond's corners (and the
        axis points of the other regions) are among them exactly.
        """
        return region_boundary(name, self.budget, self.l1_ratio, n_points)

    def touching_level(self, name: str) -> float:
        """The loss at region `name`'s optimum: the contour level that touches the region."""
        return float(self.solutions[_check_name(name)].loss)

    def extent(self, margin: float = 0.15) -> tuple[float, float, float, float]:
        """(b0_min, b0_max, b1_min, b1_max) covering the regions, the optima and the centre."""
        xs = [self.center[0], -self.budget, self.budget, 0.0]
        ys = [self.center[1], -self.budget, self.budget, 0.0]
        lo0, hi0, lo1, hi1 = min(xs), max(xs), min(ys), max(ys)
        pad0, pad1 = margin * (hi0 - lo0), margin * (hi1 - lo1)
        return (lo0 - pad0, hi0 + pad0, lo1 - pad1, hi1 + pad1)


def _select_features(X, features):
    """Two columns of X as a float array, and their default names."""
    try:
        chosen = list(features)
    except TypeError:
        raise ValueError(f"features must name exactly two columns, got {features!r}.") from None
    if len(chosen) != 2:
        raise ValueError(f"features must name exactly two columns, got {len(chosen)}: "
                         f"{features!r}.")
    columns = getattr(X, "columns", None)
    positions, names = [], []
    n_columns = np.shape(X)[1] if np.ndim(X) == 2 else None
    if n_columns is None:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {np.shape(X)}.")
    for f in chosen:
        if isinstance(f, Integral | np.integer) and not isinstance(f, bool):
            if not -n_columns <= f < n_columns:
                raise ValueError(f"features: column index {f} is out of range for X with "
                                 f"{n_columns} columns.")
            pos = int(f) % n_columns
            names.append(str(columns[pos]) if columns is not None else f"x{pos}")
        elif columns is not None:
            matches = np.flatnonzero(np.asarray(columns == f))
            if matches.size != 1:
                raise ValueError(f"features: {f!r} is not a column of X.")
            pos = int(matches[0])
            names.append(str(f))
        else:
            raise ValueError(f"features: {f!r} is not a column index (X has no column names).")
        positions.append(pos)
    if positions[0] == positions[1]:
        raise ValueError(f"features must name two different columns, got {features!r}.")
    if columns is not None and hasattr(X, "iloc"):
        data = X.iloc[:, positions].to_numpy(dtype=np.float64)
    elif sp.issparse(X):
        data = X[:, positions].toarray().astype(np.float64)
    else:
        data = np.asarray(X)[:, positions]
        if data.dtype.kind not in "biuf":
            raise ValueError(f"X must be numeric, got dtype {data.dtype}.")
        data = data.astype(np.float64)
    return data, tuple(names)


def geometry(X=None, y=None, *, features=(0, 1), budget=None, l1_ratio: float = 0.5,
             fit_intercept: bool = True, standardize: bool = True,
             feature_names=None) -> Geometry:
    """The loss contours of two features against the L1, L2 and elastic-net regions.

    Solves min 1/(2n) ||y - X b - b0||^2 subject to R(b) <= budget for the three regions of
    `region_value` (all through (+-t, 0) and (0, +-t)) with `constrained_fit`, i.e. through
    the library's penalized solvers, on the two chosen features only.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features), optional
        None uses `example_data()` (an example where the lasso optimum has an exact zero
        and the ridge one does not).
    y : array-like of shape (n_samples,)
        Required with X.
    features : pair of int or str, default=(0, 1)
        The two columns: positions, or names when X is a pandas DataFrame.
    budget : float > 0, optional
        The t of the regions, on the scale of the picture. Default: half the L1 norm of the
        unconstrained optimum, ||center||_1 / 2, which makes every constraint active (the
        centre lies outside the diamond, and the diamond lies inside the other two regions)
        and keeps the optimum at a comparable scale to the centre.
    l1_ratio : float in (0, 1), default=0.5
        The elastic-net region's mix.
    fit_intercept : bool, default=True
    standardize : bool, default=True
        Divide the two features by their standard deviation (1/n, centred when fitting an
        intercept; their root mean square otherwise) before solving: the picture, the
        coefficients and the budget are then on the standardized scale, where a unit of
        either coefficient means the same thing (Geometry.scale converts back).
    feature_names : pair of str, optional
        Labels; default the DataFrame's column names, else "x<index>".

    Returns
    -------
    Geometry
    """
    if X is None:
        if y is not None:
            raise ValueError("y was given without X: pass both, or neither for the example.")
        X, y = example_data()
    elif y is None:
        raise ValueError("y is required when X is given.")
    l1_ratio = _check_l1_ratio(l1_ratio)
    data, names = _select_features(X, features)
    y = np.asarray(y)
    data, y = check_arrays(data, y)  # NaN/inf and shapes, with scikit-learn's messages
    if feature_names is not None:
        feature_names = tuple(str(f) for f in feature_names)
        if len(feature_names) != 2:
            raise ValueError(f"feature_names must hold two names, got {len(feature_names)}.")
        names = feature_names
    centred = data - data.mean(axis=0) if fit_intercept else data
    spread = np.sqrt((centred * centred).mean(axis=0))
    if (spread == 0).any():
        bad = names[int(np.flatnonzero(spread == 0)[0])]
        raise ValueError(f"feature {bad!r} is constant: its coefficient is not identifiable.")
    scale = spread if standardize else np.ones(2)
    data = data / scale
    # Two features: every factorization is 2 x 2, where BLAS threads only add contention
    with threadpool_limits(limits=1, user_api="blas"):
        engine = _LeastSquares(data, y, fit_intercept=fit_intercept)
        center = engine.least_squares().copy()
        if budget is None:
            budget = 0.5 * float(np.abs(center).sum())
            if not budget > 0:
                raise ValueError("The least-squares optimum is 0 (y is constant or unrelated "
                                 "to these features); pass a budget explicitly.")
        budget = _check_budget(budget)
        solutions = {name: engine.constrained(name, budget, l1_ratio)[0] for name in NAMES}
    centred = data - data.mean(axis=0) if fit_intercept else data
    hessian = centred.T @ centred / data.shape[0]
    return Geometry(hessian=hessian, center=center, loss_at_center=engine.loss(center),
                    budget=budget, l1_ratio=l1_ratio, solutions=solutions,
                    feature_names=names, scale=scale)


def example_data(random_state=0) -> tuple[np.ndarray, np.ndarray]:
    """A two-feature regression where the lasso optimum has an exact zero and ridge does not.

    The design is built so that, whatever the seed, the standardized features have
    correlation exactly 0.3 and the least-squares coefficients on the standardized scale
    are exactly (2.5, 0.5) (the noise is made orthogonal to the features and the
    intercept). At `geometry`'s default budget t = 1.5 the loss contours first touch the
    diamond at its corner (1.5, 0) (the gradient there points into the corner's normal
    cone with a clear margin), and the disc at a point with both coordinates non-zero.

    Parameters
    ----------
    random_state : int or numpy Generator
        Only the realisation (rows, noise) changes with it.

    Returns
    -------
    X : ndarray of shape (200, 2)
        On its own scale (standard deviations 2 and 0.5, means 10 and -1).
    y : ndarray of shape (200,)
    """
    rng = np.random.default_rng(random_state)
    n, rho = 200, 0.3
    # exactly centred, uncorrelated, unit-variance columns, then mixed to correlation rho
    Z = rng.standard_normal((n, 2))
    Q = np.linalg.qr(Z - Z.mean(axis=0))[0] * np.sqrt(n)
    Xs = Q @ np.linalg.cholesky(np.array([[1.0, rho], [rho, 1.0]])).T
    noise = rng.standard_normal(n)
    basis = np.column_stack([np.ones(n) / np.sqrt(n), Q / np.sqrt(n)])
    noise -= basis @ (basis.T @ noise)  # orthogonal to 1 and the columns: OLS is exact
    noise *= 1.0 / np.sqrt(np.mean(noise * noise))
    y = 3.0 + Xs @ np.array([2.5, 0.5]) + noise
    X = Xs * np.array([2.0, 0.5]) + np.array([10.0, -1.0])
    return X, y


# ---------------------------------------------------------------------------------------------
# How often the optimum sits on a corner
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CornerFrequency:
    """Share of random quadratic losses whose constrained optimum has an exact zero.

    Attributes
    ----------
    dims : tuple of int
    budgets : tuple of float
        Relative budgets s in (0, 1): t = s * region_gauge(name, c), the budget at which the
        unconstrained optimum c would just touch the region, scaled down by s.
    names : tuple of str
        ("lasso", "elasticnet", "ridge").
    share : ndarray of shape (len(names), len(dims), len(budgets))
        Fraction of trials whose constrained optimum has at least one exact zero.
    std_error : ndarray, same shape
        Binomial standard error sqrt(share (1 - share) / n_trials).
    n_trials : int
    hessian : str
        "random" or "identity".
    l1_ratio : float
    mean_zeros : ndarray, same shape
        Mean fraction of coordinates that are exactly zero.
    """

    dims: tuple
    budgets: tuple
    names: tuple
    share: np.ndarray
    std_error: np.ndarray
    n_trials: int
    hessian: str
    l1_ratio: float = 0.5
    mean_zeros: np.ndarray | None = None

    def table(self) -> str:
        """The shares as a plain-text table (one row per region and dimension)."""
        head = f"{'region':<11}{'p':>5}" + "".join(f"{'s=' + format(s, 'g'):>16}"
                                                  for s in self.budgets)
        lines = [head]
        for i, name in enumerate(self.names):
            for j, p in enumerate(self.dims):
                cells = "".join(f"{self.share[i, j, k]:>9.3f} +-{self.std_error[i, j, k]:.3f}"
                                for k in range(len(self.budgets)))
                lines.append(f"{name:<11}{p:>5}{cells}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def corner_share_2d_identity(budget: float) -> float:
    """Closed-form lasso corner share in 2-D with H = I and c ~ N(0, I).

    The L1-constrained optimum is then the Euclidean projection of c onto the diamond
    ||b||_1 <= t, which has an exact zero iff ||c0| - |c1|| >= t. With t = s ||c||_1 and the
    angle of c uniform, that happens on the fraction

        (4 / pi) * arctan((1 - s) / (1 + s))

    of directions (1 at s = 0, 0 at s = 1). The ridge share is 0.
    """
    s = budget
    if isinstance(s, np.generic):
        s = s.item()
    if not isinstance(s, Real) or isinstance(s, bool) or not 0.0 < s < 1.0:
        raise ValueError(f"budget must be a relative budget in (0, 1), got {budget!r}.")
    return float(4.0 / np.pi * np.arctan((1.0 - s) / (1.0 + s)))


def _quadratic_problem(H_kind: str, p: int, rng: np.random.Generator):
    """A least-squares problem (X, y) whose loss is 1/2 (b - c)'H(b - c): X'X/n = H, y = Xc."""
    c = rng.standard_normal(p)
    if H_kind == "identity":
        X = np.sqrt(p) * np.eye(p)  # X'X/n = I with n = p
    else:
        m = p + 5
        X = rng.standard_normal((m, p))  # H = W'W/m, a random covariance (Wishart)
    return X, X @ c, c


def corner_frequency(dims=(2, 3, 10, 100), budgets=(0.25, 0.5, 0.75), *, n_trials: int = 200,
                     l1_ratio: float = 0.5, hessian: str = "random",
                     random_state=0) -> CornerFrequency:
    """How often does the constrained optimum of a random quadratic loss have an exact zero?

    For each dimension p and trial, draws a loss 1/2 (b - c)'H(b - c) with c ~ N(0, I_p)
    and H = W'W/m, W ~ N(0, 1) of shape (m, p), m = p + 5 (hessian="random"), or H = I
    ("identity"); realises it as least squares (X = W, y = X c, no intercept, so
    1/(2m) ||y - Xb||^2 is that loss); and for each region and relative budget s solves

        min_b 1/2 (b - c)'H(b - c)   subject to   R(b) <= t = s * gauge(c)

    with the same solver-driven machinery as `constrained_fit` (one warm-started descending
    grid per trial and region, shared by the budgets where the penalized family allows,
    then regula falsi on alpha). gauge(c) is `region_gauge`: ||c||_1 for the lasso, ||c||_2
    for ridge, the budget at which c is on the boundary for the elastic net.

    Parameters
    ----------
    dims : tuple of int >= 1
    budgets : tuple of float in (0, 1)
    n_trials : int >= 1
    l1_ratio : float in (0, 1)
        The elastic-net region's mix.
    hessian : {"random", "identity"}
    random_state : int or numpy Generator

    Returns
    -------
    CornerFrequency
    """
    dims = tuple(int(check_number(p, "dims", Interval(Integral, 1, None))) for p in
                 _as_tuple(dims, "dims"))
    budgets = tuple(float(_check_relative(s)) for s in _as_tuple(budgets, "budgets"))
    check_number(n_trials, "n_trials", Interval(Integral, 1, None))
    l1_ratio = _check_l1_ratio(l1_ratio)
    if hessian not in ("random", "identity"):
        raise ValueError(f"hessian must be 'random' or 'identity', got {hessian!r}.")
    rng = np.random.default_rng(random_state)
    names = ("lasso", "elasticnet", "ridge")
    rel = np.array(budgets)
    hits = np.zeros((len(names), len(dims), len(budgets)))
    zero_share = np.zeros_like(hits)
    # Thousands of tiny (<= 100 x 100) factorizations: a multithreaded BLAS only fights
    # the solver for the cores there (about 10x slower on two cores).
    with threadpool_limits(limits=1, user_api="blas"):
        for j, p in enumerate(dims):
            _trials(hessian, p, n_trials, rng, names, rel, l1_ratio, hits[:, j],
                    zero_share[:, j])
    share = hits / n_trials
    return CornerFrequency(
        dims=dims, budgets=budgets, names=names, share=share,
        std_error=np.sqrt(share * (1.0 - share) / n_trials), n_trials=int(n_trials),
        hessian=hessian, l1_ratio=l1_ratio, mean_zeros=zero_share / n_trials,
    )


def _trials(hessian: str, p: int, n_trials: int, rng, names, rel, l1_ratio, hits,
            zero_share) -> None:
    """Add each trial's corner indicator and share of zeros into hits/zero_share[name, s]."""
    for _ in range(n_trials):
        X, y, c = _quadratic_problem(hessian, p, rng)
        # The solves need less than constrained_fit's 1e-12: only the zero pattern is
        # counted, and coordinate descent sets a coordinate exactly to 0 as soon as its
        # gradient is inside the threshold (the polish then makes the rest exact).
        engine = _LeastSquares(X, y, fit_intercept=False, tol=1e-10)
        for i, name in enumerate(names):
            t = rel * _gauges(name, c, l1_ratio)
            for k, sol in enumerate(engine.constrained(name, t, l1_ratio)):
                hits[i, k] += sol.zeros.any()
                zero_share[i, k] += sol.zeros.mean()


def _as_tuple(values, name: str) -> tuple:
    if isinstance(values, str) or not np.iterable(values):
        values = (values,)
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must not be empty.")
    return values


def _check_relative(s) -> float:
    if isinstance(s, np.generic):
        s = s.item()
    if not isinstance(s, Real) or isinstance(s, bool) or not 0.0 < s < 1.0:
        raise ValueError(f"budgets must be relative budgets in the open interval (0, 1), "
                         f"got {s!r}.")
    return float(s)
