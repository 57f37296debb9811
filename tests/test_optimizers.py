"""Known-answer tests of the optimizers, clipping and weight decay.

Each optimizer runs several steps from fixed gradients and is compared with a
straightforward float64 transcription of the formulas in docs/reference.md, written here
independently of ``skdnn.nn.optimizers`` (loops over steps, whole-array NumPy).
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdnn import DNNClassifier
from skdnn.nn.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Nadam,
    RMSprop,
    get_optimizer,
)

from .conftest import plain_classifier

N_STEPS = 5
THETA0 = np.array([0.5, -1.2, 2.0, 0.0, -0.3, 1.7])


def _gradients(n_steps=N_STEPS, size=THETA0.size):
    rng = np.random.RandomState(42)
    return [rng.normal(scale=s, size=size) for s in np.linspace(0.5, 2.0, n_steps)]


def _run(optimizer, grads, theta0=THETA0, dtype=np.float64, **step_kwargs):
    theta = theta0.astype(dtype)
    optimizer.build(theta.size, dtype)
    for g in grads:
        optimizer.step(theta, g.astype(dtype), **step_kwargs)
    return theta


# -- independent float64 references (docs/reference.md, "Optimizers") ----------------------
def ref_sgd(theta, grads, lr=0.01, momentum=0.0, nesterov=False):
    theta, m = theta.copy(), np.zeros_like(theta)
    for g in grads:
        m = momentum * m - lr * g
        theta = theta + (momentum * m - lr * g if nesterov else m)
    return theta


def ref_adagrad(theta, grads, lr=0.001, init=0.1, eps=1e-7):
    theta, a = theta.copy(), np.full_like(theta, init)
    for g in grads:
        a = a + g**2
        theta = theta - lr * g / np.sqrt(a + eps)
    return theta


def ref_rmsprop(theta, grads, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7):
    theta, v, m = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    for g in grads:
        v = rho * v + (1 - rho) * g**2
        delta = lr * g / np.sqrt(v + eps)
        if momentum:
            m = momentum * m + delta
            theta = theta - m
        else:
            theta = theta - delta
    return theta


def ref_adam(theta, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, wd=0.0):
    theta, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        theta = theta - lr * wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        theta = theta - alpha * m / (np.sqrt(v) + eps)
    return theta


def ref_adam_keras(theta, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, wd=0.0,
                   amsgrad=False):  # fmt: skip
    """Keras 3's ``Adam.update_step`` (and AdamW's decay), line by line."""
    theta, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    v_hat = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        theta = theta - theta * lr * wd
        beta_1_power, beta_2_power = b1**t, b2**t
        alpha = lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m = m + (g - m) * (1 - b1)
        v = v + (np.square(g) - v) * (1 - b2)
        second = v
        if amsgrad:
            v_hat = np.maximum(v_hat, v)
            second = v_hat  # Keras rebinds its local v; the velocity stays v
        theta = theta - (m * alpha) / (np.sqrt(second) + eps)
    return theta


def ref_rmsprop_keras(theta, grads, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7,
                      centered=False):  # fmt: skip
    """Keras 3's ``RMSprop.update_step``, line by line."""
    theta, v = theta.copy(), np.zeros_like(theta)
    m, average_grad = np.zeros_like(theta), np.zeros_like(theta)
    for g in grads:
        v = rho * v + (1 - rho) * np.square(g)
        if centered:
            average_grad = rho * average_grad + (1 - rho) * g
            denominator = v - np.square(average_grad) + eps
        else:
            denominator = v + eps
        increment = (lr * g) / np.sqrt(denominator)
        if momentum > 0:
            m = momentum * m + increment
            theta = theta - m
        else:
            theta = theta - increment
    return theta


def ref_adamax(theta, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    theta, m, u = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g))
        theta = theta - lr * m / ((1 - b1**t) * (u + eps))
    return theta


def ref_nadam_dozat(theta, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, psi=0.004):
    """docs/reference.md's Nadam, with the products written out as explicit products."""

    def mu(t):
        return b1 * (1 - 0.5 * 0.96 ** (t * psi))

    theta, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        pi_t = np.prod([mu(i) for i in range(1, t + 1)])
        m_hat = mu(t + 1) * m / (1 - pi_t * mu(t + 1)) + (1 - mu(t)) * g / (1 - pi_t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def ref_nadam_torch_doc(theta, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, psi=0.004):
    """PyTorch's documented NAdam algorithm (torch.optim.NAdam docs), line by line."""
    theta, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    mu_product = 1.0
    for t, g in enumerate(grads, start=1):
        mu_t = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_t1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product *= mu_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = mu_t1 * m / (1 - mu_product * mu_t1) + (1 - mu_t) * g / (1 - mu_product)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


CASES = [
    (SGD(), lambda th, gs: ref_sgd(th, gs)),
    (SGD(learning_rate=0.1), lambda th, gs: ref_sgd(th, gs, lr=0.1)),
    (
        SGD(learning_rate=0.05, momentum=0.9),
        lambda th, gs: ref_sgd(th, gs, lr=0.05, momentum=0.9),
    ),
    (
        SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
        lambda th, gs: ref_sgd(th, gs, lr=0.05, momentum=0.9, nesterov=True),
    ),
    (Adagrad(), lambda th, gs: ref_adagrad(th, gs)),
    (
        Adagrad(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-3),
        lambda th, gs: ref_adagrad(th, gs, lr=0.1, init=0.5, eps=1e-3),
    ),
    (RMSprop(), lambda th, gs: ref_rmsprop(th, gs)),
    (
        RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5),
        lambda th, gs: ref_rmsprop(th, gs, lr=0.01, rho=0.8, momentum=0.5),
    ),
    (
        RMSprop(centered=True),
        lambda th, gs: ref_rmsprop_keras(th, gs, centered=True),
    ),
    (
        RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True),
        lambda th, gs: ref_rmsprop_keras(
            th, gs, lr=0.01, rho=0.8, momentum=0.5, centered=True
        ),
    ),
    (Adam(), lambda th, gs: ref_adam(th, gs)),
    (Adam(amsgrad=True), lambda th, gs: ref_adam_keras(th, gs, amsgrad=True)),
    (
        Adam(learning_rate=0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3, amsgrad=True),
        lambda th, gs: ref_adam_keras(
            th, gs, lr=0.1, b1=0.8, b2=0.99, eps=1e-3, amsgrad=True
        ),
    ),
    (
        AdamW(amsgrad=True),
        lambda th, gs: ref_adam_keras(th, gs, wd=0.004, amsgrad=True),
    ),
    (
        Adam(learning_rate=0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
        lambda th, gs: ref_adam(th, gs, lr=0.1, b1=0.8, b2=0.99, eps=1e-3),
    ),
    (AdamW(), lambda th, gs: ref_adam(th, gs, wd=0.004)),
    (
        AdamW(learning_rate=0.1, weight_decay=0.1),
        lambda th, gs: ref_adam(th, gs, lr=0.1, wd=0.1),
    ),
    (Adamax(), lambda th, gs: ref_adamax(th, gs)),
    (
        Adamax(learning_rate=0.1, beta_1=0.8, beta_2=0.99),
        lambda th, gs: ref_adamax(th, gs, lr=0.1, b1=0.8, b2=0.99),
    ),
    (Nadam(), lambda th, gs: ref_nadam_dozat(th, gs)),
    (
        Nadam(learning_rate=0.1, beta_1=0.8, beta_2=0.99, momentum_decay=0.04),
        lambda th, gs: ref_nadam_dozat(th, gs, lr=0.1, b1=0.8, b2=0.99, psi=0.04),
    ),
]


@pytest.mark.parametrize("optimizer, reference", CASES, ids=[repr(c[0]) for c in CASES])
def test_optimizer_matches_reference(optimizer, reference):
    grads = _gradients()
    expected = reference(THETA0, grads)
    np.testing.assert_allclose(_run(optimizer, grads), expected, rtol=1e-12, atol=1e-14)
    # the steps really moved the parameters (a no-op would pass a loose test)
    assert np.abs(expected - THETA0).max() > 1e-4


def test_every_registered_optimizer_is_covered():
    covered = {type(opt) for opt, _ in CASES}
    assert {OPTIMIZERS.get(name) for name in OPTIMIZERS.names()} <= covered


def test_one_adam_step_known_numbers():
    # Adam's first step: m = (1-b1) g, v = (1-b2) g^2, so the step is
    # lr * g / (|g| + eps / sqrt(1 - b2)): about lr * sign(g) whatever the scale of g.
    g = np.array([3.0, -0.02, 0.0, 1e3, -5.0, 1.0])
    theta = _run(Adam(learning_rate=0.1), [g])
    expected = THETA0 - 0.1 * g / (np.abs(g) + 1e-7 / math.sqrt(0.001))
    np.testing.assert_allclose(theta, expected, rtol=1e-14)
    np.testing.assert_allclose(theta[[0, 3]], [0.4, -0.1], atol=1e-6)


def _decreasing_gradients(n_steps=8):
    """Gradients that shrink: ``v`` then falls below its maximum, where AMSGrad acts."""
    return _gradients(n_steps)[::-1]


@pytest.mark.parametrize(
    "optimizer, reference, plain",
    [
        # beta_2=0.9: v follows the shrinking g**2 closely, so v_hat stays above it
        (
            Adam(learning_rate=0.01, beta_2=0.9, amsgrad=True),
            lambda th, gs: ref_adam_keras(th, gs, lr=0.01, b2=0.9, amsgrad=True),
            lambda th, gs: ref_adam_keras(th, gs, lr=0.01, b2=0.9),
        ),
        (
            AdamW(learning_rate=0.01, beta_2=0.9, amsgrad=True),
            lambda th, gs: ref_adam_keras(
                th, gs, lr=0.01, b2=0.9, wd=0.004, amsgrad=True
            ),
            lambda th, gs: ref_adam_keras(th, gs, lr=0.01, b2=0.9, wd=0.004),
        ),
        (
            RMSprop(learning_rate=0.01, centered=True),
            lambda th, gs: ref_rmsprop_keras(th, gs, lr=0.01, centered=True),
            lambda th, gs: ref_rmsprop_keras(th, gs, lr=0.01),
        ),
        (
            RMSprop(learning_rate=0.01, momentum=0.9, centered=True),
            lambda th, gs: ref_rmsprop_keras(
                th, gs, lr=0.01, momentum=0.9, centered=True
            ),
            lambda th, gs: ref_rmsprop_keras(th, gs, lr=0.01, momentum=0.9),
        ),
    ],
    ids=["adam_amsgrad", "adamw_amsgrad", "rmsprop_centered", "rmsprop_centered_mom"],
)
def test_variants_match_keras_and_differ_from_the_plain_update(
    optimizer, reference, plain
):
    grads = _decreasing_gradients()
    expected = reference(THETA0, grads)
    got = _run(optimizer, grads)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    # the variant really changed the trajectory (a flag ignored would pass above
    # when the gradients never shrink)
    assert np.abs(expected - plain(THETA0, grads)).max() > 1e-4
    # the plain reference is the documented update of the existing optimizers
    without = type(optimizer)(
        **{**optimizer.get_params(), "amsgrad": False}
        if "amsgrad" in optimizer.get_params()
        else {**optimizer.get_params(), "centered": False}
    )
    np.testing.assert_allclose(
        _run(without, grads), plain(THETA0, grads), rtol=1e-12, atol=1e-14
    )


# Keras 3.15.1 (JAX backend 0.10.2, jax_enable_x64, keras.config.set_floatx("float64"))
# run for the 8 steps of _decreasing_gradients() from THETA0: one float64
# keras.Variable, opt.apply_gradients per step, the Keras optimizer built with the
# same arguments as the skdnn one. Stored so the test needs no Keras.
KERAS_8_STEPS = [
    (
        Adam(learning_rate=0.01, beta_2=0.9, amsgrad=True),
        [0.53338548244262, -1.1690325812865008, 2.0545110726894134,
         0.039776573586186276, -0.2982381848334698, 1.6930503516185695],
    ),
    (
        AdamW(learning_rate=0.01, beta_2=0.9, weight_decay=0.004, amsgrad=True),
        [0.5332200068723779, -1.1686543984619844, 2.053861984911726,
         0.03976947954338953, -0.298142962382101, 1.6925103089375744],
    ),
    (
        RMSprop(learning_rate=0.01, centered=True),
        [0.5508256758976632, -1.133674080977853, 2.071047891213206,
         0.038018349001589596, -0.2816065422649958, 1.7086075555471836],
    ),
    (
        RMSprop(learning_rate=0.01, momentum=0.9, centered=True),
        [0.7972270777798296, -0.8682302975091067, 2.362953573473243,
         0.2532923592756191, -0.2504789237685041, 1.6690550858221798],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "optimizer, keras_theta", KERAS_8_STEPS, ids=[repr(c[0]) for c in KERAS_8_STEPS]
)
def test_variants_match_keras_implementation(optimizer, keras_theta):
    got = _run(optimizer, _decreasing_gradients())
    np.testing.assert_allclose(got, keras_theta, rtol=1e-12, atol=1e-14)


def test_amsgrad_keeps_the_running_maximum_of_v():
    grads = _decreasing_gradients()
    opt = Adam(beta_2=0.9, amsgrad=True)
    _run(opt, grads)
    v, v_max = np.zeros_like(THETA0), np.zeros_like(THETA0)
    for g in grads:
        v = 0.9 * v + 0.1 * g**2
        v_max = np.maximum(v_max, v)
    np.testing.assert_allclose(opt.slots["v"], v, rtol=1e-12)
    np.testing.assert_allclose(opt.slots["v_hat"], v_max, rtol=1e-12)
    assert (opt.slots["v_hat"] > opt.slots["v"]).any()


def test_variant_state_exists_only_when_switched_on():
    assert set(Adam().build(3, np.float64).slots) == {"m", "v"}
    assert set(Adam(amsgrad=True).build(3, np.float64).slots) == {"m", "v", "v_hat"}
    assert set(RMSprop().build(3, np.float64).slots) == {"v"}
    assert set(RMSprop(centered=True).build(3, np.float64).slots) == {"v", "mg"}
    both = RMSprop(momentum=0.9, centered=True).build(3, np.float64)
    assert set(both.slots) == {"v", "m", "mg"}


@pytest.mark.parametrize(
    "optimizer", [Adam(amsgrad="yes"), AdamW(amsgrad=1), RMSprop(centered=None)]
)
def test_variant_flags_must_be_bool(optimizer):
    with pytest.raises(ValueError, match="must be True or False"):
        optimizer.build(3, np.float64)


@pytest.mark.parametrize(
    "optimizer, message",
    [
        (Adam(beta_1=5.0), r"Adam's beta_1 must be a number in \[0, 1\), got 5.0"),
        (
            Adam(learning_rate=-1),
            r"learning_rate must be a number in \(0, inf\) or None",
        ),
        (SGD(momentum=-0.5), r"SGD's momentum must be a number in \[0, 1\)"),
        (Nadam(epsilon=float("nan")), "Nadam's epsilon"),
        (Nadam(momentum_decay=-1), "momentum_decay"),
        (Adagrad(initial_accumulator_value=-0.1), "initial_accumulator_value"),
        (RMSprop(rho="0.9"), "RMSprop's rho"),
        (SGD(momentum=None), "SGD's momentum"),
        (AdamW(weight_decay=-0.01), "weight_decay"),
        (Adam(clipnorm=0.0), "clipnorm"),
    ],
)
def test_out_of_range_hyperparameters_are_refused_at_build(optimizer, message):
    # an instance passed as DNNClassifier(optimizer=...) meets the same ranges as
    # the estimator's own knobs; before, Adam(learning_rate=-1) trained uphill
    with pytest.raises(ValueError, match=message):
        optimizer.build(3, np.float64)


def test_estimator_refuses_an_out_of_range_optimizer_instance(wine):
    X, y = wine
    with pytest.raises(ValueError, match="Adam's beta_1"):
        # a constant rate: the default 1cycle would cycle beta_1 (and say so)
        DNNClassifier(optimizer=Adam(beta_1=1.0), lr_schedule=None, max_iter=1).fit(
            X, y
        )


def test_nadam_matches_torch_documented_algorithm():
    grads = _gradients(n_steps=8)
    kw = dict(lr=0.01, b1=0.9, b2=0.999, eps=1e-7, psi=0.004)
    expected = ref_nadam_torch_doc(THETA0, grads, **kw)
    np.testing.assert_allclose(
        ref_nadam_dozat(THETA0, grads, **kw), expected, rtol=1e-13
    )
    got = _run(Nadam(learning_rate=0.01), grads)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


# torch 2.13 (CPU), torch.optim.NAdam(lr=0.01, betas=(0.9, 0.999), eps=1e-7) run for
# the 8 steps of _gradients(n_steps=8) from THETA0 with
# torch.set_default_dtype(torch.float64) (torch keeps its step count and momentum
# product in the default dtype). Stored so the test needs no torch.
TORCH_NADAM_8_STEPS = [
    0.49668909032001446,
    -1.1778625750979919,
    2.029027956830779,
    0.005432268157354578,
    -0.27156288537533635,
    1.7317910739474365,
]


def test_nadam_matches_torch_implementation():
    got = _run(Nadam(learning_rate=0.01), _gradients(n_steps=8))
    np.testing.assert_allclose(got, TORCH_NADAM_8_STEPS, rtol=1e-12, atol=1e-14)


# -- clipping ----------------------------------------------------------------------
G_CLIP = np.array([3.0, -4.0, 0.5, 12.0, -0.2, 0.1])
TENSORS = [slice(0, 2), slice(2, 4), slice(4, 6)]


def _clipped(**clip):
    """The gradient the SGD step saw: with lr=1, theta moves by -g exactly."""
    theta = _run(SGD(learning_rate=1.0, **clip), [G_CLIP], tensors=TENSORS)
    return THETA0 - theta


def test_clipvalue():
    np.testing.assert_allclose(_clipped(clipvalue=1.0), np.clip(G_CLIP, -1, 1))


def test_clipnorm_per_tensor():
    # norms: [3,-4] -> 5 (clipped to 2), [0.5, 12] -> 12.01.. (clipped), [-0.2, 0.1] kept
    got = _clipped(clipnorm=2.0)
    expected = G_CLIP.copy()
    for s in TENSORS:
        norm = np.linalg.norm(G_CLIP[s])
        expected[s] *= 2.0 / max(norm, 2.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(got[:2], [1.2, -1.6], rtol=1e-12)
    np.testing.assert_allclose(got[4:], G_CLIP[4:], rtol=1e-12)


def test_global_clipnorm():
    got = _clipped(global_clipnorm=1.0)
    np.testing.assert_allclose(got, G_CLIP / np.linalg.norm(G_CLIP), rtol=1e-12)
    # below the threshold nothing changes
    np.testing.assert_allclose(_clipped(global_clipnorm=100.0), G_CLIP, rtol=1e-12)


def test_clipnorm_survives_float32_overflow_of_the_squared_norm():
    # Exploding gradients: the squared norm overflows float32; the gradient must
    # still be rescaled to norm clipnorm, not zeroed or turned into NaN.
    g = np.array([3e20, -4e20, 1.0], dtype=np.float32)
    for clip in ({"clipnorm": 1.0}, {"global_clipnorm": 1.0}):
        theta = np.zeros(3, np.float32)
        opt = SGD(learning_rate=1.0, **clip).build(3, np.float32)
        opt.step(theta, g.copy(), tensors=[slice(0, 3)])
        np.testing.assert_allclose(-theta, [0.6, -0.8, 0.0], atol=1e-6)


@pytest.mark.parametrize(
    "clip",
    [
        {"clipvalue": 1.0, "clipnorm": 1.0},
        {"clipnorm": 1.0, "global_clipnorm": 1.0},
        {"clipvalue": 1.0, "clipnorm": 1.0, "global_clipnorm": 1.0},
    ],
)
def test_more_than_one_clipping_option_is_an_error(clip):
    with pytest.raises(ValueError, match="at most one of clipvalue"):
        Adam(**clip).build(3, np.float32)


def test_estimator_rejects_two_clipping_options():
    from skdnn import DNNRegressor

    X = np.random.RandomState(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="clipnorm, global_clipnorm"):
        DNNRegressor(clipnorm=1.0, global_clipnorm=1.0, max_iter=1).fit(X, X[:, 0])


def test_clipping_happens_before_the_update():
    # Adam is scale-invariant on its first step, so use SGD with momentum over steps
    grads = [G_CLIP, -2 * G_CLIP, 0.5 * G_CLIP]
    got = _run(SGD(0.1, momentum=0.9, clipvalue=1.0), grads)
    expected = ref_sgd(THETA0, [np.clip(g, -1, 1) for g in grads], 0.1, 0.9)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- weight decay, start offset, dtype -----------------------------------------------
@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_decoupled_weight_decay_any_optimizer(name):
    # with a zero gradient only the decay acts: theta * (1 - lr * wd) per step
    opt = get_optimizer(name, learning_rate=0.1, weight_decay=0.5)
    theta = _run(opt, [np.zeros_like(THETA0)] * 3)
    np.testing.assert_allclose(theta, THETA0 * (1 - 0.05) ** 3, rtol=1e-12)


def test_weight_decay_applies_before_the_adam_step():
    grads = _gradients()
    got = _run(Adam(learning_rate=0.05, weight_decay=0.2), grads)
    np.testing.assert_allclose(
        got, ref_adam(THETA0, grads, lr=0.05, wd=0.2), rtol=1e-12
    )


def test_weight_decay_uses_the_scheduled_learning_rate():
    theta = _run(
        SGD(learning_rate=1.0, weight_decay=0.5), [np.zeros(6)], learning_rate=0.2
    )
    np.testing.assert_allclose(theta, THETA0 * 0.9, rtol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_start_leaves_the_frozen_prefix_untouched(name):
    opt = get_optimizer(name, learning_rate=0.1, clipnorm=1.0)
    full = np.concatenate([THETA0, THETA0])
    grads = [np.concatenate([g, g]) for g in _gradients()]
    tensors = [slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 12)]
    theta = _run(opt, grads, theta0=full, start=6, tensors=tensors)
    np.testing.assert_array_equal(theta[:6], THETA0)
    # the trainable part moves exactly as an optimizer on the suffix alone would
    alone = get_optimizer(name, learning_rate=0.1, clipnorm=1.0)
    suffix = _run(
        alone,
        [g[6:] for g in grads],
        theta0=THETA0,
        tensors=[slice(0, 3), slice(3, 6)],
    )
    np.testing.assert_allclose(theta[6:], suffix, rtol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_float32_path_stays_float32(name):
    opt = get_optimizer(name, momentum=0.9, weight_decay=0.01, clipnorm=1.0)
    theta = THETA0.astype(np.float32)
    opt.build(theta.size, np.float32)
    for g in _gradients():
        opt.step(
            theta,
            g.astype(np.float32),
            learning_rate=np.float32(0.01),
            tensors=[slice(0, 6)],
        )
    assert theta.dtype == np.float32
    assert all(s.dtype == np.float32 for s in opt.slots.values())
    ref = get_optimizer(name, momentum=0.9, weight_decay=0.01, clipnorm=1.0)
    expected = _run(ref, _gradients(), learning_rate=0.01, tensors=[slice(0, 6)])
    np.testing.assert_allclose(theta, expected, rtol=2e-5, atol=1e-6)


def test_momentum_switched_on_after_build_gets_its_state():
    # 1cycle sets SGD's momentum on an optimizer built with momentum=0
    opt = SGD(learning_rate=0.05).build(THETA0.size, np.float64)
    opt.momentum = 0.9
    theta = THETA0.copy()
    grads = _gradients()
    for g in grads:
        opt.step(theta, g.copy())
    np.testing.assert_allclose(theta, ref_sgd(THETA0, grads, 0.05, 0.9), rtol=1e-12)


def test_optimizer_params_round_trip_and_clone():
    from sklearn.base import clone

    opt = Nadam(beta_2=0.99, clipnorm=1.0)
    assert opt.get_params()["beta_2"] == 0.99
    opt2 = clone(opt)
    assert (
        opt2 is not opt
        and repr(opt2) == repr(opt) == "Nadam(beta_2=0.99, clipnorm=1.0)"
    )
    with pytest.raises(ValueError, match="Invalid parameter 'beta_3'"):
        opt.set_params(beta_3=0.1)


def test_variants_are_tunable_through_the_estimator():
    from sklearn.base import clone

    X = np.random.RandomState(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    # no schedule (the old default): 1cycle also cycles the momentum, which gives
    # RMSprop a momentum slot
    clf = plain_classifier(hidden_layer_sizes=(8,), optimizer=Adam(), max_iter=2)
    clf = clone(clf).set_params(optimizer__amsgrad=True)
    assert clf.get_params()["optimizer__amsgrad"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        assert set(clf.optimizer_.slots) == {"m", "v", "v_hat"}
        reg = clf.set_params(optimizer=RMSprop(centered=True)).fit(X, y)
    assert set(reg.optimizer_.slots) == {"v", "mg"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_centered_rmsprop_survives_rounding_of_its_variance(dtype):
    # Large, nearly constant gradients: v - mg**2 is tiny and float32 rounding makes
    # it negative; Keras' formula takes its square root (NaN), skdnn clamps it at 0.
    rng = np.random.RandomState(0)
    g = (50 * (1 + 1e-4 * rng.normal(size=1000))).astype(dtype)
    opt = RMSprop(centered=True).build(g.size, dtype)
    theta = np.zeros(g.size, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no sqrt of a negative
        for _ in range(200):
            opt.step(theta, g.copy())
    assert np.isfinite(theta).all()
    if dtype is np.float32:  # the case the clamp is for
        assert (opt.slots["v"] - opt.slots["mg"] ** 2 < 0).any()
