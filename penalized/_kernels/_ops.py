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


def gram_block(store, S, k, H):
    """H[a, c] = x_Sa' W x_Sc (centred columns) for c < a < k: the strict lower triangle of
    the support's Gram matrix, for the exact jump on a support (`cd_path._jump`, which
    takes the diagonal from the column sums of squares)."""


def jump_costs(store):
    """(epoch_unit, pair_unit): multiply-adds per working-set feature in an epoch, and per
    entry of `gram_block`; pair_unit < 0 when the storage has no `gram_block`."""
