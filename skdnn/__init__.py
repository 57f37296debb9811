"""skdnn: deep neural networks for scikit-learn users, in plain NumPy."""

from . import presets as presets
from ._autoencoder import DNNAutoencoder
from ._config import config_context, get_config, set_config
from ._estimators import DNNClassifier, DNNRegressor
from ._lr_finder import LearningRateFinderResult, find_learning_rate
from .exceptions import DivergenceError, GradientFlowWarning
from .nn.optimizers import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from .nn.schedules import (
    ExponentialDecay,
    LearningRateSchedule,
    OneCycle,
    PiecewiseConstant,
    PowerDecay,
    ReduceLROnPlateau,
)

__version__ = "0.1.0"

__all__ = [
    "DNNAutoencoder",
    "DNNClassifier",
    "DNNRegressor",
    "DivergenceError",
    "GradientFlowWarning",
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
