"""Docstring sections shared by the estimators (written once, used by both)."""

PARAMETERS = """\
hidden_layer_sizes : array-like of int or int, default=(100, 100)
    Units of each hidden layer, bottom-up. ``()`` fits a linear model.
activation : str, default="elu"
    Hidden-layer activation: "identity", "logistic", "tanh", "relu",
    "leaky_relu" (slope 0.01), "rrelu", "prelu" (learned slope per unit),
    "elu", "selu", "gelu" or "swish" ("linear", "sigmoid" and "silu" are
    aliases). ELU is the chapter's default: it does not saturate for positive
    inputs, has no dead units and averages near zero.
kernel_initializer : str or callable, default="auto"
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "lecun_uniform", "lecun_normal", or a callable ``init(shape, rng)``.
    "auto" follows chapter 11's Table 11-1: Glorot for identity, logistic and
    tanh, He for the ReLU family, ELU, GELU and Swish, LeCun for SELU.
    Biases start at zero.
optimizer : str or Optimizer, default="nadam"
    "sgd", "adagrad", "rmsprop", "adam", "adamax", "nadam" or "adamw", or an
    optimizer instance from ``skdnn`` (e.g. ``Nadam(beta_2=0.99)``; GridSearchCV
    reaches its parameters as ``optimizer__beta_2``). Nadam (Adam with Nesterov
    momentum) is among the chapter's recommended optimizers and needs little
    tuning of the learning rate.
learning_rate : float, default=None
    Initial step size. None uses the optimizer's Keras default: 0.01 for "sgd",
    0.001 for the others. Also used by an optimizer instance whose own
    ``learning_rate`` is None.
momentum : float, default=None
    Momentum of "sgd" and "rmsprop" (None: their default, 0).
nesterov : bool, default=False
    Nesterov accelerated gradient, for "sgd" with momentum.
beta_1 : float, default=0.9
    Decay of the first-moment estimate of "adam", "adamax", "nadam", "adamw".
beta_2 : float, default=0.999
    Decay of the second-moment estimate of the same optimizers.
epsilon : float, default=1e-7
    Smoothing term of the adaptive optimizers.
rho : float, default=0.9
    Decay of the squared-gradient average of "rmsprop".
weight_decay : float, default=None
    Decoupled weight decay, ``theta -= learning_rate * weight_decay * theta``
    before each step. None uses the optimizer's default (0.004 for "adamw",
    none for the others).
clipvalue : float, default=None
    Clip each gradient element to ``[-clipvalue, clipvalue]``.
clipnorm : float, default=None
    Rescale each parameter tensor's gradient so its norm is at most ``clipnorm``.
global_clipnorm : float, default=None
    Rescale all gradients together so their joint norm is at most
    ``global_clipnorm``. At most one of the three clipping options may be set.
batch_size : int or "auto", default="auto"
    Samples per mini-batch; "auto" is ``min(200, n_samples)`` as in
    scikit-learn's MLP.
max_iter : int, default=200
    Maximum number of epochs.
shuffle : bool, default=True
    Shuffle the samples at every epoch.
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the data (stratified for classifiers),
    stop when the validation loss has not improved by ``tol`` for
    ``n_iter_no_change`` epochs and restore the weights of the best epoch. Off
    by default, as in scikit-learn's MLP, so small data sets train on all samples.
validation_fraction : float, default=0.1
    Share of the training data held out when ``early_stopping`` is True.
n_iter_no_change : int, default=10
    Epochs without an improvement of at least ``tol`` before training stops
    (on the validation loss with early stopping, else on the training loss).
tol : float, default=1e-4
    Minimum decrease of the monitored loss that counts as an improvement.
warm_start : bool, default=False
    Continue from the weights and optimizer state of the previous fit.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling, the validation split and random
    layers. An int makes fits reproducible.
verbose : int, default=0
    Print one line per epoch (loss, val_loss, val_score, lr, seconds).
dtype : {"float32", "float64"}, default="float32"
    Precision of the weights and of all computation. float32 halves memory and
    is faster; float64 is there for checks and ill-conditioned problems.
"""

ATTRIBUTES = """\
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Feature names seen during fit, when X had string column names.
n_iter_ : int
    Number of epochs run (accumulates over warm starts).
t_ : int
    Number of optimizer steps (mini-batches) run.
loss_ : float
    Training loss of the last epoch.
best_loss_ : float
    Lowest monitored loss: the validation loss with early stopping, else the
    training loss.
loss_curve_ : list of float
    Training loss of each epoch.
validation_scores_ : list of float or None
    Validation score of each epoch with early stopping, else None.
best_validation_score_ : float or None
    Best of ``validation_scores_``.
history_ : dict of list
    Per-epoch records: "loss", "lr", "time" (seconds) and, with early
    stopping, "val_loss" and "val_score". ``pandas.DataFrame(est.history_)``
    gives a table ready to plot.
coefs_ : list of ndarray
    Kernel of each Dense layer, shape ``(n_in, n_out)`` as in MLPClassifier.
intercepts_ : list of ndarray
    Bias of each Dense layer.
network_ : skdnn.nn.Sequential
    The fitted network (layers, flat parameter vector ``theta``).
optimizer_ : skdnn.optimizers.Optimizer
    The optimizer with its state, used again by ``warm_start``.
loss_function_ : skdnn.nn.losses.Loss
    Output activation fused with the training loss.
"""

NOTES = """\
Training minimises the sample-weighted mean loss of each mini-batch; the output
activation is fused with the loss so the output delta is ``prediction - target``.
When the loss becomes NaN or infinite, fit raises ``skdnn.DivergenceError``
naming the epoch, and keeps the weights from before that epoch.
"""
