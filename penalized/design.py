"""How X is stored and read: dense column-major, sparse CSC, or a precomputed Gram matrix.

Every design works with the *weighted, centred* matrix X_c = X - 1 x_mean' (x_mean = X' w
when fitting an intercept, else 0) without ever forming it: centring happens inside the
products and inside the kernels. Weights w sum to one.
"""

import warnings
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from penalized._kernels.cd_dense import CONSTANT_RTOL, DenseStore, centred_col_sq
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


def _zero_constant(col_sq: np.ndarray, x_mean: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        residue = col_sq <= CONSTANT_RTOL * (col_sq + x_mean * x_mean)
    col_sq[residue & np.isfinite(col_sq)] = 0.0  # an overflow (inf) is reported upstream
    return col_sq


def _mean_to_sd(x_mean: np.ndarray, col_sq: np.ndarray) -> np.ndarray:
    """|mean| / standard deviation per column; 0 for constant (or non-finite) columns."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.abs(x_mean) / np.sqrt(col_sq)
    ratio[~np.isfinite(ratio)] = 0.0
    return ratio


def _kernel_weights(weights: np.ndarray) -> np.ndarray:
    """The weights as the kernels take them: one entry when all are equal (saves a load)."""
    return weights[:1] if (weights == weights[0]).all() else weights


# Implicit centring computes x_j' w r as sum w x r - mean_j sum w r: when |mean_j| is this
# many standard deviations, the cancellation costs log10 of it in digits and the gap can
# no longer certify a tight tol (glmnet centres a copy always; we do past this ratio).
CENTRE_COPY_RATIO = 1e4
# The Gram of a dense X with uniform weights is X'X / n - m m' when every column's |mean| is
# at most this many standard deviations: the subtraction then loses under 3 of the 16
# digits; beyond it the Gram is formed from centred blocks.
GRAM_SHIFT_RATIO = 30.0


class DenseDesign(_DataDesign):
    """A dense X, read column by column by the kernel (needs Fortran order, no copy made here).

    One exception: when fitting an intercept and some column's |mean| exceeds
    CENTRE_COPY_RATIO times its standard deviation, the kernels read a centred copy of X
    (one extra copy of X, in its dtype), as implicit centring would lose the digits the
    certificate needs. `X` and `x_mean` stay those of the original data.
    """

    def __init__(self, X: np.ndarray, weights: np.ndarray, fit_intercept: bool):
        super().__init__(X, weights, fit_intercept)
        self.col_sq = np.empty(self.n_features)
        self._kernel_X, self._kernel_mean = X, self.x_mean
        if X.flags.f_contiguous:
            centred_col_sq(X, _kernel_weights(weights), self.x_mean, self.col_sq)
        else:  # the Gram path reads X in any order: work by blocks of columns
            for start in range(0, self.n_features, _BLOCK):
                block = slice(start, start + _BLOCK)
                centred = X[:, block] - self.x_mean[block]
                self.col_sq[block] = weights @ (centred * centred)
        _zero_constant(self.col_sq, self.x_mean)
        if fit_intercept and _mean_to_sd(self.x_mean, self.col_sq).max(
                initial=0.0) > CENTRE_COPY_RATIO:
            order = "F" if X.flags.f_contiguous else "C"
            self._kernel_X = np.asarray(X - self.x_mean.astype(X.dtype), order=order)
            self._kernel_mean = np.zeros(self.n_features)

    def rmatvec(self, v):
        if self._kernel_X is self.X:
            return super().rmatvec(v)
        return np.asarray(self._kernel_X.T @ (self.weights * v), dtype=np.float64).ravel()

    def store(self, y_c):
        return DenseStore(self._kernel_X, self._kernel_mean, _kernel_weights(self.weights),
                          y_c, np.empty(self.n_samples))

    def state(self, store, y_c, coef):
        if not coef.any():  # a cold start: X @ 0 would still read all of X
            return y_c.copy()
        return y_c - (self._kernel_X @ coef - self._kernel_mean @ coef)

    def gram(self) -> np.ndarray:
        """X_c' W X_c: one BLAS product of X itself, less the means' outer product, when the
        weights are uniform and the means modest (GRAM_SHIFT_RATIO); otherwise accumulated
        over centred, weighted row blocks so the temporary stays small."""
        X = self._kernel_X
        uniform = self.weights.size and (self.weights == self.weights[0]).all()
        if uniform and X.dtype == np.float64 and _mean_to_sd(
                self._kernel_mean, self.col_sq).max(initial=0.0) <= GRAM_SHIFT_RATIO:
            # X_c' W X_c = X' X / n - m m' (the weights sum to one): one symmetric BLAS
            # product of X itself, no centred copy (2-3x faster on 5000 x 100). The
            # subtraction cancels about (|m| / sd)^2 of the digits, so only for modest means.
            Q = X.T @ X
            Q *= self.weights[0]
            Q -= np.outer(self._kernel_mean, self._kernel_mean)
            return Q
        Q = np.zeros((self.n_features, self.n_features))
        root_w = np.sqrt(self.weights)
        for start in range(0, self.n_samples, _BLOCK):
            rows = slice(start, start + _BLOCK)
            # Fortran order: OpenBLAS forms B'B from it up to 30x faster than from C order;
            # written in place, as the chained expression's temporaries cost 10x the product
            B = np.empty((min(_BLOCK, self.n_samples - start), self.n_features), order="F")
            np.subtract(X[rows], self._kernel_mean, out=B)
            B *= root_w[rows, None]
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
        ratio = _mean_to_sd(self.x_mean, self.col_sq)
        if fit_intercept and ratio.max(initial=0.0) > CENTRE_COPY_RATIO:
            j = int(np.argmax(ratio))
            warnings.warn(
                f"Sparse X column {j} has |mean| = {ratio[j]:.1e} times its standard "
                f"deviation: sparse X is centred implicitly (never in memory), which loses "
                f"about {np.log10(ratio[j]):.0f} digits here, so the fit and its duality gap "
                "are unreliable. Centre or rescale that column, or pass X as a dense array "
                "(centred in a copy).", UserWarning, stacklevel=2)

    def store(self, y_c):
        X = self.X
        return SparseStore(X.data, X.indices, X.indptr, self.x_mean,
                           _kernel_weights(self.weights), y_c)

    def state(self, store, y_c, coef):
        if not coef.any():  # a cold start: skip the pass over X
            return np.append(y_c, 0.0)
        return np.concatenate([y_c - self.matvec(coef), [self.x_mean @ coef]])

    def gram(self) -> np.ndarray:
        """X_c' W X_c summed over blocks of rows: each block's weighted copy is a small
        fraction of X (one weighted copy of the whole X, plus the format conversion of a
        sparse product, held twice its size)."""
        X = self.X
        Q = np.zeros((self.n_features, self.n_features))
        n_blocks = int(min(16, max(1, X.nnz // 100_000)))
        bounds = np.linspace(0, self.n_samples, n_blocks + 1).astype(np.int64)
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            block = X[start:stop]
            weighted = block.multiply(self.weights[start:stop, None]).tocsc()
            Q += (block.T @ weighted).toarray()
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
        if not coef.any():
            return store.q.copy()
        return store.q - self.Q @ coef


def raw_X(design):
    """The X a design reads (for a Gram design, the X it was computed from)."""
    return design.base.X if isinstance(design, GramDesign) else design.X
