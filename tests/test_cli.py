"""The command line: `penalized demo` prints the three models and Lasso's selection."""

import subprocess
import sys

import numpy as np
import pytest

from penalized.cli import main


def test_demo_prints_coefficients_zeros_and_selection(capsys):
    assert main(["demo", "--no-report"]) == 0
    out = capsys.readouterr().out
    for text in ("Ridge", "Lasso", "ElasticNet", "# zeros", "Lasso selected 7 of 10 features",
                 "bmi"):
        assert text in out
    zeros_row = next(line for line in out.splitlines() if line.strip().startswith("# zeros"))
    ridge_zeros, lasso_zeros, _ = (int(v) for v in zeros_row.split()[2:])
    assert ridge_zeros == 0 and lasso_zeros == 3


def test_entry_point_help_and_bad_usage():
    run = subprocess.run([sys.executable, "-m", "penalized.cli", "demo", "--help"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "--alpha" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "penalized.cli", "nonsense"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_demo_reports_bad_parameters_with_exit_code_1(capsys):
    assert main(["demo", "--alpha", "-1", "--no-report"]) == 1
    assert "alpha" in capsys.readouterr().err


def _write_diabetes(path):
    import numpy as np
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    rows = [",".join([*data.feature_names, "progression"])]
    rows += [",".join(repr(float(v)) for v in row)
             for row in np.column_stack([data.data, data.target])]
    path.write_text("\n".join(rows) + "\n")
    return data


def test_fit_and_predict_round_trip(tmp_path, capsys):
    import numpy as np

    from penalized import Lasso

    data = _write_diabetes(tmp_path / "d.csv")
    assert main(["fit", str(tmp_path / "d.csv"), "--target", "progression", "--alpha", "0.5",
                 "--out", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    expected = Lasso(alpha=0.5).fit(data.data, data.target)
    zeros = int(np.sum(expected.coef_ == 0))
    assert f"{zeros} of 10 coefficients are exactly zero" in out and "bmi" in out
    assert main(["predict", str(tmp_path / "m.json"), str(tmp_path / "d.csv"),
                 "--out", str(tmp_path / "p.csv")]) == 0
    lines = (tmp_path / "p.csv").read_text().split()
    assert lines[0] == "prediction"
    np.testing.assert_allclose([float(v) for v in lines[1:]], expected.predict(data.data),
                               rtol=1e-12)


def test_fit_with_cv_and_classifier(tmp_path, capsys):
    from sklearn.datasets import load_iris

    iris = load_iris()
    names = ["sl", "sw", "pl", "pw", "species"]
    rows = [",".join(names)] + [",".join([*map(str, x), iris.target_names[t]])
                                for x, t in zip(iris.data, iris.target, strict=True)]
    (tmp_path / "iris.csv").write_text("\n".join(rows) + "\n")
    assert main(["fit", str(tmp_path / "iris.csv"), "--target", "species", "--model",
                 "logistic", "--cv", "3", "--l1-ratio", "1", "--out",
                 str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "class setosa" in out and "class virginica" in out
    assert main(["predict", str(tmp_path / "c.json"), str(tmp_path / "iris.csv")]) == 0
    predicted = capsys.readouterr().out.split()[1:]
    accuracy = sum(p == iris.target_names[t] for p, t in zip(predicted, iris.target,
                                                             strict=True)) / 150
    assert accuracy > 0.9


def test_cli_errors_are_clear_with_exit_code_1(tmp_path):
    data = tmp_path / "d.csv"
    _write_diabetes(data)
    cases = [
        (["fit", str(data), "--target", "nope"], "target column 'nope'"),
        (["fit", str(tmp_path / "absent.csv"), "--target", "y"], "does not exist"),
        (["fit", str(data), "--target", "progression", "--model", "ridge", "--cv", "3"],
         "--cv is available"),
        (["predict", str(data), str(data)], "not JSON"),
    ]
    (tmp_path / "nan.csv").write_text("a,b\n1,2\nnan,3\n")
    cases.append((["fit", str(tmp_path / "nan.csv"), "--target", "b"], "non-finite"))
    for argv, message in cases:
        run = subprocess.run([sys.executable, "-m", "penalized.cli", *argv],
                             capture_output=True, text=True)
        assert run.returncode == 1, argv
        assert message in run.stderr and "Traceback" not in run.stderr
    missing = subprocess.run([sys.executable, "-m", "penalized.cli", "fit", str(data)],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "--target" in missing.stderr


def _run(*argv):
    return subprocess.run([sys.executable, "-m", "penalized.cli", *argv], capture_output=True,
                          text=True)


def _table(out: str, n_columns: int) -> np.ndarray:
    """The numeric rows of a printed table with n_columns columns."""
    rows = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == n_columns:
            try:
                rows.append([float(f) for f in fields])
            except ValueError:
                continue
    return np.array(rows)


def test_every_subcommand_has_help():
    for command in ("demo", "fit", "predict", "path", "cv", "explain", "report"):
        run = _run(command, "--help")
        assert run.returncode == 0 and "usage: penalized " + command in run.stdout, command


def test_path_command_prints_and_writes_the_path(tmp_path, capsys):
    from penalized import path

    data = _write_diabetes(tmp_path / "d.csv")
    assert main(["path", str(tmp_path / "d.csv"), "--target", "progression", "--model",
                 "elasticnet", "--l1-ratio", "0.7", "--n-alphas", "12", "--standardize",
                 "--out", str(tmp_path / "coefs.csv"), "--plot", str(tmp_path / "p.png")]) == 0
    table = _table(capsys.readouterr().out, 3)
    expected = path(data.data, data.target, 0.7, n_alphas=12, standardize=True)
    np.testing.assert_allclose(table[:, 0], expected.alphas, rtol=1e-5)
    np.testing.assert_array_equal(table[:, 1], expected.n_nonzero)
    np.testing.assert_allclose(table[:, 2], expected.dev_ratio, atol=1e-4)
    written = np.loadtxt(tmp_path / "coefs.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(written[:, 2:], expected.coefs, rtol=1e-12, atol=1e-12)
    header = (tmp_path / "coefs.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["alpha", "intercept", "age"]
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_cv_command_matches_cv_path_and_shows_progress(tmp_path, capsys):
    from penalized import cv_path

    data = _write_diabetes(tmp_path / "d.csv")
    assert main(["cv", str(tmp_path / "d.csv"), "--target", "progression", "--cv", "4",
                 "--n-alphas", "15", "--rule", "1se", "--out", str(tmp_path / "cv.csv")]) == 0
    captured = capsys.readouterr()
    expected = cv_path(data.data, data.target, 1.0, cv=4, n_alphas=15, rule="1se")
    assert f"alpha_min = {expected.alpha_min:.6g}" in captured.out
    assert f"alpha_1se = {expected.alpha_1se:.6g}" in captured.out
    assert "4-fold CV [" in captured.err and "5/5" in captured.err  # 4 folds + full path
    curve = np.loadtxt(tmp_path / "cv.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(curve[:, 1], expected.mean, rtol=1e-10)
    np.testing.assert_allclose(curve[:, 2], expected.std_error, rtol=1e-10)
    for j, name in enumerate(data.feature_names):
        assert f"{name} {expected.selection_frequency[j]:6.2f}" in captured.out
    assert main(["cv", str(tmp_path / "d.csv"), "--target", "progression", "--cv", "3",
                 "--n-alphas", "5", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_explain_command_writes_the_pictures_and_prints_the_optima(tmp_path):
    from penalized.explain import geometry

    run = _run("explain", "--out-dir", str(tmp_path), "--budget", "1.5")
    assert run.returncode == 0, run.stderr
    lasso = geometry(budget=1.5).solutions["lasso"]
    assert lasso.zeros.sum() == 1
    assert "lasso: (1.5, 0)  1 coefficient(s) exactly 0" in run.stdout
    assert "ridge" in run.stdout and "no exact zero" in run.stdout
    for name in ("geometry.png", "shrinkage.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    _write_diabetes(tmp_path / "d.csv")
    bad = _run("explain", str(tmp_path / "d.csv"), "--target", "progression",
               "--features", "bmi", "nope")
    assert bad.returncode == 1 and "no column named nope" in bad.stderr


def test_categorical_columns_error_or_one_hot(tmp_path, capsys):
    rng = np.random.default_rng(0)
    colours = rng.choice(["red", "green", "blue"], 60)
    x = rng.standard_normal(60)
    y = x + 2.0 * (colours == "red") + 0.1 * rng.standard_normal(60)
    rows = ["x,colour,y"] + [f"{a:.17g},{c},{b:.17g}" for a, c, b in zip(x, colours, y,
                                                                     strict=True)]
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n")
    refused = _run("fit", str(tmp_path / "c.csv"), "--target", "y")
    assert refused.returncode == 1 and "column 'colour' is not numeric" in refused.stderr
    assert "--one-hot" in refused.stderr
    assert main(["fit", str(tmp_path / "c.csv"), "--target", "y", "--one-hot", "--alpha",
                 "0.01", "--out", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    assert "colour=red" in out and "colour=blue" in out
    # a file with only some of the categories predicts through the same columns
    (tmp_path / "new.csv").write_text("x,colour\n0.0,red\n0.0,green\n")
    assert main(["predict", str(tmp_path / "m.json"), str(tmp_path / "new.csv")]) == 0
    red, green = (float(v) for v in capsys.readouterr().out.split()[1:])
    assert red - green == pytest.approx(2.0, abs=0.15)


def test_parquet_input(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from penalized import Lasso

    data = _write_diabetes(tmp_path / "d.csv")
    pd.read_csv(tmp_path / "d.csv").to_parquet(tmp_path / "d.parquet")
    assert main(["fit", str(tmp_path / "d.parquet"), "--target", "progression", "--alpha",
                 "0.5"]) == 0
    expected = Lasso(alpha=0.5).fit(data.data, data.target)
    zeros = int(np.sum(expected.coef_ == 0))
    assert f"{zeros} of 10 coefficients are exactly zero" in capsys.readouterr().out


def test_demo_writes_the_report(tmp_path):
    out = tmp_path / "demo.html"
    run = _run("demo", "--report", str(out))
    assert run.returncode == 0, run.stderr
    assert f"written to {out}" in run.stdout
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") >= 9
    assert "report [" in run.stderr and "13/13" in run.stderr  # the progress bar
    quiet = _run("demo", "--report", str(out), "--no-progress")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_report_command(tmp_path):
    data = tmp_path / "d.csv"
    _write_diabetes(data)
    run = _run("report", str(data), "--target", "progression", "--cv", "3", "--out",
               str(tmp_path / "r.html"), "--no-progress")
    assert run.returncode == 0, run.stderr
    assert "progression" in (tmp_path / "r.html").read_text()
    bad = _run("report", str(data), "--target", "progression", "--model", "poisson")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
