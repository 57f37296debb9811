"""Compiled optimizer updates: one pass over the parameters, the formula's bits.

Each kernel does the float operations of its class's ``_update`` (in
``optimizers``, the reference) in the same order and dtype, for one element at a
time, where NumPy needs 6-12 passes over the parameter vector. The step-dependent
scalars come from the optimizer's own methods (``step_size``, ``scales``), so the
formula is written once. Importing this module puts each update in
``optimizers.FUSED_UPDATES``; ``Optimizer.step`` uses it when numba is installed and
not switched off (``skdnn.set_config(use_numba=False)``).
"""

import numpy as np

from ._jit import dispatcher, jit
from .optimizers import (
    FUSED_UPDATES,
    SGD,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Nadam,
    RMSprop,
)


@jit
def _sgd_kernel(theta, grad, m, lr, mu, momentum, nesterov):
    for i in range(theta.size):
        step = grad[i] * lr
        if not momentum:
            theta[i] = theta[i] - step
            continue
        m[i] = m[i] * mu - step
        if nesterov:
            theta[i] = (theta[i] - step) + m[i] * mu
        else:
            theta[i] = theta[i] + m[i]


@jit
def _adagrad_kernel(theta, grad, acc, lr, eps):
    for i in range(theta.size):
        g = grad[i]
        acc[i] = acc[i] + g * g
        theta[i] = theta[i] - g / np.sqrt(acc[i] + eps) * lr


@jit
def _rmsprop_kernel(
    theta, grad, v, m, mg, lr, rho, one_minus_rho, eps, mu, momentum, centered
):
    for i in range(theta.size):
        g = grad[i]
        v[i] = v[i] * rho + g * g * one_minus_rho
        if centered:
            mg[i] = mg[i] * rho + g * one_minus_rho
            variance = v[i] - mg[i] * mg[i]
            # np.maximum(variance, 0) + eps, NaN kept; 0 + eps is eps exactly
            denominator = eps if variance < 0 else variance + eps
        else:
            denominator = v[i] + eps
        step = g / np.sqrt(denominator) * lr
        if momentum:
            m[i] = m[i] * mu + step
            theta[i] = theta[i] - m[i]
        else:
            theta[i] = theta[i] - step


@jit
def _adam_kernel(
    theta, grad, m, v, v_hat, b1, one_minus_b1, b2, one_minus_b2, eps, alpha, amsgrad
):
    for i in range(theta.size):
        g = grad[i]
        m[i] = m[i] * b1 + g * one_minus_b1
        v[i] = v[i] * b2 + g * g * one_minus_b2
        second = v[i]
        if amsgrad:
            # np.maximum propagates NaN from either side
            old = v_hat[i]
            v_hat[i] = old if old >= second or old != old else second
            second = v_hat[i]
        theta[i] = theta[i] - m[i] / (np.sqrt(second) + eps) * alpha


@jit
def _adamax_kernel(theta, grad, m, u, b1, one_minus_b1, b2, one_minus_b2, eps, scale):
    for i in range(theta.size):
        g = grad[i]
        m[i] = m[i] * b1 + g * one_minus_b1
        decayed = u[i] * b2
        # np.maximum propagates NaN from either side
        u[i] = decayed if decayed >= abs(g) or decayed != decayed else abs(g)
        theta[i] = theta[i] - m[i] / (u[i] + eps) * scale


@jit
def _nadam_kernel(
    theta,
    grad,
    m,
    v,
    b1,
    one_minus_b1,
    b2,
    one_minus_b2,
    eps,
    v_scale,
    g_scale,
    m_scale,
):
    for i in range(theta.size):
        g = grad[i]
        m[i] = m[i] * b1 + g * one_minus_b1
        v[i] = v[i] * b2 + g * g * one_minus_b2
        denominator = np.sqrt(v[i] * v_scale) + eps
        theta[i] = theta[i] - g / denominator * g_scale - m[i] / denominator * m_scale


def _fused(kernel):
    """``update`` run with ``kernel`` compiled; the wrapper returns False without numba."""

    def decorator(update):
        def run(opt, theta, grad, slots, lr, t):
            compiled = dispatcher(kernel)
            if compiled is None:
                return False
            update(compiled, opt, theta, grad, slots, lr, t)
            return True

        return run

    return decorator


@_fused(_sgd_kernel)
def _sgd(kernel, opt, theta, grad, slots, lr, t):
    m = slots.get("m", theta[:0])
    mu = theta.dtype.type(opt.momentum)
    kernel(theta, grad, m, lr, mu, "m" in slots, bool(opt.nesterov))


@_fused(_adagrad_kernel)
def _adagrad(kernel, opt, theta, grad, slots, lr, t):
    kernel(theta, grad, slots["accumulator"], lr, theta.dtype.type(opt.epsilon))


@_fused(_rmsprop_kernel)
def _rmsprop(kernel, opt, theta, grad, slots, lr, t):
    f = theta.dtype.type
    m = slots.get("m", theta[:0])
    mg = slots.get("mg", theta[:0])
    kernel(
        theta, grad, slots["v"], m, mg, lr, f(opt.rho), f(1 - opt.rho),
        f(opt.epsilon), f(opt.momentum), "m" in slots, "mg" in slots,
    )  # fmt: skip


@_fused(_adam_kernel)
def _adam(kernel, opt, theta, grad, slots, lr, t):
    f = theta.dtype.type
    alpha = f(opt.step_size(lr, t))
    v_hat = slots.get("v_hat", theta[:0])
    kernel(
        theta, grad, slots["m"], slots["v"], v_hat, *opt.betas(f), alpha,
        "v_hat" in slots,
    )  # fmt: skip


@_fused(_adamax_kernel)
def _adamax(kernel, opt, theta, grad, slots, lr, t):
    f = theta.dtype.type
    scale = f(opt.step_size(lr, t))
    kernel(theta, grad, slots["m"], slots["u"], *opt.betas(f), scale)


@_fused(_nadam_kernel)
def _nadam(kernel, opt, theta, grad, slots, lr, t):
    f = theta.dtype.type
    scales = [f(x) for x in opt.scales(lr, t)]
    kernel(theta, grad, slots["m"], slots["v"], *opt.betas(f), *scales)


FUSED_UPDATES.update(
    {
        SGD: _sgd,
        Adagrad: _adagrad,
        RMSprop: _rmsprop,
        Adam: _adam,
        AdamW: _adam,
        Adamax: _adamax,
        Nadam: _nadam,
    }
)
