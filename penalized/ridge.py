"""Ridge in closed form: Cholesky (primal or dual by shape), SVD, or LSQR for wide sparse X.

With w = sample_weight / sum(sample_weight), S = sum(sample_weight), D = diag(pf_j s_j^2)
(penalty factors times squared feature scales) and lam = alpha / S, every solver returns

    b = argmin  sum_i w_i (y_c,i - x_c,i' b)^2 + lam * b' D b ,

which is scikit-learn's Ridge objective ||y - Xb - b0||_sw^2 + alpha ||b||^2 divided by S.
"""

import warnings

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, lsqr

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
