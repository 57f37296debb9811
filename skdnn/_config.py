"""Package-wide settings, scikit-learn style: ``get_config``, ``set_config``,
``config_context``."""

import os
import threading
import warnings
from contextlib import contextmanager
from numbers import Integral

import numpy as np

from .nn import _jit


def _blas_threads_from_environment():
    value = os.environ.get("SKDNN_BLAS_THREADS", "auto").strip().lower()
    if value in ("auto", "fastest"):
        return value
    if value in ("", "none"):
        return None
    try:
        threads = int(value)
    except ValueError:
        threads = 0
    if threads < 1:
        # a warning, not an error: a typo in the environment should not make
        # the package fail to import
        warnings.warn(
            'The environment variable SKDNN_BLAS_THREADS must be "auto", '
            '"fastest", "none" or a positive integer, got '
            f"{os.environ['SKDNN_BLAS_THREADS']!r}; "
            'using "auto".',
            UserWarning,
            stacklevel=2,
        )
        return "auto"
    return threads


_DEFAULT_BLAS_THREADS = _blas_threads_from_environment()


class _Settings(threading.local):
    blas_threads = _DEFAULT_BLAS_THREADS


_local = _Settings()
_UNSET = object()


def _check_blas_threads(value):
    if value is None or value in ("auto", "fastest"):
        return value
    if isinstance(value, Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise ValueError(
        'blas_threads must be "auto", "fastest", a positive int or None, got '
        f"{value!r}."
    )


def get_config():
    """The current settings.

    Returns
    -------
    dict
        ``use_numba``: whether training and prediction use the compiled kernels of
        the ``fast`` extra (True only when numba is installed and they have not
        been switched off). ``blas_threads``: how many BLAS threads fit and
        predict use (see ``set_config``).

    See Also
    --------
    set_config, config_context
    """
    return {"use_numba": _jit.use_numba(), "blas_threads": _local.blas_threads}


def set_config(use_numba=None, blas_threads=_UNSET):
    """Change package-wide settings for the current thread.

    Parameters
    ----------
    use_numba : bool, optional
        False: always take the pure NumPy path. True: use numba's compiled kernels
        when numba is installed (the default, unless the environment variable
        ``SKDNN_USE_NUMBA=0`` is set). Both paths give identical results; the
        compiled one is faster on small batches. None leaves the setting as is.
    blas_threads : "auto", "fastest", int or None, optional
        BLAS threads inside ``fit``, ``partial_fit`` and the predict methods; the
        caller's own setting is restored when they return. "auto" (the default,
        or the environment variable ``SKDNN_BLAS_THREADS``): one thread, which
        is fast on a busy machine and reproducible (a product's rounding
        depends on the thread count). "fastest": one thread, unless a
        mini-batch's (or a large prediction's) matrix products are large
        enough to gain from more; then a few batches are timed with one thread
        and with the whole pool and the faster is kept: up to 1.6 times faster
        on an idle machine, but the weights and predictions may then differ in
        their last bits from run to run (see docs/performance.md). An int: that
        many threads. None: the pools are left as they are (OpenBLAS: one
        thread per core). Not given: unchanged.

    See Also
    --------
    get_config, config_context

    Examples
    --------
    >>> import skdnn
    >>> skdnn.set_config(use_numba=False)
    >>> skdnn.get_config()["use_numba"]
    False
    >>> skdnn.set_config(use_numba=True)
    """
    # every value checked before any is set: a bad call changes nothing
    if use_numba is not None and not isinstance(use_numba, (bool, np.bool_)):
        raise ValueError(f"use_numba must be True, False or None, got {use_numba!r}.")
    if blas_threads is not _UNSET:
        blas_threads = _check_blas_threads(blas_threads)
    if use_numba is not None:
        _jit.set_use_numba(use_numba)
    if blas_threads is not _UNSET:
        _local.blas_threads = blas_threads


@contextmanager
def config_context(*, use_numba=None, blas_threads=_UNSET):
    """Settings for a ``with`` block, restored when it ends.

    Parameters
    ----------
    use_numba : bool, optional
        See ``set_config`` (and ``get_config``).
    blas_threads : "auto", "fastest", int or None, optional
        See ``set_config``.

    Examples
    --------
    >>> import skdnn
    >>> with skdnn.config_context(use_numba=False):
    ...     skdnn.get_config()["use_numba"]
    False
    """
    old = _jit.get_use_numba_setting(), _local.blas_threads
    set_config(use_numba=use_numba, blas_threads=blas_threads)
    try:
        yield
    finally:
        _jit.set_use_numba(old[0])
        _local.blas_threads = old[1]
