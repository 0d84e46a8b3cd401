"""DESIGN.md's one-way layering: heavy or low-level imports stay in their one place."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "penalized"
ALLOWED = {
    "numba": lambda rel: rel.startswith("_kernels/"),
    "matplotlib": lambda rel: rel == "explain/plots.py",
    "dask": lambda rel: rel == "dask.py",
}


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_restricted_imports_stay_in_their_modules():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        for name in _imports(path):
            root = name.split(".")[0]
            if root in ALLOWED and not ALLOWED[root](rel):
                offenders.append(f"{rel} imports {name}")
    assert not offenders, offenders


def test_estimators_do_not_reach_into_kernels():
    for path in (PACKAGE / "estimators").rglob("*.py"):
        assert not any(n.startswith("penalized._kernels") for n in _imports(path)), path
