"""What the benchmark scripts share: isolated timing with a timeout, the X^T r floor, the
glmnet probe and runner, and the glmnet paper's designs. Not a benchmark itself."""

import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np
import scipy.sparse as sp

# Equal accuracy: each tool's objective within TARGET (relative) of the best any tool found,
# its tolerance walked down these steps (the same for every tool) until it gets there.
TARGET = 1e-6


def ladder(loosest, tightest):
    """Tolerances 1, 0.5, 0.2 times each power of ten from loosest down to tightest (powers
    of ten). Three steps a decade, not one: with decade steps a tool whose tolerance is just
    short of a decade pays for the next one, up to 10x past what it needs -- on the sparse
    20000 x 50000 path both penalized (5e-4 passes, timed at 1e-4) and glmnet (2e-11 fails by
    1.8x, 1e-11 passes) landed well past their loosest passing setting."""
    top, bottom = round(-np.log10(loosest)), round(-np.log10(tightest))
    # 1e-k, 5e-(k+1), 2e-(k+1), written as decimals so the printed settings read exactly
    steps = [float(f"{mantissa}e-{k + shift}") for k in range(top, bottom)
             for mantissa, shift in ((1, 0), (5, 1), (2, 1))]
    return steps + [10.0 ** -bottom]


TOLS = ladder(1e-3, 1e-12)
GLMNET_TOLS = ladder(1e-7, 1e-13)  # glmnet's thresh


def fht_design(n, p, rho, seed=0):
    """FHT (2010) Table 1: equicorrelated Gaussian X (Fortran order) and the linear predictor
    X beta + k noise, beta_j = (-1)^j exp(-2(j-1)/20), k for a signal-to-noise ratio of 3."""
    rng = np.random.default_rng(seed)
    X = np.sqrt(1 - rho) * rng.standard_normal((n, p)) + np.sqrt(rho) * rng.standard_normal((n, 1))
    j = np.arange(1, p + 1)
    beta = (-1.0) ** j * np.exp(-2 * (j - 1) / 20)
    signal_var = (1 - rho) * beta @ beta + rho * beta.sum() ** 2  # beta' Sigma beta
    k = np.sqrt(signal_var) / 3
    return np.asfortranarray(X), X @ beta + k * rng.standard_normal(n), rng


def xtr_pass(X, repeat=30):
    """Median time of one X^T r (numpy / scipy), the bandwidth floor of one CD epoch."""
    r = np.random.default_rng(1).standard_normal(X.shape[0])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        X.T @ r
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _child(conn, fn, args, repeat, warmup):
    try:
        out = None
        if warmup is not None:
            try:  # untimed: a fresh process's first call loads caches and touches memory
                fn(*warmup)
            except Exception:  # noqa: BLE001, S110 -- the timed calls report failures
                pass
        for _ in range(repeat):
            start = time.perf_counter()
            out = fn(*args)
            conn.send(("time", time.perf_counter() - start))
        conn.send(("done", out))
    except Exception as exc:  # noqa: BLE001 -- reported in the table
        conn.send(("error", f"failed: {type(exc).__name__}: {exc}"[:200]))
    conn.close()


def timed(fn, args, repeat, timeout, warmup=None):
    """(list of seconds, fn's output, status) with status 'ok', 'timeout' or 'failed: ...'.

    Each call runs in a fresh forked child; `warmup` (arguments for fn, e.g. a few rows of
    the data) is run there first, untimed, so that one-off costs of a new process (JIT
    caches loaded, inherited pages copied on write) are not charged to the timed runs.
    Those costs are measured on their own by bench_startup.py.
    """
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, repeat, warmup))
    proc.start()
    child.close()
    times, out, status = [], None, "ok"
    try:
        while True:
            if not parent.poll(timeout + 5):
                status = "timeout"
                break
            kind, value = parent.recv()
            if kind == "time":
                times.append(value)
                if value > timeout:
                    status = "timeout"
                    break
            elif kind == "done":
                out = value
                break
            else:
                status = value
                break
    except EOFError:
        status = "failed: child died"
    if proc.is_alive():
        proc.kill()
    proc.join()
    return times, out, status


def glmnet_available():
    """None when Rscript and R's glmnet load, else why not."""
    if shutil.which("Rscript") is None:
        return "Rscript not found (apt-get install r-cran-glmnet)"
    proc = subprocess.run(["Rscript", "-e", "suppressMessages(library(glmnet))"],
                          capture_output=True, text=True)
    if proc.returncode:
        return "R package glmnet not loadable: " + proc.stderr.strip()[:200]
    return None


# The start every benchmark's R script shares: its arguments, glmnet, the data GlmnetData
# wrote, the vector of timings and how a path's coefficients go back.
R_PRELUDE = r"""
args <- commandArgs(trailingOnly = TRUE)
d <- args[1]; what <- args[2]; thresh <- as.numeric(args[3]); reps <- as.integer(args[4])
n <- as.integer(args[5]); p <- as.integer(args[6]); sparse <- args[7] == "1"
nlam <- as.integer(args[8]); timeout <- as.numeric(args[9])
suppressPackageStartupMessages(library(glmnet))
rd <- function(f, what, k) {
  readBin(file.path(d, f), what, n = k, size = if (what == "integer") 4 else 8)
}
if (sparse) {
  ip <- rd("indptr.bin", "integer", p + 1)
  X <- sparseMatrix(i = rd("indices.bin", "integer", ip[p + 1]), p = ip,
                    x = rd("data.bin", "double", ip[p + 1]), dims = c(n, p), index1 = FALSE)
} else {
  X <- matrix(rd("X.bin", "double", n * p), n, p)
}
y <- rd("y.bin", "double", n)
times <- numeric(0)
write_coef <- function(fit) {
  B <- as.matrix(coef(fit))
  writeBin(as.integer(ncol(B)), file.path(d, "ncol.bin"), size = 4)
  writeBin(as.double(B), file.path(d, "coef.bin"))
}
"""
OUTPUTS = ("times.bin", "coef.bin", "ncol.bin", "best.bin")


class GlmnetData:
    """One row's data written once for R (X dense or CSC, y, `extra` arrays); `run` calls
    Rscript on R_PRELUDE + `script`, which times glmnet() inside R."""

    def __init__(self, X, y, script, prefix, extra=()):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.n, self.p = X.shape
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.write("indptr.bin", X.indptr, "<i4")
            self.write("indices.bin", X.indices, "<i4")
            self.write("data.bin", X.data, "<f8")
        else:
            self.write("X.bin", np.asarray(X).ravel(order="F"), "<f8")
        self.write("y.bin", y, "<f8")
        for name, arr, dtype in extra:
            self.write(name, arr, dtype)
        with open(os.path.join(self.dir, "run.R"), "w") as fh:
            fh.write(R_PRELUDE + script)

    def write(self, name, arr, dtype):
        np.ascontiguousarray(arr, dtype=dtype).tofile(os.path.join(self.dir, name))

    def read(self, name, dtype):
        return np.fromfile(os.path.join(self.dir, name), dtype=dtype)

    def run(self, what, thresh, repeat, timeout, nlam):
        """(times of the repeats, None) or (times so far, "timeout" / "R error: ...")."""
        for name in OUTPUTS:
            if os.path.exists(os.path.join(self.dir, name)):
                os.remove(os.path.join(self.dir, name))
        cmd = ["Rscript", os.path.join(self.dir, "run.R"), self.dir, what, repr(thresh),
               str(repeat), str(self.n), str(self.p), "1" if self.sparse else "0", str(nlam),
               str(timeout)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=timeout * repeat + 60)
        except subprocess.TimeoutExpired:
            return [], "timeout"
        if proc.returncode:
            return [], "R error: " + proc.stderr.strip()[-200:]
        times = list(self.read("times.bin", "<f8"))
        return times, ("timeout" if max(times) > timeout else None)

    def coefs(self, nlam):
        """((coefs, intercepts), None) from write_coef, or (None, why not)."""
        ncol = int(self.read("ncol.bin", "<i4")[0])
        if ncol != nlam:
            return None, f"glmnet returned {ncol} of {nlam} lambdas"
        B = self.read("coef.bin", "<f8").reshape(ncol, self.p + 1)
        return (B[:, 1:], B[:, 0].copy()), None

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def few_rows(X, y, n=60):
    """The first n rows of (X, y): a warm-up problem with the same types as the real one."""
    return X[:n], y[:n]


def fmt_time(t):
    return f"{t:10.4f}" if np.isfinite(t) else f"{'-':>10}"
