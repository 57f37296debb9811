"""Package-wide settings, scikit-learn style: ``get_config``, ``set_config``,
``config_context``."""

from contextlib import contextmanager

from .nn import _jit


def get_config():
    """The current settings.

    Returns
    -------
    dict
        ``use_numba``: whether training and prediction use the compiled kernels of
        the ``fast`` extra (True only when numba is installed and they have not
        been switched off).

    See Also
    --------
    set_config, config_context
    """
    return {"use_numba": _jit.use_numba()}


def set_config(use_numba=None):
    """Change package-wide settings for the current thread.

    Parameters
    ----------
    use_numba : bool, optional
        False: always take the pure NumPy path. True: use numba's compiled kernels
        when numba is installed (the default, unless the environment variable
        ``SKDNN_USE_NUMBA=0`` is set). Both paths give identical results; the
        compiled one is faster on small batches. None leaves the setting as is.

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
    if use_numba is not None:
        _jit.set_use_numba(use_numba)


@contextmanager
def config_context(*, use_numba=None):
    """Settings for a ``with`` block, restored when it ends.

    Parameters
    ----------
    use_numba : bool, optional
        See ``set_config`` (and ``get_config``).

    Examples
    --------
    >>> import skdnn
    >>> with skdnn.config_context(use_numba=False):
    ...     skdnn.get_config()["use_numba"]
    False
    """
    old = _jit.get_use_numba_setting()
    set_config(use_numba=use_numba)
    try:
        yield
    finally:
        _jit.set_use_numba(old)
