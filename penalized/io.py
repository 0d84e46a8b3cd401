"""Files in and out: fitted models as JSON (never pickle), data tables as CSV (or Parquet).

A model file holds the estimator's name, its parameters, the fitted attributes that predict
needs (coefficients, intercepts, classes, feature names, ...) and the library version:

    {"format": "penalized-model", "format_version": 1, "penalized_version": "...",
     "estimator": "Lasso", "params": {...}, "attributes": {"coef_": {"dtype": "float64",
     "shape": [10], "data": [...]}, ...}}

Floats are written with Python's shortest round-trip repr, so a loaded model predicts exactly
as the saved one. Loading accepts only the estimators listed in ESTIMATORS and checks every
field (types, shapes against n_features_in_, finiteness) before building the model.
"""

import csv
import json
import math
from numbers import Integral, Real
from pathlib import Path as FilePath

import numpy as np

from penalized._validation import validate_params
from penalized._version import __version__
from penalized.estimators import (
    ElasticNet,
    Lasso,
    LogisticRegression,
    PoissonRegressor,
    Ridge,
)

FORMAT = "penalized-model"
FORMAT_VERSION = 1
ESTIMATORS = {cls.__name__: cls for cls in
              (Lasso, ElasticNet, Ridge, LogisticRegression, PoissonRegressor)}
# Fitted attributes written to the file: what predict, decision_function and the
# coefficient table need, plus the fit's certificate.
ATTRIBUTES = ("coef_", "intercept_", "n_features_in_", "feature_names_in_", "classes_",
              "n_iter_", "dual_gap_")
_KINDS = {"float64": "f", "float32": "f", "int64": "i", "int32": "i", "bool": "b", "str": "U"}


class ModelFileError(ValueError):
    """A model file that is not a valid penalized model."""


# ------------------------------------------------------------------------------ models

def _encode(value, name: str):
    """A parameter or attribute as JSON data; arrays keep their dtype and shape."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        if not math.isfinite(value):
            return {"float": repr(float(value))}  # inf (C=np.inf), nan: not JSON numbers
        return float(value)
    if isinstance(value, np.ndarray | list | tuple):
        a = np.asarray(value)
        kind = "str" if a.dtype.kind in "UO" else a.dtype.name
        if kind not in _KINDS:
            raise TypeError(f"cannot save {name!r}: arrays of dtype {a.dtype} are not supported.")
        data = a.astype(str if kind == "str" else a.dtype).ravel().tolist()
        if a.dtype.kind == "f":  # inf bounds are valid parameters but not JSON numbers
            data = [v if math.isfinite(v) else repr(v) for v in data]
        return {"dtype": kind, "shape": list(a.shape), "data": data}
    raise TypeError(f"cannot save {name!r} of type {type(value).__name__} as JSON.")


def _decode(value, name: str, finite: bool = True):
    if isinstance(value, dict) and set(value) == {"float"}:
        text = value["float"]
        if not isinstance(text, str) or text not in ("inf", "-inf", "nan"):
            raise ModelFileError(f"{name}: bad special float {text!r}.")
        return float(text)
    if isinstance(value, dict):
        if set(value) != {"dtype", "shape", "data"}:
            raise ModelFileError(f"{name}: an array needs exactly dtype, shape and data.")
        dtype, shape, data = value["dtype"], value["shape"], value["data"]
        if not isinstance(dtype, str) or dtype not in _KINDS:
            raise ModelFileError(f"{name}: unsupported dtype {dtype!r}.")
        if not (isinstance(shape, list) and all(isinstance(s, int) and not isinstance(s, bool)
                                                and s >= 0 for s in shape)):
            raise ModelFileError(f"{name}: shape must be a list of non-negative ints.")
        if not isinstance(data, list) or len(data) != math.prod(shape):
            raise ModelFileError(f"{name}: data must be a list of {math.prod(shape)} values.")
        kind = _KINDS[dtype]
        if kind == "f" and not finite:
            data = [float(v) if v in ("inf", "-inf", "nan") else v for v in data]
        ok = {"f": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
              "i": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "b": lambda v: isinstance(v, bool), "U": lambda v: isinstance(v, str)}[kind]
        if not all(ok(v) for v in data):
            raise ModelFileError(f"{name}: values do not match dtype {dtype}.")
        a = np.array(data, dtype=str if kind == "U" else dtype).reshape(shape)
        if kind == "f" and finite and not np.isfinite(a).all():
            raise ModelFileError(f"{name}: non-finite values.")
        return a
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ModelFileError(f"{name}: unexpected JSON value of type {type(value).__name__}.")


def _reject_constant(name):
    raise json.JSONDecodeError(f"non-standard constant {name}", name, 0)


def save(model, path) -> None:
    """Write a fitted estimator (one of ESTIMATORS) to `path` as JSON."""
    name = type(model).__name__
    if name not in ESTIMATORS or type(model) is not ESTIMATORS[name]:
        raise TypeError(f"cannot save {name}: supported estimators are {sorted(ESTIMATORS)}.")
    if not hasattr(model, "coef_"):
        raise ValueError(f"this {name} is not fitted yet: call fit before saving it.")
    params = {k: _encode(v, k) for k, v in model.get_params(deep=False).items()}
    attributes = {k: _encode(getattr(model, k), k) for k in ATTRIBUTES if hasattr(model, k)}
    document = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "penalized_version": __version__, "estimator": name, "params": params,
                "attributes": attributes}
    FilePath(path).write_text(json.dumps(document, indent=1, allow_nan=False))


def load(path):
    """Read a model written by `save`; raises ModelFileError (a ValueError) on any defect."""
    try:
        text = FilePath(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc}") from exc
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a penalized model file (no format "
                             f"{FORMAT!r}).")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: unsupported format_version "
                             f"{document.get('format_version')!r} (this library reads "
                             f"{FORMAT_VERSION}).")
    name = document.get("estimator")
    if not isinstance(name, str) or name not in ESTIMATORS:
        raise ModelFileError(f"{path}: unknown estimator {name!r}; expected one of "
                             f"{sorted(ESTIMATORS)}.")
    params, attributes = document.get("params"), document.get("attributes")
    if not isinstance(params, dict) or not isinstance(attributes, dict):
        raise ModelFileError(f"{path}: params and attributes must be JSON objects.")
    model = ESTIMATORS[name]()
    unknown = set(params) - set(model.get_params(deep=False))
    if unknown:
        raise ModelFileError(f"{path}: unknown parameters for {name}: {sorted(unknown)}.")
    extra = set(attributes) - set(ATTRIBUTES)
    if extra:
        raise ModelFileError(f"{path}: unexpected attributes {sorted(extra)}.")
    decoded = {k: _decode(v, f"params.{k}", finite=False) for k, v in params.items()}
    try:
        model.set_params(**decoded)
        validate_params(model)  # the constraint table fit checks
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: bad parameters: {exc}") from exc
    values = {k: _decode(v, f"attributes.{k}") for k, v in attributes.items()}
    _check_fitted(values, name, path)
    for key, value in values.items():
        setattr(model, key, value)
    return model


def _check_fitted(values: dict, name: str, path) -> None:
    """Shapes and types of the fitted attributes agree with each other and the estimator."""
    for key in ("coef_", "intercept_", "n_features_in_"):
        if key not in values:
            raise ModelFileError(f"{path}: missing attribute {key}.")
    p = values["n_features_in_"]
    if not isinstance(p, int) or isinstance(p, bool) or p < 1:
        raise ModelFileError(f"{path}: n_features_in_ must be a positive int.")
    coef, intercept = values["coef_"], values["intercept_"]
    if not isinstance(coef, np.ndarray) or coef.dtype.kind != "f" or coef.shape[-1:] != (p,) \
            or coef.ndim > 2:
        raise ModelFileError(f"{path}: coef_ must be a float array ending in n_features_in_="
                             f"{p} columns.")
    rows = coef.shape[0] if coef.ndim == 2 else None
    if isinstance(intercept, np.ndarray):
        if intercept.dtype.kind != "f" or intercept.shape != ((rows,) if rows else ()):
            raise ModelFileError(f"{path}: intercept_ does not match coef_'s shape.")
    elif not isinstance(intercept, float | int) or isinstance(intercept, bool) \
            or not math.isfinite(intercept) or rows is not None:
        raise ModelFileError(f"{path}: intercept_ does not match coef_'s shape.")
    names = values.get("feature_names_in_")
    if names is not None and (not isinstance(names, np.ndarray) or names.shape != (p,)):
        raise ModelFileError(f"{path}: feature_names_in_ must hold {p} names.")
    if names is not None:
        values["feature_names_in_"] = names.astype(object)
    if name == "LogisticRegression":
        classes = values.get("classes_")
        if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
            raise ModelFileError(f"{path}: classes_ must list at least 2 classes.")
        if rows != (1 if len(classes) == 2 else len(classes)):
            raise ModelFileError(f"{path}: coef_ has {rows} rows for {len(classes)} classes.")


# ------------------------------------------------------------------------------- data

def read_data(path, target: str | None = None, features: list[str] | None = None,
              one_hot: bool = False):
    """A numeric table from CSV (header row required) or Parquet (needs pandas and pyarrow,
    the `parquet` extra).

    Returns (X, y, feature_names): y is the `target` column (None when target is None), X
    the `features` columns in that order (default: every column but the target) as float64;
    other columns are not read. Empty cells, NaN or inf, and non-numeric cells raise a
    ValueError naming the column; a text target is returned as strings (class labels).
    With one_hot=True a non-numeric feature column `c` becomes one 0/1 column `c=v` per
    value v (sorted); a requested `c=v` whose value does not occur is all zeros (a model
    saved from other data predicts such rows as its other categories' baseline).
    """
    path = FilePath(path)
    if not path.is_file():
        raise ValueError(f"data file {str(path)!r} does not exist.")
    if path.suffix.lower() in (".parquet", ".pq"):
        names, columns = _read_parquet(path)
    else:
        names, columns = _read_csv(path)
    table = dict(zip(names, columns, strict=True))
    if target is not None and target not in table:
        raise ValueError(f"target column {target!r} is not in {path.name}; columns: "
                         f"{', '.join(names)}.")
    encoded, available = {}, []
    for name in names:
        if name == target:
            continue
        if one_hot and not _is_numeric(table[name]):
            for value, column in _indicators(name, table[name]):
                encoded[f"{name}={value}"] = column
                available.append(f"{name}={value}")
        else:
            available.append(name)
    if features is None:
        features = available
    for name in features:  # categories unseen in this file
        base = name.split("=", 1)[0]
        if one_hot and name not in table and name not in encoded and "=" in name \
                and base in table and base != target and not _is_numeric(table[base]):
            encoded[name] = np.zeros(len(table[base]))
    missing = [n for n in features if n not in table and n not in encoded]
    if missing:
        raise ValueError(f"{path.name} lacks the feature columns: {', '.join(missing)}.")
    if not features:
        raise ValueError(f"{path.name} has no feature columns besides the target.")
    X = np.column_stack([encoded[n] if n in encoded else _numeric_column(n, table[n], False)
                         for n in features])
    y = _numeric_column(target, table[target], True) if target is not None else None
    return X.astype(np.float64), y, list(features)


def _is_numeric(cells: list) -> bool:
    """Whether every non-empty cell reads as a number (empty cells are reported later)."""
    for cell in cells:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        try:
            float(cell.strip() if isinstance(cell, str) else cell)
        except (TypeError, ValueError):
            return False
    return True


def _indicators(name: str, cells: list):
    """(value, 0/1 column) for each distinct value of a categorical column."""
    labels = []
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            raise ValueError(f"column {name!r} has a missing value at row {i + 1}.")
        labels.append(str(cell).strip())
    labels = np.asarray(labels)
    return [(value, (labels == value).astype(np.float64)) for value in sorted(set(labels))]


def _read_csv(path: FilePath):
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path.name} is not a readable UTF-8 CSV file: {exc}") from exc
    rows = [r for r in rows if r]
    if len(rows) < 2:
        raise ValueError(f"{path.name} needs a header row and at least one data row.")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or "" in header:
        raise ValueError(f"{path.name}: column names must be unique and non-empty.")
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"{path.name}, line {i}: {len(row)} fields, the header has "
                             f"{len(header)}.")
    return header, [list(col) for col in zip(*rows[1:], strict=True)]


def _read_parquet(path: FilePath):
    try:
        import pandas as pd
    except ImportError as exc:
        raise ValueError("reading Parquet needs pandas and pyarrow: pip install "
                         "'penalized[parquet]'") from exc
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pandas raises many types for a bad file
        raise ValueError(f"cannot read {path.name} as Parquet: {exc}") from exc
    return [str(c) for c in frame.columns], [frame[c].tolist() for c in frame.columns]


def _numeric_column(name: str, cells: list, is_target: bool) -> np.ndarray:
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            raise ValueError(f"column {name!r} has a missing value at row {i + 1}.")
        try:
            out[i] = float(cell.strip() if isinstance(cell, str) else cell)
        except (TypeError, ValueError):
            if is_target:  # class labels may be text
                return np.asarray([str(c).strip() for c in cells])
            raise ValueError(f"column {name!r} is not numeric (row {i + 1}: {cell!r}); "
                             "encode categorical columns as numbers first, or pass "
                             "--one-hot to encode them as 0/1 columns.") from None
        if not math.isfinite(out[i]):
            raise ValueError(f"column {name!r} has a missing or non-finite value at row "
                             f"{i + 1} ({cell!r}).")
    return out
