"""skdnn: deep neural networks for scikit-learn users, in plain NumPy."""

from . import persistence as persistence
from . import presets as presets
from ._autoencoder import DNNAutoencoder
from ._config import config_context, get_config, set_config
from ._estimators import DNNClassifier, DNNRegressor
from ._lr_finder import LearningRateFinderResult, find_learning_rate
from ._version import __version__
from .exceptions import DivergenceError, GradientFlowWarning, UnusedParameterWarning
from .nn.optimizers import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from .nn.schedules import (
    ExponentialDecay,
    LearningRateSchedule,
    OneCycle,
    PiecewiseConstant,
    PowerDecay,
    ReduceLROnPlateau,
)

__all__ = [
    "DNNAutoencoder",
    "DNNClassifier",
    "DNNRegressor",
    "DivergenceError",
    "GradientFlowWarning",
    "UnusedParameterWarning",
    "SGD",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "Nadam",
    "RMSprop",
    "ExponentialDecay",
    "LearningRateSchedule",
    "OneCycle",
    "PiecewiseConstant",
    "PowerDecay",
    "ReduceLROnPlateau",
    "find_learning_rate",
    "config_context",
    "get_config",
    "set_config",
    "LearningRateFinderResult",
    "__version__",
]
