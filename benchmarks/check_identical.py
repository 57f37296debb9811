"""Do fixed-seed fits give bit-identical weights at two commits?

Fits every estimator with each technique (activations, initializers, batch norm,
dropout, penalties, optimizers, schedules, clipping, early stopping, transfer,
autoencoder pretraining, warm start, partial_fit, sample weights, float64) on a
small slice of ``load_digits``, once with the checkout this script belongs to and
once with another commit (default: 76e004e, the tree before the fit-path
restructuring), each in its own process, and compares a SHA-256 of every fitted
parameter and state array.

Configurations whose behaviour was changed on purpose after that commit carry the
reason in ``CHANGED``; they are reported but not counted as a difference.

    python benchmarks/check_identical.py               # against 76e004e
    python benchmarks/check_identical.py --ref HEAD~3  # any commit (one with the
                                                       # 0.3.0 defaults: pinned too)
    SKDNN_USE_NUMBA=0 python benchmarks/check_identical.py

Exit status 1 when an unexpected difference is found.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, estimator, parameters for both commits, parameters for the new code only:
# the regressor's defaults changed on purpose, so these pin the old behaviour)
CONFIGS = [
    ("classifier default", "DNNClassifier", {}, {}),
    (
        "regressor default",
        "DNNRegressor",
        {},
        {"normalize_y": False, "early_stopping": False},
    ),
    ("float64", "DNNClassifier", {"dtype": "float64"}, {}),
    ("sample_weight", "DNNClassifier", {"_sample_weight": True}, {}),
    ("warm_start", "DNNClassifier", {"_warm_start": True}, {}),
    ("partial_fit", "DNNClassifier", {"_partial_fit": True}, {}),
    ("multilabel", "DNNClassifier", {"_multilabel": True}, {}),
    ("binary", "DNNClassifier", {"_binary": True}, {}),
    (
        "regressor 2 outputs",
        "DNNRegressor",
        {"_two_outputs": True},
        {"normalize_y": False, "early_stopping": False},
    ),
]
CONFIGS += [
    (f"activation {a}", "DNNClassifier", {"activation": a}, {})
    for a in (
        "identity", "logistic", "tanh", "leaky_relu", "rrelu", "prelu", "elu",
        "selu", "gelu", "swish",
    )
]  # fmt: skip
CONFIGS += [
    (f"init {i}", "DNNClassifier", {"kernel_initializer": i}, {})
    for i in ("he_normal", "he_uniform", "lecun_normal", "glorot_normal", "auto")
]
CONFIGS += [
    (f"optimizer {o}", "DNNClassifier", {"optimizer": o}, {})
    for o in ("sgd", "adagrad", "rmsprop", "adam", "adamax", "nadam", "adamw")
]
CONFIGS += [
    ("sgd momentum nesterov", "DNNClassifier",
     {"optimizer": "sgd", "momentum": 0.9, "nesterov": True}, {}),
    ("rmsprop momentum", "DNNClassifier", {"optimizer": "rmsprop", "momentum": 0.5}, {}),
    ("adam betas", "DNNClassifier", {"optimizer": "adam", "beta_1": 0.8, "beta_2": 0.99}, {}),
    ("bn before elu", "DNNClassifier", {"batch_norm": "before", "activation": "elu"}, {}),
    ("bn before relu", "DNNClassifier", {"batch_norm": "before"}, {}),
    ("bn before selu", "DNNClassifier", {"batch_norm": "before", "activation": "selu"}, {}),
    ("bn before elu float64", "DNNClassifier",
     {"batch_norm": "before", "activation": "elu", "dtype": "float64"}, {}),
    ("bn after", "DNNClassifier", {"batch_norm": "after"}, {}),
    ("input bn", "DNNClassifier", {"input_batch_norm": True}, {}),
    ("dropout", "DNNClassifier", {"dropout": 0.2, "input_dropout": 0.1}, {}),
    ("alpha dropout selu", "DNNClassifier", {"activation": "selu", "dropout": 0.1}, {}),
    ("l1 l2", "DNNClassifier", {"l1": 1e-4, "l2": 1e-3}, {}),
    ("max_norm", "DNNClassifier", {"max_norm": 1.0}, {}),
    ("clipvalue", "DNNClassifier", {"clipvalue": 0.01}, {}),
    ("clipnorm", "DNNClassifier", {"clipnorm": 0.1}, {}),
    ("global_clipnorm", "DNNClassifier", {"global_clipnorm": 0.1}, {}),
    ("early stopping", "DNNClassifier", {"early_stopping": True}, {}),
    ("regressor early stopping", "DNNRegressor", {"early_stopping": True},
     {"normalize_y": False, "validation_fraction": 0.1}),
    ("batch_size 32 no shuffle", "DNNClassifier", {"batch_size": 32, "shuffle": False}, {}),
    ("transfer frozen", "DNNClassifier", {"_transfer": True, "hidden_layer_sizes": ()}, {}),
    ("transfer 1 layer + new", "DNNClassifier",
     {"_transfer": True, "transfer_layers": 1, "hidden_layer_sizes": (20,)}, {}),
    ("transfer unfrozen from start", "DNNClassifier",
     {"_transfer": True, "freeze_epochs": 0, "hidden_layer_sizes": ()}, {}),
    ("transfer freeze 2", "DNNClassifier",
     {"_transfer": True, "freeze_epochs": 2, "hidden_layer_sizes": ()}, {}),
    ("autoencoder joint", "DNNAutoencoder", {"hidden_layer_sizes": (32, 8)}, {}),
    ("autoencoder greedy", "DNNAutoencoder",
     {"hidden_layer_sizes": (32, 8), "pretraining": "greedy"}, {}),
    ("autoencoder greedy + dropout", "DNNAutoencoder",
     {"hidden_layer_sizes": (32, 8), "pretraining": "greedy", "dropout": 0.1}, {}),
]  # fmt: skip
CONFIGS += [
    (f"schedule {s}", "DNNClassifier", {"lr_schedule": s}, {})
    for s in ("power", "exponential", "piecewise", "performance", "1cycle")
]

#: Configurations whose results changed on purpose, with the reason.
CHANGED = {
    "input bn": (
        "input batch norm's moving statistics start at the training data's mean "
        "and variance, not at 0 and 1 (0.3.0)"
    ),
    **{
        name: (
            "dropout masks and RReLU slopes drawn from a PCG64 generator seeded "
            "from the fit's RandomState (masks from raw bits, 3.3x faster; 0.3.0)"
        )
        for name in (
            "activation rrelu",
            "dropout",
            "alpha dropout selu",
            "autoencoder greedy + dropout",
        )
    },
    "transfer freeze 2": (
        "after the unfreeze the optimizer is built afresh over the whole network "
        "(the chapter's freeze, fit, unfreeze, compile-again recipe)"
    ),
}

_WORKER = r"""
import hashlib, json, sys, warnings
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
import skdnn

configs = json.loads(sys.argv[1])
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)[:400]
y = y[:400]
out = {}


def digest(est):
    h = hashlib.sha256()
    for layer in est.network_.layers:
        for name in sorted(layer.params):
            h.update(np.ascontiguousarray(layer.params[name]).tobytes())
        for name in sorted(layer.state):
            h.update(np.ascontiguousarray(layer.state[name]).tobytes())
    return h.hexdigest()[:16]


for name, cls_name, params in configs:
    cls = getattr(skdnn, cls_name)
    flags = {k: params.pop(k) for k in list(params) if k.startswith("_")}
    params.setdefault("max_iter", 4)
    params.setdefault("random_state", 0)
    if cls_name != "DNNAutoencoder":
        params.setdefault("hidden_layer_sizes", (24, 16))
    target = y
    if cls_name == "DNNRegressor":
        target = y / 9.0
        if flags.get("_two_outputs"):
            target = np.c_[y / 9.0, (y % 3) / 2.0]
    if flags.get("_multilabel"):
        target = np.c_[y % 2, y > 4]
    if flags.get("_binary"):
        target = y > 4
    fit_kwargs = {}
    if flags.get("_sample_weight"):
        fit_kwargs["sample_weight"] = 1.0 + (np.arange(len(y)) % 3)
    if flags.get("_transfer"):
        src = skdnn.DNNClassifier(
            hidden_layer_sizes=(24, 16), max_iter=3, random_state=1,
            **flags.get("_source", {}),
        ).fit(X, y % 5)
        params["transfer_from"] = src
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est = cls(**params)
            if flags.get("_partial_fit"):
                for chunk in range(3):
                    sl = slice(chunk * 100, chunk * 100 + 150)
                    est.partial_fit(X[sl], target[sl], classes=np.unique(y))
            elif cls_name == "DNNAutoencoder":
                est.fit(X, **fit_kwargs)
            else:
                est.fit(X, target, **fit_kwargs)
            if flags.get("_warm_start"):
                est.set_params(warm_start=True, max_iter=2).fit(X, target)
            out[name] = digest(est)
        except Exception as exc:  # a config the commit cannot run
            out[name] = f"error: {type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


#: The defaults the tabular benchmark changed (0.3.0), pinned to their old values
#: for the new code wherever a configuration does not set them itself: every
#: configuration keeps measuring what it measured.
OLD_DEFAULTS = {
    "DNNClassifier": dict(
        hidden_layer_sizes=[100, 100], activation="relu",
        kernel_initializer="glorot_uniform", input_scaling=None,
        numeric_embedding=None, dropout=0.0,
        learning_rate=None, lr_schedule=None, batch_size=200, max_iter=200,
        label_smoothing=0.0,
    ),
    "DNNRegressor": dict(
        input_scaling=None, numeric_embedding=None, feature_scale=False,
        ensemble_size=1, learning_rate=None, lr_schedule=None, max_iter=200,
        batch_size=200,
    ),
}  # fmt: skip


def _pinned(cls, common, extra):
    old = {k: v for k, v in OLD_DEFAULTS.get(cls, {}).items() if k not in common}
    # the worker sets its own epochs and shape (small, fast fits)
    old.pop("max_iter", None)
    old.pop("hidden_layer_sizes", None)
    if common.get("_transfer"):
        old.setdefault("freeze_epochs", None)  # the transfer defaults before 0.3.0
        old.setdefault("reused_learning_rate_factor", 0.1)
        old = {k: v for k, v in old.items() if k not in common}
        # the source model too
        source = dict(OLD_DEFAULTS["DNNClassifier"])
        source.pop("max_iter")
        source.pop("hidden_layer_sizes")
        old["_source"] = source
    return {**common, **old, **extra}


def run(checkout, new_code):
    """Digests of every configuration, fitted with the skdnn in ``checkout``."""
    configs = [
        (name, cls, _pinned(cls, common, extra) if new_code else common)
        for name, cls, common, extra in CONFIGS
    ]
    # BLAS as the reference runs it: one thread or two may round a product's
    # last bits differently (skdnn's own thread policy would otherwise differ)
    env = dict(os.environ, PYTHONPATH=checkout, SKDNN_BLAS_THREADS="none")
    result = subprocess.run(
        [sys.executable, "-c", _WORKER, json.dumps(configs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=checkout,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _has_new_defaults(checkout):
    """Whether ``checkout`` has the 0.3.0 defaults (then pinned as for this one)."""
    probe = "import skdnn; print(skdnn.DNNClassifier().activation)"
    env = dict(os.environ, PYTHONPATH=checkout)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env,
        cwd=checkout, check=True,
    )  # fmt: skip
    return out.stdout.strip() != "relu"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="76e004e", help="commit to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = os.path.join(tmp, "old")
        subprocess.run(
            ["git", "-C", ROOT, "worktree", "add", "--detach", old_tree, args.ref],
            check=True,
            capture_output=True,
        )
        try:
            old = run(old_tree, new_code=_has_new_defaults(old_tree))
        finally:
            subprocess.run(
                ["git", "-C", ROOT, "worktree", "remove", "--force", old_tree],
                check=False,
                capture_output=True,
            )
    new = run(ROOT, new_code=True)
    unexpected = 0
    for name, *_ in CONFIGS:
        same = old[name] == new[name] and not old[name].startswith("error")
        if same:
            status = "identical"
        elif name in CHANGED:
            status = f"changed on purpose: {CHANGED[name]}"
        else:
            status = f"DIFFERENT ({old[name]} vs {new[name]})"
            unexpected += 1
        print(f"{name:32s} {status}")
    print(f"\n{len(CONFIGS)} configurations, {unexpected} unexpected differences")
    return 1 if unexpected else 0


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    sys.exit(main())
