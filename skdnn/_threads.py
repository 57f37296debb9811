"""BLAS threads inside skdnn's fit and predict: as many as pay, measured.

OpenBLAS starts one thread per core and splits every matrix product over them. A
network's products are small and come one after another, thousands per second:
the threads wait for each other at each one, and when another program keeps a
core busy, a product waits for a thread that does not get the core (a fit 10-70
times slower than on one thread, on a 2-core machine with one core busy). Only
large products gain from a second thread, and only when a core is free.

So inside ``fit``, ``partial_fit``, the predict methods and ``transform``, skdnn
runs BLAS on one thread (``blas_threads="auto"``, the default of
``skdnn.set_config``). One thread is also what makes a fit reproducible: OpenBLAS
rounds a product differently on one thread and on two, so a thread count chosen
by timing would make the weights depend on the machine's load.
``blas_threads="fastest"`` gives that up for speed on an idle machine: it uses
more threads where they may pay, and then it measures:

- a fit whose mini-batch products reach ``SMALL`` multiply-adds, with at least
  ``MIN_BATCHES`` batches an epoch, probes (``Probe``): it times a few
  mini-batches on one thread and on the pool's full size, keeps the faster,
  watches the full pool while it keeps it (probing again when it stops paying,
  ``RECHECKS`` times, then settling on one thread), and probes again after
  ``REPROBE_SECONDS``, since the load of the machine changes;
- a prediction of at least ``MIN_BLOCKS`` blocks of rows with such products
  (``predict_by_blocks``) times its first block on one thread and its second
  on the pool, and goes on with the faster, watching the pool the same way;
  the next predictions of such a network reuse the choice for
  ``REPROBE_SECONDS``.

The caller's own thread settings are restored when the call returns; nothing
changes outside skdnn.
"""

import threading
import time
from contextlib import contextmanager

import numpy as np

#: Multiply-adds of a batch's largest product from which more threads may pay,
#: and the fewest batches an epoch worth a probe: on 2 idle cores
#: (benchmarks/bench_threads.py) the default classifier on digits (3.3e6, 18
#: batches an epoch) trained 10% faster on two threads, on wine (3.3e6, two
#: batches an epoch, between which the pool's threads fall asleep) 18 times
#: slower.
SMALL = 1e6
MIN_BATCHES = 8
#: Blocks of rows from which a prediction times the full pool against one thread.
MIN_BLOCKS = 4
#: Probe batches per setting, and when to probe again.
PROBE_BATCHES = 3
REPROBE_SECONDS = 30.0
#: The full pool must be this much faster than one thread to be kept (mean
#: batch times); products on it this much slower mean a busy core.
GAIN = 0.9
BUSY = 2.0
#: Times a watched pool that stopped paying is probed again, rather than dropped,
#: before the probe settles on one thread (until ``REPROBE_SECONDS`` later).
RECHECKS = 2

_lock = threading.Lock()
_controllers = None


def _blas():
    """threadpoolctl's controllers of the loaded BLAS libraries (found once)."""
    global _controllers
    if _controllers is None:
        with _lock:
            if _controllers is None:
                from threadpoolctl import ThreadpoolController

                controller = ThreadpoolController()
                _controllers = [c for c in controller.lib_controllers
                                if c.user_api == "blas"]  # fmt: skip
    return _controllers


def pool_size():
    """Threads the BLAS pools have now (the largest, if there are several)."""
    return max((c.num_threads for c in _blas()), default=1)


def _set(n):
    for c in _blas():
        c.set_num_threads(n)


@contextmanager
def limited(n):
    """BLAS pools at ``n`` threads inside the block, restored after it.

    Parameters
    ----------
    n : int or None
        None leaves the pools as they are.
    """
    if n is None:
        yield
        return
    saved = [c.num_threads for c in _blas()]
    try:
        if any(s != n for s in saved):
            _set(n)
        yield
    finally:
        for c, s in zip(_blas(), saved):
            c.set_num_threads(s)


def largest_product(network, rows, skip_first=False):
    """Multiply-adds of the largest Dense product of ``rows`` rows of the network
    (``skip_first``: not counting the first Dense layer)."""
    shape = largest_shape(network, rows, skip_first)
    return 0 if shape is None else shape[0] * shape[1] * shape[2]


def largest_shape(network, rows, skip_first=False):
    """``(rows, n_in, n_out)`` of the network's largest Dense product, or None."""
    from .nn.layers import Dense

    best, n, skip = None, network.n_in, skip_first
    for layer in network.layers:
        out = layer.output_size(n)
        if isinstance(layer, Dense):
            if not skip and (best is None or n * out > best[1] * best[2]):
                best = (rows, n, out)
            skip = False
        n = out
    return best


def busy(shape, dtype, size):
    """Whether a product of ``shape`` on ``size`` threads waits for a busy core.

    One product of the batch's largest shape, timed on one thread and then on
    the full pool (the first call on the pool also wakes its threads up): on a
    free core the pool is about as fast or faster; when a core is kept busy by
    other work, the pool waits for it, ``BUSY`` times longer or more. Costs a
    few products, instead of a whole mini-batch of them, on a busy machine.
    """
    rows, n_in, n_out = shape
    A = np.ones((rows, n_in), dtype=dtype)
    B = np.ones((n_in, n_out), dtype=dtype)
    out = np.empty((rows, n_out), dtype=dtype)
    times = {}
    for threads in (1, size):
        _set(threads)
        np.matmul(A, B, out=out)  # wakes the pool's threads up: not timed
        tic = time.perf_counter()
        for _ in range(3):
            np.matmul(A, B, out=out)
        times[threads] = time.perf_counter() - tic
    _set(1)
    return times[size] > BUSY * times[1]


def predict_by_blocks(run, X, network, setting, block):
    """``run(X)`` for a prediction, on as many BLAS threads as pay.

    Under "fastest", an input of at least ``MIN_BLOCKS`` blocks of ``block`` rows
    whose products reach ``SMALL`` runs its first block on one thread and its
    second on the full pool, then the rest on the faster, watching each block on
    the pool as a training probe watches its batches (per row, so the last,
    shorter block compares too). What it found is reused by the predictions of
    networks with the same largest product for ``REPROBE_SECONDS``: on one
    thread at once, or on the pool from the first block, still watched.
    Anything else runs on one thread (or on the explicit setting).

    Parameters
    ----------
    run : callable
        ``run(rows_of_X) -> ndarray``, the outputs of those rows.
    X : ndarray or sparse matrix
        The input rows.
    network : Sequential
        The network ``run`` runs (for the size of its products).
    setting : "auto", "fastest", int or None
        ``skdnn.get_config()["blas_threads"]``.
    block : int
        Rows per block.

    Returns
    -------
    ndarray
        ``run(X)``, assembled from its blocks.
    """
    size = pool_size()
    if setting != "fastest" or size <= 1 or X.shape[0] < MIN_BLOCKS * block:
        with limited(fixed_threads(setting)):
            return run(X)
    shape = largest_shape(network, block)
    if shape is not None and shape[0] * shape[1] * shape[2] >= SMALL:
        key = (shape, np.dtype(network.dtype).str, size)
        known = _predictions.get(key)
        if known is not None and time.perf_counter() - known[2] > REPROBE_SECONDS:
            known = None
        if known is None or known[0] == size:
            return _blocks_on_the_faster(run, X, block, size, key, known)
    with limited(1):
        return run(X)


def _blocks_on_the_faster(run, X, block, size, key, known):
    """``run`` block by block: the first on one thread and the second on the
    pool (unless ``known``, a recent choice of the pool, skips that), then on
    the faster, the pool watched; the choice is recorded under ``key``."""
    parts, threads, one = [], 1, None
    if known is not None:
        threads, one = size, known[1]  # the pool paid a moment ago: no probe
    with limited(1):
        for lo in range(0, X.shape[0], block):
            if lo == block and known is None:
                threads = size
            _set(threads)
            tic = time.perf_counter()
            parts.append(run(X[lo : lo + block]))
            per_row = (time.perf_counter() - tic) / parts[-1].shape[0]
            probing = known is None and lo == block
            if known is None and lo == 0:
                one = per_row
            elif threads == size and per_row > (GAIN if probing else 1) * one:
                threads = 1  # the pool did not pay, or stopped paying
                _predictions[key] = (1, one, time.perf_counter())
            elif probing:
                _predictions[key] = (threads, one, time.perf_counter())
    return np.concatenate(parts)


#: ``(largest product, dtype, pool size) -> (threads, one thread's seconds a row,
#: when)``: what the last large prediction of such a network found, reused for
#: ``REPROBE_SECONDS`` (repeated predictions skip the probe's one-thread block).
_predictions = {}


def threads_for(setting, network, rows, batches=0, sparse=False):
    """The BLAS threads a call runs with, and whether training should probe.

    Parameters
    ----------
    setting : "auto", "fastest", int or None
        ``skdnn.get_config()["blas_threads"]``.
    network : Sequential
        The network the call runs.
    rows : int
        Rows per product: the batch size.
    batches : int, default=0
        Mini-batches per epoch (0: not a fit, e.g. Monte Carlo dropout).
    sparse : bool, default=False
        Whether the input is sparse: the first layer's product is then not
        BLAS's, and does not count.

    Returns
    -------
    threads : int or None
        For ``limited``: None leaves the pools as they are.
    probe : bool
        Whether training should time one thread against the full pool.
    """
    if setting != "fastest":
        return fixed_threads(setting), False
    if batches < MIN_BATCHES or pool_size() <= 1:
        return 1, False
    return 1, largest_product(network, rows, skip_first=sparse) >= SMALL


def fixed_threads(setting):
    """The threads of a call that does not time them: "auto" and "fastest" one."""
    return 1 if setting in ("auto", "fastest") else setting


class Probe:
    """Times batches on one thread and on the pool's full size; keeps the faster.

    ``before()`` sets the threads of the batch about to run and ``after()``
    records its time. A probe leaves its first batch alone (an epoch's first
    batch also records the gradient-flow statistics), times ``PROBE_BATCHES`` on
    one thread, then one on ``size`` threads that wakes the pool up and
    ``PROBE_BATCHES`` more, and keeps the full pool only if its mean batch time
    is below ``GAIN`` times one thread's. Before the batches on the full pool,
    ``busy`` times one product of the batch's largest shape on each setting: a
    core kept busy by other work often shows there already, for the price of a
    few products.

    A busy core does not always show in a few batches: the system's scheduler
    gives a newly woken thread its turn first, and the pool's wait for the busy
    core grows over the next hundreds of products. So while the full pool is
    kept, the probe goes on timing each batch (but an epoch's first), and as
    soon as the batches' moving average is no longer faster than one thread's
    median it probes again: the machine as a whole may have slowed down (one
    thread with it), or a core became busy (the busy check shows it). After
    ``RECHECKS`` such probes it settles on one thread. A probe that settled on
    one thread starts again ``REPROBE_SECONDS`` later, since the load of the
    machine changes.

    Parameters
    ----------
    size : int
        The pool's full size.
    shape : tuple of int, optional
        ``(rows, n_in, n_out)`` of the batch's largest product, for ``busy``.
    dtype : numpy.dtype, optional
        The network's dtype.
    """

    def __init__(self, size, shape=None, dtype=np.float32):
        self.size, self.shape, self.dtype = size, shape, dtype
        self.plan = [1] * (PROBE_BATCHES + 1) + [size] * (PROBE_BATCHES + 1)
        self.rechecks = 0
        self._restart()

    def _restart(self):
        self.times = {1: [], self.size: []}
        self.count = 0
        self.choice = None  # deciding
        self.decided_at = None
        self.current = 1

    @property
    def active(self):
        """Whether the next batches are timed (probing, or watching the pool)."""
        if self.choice is None or self.choice == self.size:
            return True
        if time.perf_counter() - self.decided_at > REPROBE_SECONDS:
            self.rechecks = 0
            self._restart()
            return True
        return False

    def before(self):
        """Set the threads of the batch about to run."""
        if self.choice is None:
            self.current = self.plan[self.count]
            if self.count == PROBE_BATCHES + 1 and self.shape is not None:
                if busy(self.shape, self.dtype, self.size):
                    self._decide(1)
                    self.current = 1
            if self.choice is None:
                _set(self.current)
        self._tic = time.perf_counter()

    def after(self, first=False):
        """Record the batch's time (``first``: an epoch's first batch)."""
        elapsed = time.perf_counter() - self._tic
        if self.choice == self.size:
            self._watch(elapsed, first)
        elif self.choice is None:
            self._probe(elapsed)

    def _probe(self, elapsed):
        wakeup = self.count == PROBE_BATCHES + 1
        self.count += 1
        if self.count == 1:
            return  # the epoch's first batch: not comparable
        if wakeup:
            if elapsed > BUSY * np.mean(self.times[1]):
                self._decide(1)
            return
        self.times[self.current].append(elapsed)
        if self.count == len(self.plan):
            # the pool's mean, not its minimum: on a busy core some batches are
            # lucky; one thread's median: a first call that compiles or allocates
            # must not make the pool look faster than it is
            one = np.median(self.times[1])
            full = np.mean(self.times[self.size])
            self.one, self.average = one, full
            self._decide(self.size if full < GAIN * one else 1)

    def _watch(self, elapsed, first):
        if first:
            return
        self.average = 0.9 * self.average + 0.1 * elapsed
        if self.average > self.one:
            # a busy core, or the whole machine slower than at the probe (then
            # one thread is slower too): measure both again, then give up
            if self.rechecks < RECHECKS:
                self.rechecks += 1
                self._restart()
            else:
                self._decide(1)

    @property
    def probing(self):
        """Whether the probe is still deciding (else it chose, or watches)."""
        return self.choice is None

    def _decide(self, threads):
        self.choice = threads
        self.decided_at = time.perf_counter()
        _set(threads)
