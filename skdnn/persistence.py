"""Safe persistence: the types to trust when loading a skdnn model with skops.

A pickle or joblib file runs arbitrary code while it loads, so only load those
from sources you trust. ``skops.io`` stores the same objects without executing
anything on load, and refuses any type not explicitly trusted. A skdnn model
holds skdnn's own classes (estimator, network, layers, activations, loss,
optimizer, schedule, ...) and ``numpy.dtype``; ``trusted_types`` names exactly
those, so ``skops.io.load(path, trusted=trusted_types())`` loads any skdnn model
and still refuses anything else in the file (e.g. a user's own callable).
"""

import importlib
import inspect
import pkgutil

from . import nn
from ._autoencoder import DNNAutoencoder
from ._estimators import DNNClassifier, DNNRegressor
from ._tables import Levels, TableEncoder

# Besides skdnn's classes, a fitted network stores its numpy dtype, which skops
# does not trust by default; scikit-learn's own types (LabelBinarizer) it does.
_NON_SKDNN_TYPES = ("numpy.dtype",)
# The encoder of raw tables (categorical columns, missing values): a private
# module's classes, but a fitted model holds them.
_TABLE_TYPES = (Levels, TableEncoder)


def trusted_types():
    """Names of the types a skops load of a skdnn model needs to trust.

    These are skdnn's estimators and every public class of the network core
    ``skdnn.nn`` (network, layers, activations, losses, optimizers, schedules,
    regularizers, constraints, initializers), plus ``numpy.dtype``. Exceptions,
    the training loop and private helpers are not included: a model never holds
    them.

    Returns
    -------
    list of str
        Sorted fully qualified type names, as ``skops.io.get_untrusted_types``
        reports them; pass them as ``skops.io.load(path, trusted=...)``.

    See Also
    --------
    skops.io.get_untrusted_types : The types a given file needs.

    Examples
    --------
    >>> from skdnn.persistence import trusted_types
    >>> "skdnn._estimators.DNNClassifier" in trusted_types()
    True
    >>> "skdnn.nn.layers.Dense" in trusted_types()
    True
    """
    names = set(_NON_SKDNN_TYPES) | {_qualified(cls) for cls in _TABLE_TYPES}
    names.update(
        _qualified(cls) for cls in (DNNClassifier, DNNRegressor, DNNAutoencoder)
    )
    for info in pkgutil.walk_packages(nn.__path__, nn.__name__ + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and not obj.__name__.startswith("_")  # private bases: never built
                and not issubclass(obj, BaseException)
            ):
                names.add(_qualified(obj))
    return sorted(names)


def _qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"
