"""Each estimator's written-out ``__init__`` agrees with its parameter table, its
constraints and its docstring, so that none of them can drift from the others."""

import inspect
import os

import pytest
from numpydoc.docscrape import ClassDoc

import skdnn
from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor

ESTIMATORS = [DNNClassifier, DNNRegressor, DNNAutoencoder]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_signature_is_the_parameter_table(cls):
    signature = inspect.signature(cls.__init__).parameters
    written = [(n, p.default) for n, p in signature.items() if n != "self"]
    assert written == list(cls._params)
    keyword_only = [n for n, p in signature.items() if p.kind == p.KEYWORD_ONLY]
    # as in 0.3: the autoencoder's parameters after hidden_layer_sizes are
    # keyword-only; the classifier's and regressor's are not
    names = [n for n, _ in cls._params]
    assert keyword_only == (names[1:] if cls is DNNAutoencoder else [])


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_parameter_is_annotated_constrained_and_documented(cls):
    names = [n for n, _ in cls._params]
    signature = inspect.signature(cls.__init__).parameters
    assert all(signature[n].annotation is not inspect.Parameter.empty for n in names)
    assert set(cls._parameter_constraints) == set(names)
    documented = [p.name for p in ClassDoc(cls)["Parameters"]]
    assert documented == names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_init_only_stores_its_parameters(cls):
    est = cls()
    assert vars(est) == {n: d for n, d in cls._params}


def test_package_is_typed():
    assert os.path.exists(os.path.join(os.path.dirname(skdnn.__file__), "py.typed"))
