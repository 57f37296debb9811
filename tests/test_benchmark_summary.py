"""The summary rules of ``benchmarks/tabular.py``, which the claims rest on.

The benchmark itself needs data packages and runs by hand; its summary (shifted
geometric mean, win/tie/loss against MLP) is plain arithmetic checked here.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import tabular  # noqa: E402


def test_shifted_geometric_mean_is_the_formula():
    errors = [0.0, 0.02, 0.3]
    expected = np.exp(np.mean(np.log(np.array(errors) + 0.01))) - 0.01
    assert tabular.sgm(errors) == pytest.approx(expected, rel=1e-15)
    assert tabular.sgm([0.05, 0.05]) == pytest.approx(0.05)


@pytest.mark.parametrize("n_test", [45, 86, 143, 1250])
def test_exactly_one_test_sample_apart_is_not_a_tie(n_test):
    # Per-split errors are counts over n_test; averaged over three splits, a
    # total of 3 more errors is one sample per split. In floating point the
    # difference of the means can land just below 1 / n_test.
    ours = np.mean([5 / n_test, 5 / n_test, 4 / n_test])
    theirs = np.mean([7 / n_test, 7 / n_test, 3 / n_test])
    assert tabular.outcome(ours, theirs, n_test) == "win"
    assert tabular.outcome(theirs, ours, n_test) == "loss"


def test_ties_below_one_sample_or_one_percent():
    # Two errors over three splits: less than one sample per split.
    assert tabular.outcome(4 / 143, (4 + 2 / 3) / 143, 143) == "tie"
    # Within 1% of the reference (regression: no sample count).
    assert tabular.outcome(0.3309, 0.3314, 0) == "tie"
    assert tabular.outcome(0.30, 0.3314, 0) == "win"
    # Large test sets: the 1% band is wider than one sample.
    assert tabular.outcome(0.1285, 0.1296, 1250) == "tie"
    assert tabular.outcome(0.1270, 0.1296, 1250) == "win"


def test_summary_counts_wins_ties_and_losses_against_mlp():
    seeds = [0, 1, 2]

    def runs_of(errors):
        return {
            d: {
                str(s): {
                    "error": e,
                    "n_test": 100,
                    "fit_time": 1.0,
                    "cpu_time": 1.0,
                    "warnings": {},
                }
                for s in seeds
            }
            for d, e in errors.items()
        }

    datasets = ["wine", "digits", "magic"]
    res = {
        "seeds": seeds,
        "datasets": datasets,
        "models": ["mlp", "skdnn"],
        "runs": {
            "mlp": runs_of({"wine": 0.05, "digits": 0.05, "magic": 0.10}),
            "skdnn": runs_of({"wine": 0.02, "digits": 0.055, "magic": 0.20}),
        },
    }
    names, rows = tabular.summarize(res, "classification")
    assert names == ["magic", "digits", "wine"]  # the benchmark's order
    assert rows["skdnn"]["vs_mlp"] == {"win": 1, "tie": 1, "loss": 1}
    assert "vs_mlp" not in rows["mlp"]
    assert rows["skdnn"]["fit_time"] == 9.0
