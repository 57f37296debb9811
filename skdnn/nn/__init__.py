"""The NumPy network core: layers, activations, losses, optimizers.

Nothing here imports scikit-learn; the estimators in ``skdnn`` wrap it.
"""

from .activations import ACTIVATIONS
from .constraints import MaxNorm
from .dropout import AlphaDropout, Dropout
from .initializers import INITIALIZERS, VarianceScaling
from .layers import Dense, Layer
from .losses import LOSSES
from .network import Sequential
from .normalization import BatchNormalization
from .optimizers import OPTIMIZERS
from .regularizers import L1L2
from .schedules import SCHEDULES

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULES",
    "AlphaDropout",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "L1L2",
    "Layer",
    "MaxNorm",
    "Sequential",
    "VarianceScaling",
]
