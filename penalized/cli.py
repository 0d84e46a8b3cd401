"""The `penalized` command line: argparse -> public API -> printed tables and files.
No math here."""

import argparse
import sys
import warnings
from pathlib import Path as FilePath

import numpy as np

from penalized import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LogisticRegression,
    LogisticRegressionCV,
    PoissonRegressor,
    Ridge,
    cv_path,
    io,
    path,
)
from penalized.datasets import diabetes

# the family and default l1_ratio of each --model
MODELS = {"lasso": ("gaussian", 1.0), "elasticnet": ("gaussian", 0.5),
          "ridge": ("gaussian", 0.0), "logistic": ("binomial", 1.0),
          "poisson": ("poisson", 1.0)}


class Progress:
    """A one-line progress bar on stderr (off with --no-progress)."""

    def __init__(self, label: str, enabled: bool = True, width: int = 30):
        self.label, self.enabled, self.width = label, enabled, width
        self.shown = 0  # length of the line on screen, to blank what a shorter one leaves

    def __call__(self, done: int, total: int, what: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        filled = int(self.width * done / total)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.label} [{bar}] {done}/{total} {what}".rstrip()
        end = "\n" if done >= total else ""
        print(f"\r{line.ljust(self.shown)}", end=end, file=sys.stderr, flush=True)
        self.shown = 0 if end else len(line)


def _demo(args: argparse.Namespace) -> int:
    X, y, names = diabetes()
    models = {
        "Ridge": Ridge(alpha=args.ridge_alpha),
        "Lasso": Lasso(alpha=args.alpha),
        "ElasticNet": ElasticNet(alpha=args.alpha, l1_ratio=args.l1_ratio),
    }
    coefs = {name: model.fit(X, y).coef_ for name, model in models.items()}
    print(f"Diabetes data: {X.shape[0]} samples, {X.shape[1]} features (target: disease "
          "progression after one year)\n")
    print(f"Ridge(alpha={args.ridge_alpha}), Lasso(alpha={args.alpha}), "
          f"ElasticNet(alpha={args.alpha}, l1_ratio={args.l1_ratio})\n")
    header = f"{'feature':>8} " + " ".join(f"{name:>12}" for name in coefs)
    print(header)
    print("-" * len(header))
    for j, feature in enumerate(names):
        row = " ".join(
            f"{'0':>12}" if c[j] == 0 else f"{c[j]:12.3f}" for c in coefs.values()
        )
        print(f"{feature:>8} {row}")
    print("-" * len(header))
    zeros = " ".join(f"{int(np.sum(c == 0)):>12d}" for c in coefs.values())
    print(f"{'# zeros':>8} {zeros}\n")
    selected = [names[j] for j in models["Lasso"].selected_features_]
    print(f"Lasso selected {len(selected)} of {len(names)} features: {', '.join(selected)}")
    dropped = [n for n in names if n not in selected]
    print(f"Lasso set exactly to zero: {', '.join(dropped) if dropped else 'none'}")
    print("Ridge shrinks every coefficient but sets none exactly to zero: the L2 penalty is "
          "smooth at 0,\nwhile the L1 penalty's corner at 0 holds small coefficients there "
          "(soft-thresholding).")
    if args.report:
        from penalized.explain.report import report

        report(X, y, feature_names=names, target_name="progression",
               title="penalized demo: the diabetes data", out=args.report,
               progress=Progress("report", not args.no_progress))
        print(f"\nReport (models chosen by 5-fold CV, paths, CV curves, the L1/L2 geometry) "
              f"written to {args.report}")
    return 0


def _model(args: argparse.Namespace, X: np.ndarray, y: np.ndarray):
    """The estimator the options ask for, fitted (with --cv: refitted at the chosen penalty)."""
    kind, std = args.model, args.standardize
    ratio = args.l1_ratio if args.l1_ratio is not None else (0.5 if kind == "elasticnet"
                                                               else 0.0)
    if kind in ("lasso", "elasticnet"):
        ratio = 1.0 if kind == "lasso" else ratio
        if args.cv is not None:
            chosen = ElasticNetCV(cv=args.cv, l1_ratio=ratio, standardize=std).fit(X, y)
            alpha = chosen.alpha_
        else:
            alpha = 1.0 if args.alpha is None else args.alpha
        cls = Lasso if kind == "lasso" else ElasticNet
        extra = {} if kind == "lasso" else {"l1_ratio": ratio}
        return cls(alpha=alpha, standardize=std, **extra).fit(X, y)
    if kind == "logistic":
        C = args.C
        if args.cv is not None:
            C = LogisticRegressionCV(cv=args.cv, l1_ratios=[ratio], standardize=std,
                                     scoring="neg_log_loss").fit(X, y).C_[0]
        return LogisticRegression(C=C, l1_ratio=ratio, standardize=std).fit(X, y)
    if args.cv is not None:
        raise ValueError("--cv is available for the lasso, elasticnet and logistic models.")
    alpha = 1.0 if args.alpha is None else args.alpha
    if kind == "ridge":
        return Ridge(alpha=alpha, standardize=std).fit(X, y)
    return PoissonRegressor(alpha=alpha, l1_ratio=ratio, standardize=std).fit(X, y)


def _fit(args: argparse.Namespace) -> int:
    X, y, names = io.read_data(args.data, args.target, one_hot=args.one_hot)
    model = _model(args, X, y)
    model.feature_names_in_ = np.asarray(names, dtype=object)
    coef = np.atleast_2d(model.coef_)
    labels = ([f"class {c}" for c in model.classes_] if coef.shape[0] > 1
              else ["coefficient"])
    print(f"{type(model).__name__} on {X.shape[0]} rows, {X.shape[1]} features "
          f"(target: {args.target})")
    width = min(max(len(n) for n in [*names, "feature"]), 30)
    print(f"{'feature':>{width}} " + " ".join(f"{label:>14}" for label in labels))
    for j, name in enumerate(names):
        print(f"{name[:width]:>{width}} " + " ".join(
            f"{'0':>14}" if c == 0 else f"{c:14.6g}" for c in coef[:, j]))
    zeros = int(np.sum(np.all(coef == 0, axis=0)))
    print(f"{zeros} of {len(names)} coefficients are exactly zero.")
    if args.out:
        io.save(model, args.out)
        print(f"model written to {args.out}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    model = io.load(args.model_file)
    wanted = getattr(model, "feature_names_in_", None)
    X, _, _ = io.read_data(args.data, features=None if wanted is None else list(wanted),
                           one_hot=wanted is not None and any("=" in str(n) for n in wanted))
    with warnings.catch_warnings():  # the columns were matched by name above
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        prediction = model.predict(X)
    lines = ["prediction"] + [str(v) for v in prediction]
    if args.out:
        with open(args.out, "w") as handle:
            handle.write("\n".join(lines) + "\n")
    else:
        print("\n".join(lines))
    return 0


def _read(args: argparse.Namespace):
    X, y, names = io.read_data(args.data, args.target, one_hot=args.one_hot)
    family, default_ratio = MODELS[args.model]
    ratio = default_ratio if args.l1_ratio is None or args.model in ("lasso", "ridge") \
        else args.l1_ratio
    return X, y, names, family, ratio


def _print_path_table(alphas, n_nonzero, dev_ratio, extra=None) -> None:
    header = f"{'alpha':>12} {'nonzero':>8} {'dev_ratio':>10}"
    if extra is not None:
        header += "".join(f" {name:>12}" for name in extra)
    print(header)
    for k, alpha in enumerate(alphas):
        row = f"{alpha:12.6g} {int(n_nonzero[k]):8d} {dev_ratio[k]:10.4f}"
        if extra is not None:
            row += "".join(f" {values[k]:12.6g}" for values in extra.values())
        print(row)


def _write_coefficients(out, fitted, names) -> None:
    """One row per alpha: alpha, intercept, the coefficients (multinomial: class-major)."""
    coefs = fitted.coefs.reshape(len(fitted.alphas), -1)
    intercepts = np.asarray(fitted.intercepts).reshape(len(fitted.alphas), -1)
    if fitted.classes is not None:
        columns = [f"{c}:{n}" for c in fitted.classes for n in names]
        heads = [f"intercept:{c}" for c in fitted.classes]
    else:
        columns, heads = list(names), ["intercept"]
    lines = [",".join(["alpha", *heads, *columns])]
    for k, alpha in enumerate(fitted.alphas):
        lines.append(",".join(repr(float(v)) for v in [alpha, *intercepts[k], *coefs[k]]))
    FilePath(out).write_text("\n".join(lines) + "\n")


def _save_figure(fig, out) -> None:
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")


def _path(args: argparse.Namespace) -> int:
    X, y, names, family, ratio = _read(args)
    fitted = path(X, y, ratio, family=family, n_alphas=args.n_alphas,
                  standardize=args.standardize)
    print(f"{args.model} path ({family}, l1_ratio={ratio:g}) on {X.shape[0]} rows, "
          f"{X.shape[1]} features, {len(fitted.alphas)} alphas")
    _print_path_table(fitted.alphas, fitted.n_nonzero, fitted.dev_ratio)
    if args.out:
        _write_coefficients(args.out, fitted, names)
        print(f"coefficients written to {args.out}")
    if args.plot:
        from penalized.explain.plots import plot_path

        _save_figure(plot_path(fitted, feature_names=names)[0], args.plot)
    return 0


def _cv(args: argparse.Namespace) -> int:
    X, y, names, family, ratio = _read(args)
    result = cv_path(X, y, ratio, family=family, n_alphas=args.n_alphas, cv=args.cv,
                     rule=args.rule, standardize=args.standardize, scoring=args.scoring,
                     progress=Progress(f"{args.cv}-fold CV", not args.no_progress))
    print(f"{args.cv}-fold CV of the {args.model} path ({family}, l1_ratio={ratio:g}) on "
          f"{X.shape[0]} rows, {X.shape[1]} features; held-out {result.scoring}")
    _print_path_table(result.alphas, result.path.n_nonzero, result.path.dev_ratio,
                      {f"cv_{result.scoring}": result.mean, "std_error": result.std_error})
    print(f"alpha_min = {result.alpha_min:.6g}, alpha_1se = {result.alpha_1se:.6g}; "
          f"rule {args.rule!r} picks {result.alpha:.6g}")
    coef, _ = result.path.coef_at(result.alpha)
    coef = np.atleast_2d(coef)
    chosen = np.any(coef != 0, axis=0)
    order = np.argsort(-result.selection_frequency, kind="stable")
    print(f"{int(chosen.sum())} of {len(names)} features selected at that alpha; selection "
          "frequency across folds:")
    width = min(max(len(n) for n in [*names, "feature"]), 30)
    for j in order:
        mark = "*" if chosen[j] else " "
        print(f"  {mark} {names[j][:width]:>{width}} {result.selection_frequency[j]:6.2f}")
    if args.out:
        lines = ["alpha,mean,std_error,n_nonzero"] + [
            f"{a!r},{m!r},{s!r},{int(k)}" for a, m, s, k in zip(
                result.alphas.tolist(), result.mean.tolist(), result.std_error.tolist(),
                result.path.n_nonzero, strict=True)]
        FilePath(args.out).write_text("\n".join(lines) + "\n")
        print(f"CV curve written to {args.out}")
    if args.plot:
        from penalized.explain.plots import plot_cv

        _save_figure(plot_cv(result)[0], args.plot)
    return 0


def _explain(args: argparse.Namespace) -> int:
    from penalized.explain import geometry, plots, shrinkage_curves

    out_dir = FilePath(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.data is not None:
        if args.target is None:
            raise ValueError("explain DATA needs --target.")
        X, y, names = io.read_data(args.data, args.target, one_hot=args.one_hot)
        if args.features is None:
            raise ValueError("explain DATA needs --features A B (the two columns to draw).")
        unknown = [f for f in args.features if f not in names]
        if unknown:
            raise ValueError(f"--features: no column named {', '.join(unknown)}.")
        picked = [names.index(f) for f in args.features]
        geom = geometry(X, y, features=picked, budget=args.budget, l1_ratio=args.l1_ratio,
                        feature_names=args.features)
    else:
        geom = geometry(budget=args.budget, l1_ratio=args.l1_ratio)
    print(f"Constrained least squares on ({geom.feature_names[0]}, {geom.feature_names[1]}), "
          f"standardized, budget t = {geom.budget:.4g}:")
    print(f"  unconstrained optimum: ({geom.center[0]:.4g}, {geom.center[1]:.4g})")
    for name, solution in geom.solutions.items():
        b = ", ".join("0" if z else f"{v:.4g}" for v, z in zip(solution.coef, solution.zeros,
                                                             strict=True))
        zeros = int(solution.zeros.sum())
        note = f"{zeros} coefficient(s) exactly 0" if zeros else "no exact zero"
        print(f"  {name:>10}: ({b})  {note}")
    _save_figure(plots.plot_geometry(geom)[0], out_dir / "geometry.png")
    curves = shrinkage_curves(alpha=args.alpha, l1_ratio=args.l1_ratio)
    print(f"Orthonormal design, alpha = {args.alpha:g}: the lasso sets every |z| <= "
          f"{args.alpha:g} exactly to 0 (soft-thresholding), ridge divides by "
          f"{1 + args.alpha:g} and sets none to 0.")
    _save_figure(plots.plot_shrinkage(curves)[0], out_dir / "shrinkage.png")
    if args.animate:
        gif = plots.animate_geometry(path=out_dir / "geometry.gif", l1_ratio=args.l1_ratio)
        print(f"animation written to {gif}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from penalized.explain.report import report

    X, y, names, family, ratio = _read(args)
    if family not in ("gaussian", "binomial"):
        raise ValueError("report supports --model lasso, elasticnet, ridge (least squares) "
                         "and logistic.")
    report(X, y, feature_names=names, target_name=args.target, family=family, cv=args.cv,
           l1_ratio=ratio if args.model == "elasticnet" else 0.5,
           standardize=args.standardize, out=args.out,
           progress=Progress("report", not args.no_progress))
    print(f"report written to {args.out}")
    return 0


def _data_options(parser: argparse.ArgumentParser, *, models=tuple(MODELS),
                  l1_help: str = "L1 share of the penalty (elasticnet: default 0.5; the "
                                 "logistic and poisson paths: 1)") -> None:
    parser.add_argument("data", help="CSV (header row) or Parquet file")
    parser.add_argument("--target", required=True, help="name of the column to predict")
    parser.add_argument("--model", default="lasso", choices=list(models))
    parser.add_argument("--l1-ratio", type=float, default=None, help=l1_help)
    parser.add_argument("--standardize", action="store_true",
                        help="penalize the columns scaled to unit variance (glmnet's default)")
    parser.add_argument("--one-hot", action="store_true",
                        help="encode text columns as 0/1 columns (else they are an error)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="penalized", description="Penalized linear models: Ridge, Lasso, ElasticNet."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="fit Ridge, Lasso and ElasticNet on the bundled diabetes data",
        description="Fit Ridge, Lasso and ElasticNet on scikit-learn's diabetes data and show "
                    "which coefficients each sets exactly to zero.",
    )
    demo.add_argument("--alpha", type=float, default=0.1, help="Lasso/ElasticNet alpha")
    demo.add_argument("--l1-ratio", type=float, default=0.5, help="ElasticNet l1_ratio")
    demo.add_argument("--ridge-alpha", type=float, default=1.0, help="Ridge alpha")
    demo.add_argument("--report", default="penalized-demo-report.html",
                      help="write the HTML report here (default: %(default)s)")
    demo.add_argument("--no-report", dest="report", action="store_const", const=None,
                      help="do not write the report")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)

    fit = sub.add_parser(
        "fit", help="fit a model to a CSV/Parquet table and print its coefficients",
        description="Fit a penalized model to DATA (CSV with a header row, or Parquet) and "
                    "print the coefficients; --out saves the model as JSON.",
    )
    _data_options(fit, l1_help="L1 share of the penalty (elasticnet 0.5, logistic 0, "
                               "poisson 0)")
    penalty = fit.add_mutually_exclusive_group()
    penalty.add_argument("--alpha", type=float, help="penalty strength (default 1.0)")
    penalty.add_argument("--cv", type=int, metavar="K",
                         help="choose the penalty by K-fold cross-validation")
    fit.add_argument("--C", type=float, default=1.0, help="inverse penalty (logistic)")
    fit.add_argument("--out", help="write the fitted model to this JSON file")
    fit.set_defaults(func=_fit)

    path_cmd = sub.add_parser(
        "path", help="the whole regularization path: nonzeros and deviance per alpha",
        description="Fit the glmnet-style path of --model on DATA and print, per alpha, the "
                    "number of non-zero coefficients and the deviance explained.",
    )
    _data_options(path_cmd)
    path_cmd.add_argument("--n-alphas", type=int, default=100, help="grid size (default 100)")
    path_cmd.add_argument("--out", help="write alpha, intercept and coefficients per alpha "
                                        "to this CSV")
    path_cmd.add_argument("--plot", help="save the path figure (PNG, SVG or PDF)")
    path_cmd.set_defaults(func=_path)

    cv = sub.add_parser(
        "cv", help="choose the penalty by K-fold cross-validation (min and 1-SE rules)",
        description="Cross-validate the path of --model on DATA (glmnet's cv.glmnet): the CV "
                    "curve, alpha_min, alpha_1se and each feature's selection frequency.",
    )
    _data_options(cv)
    cv.add_argument("--cv", type=int, default=10, metavar="K", help="folds (default 10)")
    cv.add_argument("--rule", choices=["min", "1se"], default="min")
    cv.add_argument("--scoring", choices=["mse", "deviance", "mae", "r2", "class"],
                    default=None, help="held-out measure (default mse, deviance for GLMs)")
    cv.add_argument("--n-alphas", type=int, default=100, help="grid size (default 100)")
    cv.add_argument("--out", help="write the CV curve to this CSV")
    cv.add_argument("--plot", help="save the CV figure (PNG, SVG or PDF)")
    cv.add_argument("--no-progress", action="store_true", help="no progress bar")
    cv.set_defaults(func=_cv)

    explain = sub.add_parser(
        "explain", help="why L1 gives exact zeros: the geometry and shrinkage pictures",
        description="Draw the loss contours touching the L1 diamond, the L2 disc and the "
                    "elastic-net region (computed by the solver) and the soft-thresholding "
                    "vs proportional-shrinkage curves; print the optima. Without DATA a "
                    "built-in two-feature example is used.",
    )
    explain.add_argument("data", nargs="?", help="CSV or Parquet file (optional)")
    explain.add_argument("--target", help="the column to predict (with DATA)")
    explain.add_argument("--features", nargs=2, metavar=("A", "B"),
                         help="the two columns to draw (with DATA)")
    explain.add_argument("--budget", type=float, default=None,
                         help="constraint budget t (default: half the L1 norm of the "
                              "least-squares optimum)")
    explain.add_argument("--l1-ratio", type=float, default=0.5,
                         help="mix of the elastic-net region (default 0.5)")
    explain.add_argument("--alpha", type=float, default=1.0,
                         help="penalty of the shrinkage curves (default 1)")
    explain.add_argument("--animate", action="store_true",
                         help="also write geometry.gif, the optima as the budget grows")
    explain.add_argument("--one-hot", action="store_true",
                         help="encode text columns as 0/1 columns")
    explain.add_argument("--out-dir", default=".", help="where to write the figures")
    explain.set_defaults(func=_explain)

    report = sub.add_parser(
        "report", help="one self-contained HTML report: models, paths, CV, geometry",
        description="Fit Ridge, Lasso and elastic net (each chosen by K-fold CV) on DATA and "
                    "write one self-contained HTML page: data summary, the three models "
                    "side by side, paths, CV curves, selection frequencies and the "
                    "constraint-region picture.",
    )
    _data_options(report, models=("lasso", "elasticnet", "ridge", "logistic"))
    report.add_argument("--cv", type=int, default=5, metavar="K", help="folds (default 5)")
    report.add_argument("--out", default="penalized-report.html",
                        help="HTML file to write (default: %(default)s)")
    report.add_argument("--no-progress", action="store_true", help="no progress bar")
    report.set_defaults(func=_report)

    predict = sub.add_parser(
        "predict", help="predict with a saved model",
        description="Predict DATA's rows with a model saved by `penalized fit --out`; "
                    "columns are matched by name.",
    )
    predict.add_argument("model_file", help="model JSON written by `penalized fit --out`")
    predict.add_argument("data", help="CSV or Parquet file with the feature columns")
    predict.add_argument("--out", help="write the predictions to this CSV file")
    predict.set_defaults(func=_predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as exc:
        print(f"penalized: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
