"""Optional compiled kernels: numba, when installed (``pip install "skdnn[fast]"``).

A kernel fuses what the NumPy code does in several passes over memory into one, and
performs the same float operations in the same order, so its results are identical
bit for bit: the NumPy code next to it stays the reference and the fallback. This is
why kernels are compiled without ``fastmath`` (which would reassociate sums and
contract multiply-adds) and take every scalar in the arrays' dtype (a float64 scalar
would change float32 rounding).

Whether kernels are used is decided at each call, by ``use_numba()``: numba must be
importable, and neither the environment variable ``SKDNN_USE_NUMBA=0`` nor
``skdnn.set_config(use_numba=False)`` may have switched them off. numba is imported
and each kernel compiled on first use, so ``import skdnn`` does not pay for them.
"""

import functools
import os
import threading

_FALSE = {"0", "false", "no", "off"}

_default = os.environ.get("SKDNN_USE_NUMBA", "1").strip().lower() not in _FALSE


class _Settings(threading.local):
    # a class attribute as the default: looking up a missing thread-local attribute
    # raises and catches AttributeError, ~0.7 us on every kernel() call
    use_numba = None


_local = _Settings()
_numba = None
_numba_tried = False


def _import_numba():
    """The numba module, imported on first call; None if it cannot be imported."""
    global _numba, _numba_tried
    if not _numba_tried:
        try:
            import numba
        except ImportError:  # not installed, or too old or new for this NumPy
            numba = None
        _numba, _numba_tried = numba, True
    return _numba


def numba_available():
    """Whether numba can be imported.

    Returns
    -------
    bool
    """
    return _import_numba() is not None


def use_numba():
    """Whether compiled kernels are used now (numba importable and not switched off).

    Returns
    -------
    bool
    """
    setting = _local.use_numba
    return (_default if setting is None else setting) and numba_available()


def set_use_numba(flag):
    """Switch compiled kernels on or off for the current thread.

    Parameters
    ----------
    flag : bool or None
        None restores the default (on, unless ``SKDNN_USE_NUMBA=0``).
    """
    _local.use_numba = None if flag is None else bool(flag)


def get_use_numba_setting():
    """The current thread's setting: True, False or None (the default)."""
    return _local.use_numba


class Kernel:
    """A function that numba compiles on its first call.

    Calling the object runs the compiled function; ``compiled()`` returns numba's
    dispatcher itself (None without numba), which callers in hot loops use to skip
    this wrapper.

    Parameters
    ----------
    func : callable
        Plain Python with loops over arrays, as numba's ``njit`` accepts it.
    """

    def __init__(self, func):
        functools.update_wrapper(self, func)
        self.py_func = func
        self._compiled = None

    def compiled(self):
        """numba's dispatcher for the function, compiled lazily; None without numba."""
        if self._compiled is None:
            numba = _import_numba()
            if numba is None:
                return None
            # nogil: threads (e.g. joblib's threading backend) run kernels at once
            options = {"nogil": True, "fastmath": False, "error_model": "numpy"}
            try:
                # machine code cached on disk: only the first process compiles
                self._compiled = numba.njit(cache=True, **options)(self.py_func)
            except RuntimeError:
                # no writable cache location (read-only install, no home directory):
                # compile once per process instead
                self._compiled = numba.njit(**options)(self.py_func)
        return self._compiled

    def __call__(self, *args):
        return self.compiled()(*args)

    @property
    def signatures(self):
        """Argument types the kernel has been compiled for (empty before first use)."""
        return [] if self._compiled is None else list(self._compiled.signatures)


def jit(func):
    """Decorator: ``func`` becomes a ``Kernel``, compiled by numba on first use."""
    return Kernel(func)


def dispatcher(kernel):
    """numba's compiled dispatcher of ``kernel`` if kernels are in use now, else None.

    None tells the caller to take the NumPy path.
    """
    # called for every layer and step: the common case in a few attribute lookups
    setting = _local.use_numba
    if kernel is None or not (_default if setting is None else setting):
        return None
    compiled = kernel._compiled
    return kernel.compiled() if compiled is None else compiled


def kernel_ready(*matrices, vectors=()):
    """Whether the kernels apply to these arrays; otherwise take the NumPy path.

    Parameters
    ----------
    *matrices : ndarray
        Must be 2-D, C-contiguous, float32 or float64, all of the first's dtype.
    vectors : sequence of ndarray
        Must be 1-D and contiguous, of the same dtype.

    Returns
    -------
    bool
    """
    dtype = matrices[0].dtype
    if dtype.char not in "fd":
        return False
    for a in matrices:
        if a.ndim != 2 or a.dtype != dtype or not a.flags.c_contiguous:
            return False
    for v in vectors:
        if v.ndim != 1 or v.dtype != dtype or not v.flags.c_contiguous:
            return False
    return True
