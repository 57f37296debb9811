"""skdnn: deep neural networks for scikit-learn users, in plain NumPy."""

from ._estimators import DNNClassifier, DNNRegressor
from .exceptions import DivergenceError
from .nn.optimizers import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop

__version__ = "0.1.0"

__all__ = [
    "DNNClassifier",
    "DNNRegressor",
    "DivergenceError",
    "SGD",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "Nadam",
    "RMSprop",
    "__version__",
]
