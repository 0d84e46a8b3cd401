"""L1-penalized logistic regression, path and single fit, on the glmnet paper's binary designs:
penalized vs scikit-learn (liblinear, saga), skglm, celer, glum and R's glmnet.

Run:  python benchmarks/bench_logistic.py [--quick] [--repeat 3] [--case N100_p1000 sparse ...]
                                          [--rho 0 0.5] [--no-single | --no-path] [--tools ...]
                                          [--timeout 120]

Designs: Friedman, Hastie & Tibshirani (2010, J. Stat. Softw. 33(1)), Table 2 (binary) --
Gaussian X with equal pairwise correlation rho (sqrt(1-rho) Z + sqrt(rho) z_common), linear
predictor eta = X beta + k noise exactly as bench_path.py's Table-1 generator (beta_j =
(-1)^j exp(-2(j-1)/20), k for a signal-to-noise ratio of 3), y ~ Bernoulli(expit(eta)) -- at
N x p = 1000x100, 5000x100, 100x1000, 100x10000 and rho in {0, .1, .2, .5, .9, .95}; plus a
sparse text-like 20000 x 50000 design (0.1% density, binary features, y ~ Bernoulli(expit(X beta))
with 100 non-zero beta_j).

Every tool solves, with an unpenalized intercept, on the same 100 alphas (alpha_max =
max|X'(y - ybar)|/n down to 1e-4 alpha_max if N > p, else 1e-2 alpha_max -- glmnet's
lambda.min.ratio -- log-spaced, passed explicitly), and for the single fit at alpha_max/20,

    (1/n) sum_i [log(1 + exp(eta_i)) - y_i eta_i] + alpha ||b||_1,    eta = b0 + X b,

single-threaded; the objective is evaluated identically in Python for every tool. Tools (the
settings are printed at the top of the output, see SETTINGS):
penalized (path(family="binomial"); LogisticRegression(C=1/(alpha n), l1_ratio=1)),
scikit-learn LogisticRegression(l1_ratio=1, C=1/(alpha n)) with solver="liblinear"
(intercept_scaling=1e4: liblinear penalizes the intercept; no warm start) and solver="saga"
(warm_start=True loop), skglm (warm-started SparseLogisticRegression loop), celer
(celer_path(pb="logreg"); celer cannot fit an intercept, so it gets a constant column of 1e4,
penalized like liblinear's), glum (GeneralizedLinearRegressor(family="binomial",
alpha_search=True), solver="irls-cd") and R's glmnet (family="binomial", standardize=FALSE,
called through Rscript; only the glmnet() call is timed, inside R).

Equal accuracy, as in bench_path.py: the reference is the best objective any tool reaches at
its tightest setting (a tool whose tightest solve exceeds --timeout is left out of it); each
tool's tolerance is tightened along its ladder until its objective is within 1e-6 relative of
the reference at every alpha, and that loosest setting is timed (median of --repeat runs in
one process, after the accuracy check and an untimed warm-up on 60 rows). Times are also
given as multiples of one X^T r pass (numpy, median), the memory-bandwidth floor of one CD
epoch.
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

LADDERS = {"penalized": TOLS, "sk-liblinear": TOLS, "sk-saga": TOLS, "skglm": TOLS,
           "celer": TOLS, "glum": TOLS,  # glum: gradient_tol
           "glmnet": GLMNET_TOLS}  # glmnet: thresh
N_ALPHAS = 100
SINGLE_RATIO = 20  # the single fit is at alpha_max / SINGLE_RATIO
INTERCEPT_SCALING = 1e4  # liblinear's intercept_scaling; celer's constant column
SHAPES = {"N1000_p100": (1000, 100), "N5000_p100": (5000, 100), "N100_p1000": (100, 1000),
          "N100_p10000": (100, 10000), "sparse": (20000, 50000)}
RHOS = [0.0, 0.1, 0.2, 0.5, 0.9, 0.95]
QUICK_TIMEOUT = 30.0
SETTINGS = {
    "penalized": "path(X, y, l1_ratio=1, family='binomial', alphas, tol, max_iter=1000 Newton "
                 "steps); single: LogisticRegression(C=1/(alpha n), l1_ratio=1, tol, "
                 "max_iter=1000)",
    "sk-liblinear": "LogisticRegression(l1_ratio=1, C=1/(alpha n), solver='liblinear', "
                    "intercept_scaling=1e4, tol, max_iter=100000), one cold fit per alpha "
                    "(liblinear ignores warm_start); its intercept is penalized as "
                    "alpha |b0| / 1e4",
    "sk-saga": "LogisticRegression(l1_ratio=1, C=1/(alpha n), solver='saga', tol, "
               "max_iter=100000, warm_start=True), one fit per alpha",
    "skglm": "SparseLogisticRegression(alpha, fit_intercept=True, tol, max_iter=1000, "
             "max_epochs=10000, warm_start=True), one fit per alpha (ProxNewton)",
    "celer": "celer_path(X1, 2y-1, 'logreg', alphas=n alpha, tol, use_PN=False, max_iter=1000) "
             "with X1 = [X, 1e4 * ones]: celer fits no intercept (LogisticRegression refuses "
             "fit_intercept=True), so b0 = 1e4 * w_last is penalized as alpha |b0| / 1e4; "
             "single: the same with one alpha",
    "glum": "GeneralizedLinearRegressor(family='binomial', alpha_search=True, alpha=alphas, "
            "l1_ratio=1, solver='irls-cd', gradient_tol=tol, max_iter=1000, "
            "scale_predictors=False); single: alpha=alpha, alpha_search=False",
    "glmnet": "glmnet(X, y, family='binomial', lambda=alphas, standardize=FALSE, thresh=tol, "
              "maxit=1e7), Newton (type.logistic default), other glmnet.control defaults; "
              "single: lambda=alpha",
}


# ---- designs ----
def make_fht(n, p, rho, seed=0):
    """FHT (2010) Table 2: Table 1's equicorrelated X and linear predictor, Bernoulli y."""
    X, eta, rng = fht_design(n, p, rho, seed)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, y


def make_sparse(n, p, seed=0):
    """Text-like: binary features at 0.1% density, a sparse true coefficient, Bernoulli y."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.001, format="csc", random_state=seed, data_rvs=np.ones)
    beta = np.zeros(p)
    beta[rng.choice(p, 100, replace=False)] = rng.choice([-1, 1], 100) * rng.uniform(1, 3, 100)
    eta = np.asarray(X @ beta).ravel()
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, y


def make_alphas(X, y):
    n, p = X.shape
    alpha_max = np.abs(np.asarray(X.T @ (y - y.mean())).ravel()).max() / n
    return alpha_max * np.geomspace(1, 1e-4 if n > p else 1e-2, N_ALPHAS)


def objectives(X, y, alphas, coefs, intercepts):
    """(1/n) sum [log(1 + exp(eta)) - y eta] + alpha ||b||_1 per alpha, eta = b0 + X b."""
    eta = np.asarray(X @ coefs.T) + intercepts[None, :]
    loss = (np.logaddexp(0.0, eta) - y[:, None] * eta).mean(0)
    return loss + alphas * np.abs(coefs).sum(1)


def _with_ones(X, scale):
    """X with a constant column `scale` appended (an intercept for solvers without one)."""
    ones = np.full((X.shape[0], 1), scale)
    if sp.issparse(X):
        return sp.hstack([X, sp.csc_matrix(ones)], format="csc")
    return np.asfortranarray(np.hstack([X, ones]))


# ---- one path solver per tool: (X, y, alphas, tol) -> coefs (n_alphas, p), intercepts ----
def run_penalized(X, y, alphas, tol):
    from penalized import path

    fit = path(X, y, l1_ratio=1.0, family="binomial", alphas=alphas, fit_intercept=True,
               tol=tol, max_iter=1000)
    return np.asarray(fit.coefs), np.asarray(fit.intercepts)


def _sklearn_loop(X, y, alphas, tol, solver):
    from sklearn.linear_model import LogisticRegression

    extra = {"intercept_scaling": INTERCEPT_SCALING} if solver == "liblinear" else {}
    model = LogisticRegression(l1_ratio=1.0, C=1.0, solver=solver, tol=tol, max_iter=100_000,
                               fit_intercept=True, warm_start=True, **extra)
    n = X.shape[0]
    coefs, intercepts = [], []
    for a in alphas:
        model.C = 1.0 / (a * n)
        model.fit(X, y)
        coefs.append(model.coef_.ravel().copy())
        intercepts.append(float(model.intercept_[0]))
    return np.array(coefs), np.array(intercepts)


def run_liblinear(X, y, alphas, tol):
    return _sklearn_loop(X, y, alphas, tol, "liblinear")


def run_saga(X, y, alphas, tol):
    return _sklearn_loop(X, y, alphas, tol, "saga")


def run_skglm(X, y, alphas, tol):
    from skglm import SparseLogisticRegression

    model = SparseLogisticRegression(alpha=alphas[0], fit_intercept=True, tol=tol,
                                     max_iter=1000, max_epochs=10_000, warm_start=True)
    coefs, intercepts = [], []
    for a in alphas:
        model.alpha = a
        model.fit(X, y)
        coefs.append(model.coef_.ravel().copy())
        intercepts.append(float(np.ravel(model.intercept_)[0]))
    return np.array(coefs), np.array(intercepts)


def run_celer(X, y, alphas, tol):
    from celer import celer_path

    n, p = X.shape
    # celer's logreg objective is sum_i log(1 + exp(-y_i x_i'w)) + alpha ||w||_1 (no 1/n)
    W = celer_path(_with_ones(X, INTERCEPT_SCALING), 2 * y - 1, "logreg", alphas=alphas * n,
                   tol=tol, max_iter=1000, use_PN=False)[1].T
    return W[:, :p], W[:, p] * INTERCEPT_SCALING


def run_glum(X, y, alphas, tol):
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(family="binomial", alpha_search=True, alpha=alphas,
                                       l1_ratio=1, fit_intercept=True, solver="irls-cd",
                                       gradient_tol=tol, max_iter=1000, scale_predictors=False)
    model.fit(X, y)
    return np.asarray(model.coef_path_), np.asarray(model.intercept_path_)


PATHS = {"penalized": run_penalized, "sk-liblinear": run_liblinear, "sk-saga": run_saga,
         "skglm": run_skglm, "celer": run_celer, "glum": run_glum}
TOOLS = [*PATHS, "glmnet"]


# ---- one single fit per tool: (X, y, alpha, tol) -> coefs (1, p), intercepts (1,) ----
def single_penalized(X, y, alpha, tol):
    from penalized import LogisticRegression

    model = LogisticRegression(C=1.0 / (alpha * X.shape[0]), l1_ratio=1.0, tol=tol,
                               max_iter=1000).fit(X, y)
    return model.coef_.reshape(1, -1), np.ravel(model.intercept_)[:1].astype(float)


def single_glum(X, y, alpha, tol):
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(family="binomial", alpha=alpha, l1_ratio=1,
                                       fit_intercept=True, solver="irls-cd", gradient_tol=tol,
                                       max_iter=1000, scale_predictors=False)
    model.fit(X, y)
    return model.coef_.reshape(1, -1), np.array([float(model.intercept_)])


def _single_from_path(path_fn):
    def single(X, y, alpha, tol):
        return path_fn(X, y, np.array([alpha]), tol)

    return single


SINGLES = {"penalized": single_penalized, "glum": single_glum,
           **{name: _single_from_path(PATHS[name])
              for name in ("sk-liblinear", "sk-saga", "skglm", "celer")}}


# ---- timing in a forked child, so that a run past the timeout can be killed ----
# ---- R's glmnet through Rscript ----
R_SCRIPT = r"""
lam <- rd(what, "double", nlam)
for (r in seq_len(reps)) {
  t <- system.time(fit <- glmnet(X, y, family = "binomial", lambda = lam,
                                 standardize = FALSE, intercept = TRUE,
                                 thresh = thresh, maxit = 1e7))[["elapsed"]]
  times <- c(times, t)
  if (t > timeout) break
}
writeBin(as.double(times), file.path(d, "times.bin"))
write_coef(fit)
"""


class Glmnet:
    """glmnet's binomial path (or one lambda) on one row's data, timed inside R."""

    def __init__(self, X, y, alphas, alpha_single):
        self.lambdas = {"path": alphas, "single": np.array([alpha_single])}
        self.data = GlmnetData(X, y, R_SCRIPT, "bench_logistic_",
                               [(f"lambda_{mode}.bin", lam, "<f8")
                                for mode, lam in self.lambdas.items()])

    def run(self, mode, thresh, repeat, timeout):
        nlam = len(self.lambdas[mode])
        times, error = self.data.run(f"lambda_{mode}.bin", thresh, repeat, timeout, nlam)
        if error:
            return times, None, error if error == "timeout" else "failed: " + error
        out, error = self.data.coefs(nlam)
        return times, out, "ok" if error is None else "failed: " + error

    def close(self):
        self.data.close()


# ---- the benchmark ----
def measure(mode, name, X, y, alphas, tol, repeat, timeout, glmnet):
    """(times, (coefs, intercepts), status) of `repeat` runs of one tool at one setting."""
    if name == "glmnet":
        return glmnet.run(mode, tol, repeat, timeout)
    if mode == "path":
        return timed(PATHS[name], (X, y, alphas, tol), repeat, timeout,
                     (*few_rows(X, y), alphas, tol))
    return timed(SINGLES[name], (X, y, float(alphas[0]), tol), repeat, timeout,
                 (*few_rows(X, y), float(alphas[0]), tol))


def bench(mode, X, y, alphas, tools, repeat, timeout, glmnet):
    """Per tool: (time, tol, worst rel. gap, status); and the tools left out of the reference.

    `alphas` is the path's grid, or the single fit's one alpha (mode 'single')."""
    best, tight, notes = None, {}, {}
    for name in tools:  # reference: the best objective at each tool's tightest setting
        times, out, status = measure(mode, name, X, y, alphas, LADDERS[name][-1], 1, timeout,
                                     glmnet)
        if status != "ok":
            notes[name] = status
            continue
        tight[name] = (times, out)
        obj = objectives(X, y, alphas, *out)
        best = obj if best is None else np.minimum(best, obj)
    rows = {}
    for name in tools:
        last = (float("nan"), None, float("nan"), "not run")
        for tol in LADDERS[name]:
            if tol == LADDERS[name][-1] and name in notes:
                last = (float("nan"), tol, float("nan"), notes[name])
                break
            if tol == LADDERS[name][-1]:
                times, out = tight[name]  # the reference run doubles as this accuracy check
            else:
                times, out, status = measure(mode, name, X, y, alphas, tol, 1, timeout, glmnet)
                if status != "ok":
                    last = (float("nan"), tol, float("nan"), status)
                    break
            rel = float(np.max((objectives(X, y, alphas, *out) - best) / np.abs(best)))
            reached = rel <= TARGET
            if reached or tol == LADDERS[name][-1]:
                if repeat > 1:  # timed afresh, all repeats in one process (the check
                    # ran alone in its own, where its one run paid the first-touch costs)
                    times, _, status = measure(mode, name, X, y, alphas, tol, repeat,
                                               timeout, glmnet)
                last = (float(np.median(times)), tol, rel, "ok" if reached else "not reached")
                break
        rows[name] = last
    return rows, notes


def report(title, rows, floor, notes):
    base = rows.get("penalized", (float("nan"),))[0]
    print(f"  {title}")
    print(f"  {'tool':>12} {'median s':>10} {'ratio':>7} {'x XTr':>9} {'tol used':>9} "
          f"{'worst rel gap':>14}  note")
    for name, (t, tol, rel, status) in rows.items():
        tol_s = f"{tol:.0e}" if tol is not None else "-"
        note = "" if status == "ok" else (
            f"did not reach {TARGET:.0e}; time at tightest" if status == "not reached"
            else status)
        if name in notes and not notes[name].startswith("failed"):
            note = (note + "; " if note else "") + (
                f"tightest ({LADDERS[name][-1]:.0e}) {notes[name]}: left out of reference")
        print(f"  {name:>12} {fmt_time(t)} {t / base:7.2f} {t / floor:9.0f} {tol_s:>9} "
              f"{rel:14.2e}  {note}")


def warm_up(tools):
    """Import and compile everything outside the timings (the children are forked from here)."""
    X, y = make_fht(60, 30, 0.5, seed=3)
    alphas = make_alphas(X, y)[:5]
    for name in tools:
        if name in PATHS:
            for Xw in (X, sp.csc_matrix(X)):
                for fn, arg in ((PATHS[name], alphas), (SINGLES[name], float(alphas[2]))):
                    try:
                        fn(Xw, y, arg, 1e-4)
                    except Exception:  # noqa: BLE001, S110 -- the timed run reports it
                        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="N1000_p100 and N100_p1000 at rho 0 and 0.5")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", nargs="*", choices=list(SHAPES), default=None)
    parser.add_argument("--rho", nargs="*", type=float, default=None)
    parser.add_argument("--tools", nargs="*", choices=TOOLS, default=TOOLS)
    skip = parser.add_mutually_exclusive_group()
    skip.add_argument("--no-single", action="store_true",
                      help=f"skip the single fit at alpha_max/{SINGLE_RATIO}")
    skip.add_argument("--no-path", action="store_true",
                      help="skip the 100-alpha path (the single fits of every row take minutes, "
                           "the paths hours: the tightest references time out)")
    parser.add_argument("--timeout", type=float, default=None,
                        help=f"seconds one run may take (default 120; {QUICK_TIMEOUT:.0f} "
                             "with --quick)")
    args = parser.parse_args()
    timeout = args.timeout or (QUICK_TIMEOUT if args.quick else 120.0)
    warnings.simplefilter("ignore")
    cases = args.case or (["N1000_p100", "N100_p1000"] if args.quick else list(SHAPES))
    rhos = args.rho if args.rho is not None else ([0.0, 0.5] if args.quick else RHOS)
    tools = list(args.tools)
    if "penalized" in tools:
        tools.remove("penalized")
        tools.insert(0, "penalized")
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
    print("settings:")
    for name in tools:
        print(f"  {name}: {SETTINGS[name]}")
    print(f"equal accuracy: worst relative objective gap <= {TARGET:.0e} over the "
          f"{N_ALPHAS} alphas (single fit: at alpha_max/{SINGLE_RATIO}); ladders: " +
          ", ".join(f"{k} {LADDERS[k][0]:.0e}..{LADDERS[k][-1]:.0e}" for k in tools) +
          f"; medians of {args.repeat}; timeout {timeout:.0f} s per run")
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
        alpha_single = alphas[0] / SINGLE_RATIO
        floor = xtr_pass(X)
        kind = f"sparse ({X.nnz} nnz)" if sp.issparse(X) else f"dense, rho={rho:g}"
        print(f"\n=== {case}: N={n} p={p}, {kind}, mean(y)={y.mean():.3f}; alphas "
              f"{alphas[0]:.3g} .. {alphas[-1]:.3g}; one X^T r pass = {floor * 1e3:.4f} ms ===",
              flush=True)
        glmnet = Glmnet(X, y, alphas, alpha_single) if "glmnet" in tools else None
        try:
            if not args.no_path:
                rows, notes = bench("path", X, y, alphas, tools, args.repeat, timeout, glmnet)
                report(f"path, {N_ALPHAS} alphas", rows, floor, notes)
            if not args.no_single:
                rows, notes = bench("single", X, y, np.array([alpha_single]), tools,
                                    args.repeat, timeout, glmnet)
                report(f"single fit at alpha_max/{SINGLE_RATIO} = {alpha_single:.3g}", rows,
                       floor, notes)
        finally:
            if glmnet is not None:
                glmnet.close()
        print(flush=True)


if __name__ == "__main__":
    main()
