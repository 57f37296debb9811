"""Warnings attributed to the user's line.

scikit-learn's ``fit`` wrapper, ``Pipeline`` and the search classes add frames of
their own between the user's call and the estimator, so no fixed ``stacklevel``
points at the user's code. ``warn`` counts the frames to the first one outside
skdnn, scikit-learn and joblib (whose ``Parallel`` runs the fits of a search or
of ``cross_validate`` in the user's process when ``n_jobs`` is None) instead.
"""

import os
import sys
import warnings

import joblib
import sklearn

_INTERNAL = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__name__.rpartition(".")[0]], sklearn, joblib)
)


def warn(message, category=UserWarning):
    """``warnings.warn`` pointing at the first frame outside skdnn, sklearn, joblib.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type of Warning, default=UserWarning
        The warning's class.
    """
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and os.path.abspath(
        frame.f_code.co_filename
    ).startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
