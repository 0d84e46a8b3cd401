"""Ridge in closed form: Cholesky (primal or dual by shape), SVD, or LSQR for wide sparse X.

With w = sample_weight / sum(sample_weight), S = sum(sample_weight), D = diag(pf_j s_j^2)
(penalty factors times squared feature scales) and lam = alpha / S, every solver returns

    b = argmin  sum_i w_i (y_c,i - x_c,i' b)^2 + lam * b' D b ,

which is scikit-learn's Ridge objective ||y - Xb - b0||_sw^2 + alpha ||b||^2 divided by S.
`ridge_loo` solves the same objective (undivided) on a grid of alphas from one decomposition
and returns the exact leave-one-out errors of every fit.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, lsqr
from sklearn.exceptions import ConvergenceWarning

from penalized._problem import Problem
from penalized.design import GramDesign, SparseDesign

SPARSE_GRAM_MAX = 2000  # a sparse X with more features than this is solved by LSQR


def _centered_targets(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    Y = problem.y.reshape(problem.y.shape[0], -1)
    means = problem.weights @ Y if problem.fit_intercept else np.zeros(Y.shape[1])
    return Y - means, means


def _gram(problem: Problem) -> np.ndarray:
    design = problem.design
    return design.Q if isinstance(design, GramDesign) else design.gram()


def _base(problem: Problem):
    design = problem.design
    return design.base if isinstance(design, GramDesign) else design


def _weighted_dense(problem: Problem) -> np.ndarray:
    """A = W^(1/2) X_c as a new dense array (a copy of X: used only when n < p or for SVD)."""
    base = _base(problem)
    X = base.X.toarray() if sp.issparse(base.X) else base.X
    return (X - base.x_mean) * np.sqrt(problem.weights)[:, None]


def _solve_cholesky(problem, Yc, lams, d):
    """Primal normal equations when n >= p, the dual (kernel) form when p > n and D > 0."""
    n, p = problem.design.n_samples, problem.n_features
    coefs = np.empty((Yc.shape[1], p))
    if p > n and (d > 0).all() and not sp.issparse(_base(problem).X):
        A = _weighted_dense(problem)
        Z = Yc * np.sqrt(problem.weights)[:, None]
        K = (A / d) @ A.T
        for k, lam in enumerate(lams):
            alpha_dual = la.solve(K + lam * np.eye(n), Z[:, k], assume_a="pos")
            coefs[k] = (A.T @ alpha_dual) / d
        return coefs
    Q = _gram(problem)
    rhs = np.column_stack([problem.design.rmatvec(Yc[:, k]) for k in range(Yc.shape[1])])
    for k, lam in enumerate(lams):
        coefs[k] = la.solve(Q + lam * np.diag(d), rhs[:, k], assume_a="pos")
    return coefs


def _solve_svd(problem, Yc, lams, d):
    """One SVD of W^(1/2) X_c D^(-1/2) serves every alpha; stable when X is rank deficient.

    Features with a zero penalty factor are first projected out (unpenalized least squares
    on them, the rest ridge on the residual space), so D^(-1/2) stays finite.
    """
    A = _weighted_dense(problem)
    Z = Yc * np.sqrt(problem.weights)[:, None]
    free = d == 0
    P = None
    if free.any():
        # b_free = pinv(A_free) (z - A_pen b_pen): remove span(A_free) from A_pen and z.
        U_f, s_f, _ = la.svd(A[:, free], full_matrices=False)
        U_f = U_f[:, s_f > s_f.max() * max(A.shape) * np.finfo(float).eps]
        P = U_f
        A_pen = A[:, ~free] - U_f @ (U_f.T @ A[:, ~free])
        Z_res = Z - U_f @ (U_f.T @ Z)
    else:
        A_pen, Z_res = A, Z
    root = np.sqrt(d[~free])
    U, s, Vt = la.svd(A_pen / root, full_matrices=False)
    cutoff = s.max(initial=0.0) * max(A.shape) * np.finfo(float).eps
    coefs = np.zeros((Yc.shape[1], problem.n_features))
    UtZ = U.T @ Z_res
    for k, lam in enumerate(lams):
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(s > cutoff, s / (s * s + lam), 0.0)
        b_pen = (Vt.T @ (factor * UtZ[:, k])) / root
        coefs[k, ~free] = b_pen
        if P is not None:
            resid = Z[:, k] - A[:, ~free] @ b_pen
            coefs[k, free] = la.lstsq(A[:, free], resid)[0]
    return coefs


def _solve_lsqr(problem, Yc, lams, d, tol, max_iter):
    """LSQR on W^(1/2) X_c D^(-1/2) with damping sqrt(lam); X is never densified."""
    design = _base(problem)
    root_w = np.sqrt(problem.weights)
    root_d = np.sqrt(d)
    n, p = design.n_samples, design.n_features

    def matvec(c):
        b = c.ravel() / root_d
        return root_w * (design.matvec(b) - design.x_mean @ b)

    def rmatvec(u):
        wu = root_w * u.ravel()
        return (np.asarray(design.X.T @ wu).ravel() - design.x_mean * wu.sum()) / root_d

    op = LinearOperator((n, p), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)
    coefs = np.empty((Yc.shape[1], p))
    n_iter = np.empty(Yc.shape[1], dtype=np.int64)
    for k, lam in enumerate(lams):
        out = lsqr(op, root_w * Yc[:, k], damp=np.sqrt(lam), atol=tol, btol=tol,
                   iter_lim=max_iter)
        coefs[k] = out[0] / root_d
        n_iter[k] = out[2]
        if out[1] == 7:  # istop 7: iter_lim reached before the tolerances
            warnings.warn(
                f"LSQR stopped at max_iter={max_iter} before reaching tol={tol:g} "
                f"(target {k}): the coefficients are not converged; raise max_iter.",
                ConvergenceWarning, stacklevel=4)
    return coefs, n_iter


def ridge(problem: Problem, alpha, *, solver: str = "auto", tol: float = 1e-10,
          max_iter: int | None = None):
    """Closed-form Ridge for every target of `problem`.

    Parameters
    ----------
    alpha : float or ndarray of shape (n_targets,)
        scikit-learn's Ridge alpha (penalty on the unnormalized sum of squares).
    solver : {"auto", "cholesky", "svd", "lsqr"}
        "auto" picks Cholesky, or LSQR for a sparse X with more than SPARSE_GRAM_MAX features.

    Returns
    -------
    coefs : ndarray of shape (n_targets, n_features)
    intercepts : ndarray of shape (n_targets,)
    n_iter : ndarray of shape (n_targets,) or None
        LSQR iterations, None for the direct solvers.
    solver : str
        The solver used.
    """
    Yc, means = _centered_targets(problem)
    lams = np.broadcast_to(np.asarray(alpha, dtype=np.float64) / problem.sum_weights,
                           (Yc.shape[1],))
    d = problem.penalty_factor * problem.feature_scale**2
    sparse_wide = (isinstance(problem.design, SparseDesign)
                   and problem.n_features > SPARSE_GRAM_MAX)
    if solver == "auto":
        solver = "lsqr" if sparse_wide else "cholesky"
    if solver == "lsqr" and (d == 0).any():
        if sparse_wide:
            raise ValueError("LSQR needs every penalty factor > 0; use the CD solver instead.")
        solver = "svd"
    n_iter = None
    if solver == "lsqr":
        coefs, n_iter = _solve_lsqr(problem, Yc, lams, d, tol, max_iter)
    elif solver == "cholesky":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", la.LinAlgWarning)
                coefs = _solve_cholesky(problem, Yc, lams, d)
        except (la.LinAlgError, la.LinAlgWarning):
            solver = "svd"
    if solver == "svd":
        coefs = _solve_svd(problem, Yc, lams, d)
    intercepts = means - coefs @ problem.design.x_mean
    if not problem.fit_intercept:
        intercepts = np.zeros_like(intercepts)
    return coefs, intercepts, n_iter, solver


@dataclass(frozen=True)
class RidgeLOO:
    """Exact leave-one-out ridge fits on a grid of alphas (the output of `ridge_loo`).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        The alphas, in the order given.
    coefs : ndarray of shape (n_alphas, n_targets, n_features)
        The ridge fit on all samples, for each alpha and target.
    intercepts : ndarray of shape (n_alphas, n_targets)
    errors : ndarray of shape (n_samples, n_targets, n_alphas)
        Leave-one-out errors e_i = y_i - (x_i' b_(-i) + b0_(-i)), where (b_(-i), b0_(-i)) is
        the ridge fit on every sample but i (with the same weights on the others).
    mode : {"gram", "cov", "svd"}
        The one decomposition used: eigen of X_c X_c' (n <= p), eigen of X_c' X_c (n > p),
        or the SVD of X_c (dense X only).
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    errors: np.ndarray
    mode: str


class _Centred:
    """X~ = diag(sqrt(sw)) (X - 1 x_mean') as products; a sparse X is never densified."""

    def __init__(self, X, root_sw: np.ndarray, x_mean: np.ndarray):
        self.root_sw, self.x_mean = root_sw, x_mean
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.Xs = sp.csr_matrix(sp.diags(root_sw) @ X, dtype=np.float64)
        else:
            self.Xs = root_sw[:, None] * (np.asarray(X, dtype=np.float64) - x_mean)

    def matmat(self, B: np.ndarray) -> np.ndarray:
        """X~ @ B for B of shape (p, k)."""
        out = np.asarray(self.Xs @ B)
        return out - self.root_sw[:, None] * (self.x_mean @ B) if self.sparse else out

    def rmatmat(self, B: np.ndarray) -> np.ndarray:
        """X~' @ B for B of shape (n, k)."""
        out = np.asarray(self.Xs.T @ B)
        return out - self.x_mean[:, None] * (self.root_sw @ B) if self.sparse else out

    def gram(self) -> np.ndarray:
        """X~ X~' (n, n): the centring is expanded so that only X X' is formed sparse."""
        if not self.sparse:
            return self.Xs @ self.Xs.T
        K = (self.Xs @ self.Xs.T).toarray()
        u = np.asarray(self.Xs @ self.x_mean)
        s = self.root_sw
        K += (self.x_mean @ self.x_mean) * np.outer(s, s) - np.outer(u, s) - np.outer(s, u)
        return K

    def covariance(self) -> np.ndarray:
        """X~' X~ (p, p) = Xs' Xs - (sum sw) x_mean x_mean' (as X' sw = (sum sw) x_mean)."""
        if not self.sparse:
            return self.Xs.T @ self.Xs
        total = self.root_sw @ self.root_sw
        return (self.Xs.T @ self.Xs).toarray() - total * np.outer(self.x_mean, self.x_mean)


def ridge_loo(X, y, alphas, *, sample_weight: np.ndarray | None = None,
              fit_intercept: bool = True, mode: str = "auto") -> RidgeLOO:
    """Ridge fits and their exact leave-one-out errors for every alpha, from one decomposition.

    For each alpha (and each column of y) the fit is

        (b, b0) = argmin  sum_i sw_i (y_i - x_i' b - b0)^2 + alpha ||b||_2^2 ,

    scikit-learn's Ridge objective, and the leave-one-out error of sample i is the closed form
    (Sherman-Morrison on the weighted hat matrix H, intercept included)

        e_i = (y_i - x_i' b - b0) / (1 - H_ii),
        H = 1 sw' / sum(sw) + X_c (X_c' W X_c + alpha I)^(-1) X_c' W ,

    with X_c = X - 1 x_mean' (x_mean weighted; zero without intercept), which equals refitting
    without sample i. Everything is computed on X~ = W^(1/2) X_c and y~ = W^(1/2) y_c, as
    scikit-learn's _RidgeGCV does. One factorization serves all alphas: the eigendecomposition
    of X~ X~' = Q L Q' when n_samples <= n_features (then 1 - H_ii = sum_k Q_ik^2 alpha /
    (L_k + alpha) - sw_i / sum(sw), without cancellation), of X~' X~ = V L V' otherwise, or
    the SVD of X~ (mode="svd").

    Parameters
    ----------
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
        A sparse X is never densified: only X X' or X' X is formed (sparse product, then
        dense), with the centring expanded algebraically.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like of shape (n_alphas,)
        Penalties, finite and > 0 (not checked here; see `penalized._validation`).
    sample_weight : ndarray of shape (n_samples,), optional
        Raw weights >= 0 (not normalized: scaling them scales the data fit, as in Ridge).
    fit_intercept : bool
    mode : {"auto", "eigen", "svd"}
        "auto" and "eigen": eigen of X~ X~' if n_samples <= n_features, else of X~' X~.
        "svd": SVD of X~, dense X only (TypeError for sparse X).

    Returns
    -------
    RidgeLOO
    """
    if mode not in ("auto", "eigen", "svd"):
        raise ValueError(f"mode must be 'auto', 'eigen' or 'svd', got {mode!r}.")
    if mode == "svd" and sp.issparse(X):
        raise TypeError("mode='svd' needs a dense X; use mode='eigen' for sparse X.")
    n, p = X.shape
    Y = np.asarray(y, dtype=np.float64).reshape(n, -1)
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    total = sw.sum()
    root_sw = np.sqrt(sw)
    if fit_intercept:
        x_mean = np.asarray(X.T @ sw, dtype=np.float64).ravel() / total
        y_mean = sw @ Y / total
    else:
        x_mean, y_mean = np.zeros(p), np.zeros(Y.shape[1])
    Xt = _Centred(X, root_sw, x_mean)
    Yt = root_sw[:, None] * (Y - y_mean)
    # The intercept is unpenalized: its hat-matrix part sqrt(sw) sqrt(sw)' / sum(sw) is
    # subtracted from 1 - H_ii below (scikit-learn's correction term).
    icpt = root_sw / total if fit_intercept else None

    wide = n <= p
    if mode == "svd":
        U, sv, Vt = la.svd(Xt.Xs, full_matrices=False)
        L = sv * sv
        if wide:
            Q = U
        else:
            Z, V = U * sv, Vt.T
    elif wide:
        L, Q = la.eigh(Xt.gram())
    else:
        L, V = la.eigh(Xt.covariance())
        Z = Xt.matmat(V)
    # Both matrices are positive semi-definite; rounding may leave tiny negative eigenvalues.
    L = np.maximum(L, 0.0)

    m, t = alphas.shape[0], Y.shape[1]
    coefs = np.empty((m, t, p))
    errors = np.empty((n, t, m))
    if wide:
        Q2, QtY, Qts = Q * Q, Q.T @ Yt, Q.T @ root_sw
    else:
        Z2, ZtY, Zts = Z * Z, Z.T @ Yt, Z.T @ root_sw
    for a, alpha in enumerate(alphas):
        if wide:
            # alpha (X~ X~' + alpha I)^(-1) = Q diag(alpha / (L + alpha)) Q'
            f = alpha / (L + alpha)
            resid = Q @ (f[:, None] * QtY)
            one_minus_h = Q2 @ f
            if icpt is not None:
                one_minus_h -= (Q @ (f * Qts)) * icpt
            coefs[a] = (Xt.rmatmat(resid) / alpha).T
        else:
            # X~ (X~' X~ + alpha I)^(-1) X~' = Z diag(1 / (L + alpha)) Z' with Z = X~ V
            D = 1.0 / (L + alpha)
            resid = Yt - Z @ (D[:, None] * ZtY)
            one_minus_h = 1.0 - Z2 @ D
            if icpt is not None:
                one_minus_h -= (root_sw - Z @ (D * Zts)) * icpt
            coefs[a] = (V @ (D[:, None] * ZtY)).T
        with np.errstate(divide="ignore", invalid="ignore"):
            errors[:, :, a] = resid / (one_minus_h * np.where(root_sw > 0, root_sw, 1.0))[:, None]
    intercepts = y_mean - coefs @ x_mean
    zero = np.flatnonzero(sw == 0)
    if zero.size:
        # A sample of weight zero does not move the fit: its LOO error is its plain residual.
        Xz = X[zero]
        for a in range(m):
            fitted = np.asarray(Xz @ coefs[a].T).reshape(zero.size, t) + intercepts[a]
            errors[zero, :, a] = Y[zero] - fitted
    kind = "svd" if mode == "svd" else ("gram" if wide else "cov")
    return RidgeLOO(alphas=alphas, coefs=coefs, intercepts=intercepts, errors=errors, mode=kind)
