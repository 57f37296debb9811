"""``DNNAutoencoder``: a stacked autoencoder as a scikit-learn transformer."""

import inspect
import warnings

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._callbacks import EpochTasks, begin_fit, end_fit
from ._estimators import _BaseDNN, _to_network_dtype, _with_docs, forward_blocks
from ._training import Diverged, Trainer, fit_loop
from ._transfer import build_keeping_weights, split_blocks
from .exceptions import DivergenceError, TrainingInterruptedWarning
from .nn.dropout import is_dropout
from .nn.losses import SquaredError
from .nn.network import Sequential

_DEFAULT_ENCODER = (100, 30)


@_with_docs
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
    The parameters are the classifier's, plus ``pretraining``; here
    ``hidden_layer_sizes`` defaults to ``(100, 30)`` and ``transfer_from`` is not
    supported.

    Parameters
    ----------
    pretraining : {{"joint", "greedy"}}, default="joint"
        "joint" trains the whole autoencoder at once. "greedy" trains one shallow
        autoencoder per encoder layer, each on the codings of the one below
        (layer ``i`` with its mirror in the decoder, ``max_iter`` epochs each),
        then stacks them, as in the chapter's "training one autoencoder at a
        time". Greedy stages use the optimizer settings, ``batch_size``,
        ``shuffle``, ``n_iter_no_change``, ``tol``, ``l1``/``l2``, ``max_norm``
        and ``lr_schedule`` (started afresh for each stage, over its
        ``max_iter`` epochs), but not ``early_stopping``. After a greedy fit,
        ``set_params(pretraining="joint", warm_start=True).fit(X)`` fine-tunes
        the stacked network jointly.
    {parameters}

    Attributes
    ----------
    n_components_ : int
        Number of codings (size of the coding layer).
    {attributes}

    See Also
    --------
    DNNClassifier : Can reuse the encoder through ``transfer_from``.
    sklearn.decomposition.PCA : The linear counterpart.

    Notes
    -----
    {notes}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdnn import DNNAutoencoder
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> ae = DNNAutoencoder(hidden_layer_sizes=(64, 16), max_iter=30, random_state=0)
    >>> codings = ae.fit_transform(X)
    >>> codings.shape
    (1797, 16)
    >>> ae.inverse_transform(codings).shape
    (1797, 64)
    """

    _parameter_constraints = {
        **_BaseDNN._parameter_constraints,
        "pretraining": [StrOptions({"joint", "greedy"})],
    }

    # The shared parameters are those of _BaseDNN.__init__ (the one definition, which
    # other features extend); the signature below is built from it, so the
    # autoencoder takes exactly the classifier's parameters plus ``pretraining``.
    def __init__(
        self, hidden_layer_sizes=_DEFAULT_ENCODER, *, pretraining="joint", **params
    ):
        super().__init__(hidden_layer_sizes=hidden_layer_sizes, **params)
        self.pretraining = pretraining

    # -- fit --------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (standardised features work best).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each batch loss is their weighted mean.

        Returns
        -------
        self : DNNAutoencoder
            The fitted autoencoder.
        """
        self._check_fit_params()
        continuing = self.warm_start and hasattr(self, "network_")
        if self.pretraining == "greedy" and not continuing:
            return self._fit_greedy(X, sample_weight)
        return self._fit(X, X, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """One epoch over ``X``, continuing from the previous call.

        For data that arrive in chunks or do not fit in memory. The whole network
        trains at once, as with ``pretraining="joint"`` (greedy stages need all of
        ``X`` for each stage), and ``early_stopping`` does not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each batch loss is their weighted mean.

        Returns
        -------
        self : DNNAutoencoder
            The partially fitted autoencoder.
        """
        self._check_fit_params()
        return self._fit(X, X, sample_weight, partial=True)

    def _check_fit_params(self):
        if self.transfer_from is not None:
            raise ValueError(
                "DNNAutoencoder does not take transfer_from; pass the fitted "
                "autoencoder as transfer_from of a DNNClassifier or DNNRegressor."
            )
        self._encoder_sizes()

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

    def _encode_targets(self, y, first_fit, classes=None):
        return y

    def _make_loss(self):
        return SquaredError()

    def _score_outputs(self, Z, Y, sample_weight):
        return r2_score(Y, Z, sample_weight=sample_weight)

    def _fit_greedy(self, X, sample_weight):
        X = validate_data(self, X, reset=True, dtype=[np.dtype(self.dtype), np.float64])
        X = _to_network_dtype(X, self.dtype, "X")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            sample_weight = _to_network_dtype(sample_weight, X.dtype, "sample_weight")
        rng = check_random_state(self.random_state)
        n_features = X.shape[1]
        full = self._build_network(n_features, n_features, rng)
        blocks = split_blocks(full.layers)
        n_encoder = len(blocks) // 2
        self.history_, self.n_iter_, self.t_ = {}, 0, 0
        pending = None  # raised once the stages are stacked
        not_converged = []
        # Encoder layer i with its mirror: the output block for i = 0, else the
        # decoder block that reconstructs encoder layer i - 1's codings. All stages
        # are initialised before any shuffling draws from ``rng``, so the weights do
        # not depend on the number of samples.
        stages = []
        n_in = n_features
        for i in range(n_encoder):
            encoder, decoder = blocks[i], blocks[len(blocks) - 1 - i]
            # A stage's last layer feeds the loss: dropout there would mask the
            # reconstruction itself (in the stacked network a Dense layer follows).
            while decoder and is_dropout(decoder[-1]):
                decoder = decoder[:-1]
            stages.append(
                (Sequential(encoder + decoder).build(n_in, rng, self.dtype), encoder)
            )
            for layer in encoder:
                n_in = layer.output_size(n_in)
        # a subtask per stage, each with a subtask per epoch
        callback_context = begin_fit(
            self, X, None, sample_weight, max_subtasks=len(stages)
        )
        H = X
        for i, (stage, encoder) in enumerate(stages):
            stage_context = None
            if callback_context is not None:
                stage_context = callback_context.subcontext(
                    task_name=f"greedy stage {i + 1}", max_subtasks=self.max_iter
                )
                stage_context.call_on_fit_task_begin(estimator=self, X=H)
            optimizer = self._make_optimizer().build(stage.theta.size, stage.dtype)
            trainer = Trainer(
                stage,
                SquaredError(),
                optimizer,
                batch_size=self._batch_size(H.shape[0]),
                shuffle=self.shuffle,
                rng=rng,
                schedule=self._make_schedule(H.shape[0], optimizer),
                **self._penalties(),
            )
            trainer.epoch = self.n_iter_
            try:
                result = fit_loop(
                    trainer,
                    H,
                    H,
                    sample_weight,
                    max_epochs=self.max_iter,
                    n_iter_no_change=self.n_iter_no_change,
                    tol=self.tol,
                    history=self.history_,
                    verbose=self.verbose,
                    epoch_callback=EpochTasks.create(
                        self, stage_context, H, None, sample_weight
                    ),
                )
            except Diverged as exc:
                # Stack what was trained (this stage back at its last finite
                # weights), so the autoencoder is fitted as the error promises.
                pending = DivergenceError(
                    f"DNNAutoencoder: greedy stage {i + 1} diverged (loss {exc.loss} "
                    f"at epoch {exc.epoch}); the weights from before that epoch "
                    "were kept. Try a lower learning_rate or standardised inputs."
                )
                not_converged = []
                break
            self.n_iter_ = trainer.epoch
            self.t_ += optimizer.iterations
            if result["interrupted"] is not None:
                warnings.warn(
                    "DNNAutoencoder: training interrupted (KeyboardInterrupt) in "
                    f"greedy stage {i + 1}, {result['interrupted']}; the stages "
                    "above keep their initial weights. The autoencoder is fitted "
                    "and usable; set_params(pretraining='joint', warm_start=True)"
                    ".fit(X) goes on training it.",
                    TrainingInterruptedWarning,
                    stacklevel=3,
                )
                if result["abort"]:
                    pending = KeyboardInterrupt()
                not_converged = []
                if stage_context is not None:
                    stage_context.call_on_fit_task_end(estimator=self, X=H)
                break
            if not result["converged"]:
                not_converged.append(i + 1)
            if stage_context is not None:
                stage_context.call_on_fit_task_end(estimator=self, X=H)
            H = stage.forward(H, training=False, stop=len(encoder))

        self.network_ = build_keeping_weights(full.layers, n_features, rng, self.dtype)
        self._n_reused_layers = 0
        self.n_transferred_layers_ = 0
        self.optimizer_ = self._make_optimizer().build(
            self.network_.theta.size, self.network_.dtype
        )
        self.loss_function_ = SquaredError()
        # joint fine-tuning (warm_start) starts its own schedule, not a previous fit's
        self.__dict__.pop("lr_schedule_", None)
        reconstruction = self.network_.forward(X, training=False)
        self.best_loss_ = self.loss_function_.value(reconstruction, X, sample_weight)
        self._finish_fit(rng)
        end_fit(self, callback_context, X, None, sample_weight)
        if pending is not None:
            raise pending
        if not_converged:
            warnings.warn(
                f"DNNAutoencoder: greedy stage(s) {not_converged} reached "
                f"max_iter={self.max_iter} epochs with the loss still improving; "
                "increase max_iter to train longer.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

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
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        codings : ndarray of shape (n_samples, `n_components_`)
            The codings, in float64.
        """
        check_is_fitted(self)
        X = self._validate_predict_input(X, cast=False)
        return forward_blocks(
            self.network_,
            X,
            n_out=self.n_components_,
            prepare=self._network_input,
            stop=self._n_encoder_layers(),
        )

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
        return forward_blocks(
            self.network_,
            Z,
            n_out=self.n_features_in_,
            start=self._n_encoder_layers(),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


def _init_signature():
    # hidden_layer_sizes may be positional, as for the classifier; the rest are
    # keyword-only, in _BaseDNN's order, with pretraining right after the sizes.
    base = inspect.signature(_BaseDNN.__init__).parameters
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        base["self"],
        base["hidden_layer_sizes"].replace(default=_DEFAULT_ENCODER),
        inspect.Parameter("pretraining", kw, default="joint"),
    ]
    params += [
        p.replace(kind=kw)
        for name, p in base.items()
        if name not in ("self", "hidden_layer_sizes")
    ]
    return inspect.Signature(params)


DNNAutoencoder.__init__.__signature__ = _init_signature()
