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
    # 150,000 draws: the sample std is within ~0.2% and the mean within a few
    # standard errors (std / sqrt(size)) of their true values
    assert W.std() == pytest.approx(std, rel=0.01)
    assert abs(W.mean()) < 4 * std / np.sqrt(W.size)
    if name.endswith("uniform"):
        limit = np.sqrt(3 * scale / n)
        assert 0.999 * limit < np.abs(W).max() <= limit
    else:
        # truncated at two standard deviations of the untruncated normal
        cut = 2 * std / 0.87962566103423978
        assert 0.99 * cut < np.abs(W).max() <= cut
        # a normal's kurtosis (truncated at 2 sd: 2.36), not a uniform's (1.8)
        assert np.mean((W - W.mean()) ** 4) / W.var() ** 2 == pytest.approx(
            2.36, abs=0.05
        )


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
