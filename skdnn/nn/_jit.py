"""Optional compiled kernels: numba, when installed (``pip install "skdnn[fast]"``).

A kernel fuses what the NumPy code does in several passes over memory into one, and
performs the same float operations in the same order, so its results are identical
bit for bit: the NumPy code next to it stays the reference and the fallback. This is
why kernels are compiled without ``fastmath`` (which would reassociate sums and
contract multiply-adds) and take every scalar in the arrays' dtype (a float64 scalar
would change float32 rounding).

Whether kernels are used is decided at each call, by ``use_numba()``: numba must be
importable, and neither the environment variable ``SKDNN_USE_NUMBA=0`` nor
``skdnn.set_config(use_numba=False)`` may have switched them off.
"""

import os
import threading

try:
    import numba
except ImportError:  # numba is optional; a too new NumPy also raises ImportError
    numba = None

_FALSE = {"0", "false", "no", "off"}

_default = os.environ.get("SKDNN_USE_NUMBA", "1").strip().lower() not in _FALSE
_local = threading.local()


def numba_available():
    """Whether numba could be imported.

    Returns
    -------
    bool
    """
    return numba is not None


def use_numba():
    """Whether compiled kernels are used now (numba importable and not switched off).

    Returns
    -------
    bool
    """
    return numba is not None and getattr(_local, "use_numba", _default)


def set_use_numba(flag):
    """Switch compiled kernels on or off for the current thread.

    Parameters
    ----------
    flag : bool or None
        None restores the default (on, unless ``SKDNN_USE_NUMBA=0``).
    """
    if flag is None:
        _local.__dict__.pop("use_numba", None)
    else:
        _local.use_numba = bool(flag)


def get_use_numba_setting():
    """The current thread's setting: True, False or None (the default)."""
    return getattr(_local, "use_numba", None)


def jit(func):
    """Compile ``func`` with numba if it is installed; otherwise return None.

    Compilation is lazy (first call, per argument types) and cached on disk, so only
    the first process pays for it. ``nogil`` lets threads (e.g. joblib's threading
    backend) run kernels concurrently.
    """
    if numba is None:
        return None
    return numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")(func)


def kernel(compiled):
    """``compiled`` if kernels are in use now, else None (take the NumPy path)."""
    if compiled is not None and use_numba():
        return compiled
    return None
