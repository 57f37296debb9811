"""Initializers follow Keras 3's VarianceScaling: variance scale / n."""

import numpy as np
import pytest

from skdnn.nn.initializers import INITIALIZERS, get_initializer, truncated_normal

FAN_IN, FAN_OUT = 300, 500
EXPECTED = {  # name: (scale, n)
    "glorot_uniform": (1, (FAN_IN + FAN_OUT) / 2),
    "glorot_normal": (1, (FAN_IN + FAN_OUT) / 2),
    "he_uniform": (2, FAN_IN),
    "he_normal": (2, FAN_IN),
    "lecun_uniform": (1, FAN_IN),
    "lecun_normal": (1, FAN_IN),
}


def test_every_registered_initializer_is_covered():
    assert set(INITIALIZERS.names()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_variance_and_support(name):
    scale, n = EXPECTED[name]
    W = get_initializer(name)((FAN_IN, FAN_OUT), np.random.RandomState(0))
    assert W.shape == (FAN_IN, FAN_OUT)
    std = np.sqrt(scale / n)
    assert W.std() == pytest.approx(std, rel=0.02)
    assert abs(W.mean()) < 0.01 * std * 10
    if name.endswith("uniform"):
        assert np.abs(W).max() <= np.sqrt(3 * scale / n)
    else:
        # truncated at two standard deviations of the untruncated normal
        assert np.abs(W).max() <= 2 * std / 0.87962566103423978


def test_truncated_normal_redraws_outliers():
    z = truncated_normal((200_000,), np.random.RandomState(0))
    assert np.abs(z).max() <= 2
    assert z.std() == pytest.approx(0.87962566103423978, rel=0.01)


def test_same_rng_same_weights_and_callables_pass_through():
    a = get_initializer("he_normal")((5, 4), np.random.RandomState(3))
    b = get_initializer("he_normal")((5, 4), np.random.RandomState(3))
    np.testing.assert_array_equal(a, b)

    def custom(shape, rng):
        return np.zeros(shape)

    assert get_initializer(custom) is custom


def test_unknown_name_lists_valid_names():
    with pytest.raises(
        ValueError, match="Valid kernel_initializers are: 'glorot_normal'"
    ):
        get_initializer("xavier")
