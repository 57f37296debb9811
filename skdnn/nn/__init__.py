"""The NumPy network core: layers, activations, losses, optimizers.

Nothing here imports scikit-learn; the estimators in ``skdnn`` wrap it. Each family
of techniques is one module of small classes behind a name registry; the faster
variants with identical results are in ``_fast_layers`` and ``_fast_optimizers``.
"""

from . import _fast_optimizers  # noqa: F401  (fills optimizers.FUSED_UPDATES)
from .activations import ACTIVATIONS
from .dropout import AlphaDropout, Dropout
from .folding import fold_batch_norm
from .initializers import INITIALIZERS, VarianceScaling
from .layers import Dense, Layer
from .losses import LOSSES
from .network import Sequential
from .normalization import BatchNormalization
from .optimizers import OPTIMIZERS
from .regularizers import L1, L2, REGULARIZERS, MaxNorm
from .schedules import SCHEDULES

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "REGULARIZERS",
    "SCHEDULES",
    "AlphaDropout",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "L1",
    "L2",
    "Layer",
    "MaxNorm",
    "Sequential",
    "VarianceScaling",
    "fold_batch_norm",
]
