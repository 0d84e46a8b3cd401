"""Lasso: one fit and a 100-alpha warm-started sequence, penalized vs scikit-learn, skglm, celer.

Run:  python benchmarks/bench_lasso.py [--quick] [--repeat 3] [--case dense_wide ...]

Every tool solves the same problem (no intercept, y centred; dense X centred too)

    1/(2n) ||y - X b||^2 + alpha ||b||_1

single-threaded. Equal accuracy: each tool's tolerance is tightened along a ladder
(1e-4, 1e-5, ...) until its objective is within 1e-6 relative of the best objective any tool
reached (for a sequence: at every alpha); the loosest such setting is timed. Each run is a
forked child with a timeout (--timeout), warmed up on a few rows first. Prints the median
time, the ratio to penalized (>1 means penalized is faster) and the accuracy reached.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from _harness import TARGET, TOLS, timed  # noqa: E402


def make_case(name, quick):
    rng = np.random.default_rng(0)
    if name == "dense_wide":  # 1000 x 10000, pairwise correlation 0.5
        n, p = (300, 2000) if quick else (1000, 10000)
        X = np.sqrt(0.5) * rng.standard_normal((n, p)) + np.sqrt(0.5) * rng.standard_normal((n, 1))
    elif name == "sparse":  # 20000 x 50000 at 0.1% density
        n, p = (4000, 10000) if quick else (20000, 50000)
        X = sp.random(n, p, density=0.001, format="csc", random_state=0)
    else:  # dense_tall: 200000 x 100
        n, p = (20000, 100) if quick else (200000, 100)
        X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[rng.choice(p, 20, replace=False)] = rng.choice([-1, 1], 20) * rng.uniform(1, 3, 20)
    y = np.asarray(X @ beta).ravel() + rng.standard_normal(n)
    y -= y.mean()
    if not sp.issparse(X):
        X = np.asfortranarray(X - X.mean(0))
    return X, y


def objective(X, y, coef, alpha):
    r = y - np.asarray(X @ coef).ravel()
    return r @ r / (2 * len(y)) + alpha * np.abs(coef).sum()


# ---- one solver per tool: (X, y, alphas, tol) -> coefs of shape (n_alphas, n_features) ----
def run_penalized(X, y, alphas, tol):
    if len(alphas) == 1:
        from penalized import Lasso

        model = Lasso(alpha=alphas[0], fit_intercept=False, tol=tol, max_iter=100_000)
        return model.fit(X, y).coef_[None, :]
    from penalized._validation import build_problem
    from penalized.solver import solve_sequence

    problem = build_problem(X, y, fit_intercept=False, precompute="auto")
    return np.array([f.coef for f in solve_sequence(problem, alphas, 1.0, tol=tol,
                                                    max_iter=100_000, warn=False)])


def run_sklearn(X, y, alphas, tol):
    from sklearn.linear_model import Lasso, lasso_path

    if len(alphas) == 1:
        model = Lasso(alpha=alphas[0], fit_intercept=False, tol=tol, max_iter=100_000)
        return model.fit(X, y).coef_[None, :]
    return lasso_path(X, y, alphas=alphas, tol=tol, max_iter=100_000)[1].T


def run_skglm(X, y, alphas, tol):
    from skglm import Lasso

    model = Lasso(alpha=alphas[0], fit_intercept=False, tol=tol, max_iter=1000,
                  max_epochs=100_000, warm_start=True)
    out = []
    for a in alphas:
        model.alpha = a
        out.append(model.fit(X, y).coef_.copy())
    return np.array(out)


def run_celer(X, y, alphas, tol):
    from celer import celer_path

    return celer_path(X, y, "lasso", alphas=alphas, tol=tol, max_iter=1000)[1].T


TOOLS = {"penalized": run_penalized, "sklearn": run_sklearn, "skglm": run_skglm,
         "celer": run_celer}


def objectives(X, y, alphas, coefs):
    return np.array([objective(X, y, c, a) for a, c in zip(alphas, coefs, strict=True)])


def bench(X, y, alphas, repeat, tools, timeout):
    """Per tool (median s, tol used, worst relative objective gap, status).

    Each run is a forked child with a timeout (`_harness.timed`), warmed up untimed on a
    few rows. The reference is the best objective any tool reached at its tightest
    tolerance; a tool whose tightest run times out is left out of it, and reported so."""
    warmup = (X[:60], y[:60], alphas, TOLS[0])
    best, notes = None, {}
    for name in tools:
        _, coefs, status = timed(TOOLS[name], (X, y, alphas, TOLS[-1]), 1, timeout, warmup)
        if status != "ok":
            notes[name] = status
            continue
        obj = objectives(X, y, alphas, coefs)
        best = obj if best is None else np.minimum(best, obj)
    rows = {}
    for name in tools:
        rows[name] = (float("nan"), None, float("nan"), "not run")
        for tol in TOLS:
            times, coefs, status = timed(TOOLS[name], (X, y, alphas, tol), repeat, timeout,
                                         warmup)
            if status != "ok":
                rows[name] = (float("nan"), tol, float("nan"), status)
                break
            rel = float(np.max((objectives(X, y, alphas, coefs) - best) / np.abs(best)))
            if rel <= TARGET or tol == TOLS[-1]:
                rows[name] = (float(np.median(times)), tol, rel,
                              "ok" if rel <= TARGET else f"did not reach {TARGET:.0e}")
                break
    return rows, notes


def report(title, rows, notes):
    base = rows["penalized"][0]
    print(f"\n{title}")
    print(f"{'tool':>10} {'median s':>10} {'ratio':>7} {'tol used':>9} {'rel. objective':>15}"
          "  note")
    for name, (t, tol, rel, status) in rows.items():
        tol_s = f"{tol:.0e}" if tol else "-"
        note = "" if status == "ok" else status
        if name in notes:
            note = (note + "; " if note else "") + \
                f"tightest ({TOLS[-1]:.0e}) {notes[name]}: left out of the reference"
        print(f"{name:>10} {t:10.4f} {t / base:7.2f} {tol_s:>9} {rel:15.2e}  {note}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problems")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", nargs="*", default=["dense_wide", "sparse", "dense_tall"])
    parser.add_argument("--tools", nargs="*", default=list(TOOLS))
    parser.add_argument("--no-path", action="store_true", help="skip the 100-alpha sequences")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds one run may take (default 300)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    Xw, yw = make_case("dense_tall", True)
    for name in args.tools:  # compile (and cache) numba kernels before any timing
        TOOLS[name](Xw[:200], yw[:200], np.array([0.1]), 1e-4)
    for case in args.case:
        X, y = make_case(case, args.quick)
        alpha_max = np.abs(np.asarray(X.T @ y).ravel()).max() / len(y)
        print(f"\n=== {case}: X {X.shape}, {'sparse' if sp.issparse(X) else 'dense'} ===")
        rows, notes = bench(X, y, np.array([alpha_max / 20]), args.repeat, args.tools,
                            args.timeout)
        report("single fit, alpha = alpha_max / 20", rows, notes)
        if not args.no_path:
            alphas = alpha_max * np.geomspace(1, 1e-2, 100)
            rows, notes = bench(X, y, alphas, max(1, args.repeat // 2), args.tools,
                                args.timeout)
            report("100-alpha sequence, alpha_max to alpha_max / 100", rows, notes)


if __name__ == "__main__":
    main()
