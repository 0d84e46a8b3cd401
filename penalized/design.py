"""How X is stored and read: dense column-major, sparse CSC, or a precomputed Gram matrix.

Every design works with the *weighted, centred* matrix X_c = X - 1 x_mean' (x_mean = X' w
when fitting an intercept, else 0) without ever forming it: centring happens inside the
products and inside the kernels. Weights w sum to one.
"""

from typing import Protocol

import numpy as np
import scipy.sparse as sp

from penalized._kernels.cd_dense import DenseStore, centred_col_sq
from penalized._kernels.cd_gram import GramStore
from penalized._kernels.cd_sparse import SparseStore, sparse_centred_col_sq

_BLOCK = 2048  # rows or columns per block when a temporary would otherwise be as big as X


class Design(Protocol):
    """What the solvers ask of X."""

    n_samples: int
    n_features: int
    dtype: np.dtype
    x_mean: np.ndarray
    col_sq: np.ndarray

    def matvec(self, coef: np.ndarray) -> np.ndarray:
        """X @ coef (uncentred)."""

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        """X_c' (w * v)."""

    def store(self, y_c: np.ndarray):
        """The kernel's storage tuple for the centred target y_c."""

    def state(self, store, y_c: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """The kernel's running state at coef (see `_kernels._ops`)."""


class _DataDesign:
    """What the dense and sparse designs share: X itself, its weights and weighted means."""

    def __init__(self, X, weights: np.ndarray, fit_intercept: bool):
        self.X = X
        self.weights = weights
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype
        self.x_mean = (np.asarray(X.T @ weights, dtype=np.float64).ravel() if fit_intercept
                       else np.zeros(self.n_features))

    def matvec(self, coef):
        return np.asarray(self.X @ coef).ravel()

    def rmatvec(self, v):
        wv = self.weights * v
        return np.asarray(self.X.T @ wv, dtype=np.float64).ravel() - self.x_mean * wv.sum()


# A column whose centred sum of squares is below this fraction of its raw one is constant up
# to rounding (std < 1e-13 |mean|): its residue, not data, would otherwise be fitted.
CONSTANT_RTOL = 1e-26


def _zero_constant(col_sq: np.ndarray, x_mean: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        residue = col_sq <= CONSTANT_RTOL * (col_sq + x_mean * x_mean)
    col_sq[residue & np.isfinite(col_sq)] = 0.0  # an overflow (inf) is reported upstream
    return col_sq


def _kernel_weights(weights: np.ndarray) -> np.ndarray:
    """The weights as the kernels take them: one entry when all are equal (saves a load)."""
    return weights[:1] if (weights == weights[0]).all() else weights


class DenseDesign(_DataDesign):
    """A dense X, read column by column by the kernel (needs Fortran order, no copy made here)."""

    def __init__(self, X: np.ndarray, weights: np.ndarray, fit_intercept: bool):
        super().__init__(X, weights, fit_intercept)
        self.col_sq = np.empty(self.n_features)
        if X.flags.f_contiguous:
            centred_col_sq(X, _kernel_weights(weights), self.x_mean, self.col_sq)
        else:  # the Gram path reads X in any order: work by blocks of columns
            for start in range(0, self.n_features, _BLOCK):
                block = slice(start, start + _BLOCK)
                centred = X[:, block] - self.x_mean[block]
                self.col_sq[block] = weights @ (centred * centred)
        _zero_constant(self.col_sq, self.x_mean)

    def store(self, y_c):
        return DenseStore(self.X, self.x_mean, _kernel_weights(self.weights), y_c,
                          np.empty(self.n_samples))

    def state(self, store, y_c, coef):
        return y_c - (self.matvec(coef) - self.x_mean @ coef)

    def gram(self) -> np.ndarray:
        """X_c' W X_c, accumulated over row blocks so the temporary stays small."""
        Q = np.zeros((self.n_features, self.n_features))
        root_w = np.sqrt(self.weights)
        for start in range(0, self.n_samples, _BLOCK):
            rows = slice(start, start + _BLOCK)
            # Fortran order: OpenBLAS forms B'B from it up to 30x faster than from C order
            B = np.asfortranarray((self.X[rows] - self.x_mean) * root_w[rows, None])
            Q += B.T @ B
        return Q


class SparseDesign(_DataDesign):
    """A CSC X, never densified; centring is implicit."""

    def __init__(self, X: sp.csc_matrix, weights: np.ndarray, fit_intercept: bool):
        super().__init__(X, weights, fit_intercept)
        self.col_sq = np.empty(self.n_features)
        sparse_centred_col_sq(X.data, X.indices, X.indptr, self.n_samples,
                              _kernel_weights(weights), self.x_mean, self.col_sq)
        _zero_constant(self.col_sq, self.x_mean)

    def store(self, y_c):
        X = self.X
        return SparseStore(X.data, X.indices, X.indptr, self.x_mean,
                           _kernel_weights(self.weights), y_c)

    def state(self, store, y_c, coef):
        return np.concatenate([y_c - self.matvec(coef), [self.x_mean @ coef]])

    def gram(self) -> np.ndarray:
        wX = sp.diags(self.weights) @ self.X
        Q = np.asarray((self.X.T @ wX).toarray(), dtype=np.float64)
        return Q - np.outer(self.x_mean, self.x_mean)


class GramDesign:
    """X_c' W X_c computed once (or given); the kernel never touches X again."""

    def __init__(self, base: DenseDesign | SparseDesign, gram: np.ndarray | None = None):
        self.base = base
        self.n_samples, self.n_features = base.n_samples, base.n_features
        self.dtype = base.dtype
        self.x_mean = base.x_mean
        self.Q = np.asfortranarray(base.gram() if gram is None else gram, dtype=np.float64)
        constant = base.col_sq == 0.0  # rounding residue, not data (see _zero_constant)
        self.Q[constant, :] = 0.0
        self.Q[:, constant] = 0.0
        self.col_sq = np.diag(self.Q).copy()

    def matvec(self, coef):
        return self.base.matvec(coef)

    def rmatvec(self, v):
        return self.base.rmatvec(v)

    def store(self, y_c):
        yy = np.array([self.base.weights @ (y_c * y_c)])
        return GramStore(self.Q, self.rmatvec(y_c), yy)

    def state(self, store, y_c, coef):
        return store.q - self.Q @ coef


def raw_X(design):
    """The X a design reads (for a Gram design, the X it was computed from)."""
    return design.base.X if isinstance(design, GramDesign) else design.X
