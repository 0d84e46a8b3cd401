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
