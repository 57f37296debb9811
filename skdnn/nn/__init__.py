"""The NumPy network core: layers, activations, losses, optimizers.

Nothing here imports scikit-learn; the estimators in ``skdnn`` wrap it.
"""

from .activations import ACTIVATIONS
from .initializers import INITIALIZERS, VarianceScaling
from .layers import Dense, Layer
from .losses import LOSSES
from .network import Sequential
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULES",
    "Dense",
    "Layer",
    "Sequential",
    "VarianceScaling",
]
