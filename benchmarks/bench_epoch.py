"""Epoch-time benchmark: skdnn against MLPClassifier, PyTorch CPU and a GEMM floor.

Run by hand from the repository root::

    python benchmarks/bench_epoch.py --quick          # development: small, ~1-2 min
    python benchmarks/bench_epoch.py                  # full run, ~6-8 min on 2 cores

Workloads (synthetic float32 Gaussian class blobs, 10 classes, fixed seed):

- W1: 60000 x 784, 784-300-100-10, ReLU, He init, Adam; batch 200 and batch 32
- W2: 10000 x 3072, 20 hidden layers of 100, ELU, He init, Nadam, batch 32
- W3: W2 with batch normalization before each activation (only when
  ``DNNClassifier`` has a ``batch_norm`` parameter)
- W4: ``predict_proba`` on 10000 rows with the trained W1 network (and W3's)

Contenders, all in the same run, each limited to 2 threads (threadpoolctl for every
BLAS/OpenMP pool, ``torch.set_num_threads(2)``): skdnn; scikit-learn's MLPClassifier
(closest settings, see the README); a GEMM floor doing only the float32 matrix
products of forward and backward with preallocated buffers (same shapes, same number
of batches); PyTorch CPU with a hand-written loop, when ``import torch`` works.

What is timed: one epoch after a warm-up epoch, median over ``--repeats`` runs, the
contenders interleaved round-robin with a short pause between them. For skdnn the
epoch time is ``history_["time"]`` of a ``warm_start`` fit with ``max_iter=1``: the
training loop only (permutation, batch gathering, forward, loss, backward, optimizer
step), without input validation, target encoding or the per-epoch snapshot; the whole
``fit()`` call is reported alongside. MLPClassifier has no such record, so its time
is the whole ``fit()`` call (``warm_start=True, max_iter=1``). Peak memory of the
skdnn fit is measured afterwards in a fresh subprocess per workload.
"""

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    N_THREADS,
    Interference,
    fmt_seconds,
    import_torch,
    limit_threads,
    machine_info,
    make_blobs32,
    median_spread,
    pause,
)

N_CLASSES = 10

W1 = dict(
    n=60000,
    d=784,
    hidden=(300, 100),
    activation="relu",
    optimizer="adam",
    batch_norm=False,
)
W2 = dict(
    n=10000,
    d=3072,
    hidden=(100,) * 20,
    activation="elu",
    optimizer="nadam",
    batch_norm=False,
)
WORKLOADS = {
    "W1-b200": dict(W1, batch=200, title="W1 784-300-100-10 ReLU Adam, batch 200"),
    "W1-b32": dict(W1, batch=32, title="W1 784-300-100-10 ReLU Adam, batch 32"),
    "W2": dict(W2, batch=32, title="W2 20x100 ELU Nadam, batch 32"),
    "W3": dict(W2, batch=32, batch_norm=True, title="W3 = W2 + batch norm"),
}
# predict_proba on the network trained in the named workload
PREDICT = {"W4-W1": "W1-b200", "W4-W3": "W3"}
# x the GEMM floor, as restated in December 2026 (training raised once all were met
# with the fast extra; inference set to what a forward pass can reach). W1-b32 has
# none here: it is judged against the minimal hand-written NumPy loop in the same
# run (at most 1.05x; bench_loop_variants.py), the floor's 1.4x being withdrawn for
# a per-layer NumPy design.
TARGETS = {"W1-b200": 1.4, "W2": 1.8, "W3": 2.2}
TARGETS.update({"W4-W1": 1.15, "W4-W3": 1.35})
QUICK_N = {60000: 12000, 10000: 2000}
PREDICT_ROWS = 10000


def has_batch_norm():
    from skdnn import DNNClassifier

    return "batch_norm" in DNNClassifier().get_params()


def layer_sizes(spec):
    return [spec["d"], *spec["hidden"], N_CLASSES]


# -- contenders -----------------------------------------------------------------
class Contender:
    """``warmup()`` once, then ``run()`` returns ``(seconds, note_seconds)``."""

    name = "?"

    def warmup(self):
        self.run()

    def run(self):
        raise NotImplementedError


class SkdnnTrain(Contender):
    name = "skdnn"

    def __init__(self, spec, X, y):
        from skdnn import DNNClassifier

        params = dict(
            hidden_layer_sizes=spec["hidden"],
            activation=spec["activation"],
            kernel_initializer="he_normal",
            optimizer=spec["optimizer"],
            batch_size=spec["batch"],
            max_iter=1,
            shuffle=True,
            random_state=0,
        )
        # Pin everything that adds work to the plain loop the other contenders
        # run (defaults change: e.g. dropout=0.2 is the default since d4a9e0f).
        pins = dict(
            dropout=0.0,
            input_dropout=0.0,
            batch_norm="before" if spec["batch_norm"] else None,
            input_batch_norm=False,
            l1=0.0,
            l2=0.0,
            max_norm=None,
            lr_schedule=None,
            weight_decay=None,
            early_stopping=False,
            input_scaling=None,
            numeric_embedding=None,
            feature_scale=False,
            ensemble_size=1,
            label_smoothing=0.0,
        )
        known = DNNClassifier().get_params()
        params.update({k: v for k, v in pins.items() if k in known})
        self.est = DNNClassifier(**params)
        self.X, self.y = X, y

    def warmup(self):
        self._fit()  # first fit: builds the network and the optimizer state
        self.est.set_params(warm_start=True)

    def _fit(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter=1
            tic = time.perf_counter()
            self.est.fit(self.X, self.y)
            return time.perf_counter() - tic

    def run(self):
        wall = self._fit()
        return self.est.history_["time"][-1], wall


class MLPTrain(Contender):
    name = "MLPClassifier"

    def __init__(self, spec, X, y):
        from sklearn.neural_network import MLPClassifier

        self.est = MLPClassifier(
            hidden_layer_sizes=spec["hidden"],
            activation="relu",  # closest to ELU; skdnn W1 uses ReLU too
            solver="adam",  # no Nadam in scikit-learn
            alpha=0.0,  # no L2 penalty, as skdnn
            batch_size=spec["batch"],
            learning_rate_init=1e-3,
            beta_1=0.9,
            beta_2=0.999,
            epsilon=1e-7,  # skdnn's (Keras') default; MLP's own is 1e-8
            max_iter=1,
            shuffle=True,
            random_state=0,
            warm_start=True,
        )
        self.X, self.y = X, y

    def run(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tic = time.perf_counter()
            self.est.fit(self.X, self.y)
            wall = time.perf_counter() - tic
        return wall, wall


class GemmFloor(Contender):
    """Only the float32 matrix products, into preallocated buffers.

    Training: per batch, ``A[l+1] = A[l] @ W[l]`` up the stack, then
    ``dW[l] = A[l].T @ D[l+1]`` and (except for the input layer)
    ``D[l] = D[l+1] @ W[l].T`` down it. Batches are contiguous slices of ``X``
    (no gathering), the same sizes and number as the real loops.
    ``forward_only``: one forward pass over all of ``X`` (the predict floor).
    """

    name = "GEMM floor"

    def __init__(self, sizes, X, batch, forward_only=False):
        rng = np.random.default_rng(1)
        self.X = X
        self.batch = X.shape[0] if forward_only else batch
        self.forward_only = forward_only
        bs = self.batch
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.W = [
            (rng.standard_normal((a, b), dtype=np.float32) / np.float32(np.sqrt(a)))
            for a, b in pairs
        ]
        self.A = [None] + [np.empty((bs, b), np.float32) for _, b in pairs]
        if not forward_only:
            self.dW = [np.empty((a, b), np.float32) for a, b in pairs]
            self.D = [np.empty((bs, a), np.float32) for a, _ in pairs]
            top = rng.standard_normal((bs, sizes[-1]), dtype=np.float32)
            self.D.append(top * np.float32(1e-2))

    def run(self):
        X, W, A, bs = self.X, self.W, self.A, self.batch
        n_layers = len(W)
        tic = time.perf_counter()
        for start in range(0, X.shape[0], bs):
            x = X[start : start + bs]
            m = x.shape[0]
            acts = [x] + [a[:m] for a in A[1:]]
            for i in range(n_layers):
                np.matmul(acts[i], W[i], out=acts[i + 1])
            if self.forward_only:
                continue
            delta = self.D[n_layers][:m]
            for i in range(n_layers - 1, -1, -1):
                np.matmul(acts[i].T, delta, out=self.dW[i])
                if i > 0:
                    np.matmul(delta, W[i].T, out=self.D[i][:m])
                    delta = self.D[i][:m]
        t = time.perf_counter() - tic
        return t, t


def build_torch_model(torch, spec):
    nn = torch.nn
    act = {"relu": nn.ReLU, "elu": nn.ELU}[spec["activation"]]
    layers, n = [], spec["d"]
    for units in spec["hidden"]:
        dense = nn.Linear(n, units, bias=not spec["batch_norm"])
        nn.init.kaiming_normal_(dense.weight, nonlinearity="relu")  # He normal
        if dense.bias is not None:
            nn.init.zeros_(dense.bias)
        layers.append(dense)
        if spec["batch_norm"]:
            # Keras' defaults: momentum 0.99 (torch counts 1 - 0.99), epsilon 1e-3
            layers.append(nn.BatchNorm1d(units, momentum=0.01, eps=1e-3))
        layers.append(act())
        n = units
    out = nn.Linear(n, N_CLASSES)
    nn.init.xavier_uniform_(out.weight)
    nn.init.zeros_(out.bias)
    layers.append(out)
    return nn.Sequential(*layers)


class TorchTrain(Contender):
    """The usual PyTorch loop: randperm, index_select, zero_grad, backward, step."""

    name = "PyTorch CPU"

    def __init__(self, torch, spec, X, y):
        torch.manual_seed(0)
        self.torch = torch
        self.model = build_torch_model(torch, spec)
        opt = {"adam": torch.optim.Adam, "nadam": torch.optim.NAdam}[spec["optimizer"]]
        kwargs = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        if spec["optimizer"] == "nadam":
            kwargs["momentum_decay"] = 0.004
        self.opt = opt(self.model.parameters(), **kwargs)
        self.loss = torch.nn.CrossEntropyLoss()
        self.X = torch.from_numpy(X)
        self.y = torch.from_numpy(y.astype(np.int64))
        self.batch = spec["batch"]
        self.gen = torch.Generator().manual_seed(0)

    def run(self):
        torch, model, opt, loss_fn = self.torch, self.model, self.opt, self.loss
        n, bs = self.X.shape[0], self.batch
        model.train()
        tic = time.perf_counter()
        order = torch.randperm(n, generator=self.gen)
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            xb = self.X.index_select(0, idx)
            yb = self.y.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        t = time.perf_counter() - tic
        return t, t


class Predict(Contender):
    """Wall time of one call, e.g. ``predict_proba(X)``."""

    def __init__(self, name, func):
        self.name = name
        self.func = func

    def run(self):
        tic = time.perf_counter()
        self.func()
        t = time.perf_counter() - tic
        return t, t


def torch_predict(torch, model, X):
    Xt = torch.from_numpy(X)

    def predict():
        model.eval()
        with torch.inference_mode():
            return torch.softmax(model(Xt), dim=1).numpy()

    return predict


# -- running ----------------------------------------------------------------------
def interleave(contenders, repeats, pause_s, log, max_load=0.3, retries=2):
    """Warm up each contender, then time them round-robin.

    A run during which other processes used more than ``max_load`` cores (see
    ``Interference``) is redone, up to ``retries`` times, keeping the least
    disturbed attempt. Returns ``{name: [(seconds, extra, load)]}`` and the number
    of redone runs.
    """
    runs = {c.name: [] for c in contenders}
    redone = 0
    for c in contenders:
        pause(pause_s)
        tic = time.perf_counter()
        c.warmup()
        log(f"  warm-up {c.name}: {time.perf_counter() - tic:.2f}s")
    for r in range(repeats):
        for c in contenders:
            best = None
            for attempt in range(retries + 1):
                pause(pause_s if attempt == 0 else max(pause_s, 1.0))
                with Interference() as probe:
                    t, extra = c.run()
                if best is None or probe.cores < best[2]:
                    best = (t, extra, probe.cores)
                if not probe.cores > max_load or attempt == retries:  # nan: accept
                    break
                redone += 1
            runs[c.name].append(best)
        log(
            f"  run {r + 1}/{repeats}: "
            + ", ".join(
                f"{c.name} {runs[c.name][-1][0]:.3f}s (others {runs[c.name][-1][2]:.2f})"
                for c in contenders
            )
        )
    return runs, redone


def summarise(workload, name, runs):
    """A result row from a list of ``(seconds, extra, load)``."""
    med, lo, hi = median_spread([t for t, _, _ in runs])
    return dict(
        workload=workload,
        contender=name,
        median=med,
        lo=lo,
        hi=hi,
        extra=median_spread([e for _, e, _ in runs])[0],
        load=median_spread([load for _, _, load in runs])[0],
        times=[t for t, _, _ in runs],
    )


def _vm_hwm():
    """Peak resident set size of this process in bytes (VmHWM, reset by exec).

    ``getrusage``'s ``ru_maxrss`` survives ``execve`` on Linux, so in a subprocess
    it would report the parent's peak; ``/proc/self/status`` does not.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_probe(wname, quick):
    """In a fresh process: peak memory of one skdnn fit (max_iter=1) on ``wname``."""
    import skdnn

    # imports count before the fit, not in it; numba is imported on first use
    skdnn.get_config()

    spec = WORKLOADS[wname]
    n = QUICK_N[spec["n"]] if quick else spec["n"]
    X, y = make_blobs32(n, spec["d"], N_CLASSES, seed=0)
    gc.collect()
    rss_before = _vm_hwm()
    contender = SkdnnTrain(spec, X, y)
    tracemalloc.start()
    contender._fit()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = _vm_hwm()
    print(
        json.dumps(
            dict(
                data_bytes=X.nbytes,
                traced_peak=peak,
                maxrss_before_fit=rss_before,
                maxrss_after_fit=rss_after,
                n_params=int(contender.est.network_.theta.size),
            )
        )
    )


def run_memory_probe(wname, quick):
    cmd = [sys.executable, os.path.abspath(__file__), "--memory-probe", wname]
    if quick:
        cmd.append("--quick")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller data, 2 repeats (development)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="default 5 (quick: 2)"
    )
    parser.add_argument(
        "--pause", type=float, default=None, help="seconds between contenders (1.0)"
    )
    parser.add_argument(
        "--workloads",
        default="W1-b200,W1-b32,W2,W3,W4",
        help="comma-separated subset of W1-b200,W1-b32,W2,W3,W4",
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=0.3,
        help="redo a run if other processes used more cores than this (0.3)",
    )
    parser.add_argument(
        "--retries", type=int, default=None, help="redos per run (2; quick 1)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=N_THREADS,
        help=f"threads per contender ({N_THREADS}; 1 is less sensitive to load)",
    )
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--no-mlp", action="store_true", help="skip MLPClassifier")
    parser.add_argument("--no-memory", action="store_true", help="skip memory probes")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--memory-probe", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    no_torch = args.no_torch or args.memory_probe
    torch = None if no_torch else import_torch(args.threads)
    limiter = limit_threads(args.threads)  # noqa: F841 (keep them for the whole run)
    if args.memory_probe:
        memory_probe(args.memory_probe, args.quick)
        return

    repeats = args.repeats or (2 if args.quick else 5)
    if args.retries is None:
        args.retries = 1 if args.quick else 2
    pause_s = args.pause if args.pause is not None else (0.3 if args.quick else 1.0)
    wanted = args.workloads.split(",")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    print("## Machine\n")
    print("\n".join(machine_info(torch)))
    print(
        f"- settings: {args.threads} threads per contender, warm-up epoch + median of "
        f"{repeats} runs, {pause_s}s pause between contenders"
        + (", QUICK (smaller data)" if args.quick else "")
    )
    notes_out = []
    if torch is None:
        notes_out.append("PyTorch skipped: `import torch` failed or --no-torch.")
    bn = has_batch_norm()
    if "W3" in wanted and not bn:
        notes_out.append(
            "W3 skipped: DNNClassifier has no `batch_norm` parameter in this checkout."
        )

    load_args = (args.max_load, args.retries)
    n_redone = 0
    results = []  # rows: see summarise()
    trained = {}  # workload -> {contender name: object}, for W4
    data = {}
    t_start = time.perf_counter()
    for wname, spec in WORKLOADS.items():
        need_for_w4 = "W4" in wanted and wname in PREDICT.values()
        if wname not in wanted and not need_for_w4:
            continue
        if spec["batch_norm"] and not bn:
            continue
        n = QUICK_N[spec["n"]] if args.quick else spec["n"]
        key = (n, spec["d"])
        if key not in data:
            data.clear()
            gc.collect()
            data[key] = make_blobs32(n, spec["d"], N_CLASSES, seed=0)
        X, y = data[key]
        log(f"{wname}: {spec['title']}, X {X.shape}")
        contenders = [
            SkdnnTrain(spec, X, y),
            GemmFloor(layer_sizes(spec), X, spec["batch"]),
        ]
        if not args.no_mlp and not spec["batch_norm"]:
            contenders.append(MLPTrain(spec, X, y))
        if torch is not None:
            contenders.append(TorchTrain(torch, spec, X, y))
        runs, redone = interleave(contenders, repeats, pause_s, log, *load_args)
        n_redone += redone
        results += [summarise(wname, c.name, runs[c.name]) for c in contenders]
        trained[wname] = {c.name: c for c in contenders}
        if "W4" in wanted:
            for w4name, source in PREDICT.items():
                if source == wname:
                    rows, redone = run_predict(
                        w4name,
                        spec,
                        X,
                        trained[wname],
                        torch,
                        repeats,
                        pause_s,
                        log,
                        load_args,
                    )
                    results += rows
                    n_redone += redone
        if wname not in wanted:  # trained only for W4
            results = [r for r in results if r["workload"] != wname]
        del contenders
    elapsed = time.perf_counter() - t_start

    memory = {}
    if not args.no_memory:
        for wname in WORKLOADS:
            if wname in wanted and (bn or not WORKLOADS[wname]["batch_norm"]):
                log(f"memory probe {wname}")
                memory[wname] = run_memory_probe(wname, args.quick)

    load = os.getloadavg()
    print(f"- load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"- timed section: {elapsed:.0f}s")
    print(
        f"- runs redone because other processes used > {args.max_load} cores: "
        f"{n_redone} (at most {args.retries} redos per run, least disturbed kept)"
    )
    print_table(results)
    print_memory(memory)
    print_verdicts(results, notes_out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                dict(results=results, memory=memory, notes=notes_out), f, indent=1
            )


def run_predict(w4name, spec, X, trained, torch, repeats, pause_s, log, load_args):
    rows = X[:PREDICT_ROWS]
    log(f"{w4name}: predict_proba on {rows.shape} with the {spec['title']} network")
    contenders = [
        Predict("skdnn", lambda: trained["skdnn"].est.predict_proba(rows)),
        GemmFloor(layer_sizes(spec), rows, None, forward_only=True),
    ]
    if "MLPClassifier" in trained:
        mlp = trained["MLPClassifier"].est
        contenders.append(Predict("MLPClassifier", lambda: mlp.predict_proba(rows)))
    if torch is not None and "PyTorch CPU" in trained:
        model = trained["PyTorch CPU"].model
        contenders.append(Predict("PyTorch CPU", torch_predict(torch, model, rows)))
    # a single predict call is short: take more samples
    runs, redone = interleave(contenders, max(repeats, 7), pause_s / 2, log, *load_args)
    return [summarise(w4name, c.name, runs[c.name]) for c in contenders], redone


def print_table(results):
    print("\n## Seconds per epoch (W4: per predict_proba call)\n")
    print(
        "Ratios use medians from the same run; '× floor (min)' uses the fastest "
        "runs. 'others' load': median number of cores other processes kept busy "
        "during the kept runs (0 = idle machine).\n"
    )
    print(
        "| workload | contender | median s | min–max s | × floor | × skdnn "
        "| × floor (min) | others' load | notes |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---|"
    )
    for wname in dict.fromkeys(r["workload"] for r in results):
        rows = {r["contender"]: r for r in results if r["workload"] == wname}
        floor = rows["GEMM floor"]["median"]
        floor_min = rows["GEMM floor"]["lo"]
        ref = rows["skdnn"]["median"]
        for name, r in rows.items():
            note = ""
            if name == "skdnn" and wname in TARGETS:
                target = TARGETS[wname]
                ok = "met" if r["median"] / floor <= target else "MISSED"
                # on a host with slow and fast phases, the fastest runs' ratio
                # says whether the target holds when the machine is at its best
                fast = "met" if r["lo"] / floor_min <= target else "missed"
                note = f"target ≤ {target}×: {ok} (fastest runs: {fast})"
                if not wname.startswith("W4"):
                    note += f"; whole fit() {fmt_seconds(r['extra'])} s"
            elif name == "MLPClassifier" and not wname.startswith("W4"):
                note = "whole fit() call"
            print(
                f"| {wname} | {name} | {fmt_seconds(r['median'])} | "
                f"{fmt_seconds(r['lo'])}–{fmt_seconds(r['hi'])} | "
                f"{r['median'] / floor:.2f} | {r['median'] / ref:.2f} | "
                f"{r['lo'] / floor_min:.2f} | {r['load']:.2f} | {note} |"
            )


def print_memory(memory):
    if not memory:
        return
    mib = 2.0**20
    print("\n## Peak memory of one skdnn fit (max_iter=1, fresh subprocess)\n")
    print(
        "| workload | parameters | X size MiB | fit peak above data MiB "
        "(tracemalloc) | peak RSS before fit MiB | peak RSS after fit MiB |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    for wname, m in memory.items():
        print(
            f"| {wname} | {m['n_params']:,} | {m['data_bytes'] / mib:.0f} | "
            f"{m['traced_peak'] / mib:.1f} | {m['maxrss_before_fit'] / mib:.0f} | "
            f"{m['maxrss_after_fit'] / mib:.0f} |"
        )


def print_verdicts(results, notes):
    med = {(r["workload"], r["contender"]): r for r in results}
    lines = []
    for wname in ("W1-b200", "W1-b32"):
        s, m = med.get((wname, "skdnn")), med.get((wname, "MLPClassifier"))
        if s and m:
            lines.append(
                f"- {wname}: skdnn vs MLPClassifier, training loop "
                f"{fmt_seconds(s['median'])} s vs fit() {fmt_seconds(m['median'])} s "
                f"({m['median'] / s['median']:.2f}× faster); whole fit() calls "
                f"{fmt_seconds(s['extra'])} s vs {fmt_seconds(m['median'])} s "
                f"({m['median'] / s['extra']:.2f}×)"
            )
    if lines or notes:
        print("\n## Notes\n")
        print("\n".join(lines + [f"- {n}" for n in notes]))


if __name__ == "__main__":
    main()
