"""The command line: `penalized demo` prints the three models and Lasso's selection."""

import subprocess
import sys

from penalized.cli import main


def test_demo_prints_coefficients_zeros_and_selection(capsys):
    assert main(["demo"]) == 0
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
    assert main(["demo", "--alpha", "-1"]) == 1
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
