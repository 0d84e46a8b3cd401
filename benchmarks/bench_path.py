"""Lasso path and 10-fold CV on the glmnet paper's designs: penalized vs scikit-learn, skglm,
celer, glum and R's glmnet.

Run:  python benchmarks/bench_path.py [--quick] [--repeat 3] [--case N100_p1000 sparse ...]
                                      [--rho 0 0.5] [--no-cv] [--tools ...] [--timeout 120]

Designs: Friedman, Hastie & Tibshirani (2010, J. Stat. Softw. 33(1)), Table 1 -- Gaussian X
with equal pairwise correlation rho (sqrt(1-rho) Z + sqrt(rho) z_common), y = X beta + k noise
with beta_j = (-1)^j exp(-2(j-1)/20) and k set for a signal-to-noise ratio of 3 -- at
N x p = 1000x100, 5000x100, 100x1000, 100x5000, 100x20000 and rho in {0, .1, .2, .5, .9, .95};
plus a sparse 20000 x 50000 design at 0.1% density (as in bench_lasso.py).

Every tool solves, with an intercept and on the same 100 alphas (alpha_max = max|X_c'y_c|/n
down to 1e-4 alpha_max if N > p, else 1e-2 alpha_max, log-spaced, passed explicitly),

    1/(2n) ||y - b0 - X b||^2 + alpha ||b||_1

single-threaded; the objective is evaluated identically in Python for every tool. Tools:
penalized (path), scikit-learn (lasso_path on centred data, LassoCV), skglm (warm-started
Lasso loop), celer (celer_path on centred data, LassoCV), glum (GeneralizedLinearRegressor
with alpha_search, GeneralizedLinearRegressorCV) and R's glmnet (standardize=FALSE, called
through Rscript; only the glmnet() / cv.glmnet() call is timed, inside R).

Equal accuracy, as in bench_lasso.py: the reference is the best objective any tool reaches at
its tightest setting (a tool whose tightest solve exceeds --timeout is left out of it); each
tool's tolerance is tightened along its ladder (1, 0.5, 0.2 times each power of ten, the same
for every tool) until its objective is within 1e-6 relative of the reference at every alpha
(one run per step), and that loosest setting is timed afresh (median of --repeat runs).
The 10-fold CV (same KFold(10) folds for every tool, best alpha by mean squared error, then the
tool's usual refit) runs at the tolerance each tool needed for the path; a tool whose path
took over FAR_BEHIND (3) times ours is timed once there. Times are also given
as multiples of one X^T r pass (numpy, median), the memory-bandwidth floor of one CD epoch.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from _harness import (  # noqa: E402
    GLMNET_TOLS,
    TARGET,
    TOLS,
    GlmnetData,
    few_rows,
    fht_design,
    fmt_time,
    glmnet_available,
    timed,
    xtr_pass,
)
from sklearn.model_selection import KFold  # noqa: E402

LADDERS = {"penalized": TOLS, "sklearn": TOLS, "skglm": TOLS, "celer": TOLS, "glum": TOLS,
           "glmnet": GLMNET_TOLS}  # glum: gradient_tol; glmnet: thresh
N_ALPHAS = 100
FAR_BEHIND = 3.0  # see bench_cv
SHAPES = {"N1000_p100": (1000, 100), "N5000_p100": (5000, 100), "N100_p1000": (100, 1000),
          "N100_p5000": (100, 5000), "N100_p20000": (100, 20000), "sparse": (20000, 50000)}
RHOS = [0.0, 0.1, 0.2, 0.5, 0.9, 0.95]


# ---- designs ----
def make_fht(n, p, rho, seed=0):
    """FHT (2010) Table 1: equicorrelated Gaussian X, alternating decaying beta, SNR 3."""
    X, y, _ = fht_design(n, p, rho, seed)
    return X, y


def make_sparse(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.001, format="csc", random_state=seed)
    beta = np.zeros(p)
    beta[rng.choice(p, 20, replace=False)] = rng.choice([-1, 1], 20) * rng.uniform(1, 3, 20)
    y = np.asarray(X @ beta).ravel() + rng.standard_normal(n)
    return X, y


def make_alphas(X, y):
    n, p = X.shape
    alpha_max = np.abs(np.asarray(X.T @ (y - y.mean())).ravel()).max() / n  # = X_c'y_c / n
    return alpha_max * np.geomspace(1, 1e-4 if n > p else 1e-2, N_ALPHAS)


def objectives(X, y, alphas, coefs, intercepts):
    R = y[:, None] - np.asarray(X @ coefs.T) - intercepts[None, :]
    return (R * R).sum(0) / (2 * len(y)) + alphas * np.abs(coefs).sum(1)


def centred(X, y):
    """Centring the way scikit-learn / celer estimators do it: dense copy, sparse offsets."""
    x_mean = np.asarray(X.mean(0)).ravel()
    y_mean = y.mean()
    if sp.issparse(X):
        return X, y - y_mean, x_mean, {"X_offset": x_mean, "X_scale": np.ones(X.shape[1])}
    return np.asfortranarray(X - x_mean), y - y_mean, x_mean, {}


# ---- one path solver per tool: (X, y, alphas, tol) -> coefs (n_alphas, p), intercepts ----
def run_penalized(X, y, alphas, tol):
    from penalized import path

    fit = path(X, y, l1_ratio=1.0, alphas=alphas, fit_intercept=True, tol=tol,
               max_iter=100_000)
    return np.asarray(fit.coefs), np.asarray(fit.intercepts)


def run_sklearn(X, y, alphas, tol):
    from sklearn.linear_model import lasso_path

    Xc, yc, x_mean, extra = centred(X, y)
    coefs = lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=100_000, **extra)[1].T
    return coefs, y.mean() - coefs @ x_mean


def run_skglm(X, y, alphas, tol):
    from skglm import Lasso

    model = Lasso(alpha=alphas[0], fit_intercept=True, tol=tol, max_iter=1000,
                  max_epochs=100_000, warm_start=True)
    coefs, intercepts = [], []
    for a in alphas:
        model.alpha = a
        model.fit(X, y)
        coefs.append(model.coef_.copy())
        intercepts.append(float(model.intercept_))
    return np.array(coefs), np.array(intercepts)


def run_celer(X, y, alphas, tol):
    from celer import celer_path

    Xc, yc, x_mean, extra = centred(X, y)
    coefs = celer_path(Xc, yc, "lasso", alphas=alphas, tol=tol, max_iter=1000,
                       max_epochs=100_000, **extra)[1].T
    return coefs, y.mean() - coefs @ x_mean


def run_glum(X, y, alphas, tol):
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(family="normal", alpha_search=True, alpha=alphas,
                                       l1_ratio=1, fit_intercept=True, solver="irls-cd",
                                       gradient_tol=tol, max_iter=1000, scale_predictors=False)
    model.fit(X, y)
    return np.asarray(model.coef_path_), np.asarray(model.intercept_path_)


PATHS = {"penalized": run_penalized, "sklearn": run_sklearn, "skglm": run_skglm,
         "celer": run_celer, "glum": run_glum}
TOOLS = [*PATHS, "glmnet"]


# ---- 10-fold CV per tool: (X, y, alphas, tol, folds) -> index of the chosen alpha ----
def _rows(X, idx):
    sub = X[idx]
    return sub if sp.issparse(sub) else np.asfortranarray(sub)


def cv_loop(path_fn, X, y, alphas, tol, folds):
    """Fold paths, mean test MSE per alpha, then a cold refit at the best alpha."""
    mse = np.zeros(len(alphas))
    for train, test in folds:
        coefs, intercepts = path_fn(_rows(X, train), y[train], alphas, tol)
        pred = np.asarray(_rows(X, test) @ coefs.T) + intercepts[None, :]
        mse += ((y[test][:, None] - pred) ** 2).mean(0)
    best = int(np.argmin(mse))
    path_fn(X, y, alphas[best:best + 1], tol)
    return best


def _index(alphas, alpha):
    return int(np.argmin(np.abs(alphas - alpha)))


def cv_penalized(X, y, alphas, tol, folds):
    try:
        from penalized import cv_path
    except ImportError:  # until penalized.cv_path lands (then: 10 fold paths + refit)
        return cv_loop(run_penalized, X, y, alphas, tol, folds)
    fit = cv_path(X, y, l1_ratio=1.0, alphas=alphas, cv=folds, tol=tol, max_iter=100_000)
    for attr in ("alpha_", "best_alpha", "alpha"):
        if hasattr(fit, attr):
            return _index(alphas, float(getattr(fit, attr)))
    return -1


def cv_sklearn(X, y, alphas, tol, folds):
    from sklearn.linear_model import LassoCV

    model = LassoCV(alphas=alphas, cv=folds, tol=tol, max_iter=100_000, n_jobs=1)
    return _index(alphas, model.fit(X, y).alpha_)


def cv_skglm(X, y, alphas, tol, folds):
    return cv_loop(run_skglm, X, y, alphas, tol, folds)


def cv_celer(X, y, alphas, tol, folds):
    # celer.LassoCV 0.7.4 passes n_alphas, which scikit-learn 1.9's LinearModelCV rejects.
    return cv_loop(run_celer, X, y, alphas, tol, folds)


def cv_glum(X, y, alphas, tol, folds):
    from glum import GeneralizedLinearRegressorCV

    model = GeneralizedLinearRegressorCV(family="normal", l1_ratio=1, alphas=alphas, cv=folds,
                                         solver="irls-cd", gradient_tol=tol, max_iter=1000,
                                         n_jobs=1, fit_intercept=True, scale_predictors=False)
    return _index(alphas, model.fit(X, y).alpha_)


CVS = {"penalized": cv_penalized, "sklearn": cv_sklearn, "skglm": cv_skglm, "celer": cv_celer,
       "glum": cv_glum}
CV_NOTE = {"penalized": "cv_path: full path + 10 fold paths",
           "sklearn": "LassoCV: 10 fold paths + refit",
           "skglm": "10 fold paths + refit",
           "celer": "10 fold celer_paths + refit (celer.LassoCV fails on sklearn 1.9)",
           "glum": "GLRegressorCV: 10 fold paths + refit",
           "glmnet": "cv.glmnet: full path + 10 fold paths"}


# ---- timing in a forked child, so that a run past the timeout can be killed ----
# ---- R's glmnet through Rscript ----
R_SCRIPT = r"""
lam <- rd("lambda.bin", "double", nlam)
foldid <- rd("foldid.bin", "integer", n)
for (r in seq_len(reps)) {
  if (what == "path") {
    t <- system.time(fit <- glmnet(X, y, family = "gaussian", lambda = lam,
                                   standardize = FALSE, intercept = TRUE,
                                   thresh = thresh, maxit = 1e7))[["elapsed"]]
  } else {
    t <- system.time(fit <- cv.glmnet(X, y, family = "gaussian", lambda = lam,
                                      foldid = foldid, standardize = FALSE, intercept = TRUE,
                                      thresh = thresh, maxit = 1e7))[["elapsed"]]
  }
  times <- c(times, t)
  if (t > timeout) break
}
writeBin(as.double(times), file.path(d, "times.bin"))
if (what == "path") {
  write_coef(fit)
} else {
  writeBin(as.integer(which.min(abs(fit$lambda - fit$lambda.min))), file.path(d, "best.bin"),
           size = 4)
}
"""


class Glmnet:
    """glmnet's gaussian path, or cv.glmnet on the same folds, timed inside R."""

    def __init__(self, X, y, alphas, folds):
        self.alphas = alphas
        foldid = np.empty(X.shape[0], dtype=np.int32)
        for k, (_, test) in enumerate(folds):
            foldid[test] = k + 1
        self.data = GlmnetData(X, y, R_SCRIPT, "bench_path_",
                               [("lambda.bin", alphas, "<f8"), ("foldid.bin", foldid, "<i4")])

    def run(self, mode, thresh, repeat, timeout):
        times, error = self.data.run(mode, thresh, repeat, timeout, len(self.alphas))
        t = float(np.median(times)) if times else float("nan")
        if error:
            return t, None, error
        if mode == "cv":
            return t, int(self.data.read("best.bin", "<i4")[0]) - 1, "ok"
        out, error = self.data.coefs(len(self.alphas))
        return t, out, error or "ok"

    def close(self):
        self.data.close()


# ---- the benchmark ----
def median_timed(fn, args, repeat, timeout, warmup=None):
    """`timed`, with the median of the repeats (nan when none finished)."""
    times, out, status = timed(fn, args, repeat, timeout, warmup)
    return (float(np.median(times)) if times else float("nan")), out, status


def measure(name, X, y, alphas, tol, repeat, timeout, glmnet):
    if name == "glmnet":
        return glmnet.run("path", tol, repeat, timeout)
    return median_timed(PATHS[name], (X, y, alphas, tol), repeat, timeout,
                        (*few_rows(X, y), alphas, tol))


def bench_path(X, y, alphas, tools, repeat, timeout, glmnet):
    """Per tool: (time, tol, worst rel. gap, status); and the tools left out of the reference."""
    best, tight, notes = None, {}, {}
    for name in tools:  # reference: the best objective at each tool's tightest setting
        _, out, status = measure(name, X, y, alphas, LADDERS[name][-1], 1, timeout, glmnet)
        if status != "ok":
            notes[name] = status
            continue
        tight[name] = objectives(X, y, alphas, *out)
        best = tight[name] if best is None else np.minimum(best, tight[name])
    rows = {}
    for name in tools:
        rel, last = float("nan"), (float("nan"), None, float("nan"), "not run")
        for tol in LADDERS[name]:
            if tol == LADDERS[name][-1] and name in notes:
                last = (float("nan"), tol, float("nan"), notes[name])
                break
            # one run per step to check the accuracy; the setting that reaches it is timed
            # afresh, all repeats in one process (as bench_logistic.py)
            t, out, status = measure(name, X, y, alphas, tol, 1, timeout, glmnet)
            if status != "ok":
                last = (t, tol, float("nan"), status)
                break
            rel = float(np.max((objectives(X, y, alphas, *out) - best) / np.abs(best)))
            reached = rel <= TARGET
            if reached or tol == LADDERS[name][-1]:
                if repeat > 1:
                    t, _, status = measure(name, X, y, alphas, tol, repeat, timeout, glmnet)
                last = (t, tol, rel, "ok" if reached else "not reached")
                if status != "ok":
                    last = (t, tol, rel, status)
                break
        rows[name] = last
    return rows, notes


def bench_cv(X, y, alphas, tools, path_rows, repeat, timeout, glmnet, folds):
    """Per tool: (time, tol, index of the best alpha, status). A tool whose path took over
    FAR_BEHIND times ours runs its CV once: a median would not change which is faster, and
    the slow tools' CVs take minutes."""
    rows = {}
    ours = path_rows.get("penalized", (float("nan"),))[0]
    for name in tools:
        t_path, tol, _, status = path_rows[name]
        if tol is None or (status not in ("ok", "not reached")):
            rows[name] = (float("nan"), tol, -1, f"skipped (path: {status})")
            continue
        runs = 1 if t_path > FAR_BEHIND * ours else repeat
        if name == "glmnet":
            t, best, status = glmnet.run("cv", tol, runs, timeout)
        else:
            t, best, status = median_timed(CVS[name], (X, y, alphas, tol, folds), runs,
                                           timeout)
        if runs < repeat and status == "ok":
            status = f"timed once (path {t_path / ours:.0f}x ours)"
        rows[name] = (t, tol, -1 if best is None else best, status)
    return rows


def report_path(rows, floor, notes):
    base = rows.get("penalized", (float("nan"),))[0]
    print(f"  path, {N_ALPHAS} alphas")
    print(f"  {'tool':>10} {'median s':>10} {'ratio':>7} {'x XTr':>9} {'tol used':>9} "
          f"{'worst rel gap':>14}  note")
    for name, (t, tol, rel, status) in rows.items():
        tol_s = f"{tol:.0e}" if tol is not None else "-"
        note = "" if status == "ok" else (
            f"did not reach {TARGET:.0e}; time at tightest" if status == "not reached"
            else status)
        if name in notes:
            note = (note + "; " if note else "") + (
                f"tightest ({LADDERS[name][-1]:.0e}) {notes[name]}: left out of reference")
        print(f"  {name:>10} {fmt_time(t)} {t / base:7.2f} {t / floor:9.0f} {tol_s:>9} "
              f"{rel:14.2e}  {note}")


def report_cv(rows, floor):
    base = rows.get("penalized", (float("nan"),))[0]
    print("  10-fold CV (same folds; at the path's tolerance)")
    print(f"  {'tool':>10} {'median s':>10} {'ratio':>7} {'x XTr':>9} {'tol used':>9} "
          f"{'best k':>7}  note")
    for name, (t, tol, best, status) in rows.items():
        tol_s = f"{tol:.0e}" if tol is not None else "-"
        note = CV_NOTE[name] + ("" if status == "ok" else f"; {status}")
        print(f"  {name:>10} {fmt_time(t)} {t / base:7.2f} {t / floor:9.0f} {tol_s:>9} "
              f"{best:7d}  {note}")


def warm_up(tools):
    """Import and compile everything outside the timings (the children are forked from here)."""
    X, y = make_fht(60, 30, 0.5, seed=3)
    alphas = make_alphas(X, y)[:5]
    folds = list(KFold(10).split(np.arange(len(y))))
    for name in tools:
        if name in PATHS:
            for Xw in (X, sp.csc_matrix(X)):
                PATHS[name](Xw, y, alphas, 1e-4)
                CVS[name](Xw, y, alphas, 1e-4, folds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the two smallest shapes at rho 0 and 0.5")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", nargs="*", choices=list(SHAPES), default=None)
    parser.add_argument("--rho", nargs="*", type=float, default=None)
    parser.add_argument("--tools", nargs="*", choices=TOOLS, default=TOOLS)
    parser.add_argument("--no-cv", action="store_true", help="skip the 10-fold CV")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds one path run may take (CV runs: 10x)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cases = args.case or (["N1000_p100", "N100_p1000"] if args.quick else list(SHAPES))
    rhos = args.rho if args.rho is not None else ([0.0, 0.5] if args.quick else RHOS)
    tools = list(args.tools)
    if "penalized" in tools:
        tools.remove("penalized")
        tools.insert(0, "penalized")
    try:
        from penalized import path  # noqa: F401

        api = "penalized.path"
    except ImportError:
        api = "penalized.solver.solve_sequence (penalized.path not available yet)"
    try:
        from penalized import cv_path  # noqa: F401

        cv_api = "penalized.cv_path"
    except ImportError:
        cv_api = "KFold loop over the path function (penalized.cv_path not available yet)"
    print(f"penalized path via {api}; CV via {cv_api}")
    if "glmnet" in tools:
        why = glmnet_available()
        if why:
            print(f"*** glmnet NOT AVAILABLE: {why} -- glmnet rows are missing below ***")
            tools.remove("glmnet")
        else:
            version = subprocess.run(
                ["Rscript", "-e", 'cat(as.character(packageVersion("glmnet")))'],
                capture_output=True, text=True).stdout.strip()
            print(f"glmnet {version} via Rscript (timed inside R with system.time)")
    print(f"equal accuracy: worst relative objective gap <= {TARGET:.0e} over the "
          f"{N_ALPHAS} alphas; ladders: " +
          ", ".join(f"{k} {LADDERS[k][0]:.0e}..{LADDERS[k][-1]:.0e}" for k in tools) +
          f"; medians of {args.repeat}; timeout {args.timeout:.0f} s per path run")
    warm_up(tools)
    rows_todo = []
    for case in cases:
        if case == "sparse":
            rows_todo.append((case, None))
        else:
            rows_todo.extend((case, rho) for rho in rhos)
    for case, rho in rows_todo:
        n, p = SHAPES[case]
        X, y = make_sparse(n, p) if case == "sparse" else make_fht(n, p, rho)
        alphas = make_alphas(X, y)
        floor = xtr_pass(X)
        folds = list(KFold(10).split(np.arange(n)))
        kind = f"sparse ({X.nnz} nnz)" if sp.issparse(X) else f"dense, rho={rho:g}"
        print(f"\n=== {case}: N={n} p={p}, {kind}; alphas {alphas[0]:.3g} .. {alphas[-1]:.3g}; "
              f"one X^T r pass = {floor * 1e3:.4f} ms ===", flush=True)
        glmnet = Glmnet(X, y, alphas, folds) if "glmnet" in tools else None
        try:
            path_rows, notes = bench_path(X, y, alphas, tools, args.repeat, args.timeout, glmnet)
            report_path(path_rows, floor, notes)
            if not args.no_cv:
                cv_rows = bench_cv(X, y, alphas, tools, path_rows, args.repeat,
                                   10 * args.timeout, glmnet, folds)
                report_cv(cv_rows, floor)
        finally:
            if glmnet is not None:
                glmnet.close()
        print(flush=True)


if __name__ == "__main__":
    main()
