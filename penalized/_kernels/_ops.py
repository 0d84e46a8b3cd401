"""Storage-generic operations used by the path driver.

Each storage module (`cd_dense`, `cd_sparse`, `cd_gram`) registers a numba overload of these
stubs for its own store type, so `cd_path.solve_path` is written once and compiled per storage.
`state` is the storage's running summary of the fit:
    dense  : r = y_c - X_c b                       (n_samples,)
    sparse : r without its centring shift, then the shift s = x_mean . b    (n_samples + 1,)
    gram   : g = X_c' W r                          (n_features,)
"""


def epoch(store, state, coef, ws, m, col_sq, l1, l2, lo, hi):
    """One coordinate-descent pass over ws[:m], updating coef and state in place.

    Each storage writes this loop itself: a per-coordinate call that passes the store's
    arrays would pay numba's reference counting on every coordinate.
    """


def update(store, state, j, delta):
    """Account for coef[j] += delta in `state`."""


def full_grad(store, state, idx, n_idx, out):
    """out[j] = x_j' W r for j in idx[:n_idx]."""


def resid_stats(store, state, coef):
    """Return (r' W r, r' W y_c)."""


def support_solve(store, state, coef, ws, m, col_sq, l1, l2, lo, hi, budget):
    """Jump towards the exact minimizer on the current support and signs.

    Returns 1 when it moved, 0 when it could not (singular support), -1 when the solve would
    cost more than budget multiply-adds or the storage cannot afford it at all (only those
    holding the Gram matrix can).
    """
