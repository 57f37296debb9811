"""``DNNAutoencoder``: a stacked autoencoder as a scikit-learn transformer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import (
    _BaseDNN,
    more_epochs_would_help,
    store_parameters,
    warn_about_parameters,
)
from ._builder import build_network, lower
from ._callbacks import EpochTasks, begin_fit, end_fit
from ._docs import fill_doc, with_docs
from ._parameters import COMMON, INPUT_LAYERS, with_defaults
from ._sparse import issparse
from ._training import Diverged, TrainingState
from ._transfer import build_keeping_weights, split_blocks
from ._warnings import warn
from .exceptions import DivergenceError, TrainingInterruptedWarning
from .nn.dropout import is_dropout
from .nn.losses import SquaredError
from .nn.network import Sequential

if TYPE_CHECKING:  # names of the annotations only
    from collections.abc import Callable, Sequence

    import numpy as np

    from .nn.optimizers import Optimizer

_TRANSFER = (
    "transfer_from",
    "transfer_layers",
    "freeze_epochs",
    "reused_learning_rate_factor",
)
_PARAMS = (
    ("hidden_layer_sizes", (100, 30)),
    ("pretraining", "joint"),
) + tuple(
    (name, default)
    # batch_size: MLP's min(200, n_samples); "auto"'s smaller batches for small
    # tables were measured on supervised fits only
    for name, default in with_defaults(COMMON, batch_size=200)[1:]
    if name not in _TRANSFER + INPUT_LAYERS
)
_DOCS = {
    "hidden_layer_sizes": (
        "array-like of int or int",
        """\
Units of each encoder layer, bottom-up, the coding layer last: ``(100, 30)``
gives 30 codings. The decoder mirrors them. At least one layer: ``()`` is an
error.""",
    ),
    "pretraining": (
        '{"joint", "greedy"}',
        """\
"joint" trains the whole autoencoder at once. "greedy" trains one shallow
autoencoder per encoder layer, each on the codings of the one below (layer
``i`` with its mirror in the decoder, ``max_iter`` epochs each), then stacks
them, as in the chapter's "training one autoencoder at a time". Greedy
stages use the optimizer settings, ``batch_size``, ``shuffle``,
``n_iter_no_change``, ``tol``, ``l1``/``l2``, ``max_norm`` and
``lr_schedule`` (started afresh for each stage, over its ``max_iter``
epochs), but not ``early_stopping``. After a greedy fit,
``set_params(pretraining="joint", warm_start=True).fit(X)`` fine-tunes the
stacked network jointly.""",
    ),
}


@with_docs
class DNNAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseDNN):
    """Stacked autoencoder: ``transform`` gives the codings, ``inverse_transform`` decodes.

    The encoder has one Dense layer per entry of ``hidden_layer_sizes`` (the coding
    layer last, e.g. ``(100, 30)``: 30 codings); the decoder mirrors it
    (``100``, then a linear output layer with one unit per input feature). Every
    hidden layer, the coding layer included, uses ``activation``. Training
    minimises the reconstruction mean squared error, so standardise the features
    first (``StandardScaler``).

    A fitted autoencoder can be passed as ``transfer_from`` to a
    ``DNNClassifier`` or ``DNNRegressor``: its encoder layers are then the reused
    hidden layers (unsupervised pretraining on plentiful unlabelled data).
    The parameters are the classifier's, without the transfer-learning ones
    (an autoencoder does not reuse layers), plus ``pretraining``.

    {sections}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdnn import DNNAutoencoder
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> ae = DNNAutoencoder(
    ...     hidden_layer_sizes=(64, 16), lr_schedule="1cycle", max_iter=30, random_state=0
    ... )
    >>> codings = ae.fit_transform(X)
    >>> codings.shape
    (1797, 16)
    >>> ae.inverse_transform(codings).shape
    (1797, 64)
    """

    _parameter_constraints = {
        **{
            k: v
            for k, v in _BaseDNN._parameter_constraints.items()
            if k not in _TRANSFER + INPUT_LAYERS
        },
        "pretraining": [StrOptions({"joint", "greedy"})],
    }
    _default_hidden = (100, 30)
    _param_docs = _DOCS
    _attribute_docs = """\
n_components_ : int
    Number of codings (size of the coding layer).
"""
    _see_also = """\
DNNClassifier : Can reuse the encoder through ``transfer_from``.
sklearn.decomposition.PCA : The linear counterpart.
"""
    _params = _PARAMS

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] | Literal["auto"] = (100, 30),
        *,
        pretraining: Literal["joint", "greedy"] = "joint",
        activation: str = "relu",
        kernel_initializer: str | Callable = "glorot_uniform",
        batch_norm: Literal["before", "after"] | None = None,
        batch_norm_momentum: float = 0.99,
        batch_norm_epsilon: float = 0.001,
        input_batch_norm: bool = False,
        dropout: float = 0.0,
        input_dropout: float = 0.0,
        dropout_type: Literal["standard", "alpha", "auto"] = "auto",
        l1: float = 0.0,
        l2: float = 0.0,
        max_norm: float | None = None,
        optimizer: str | Optimizer = "nadam",
        learning_rate: float | None = None,
        momentum: float | None = None,
        nesterov: bool = False,
        beta_1: float | None = None,
        beta_2: float | None = None,
        epsilon: float | None = None,
        rho: float | None = None,
        weight_decay: float | None = None,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
        lr_schedule: str | Callable | None = None,
        batch_size: int | Literal["auto"] = 200,
        max_iter: int = 200,
        shuffle: bool = True,
        early_stopping: bool | Literal["auto"] = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 0.0001,
        warm_start: bool = False,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        diagnostics: bool = True,
        dtype: Literal["float32", "float64"] = "float32",
    ) -> None:
        store_parameters(self, locals())

    # An autoencoder never reuses layers: the transfer parameters are constants.
    transfer_from = transfer_layers = freeze_epochs = None
    reused_learning_rate_factor = 1.0

    # -- fit --------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def fit(self, X, y=None, sample_weight=None):
        """Train the autoencoder to reconstruct ``X``.

        {unsupervised_fit_parameters}

        Returns
        -------
        self : DNNAutoencoder
        """
        self._encoder_sizes()
        _reject_sparse(X)
        continuing = self.warm_start and hasattr(self, "network_")
        if self.pretraining == "greedy" and not continuing:
            return self._fit_greedy(X, sample_weight)
        return self._fit(X, X, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def partial_fit(self, X, y=None, sample_weight=None):
        """One epoch over ``X``, continuing from the previous call.

        For data that arrive in chunks or do not fit in memory. The whole network
        trains at once, as with ``pretraining="joint"`` (greedy stages need all of
        ``X`` for each stage), and ``early_stopping`` does not apply.

        {unsupervised_fit_parameters}

        Returns
        -------
        self : DNNAutoencoder
            The partially fitted autoencoder.
        """
        self._encoder_sizes()
        _reject_sparse(X)
        return self._fit(X, X, sample_weight, partial=True)

    def _encoder_sizes(self):
        sizes = super()._hidden_sizes()
        if not sizes:
            raise ValueError(
                "DNNAutoencoder needs at least one hidden layer (the coding layer); "
                f"got hidden_layer_sizes={self.hidden_layer_sizes!r}."
            )
        return sizes

    def _hidden_sizes(self):
        encoder = self._encoder_sizes()
        return encoder + encoder[-2::-1]

    def _encode_targets(self, y, first_fit, classes=None, sample_weight=None):
        return y

    def _make_loss(self):
        return SquaredError()

    def _score_outputs(self, Z, Y, sample_weight):
        return r2_score(Y, Z, sample_weight=sample_weight)

    def _fit_greedy(self, X, sample_weight):
        X, _, sample_weight, _ = self._fit_data(X, X, sample_weight, first=True)
        warn_about_parameters(self, X)
        rng = check_random_state(self.random_state)
        n_features = X.shape[1]
        full = build_network(self, self._hidden_sizes(), n_features, n_features, rng)
        stages = self._greedy_stages(full, n_features, rng)
        self._start_training_state()
        # a subtask per stage, each with a subtask per epoch
        context = begin_fit(self, X, None, sample_weight, max_subtasks=len(stages))
        failure, not_converged = self._train_stages(
            stages, X, sample_weight, rng, context
        )
        # Stack what was trained, so that the autoencoder is fitted even when a
        # stage diverged or was interrupted, as the error promises.
        self.network_ = build_keeping_weights(
            full.layers, n_features, rng, lower(self.dtype)
        )
        self._n_reused_layers = self.n_transferred_layers_ = 0
        self.optimizer_ = self._new_optimizer(self.network_)
        self.lr_schedule_ = None  # joint fine-tuning (warm start) starts its own
        self._finish_fit(rng)
        reconstruction = self.network_.forward(X, training=False)
        self.best_loss_ = self.loss_function_.value(reconstruction, X, sample_weight)
        end_fit(self, context, X, None, sample_weight)
        if failure is not None:
            raise failure
        if not_converged:
            warn(
                f"DNNAutoencoder: greedy stage(s) {not_converged} reached "
                f"max_iter={self.max_iter} epochs with the loss still improving; "
                "increase max_iter to train longer.",
                ConvergenceWarning,
            )
        return self

    def _greedy_stages(self, full, n_features, rng):
        """``(shallow autoencoder, its encoder layers)`` per encoder layer.

        Encoder layer i with its mirror: the output block for i = 0, else the
        decoder block that reconstructs encoder layer i - 1's codings. All stages
        are initialised before any shuffling draws from ``rng``, so the weights do
        not depend on the number of samples.
        """
        blocks = split_blocks(full.layers)
        stages, n_in = [], n_features
        for i in range(len(blocks) // 2):
            encoder, decoder = blocks[i], blocks[len(blocks) - 1 - i]
            # A stage's last layer feeds the loss: dropout there would mask the
            # reconstruction itself (in the stacked network a Dense layer follows).
            while decoder and is_dropout(decoder[-1]):
                decoder = decoder[:-1]
            network = Sequential(encoder + decoder).build(n_in, rng, lower(self.dtype))
            stages.append((network, encoder))
            for layer in encoder:
                n_in = layer.output_size(n_in)
        return stages

    def _train_stages(self, stages, X, sample_weight, rng, context):
        """Train the stages bottom-up; returns (exception to raise, unconverged)."""
        H, not_converged = X, []
        for i, (stage, encoder) in enumerate(stages, 1):
            stage_context = None
            if context is not None:
                stage_context = context.subcontext(
                    task_name=f"greedy stage {i}", max_subtasks=self.max_iter
                )
                stage_context.call_on_fit_task_begin(estimator=self, X=H)
            # each stage: its own optimizer and schedule, the counts going on
            state = TrainingState(
                stage, self._new_optimizer(stage), self.history_,
                epochs=self.n_iter_, samples=self.t_,
            )  # fmt: skip
            self._schedule_start = self.n_steps_
            schedule = self._make_schedule(H.shape[0], state.optimizer)
            try:
                result = self._train(
                    state, H, H, sample_weight, rng, schedule=schedule,
                    max_epochs=self.max_iter,
                    callbacks=EpochTasks.create(self, stage_context, H, None, sample_weight),
                )  # fmt: skip
            except Diverged as exc:
                return self._stage_diverged(i, exc), []
            if stage_context is not None:
                stage_context.call_on_fit_task_end(estimator=self, X=H)
            if result.interrupted is not None:
                self._stage_interrupted(i, result)
                return (KeyboardInterrupt() if result.abort else None), []
            if more_epochs_would_help(result, schedule, state.steps):
                not_converged.append(i)
            H = stage.forward(H, training=False, stop=len(encoder))
        return None, not_converged

    @staticmethod
    def _stage_diverged(i, exc):
        return DivergenceError(
            f"DNNAutoencoder: greedy stage {i} diverged (loss {exc.loss} at epoch "
            f"{exc.epoch}); the weights from before that epoch were kept. Try a "
            "lower learning_rate or standardised inputs."
        )

    @staticmethod
    def _stage_interrupted(i, result):
        warn(
            "DNNAutoencoder: training interrupted (KeyboardInterrupt) in greedy "
            f"stage {i}, {result.interrupted}; the stages above keep their initial "
            "weights. The autoencoder is fitted and usable; "
            "set_params(pretraining='joint', warm_start=True).fit(X) goes on "
            "training it.",
            TrainingInterruptedWarning,
        )

    # -- transform --------------------------------------------------------------
    def _n_encoder_layers(self):
        blocks = split_blocks(self.network_.layers)
        return sum(len(block) for block in blocks[: len(blocks) // 2])

    def _reusable_blocks(self):
        blocks = split_blocks(self.network_.layers)
        return blocks[: len(blocks) // 2]

    @property
    def n_components_(self):
        """Number of codings."""
        check_is_fitted(self)
        return self._reusable_blocks()[-1][0].units

    @property
    def _n_features_out(self):
        return self.n_components_

    def transform(self, X):
        """Encode ``X``: the outputs of the coding layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples to encode (sparse X is encoded block by block).

        Returns
        -------
        codings : ndarray of shape (n_samples, `n_components_`)
            The codings, in float64.
        """
        check_is_fitted(self)
        X = self._validate_predict_input(X)
        return self._predict_by_blocks(
            self.network_, X, n_out=self.n_components_, prepare=self._cast,
            stop=self._n_encoder_layers(),
        )  # fmt: skip

    def inverse_transform(self, X):
        """Decode codings back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_components_`)
            Codings, e.g. from ``transform``.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, `n_features_in_`)
            The reconstructions, in float64.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=self.network_.dtype)
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"inverse_transform expects codings with {self.n_components_} "
                f"columns (n_components_), got {Z.shape[1]}."
            )
        return self._predict_by_blocks(
            self.network_, Z, n_out=self.n_features_in_,
            start=self._n_encoder_layers(),
        )  # fmt: skip

    def score(self, X, y=None, sample_weight=None):
        """The share of the variance of ``X`` that its reconstruction explains.

        ``1 - sum of squared errors / sum of squared deviations from the column
        means`` over all features (scikit-learn's R² with
        ``multioutput="variance_weighted"``): 1 is perfect, 0 is no better than
        the column means. Weighing by variance keeps a nearly constant column
        from dominating, as it would in a mean of per-feature R². With it
        ``GridSearchCV`` tunes an autoencoder without a ``scoring``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to encode and decode (dense: they are the targets too).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the R².

        Returns
        -------
        score : float
            The explained share of the variance.
        """
        check_is_fitted(self)
        _reject_sparse(X, "score")
        X = self._validate_predict_input(X)
        Z = self._forward(X, validated=True)
        return float(
            r2_score(X, Z, sample_weight=sample_weight, multioutput="variance_weighted")
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.sparse = False  # fit: X is also the target
        return tags


def _reject_sparse(X, method="fit or partial_fit"):
    """The autoencoder's targets are X itself: dense, so X must be dense in fit."""
    if issparse(X):
        raise TypeError(
            f"DNNAutoencoder does not accept sparse X in {method}: X is "
            "also its reconstruction target, which would be a dense "
            "(n_samples, n_features) array. Densify X (X.toarray()) if that fits in "
            "memory, or reduce it first (e.g. TruncatedSVD). transform accepts "
            "sparse X."
        )
