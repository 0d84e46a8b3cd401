"""The `penalized` command line: argparse -> public API -> printed tables. No math here."""

import argparse
import sys

import numpy as np

from penalized import ElasticNet, Lasso, Ridge
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
