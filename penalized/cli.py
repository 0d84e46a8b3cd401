"""The `penalized` command line: argparse -> public API -> printed tables. No math here."""

import argparse
import sys
import warnings

import numpy as np

from penalized import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LogisticRegression,
    LogisticRegressionCV,
    PoissonRegressor,
    Ridge,
    io,
)
from penalized.datasets import diabetes


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
    X, y, names = io.read_data(args.data, args.target)
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
    X, _, _ = io.read_data(args.data, features=None if wanted is None else list(wanted))
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
    demo.set_defaults(func=_demo)

    fit = sub.add_parser(
        "fit", help="fit a model to a CSV/Parquet table and print its coefficients",
        description="Fit a penalized model to DATA (CSV with a header row, or Parquet) and "
                    "print the coefficients; --out saves the model as JSON.",
    )
    fit.add_argument("data", help="CSV or Parquet file with a header row")
    fit.add_argument("--target", required=True, help="name of the column to predict")
    fit.add_argument("--model", default="lasso",
                     choices=["lasso", "elasticnet", "ridge", "logistic", "poisson"])
    penalty = fit.add_mutually_exclusive_group()
    penalty.add_argument("--alpha", type=float, help="penalty strength (default 1.0)")
    penalty.add_argument("--cv", type=int, metavar="K",
                         help="choose the penalty by K-fold cross-validation")
    fit.add_argument("--C", type=float, default=1.0, help="inverse penalty (logistic)")
    fit.add_argument("--l1-ratio", type=float, default=None,
                     help="L1 share of the penalty (elasticnet 0.5, logistic 0, poisson 0)")
    fit.add_argument("--standardize", action="store_true",
                     help="penalize the columns scaled to unit variance (glmnet's default)")
    fit.add_argument("--out", help="write the fitted model to this JSON file")
    fit.set_defaults(func=_fit)

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
