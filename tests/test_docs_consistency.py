"""The documentation says what the code does: defaults and option lists.

Defaults are read from ``get_params()`` and options from the registries, and
compared with the docstrings, the README table and the user-guide pages, so the
two cannot drift apart again.
"""

import inspect
import re
from pathlib import Path

import pytest
from numpydoc.docscrape import ClassDoc

from skdnn import DNNAutoencoder, DNNClassifier, DNNRegressor
from skdnn.nn.activations import ACTIVATIONS
from skdnn.nn.initializers import INITIALIZERS
from skdnn.nn.losses import regression_losses
from skdnn.nn.optimizers import OPTIMIZERS
from skdnn.nn.schedules import SCHEDULES

ROOT = Path(__file__).resolve().parents[1]
ESTIMATORS = [DNNClassifier, DNNRegressor, DNNAutoencoder]
REGISTRIES = {
    "activation": ACTIVATIONS,
    "kernel_initializer": INITIALIZERS,
    "optimizer": OPTIMIZERS,
    "lr_schedule": SCHEDULES,
}


def _default_text(value):
    return f'"{value}"' if isinstance(value, str) else repr(value)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_docstring_parameters_and_defaults_are_the_codes(cls):
    documented = ClassDoc(cls)["Parameters"]
    signature = inspect.signature(cls.__init__).parameters
    defaults = cls().get_params(deep=False)
    assert [p.name for p in documented] == [n for n in signature if n != "self"]
    for param in documented:
        stated = param.type.rpartition("default=")[2]
        assert stated == _default_text(defaults[param.name]), param.name


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_docstrings_list_every_registered_option(cls):
    descriptions = {p.name: " ".join(p.desc) for p in ClassDoc(cls)["Parameters"]}
    for name, registry in REGISTRIES.items():
        for option in registry.names():
            assert f'"{option}"' in descriptions[name], (name, option)


def test_regressor_docstring_lists_every_regression_loss():
    descriptions = {
        p.name: " ".join(p.desc) for p in ClassDoc(DNNRegressor)["Parameters"]
    }
    types = {p.name: p.type for p in ClassDoc(DNNRegressor)["Parameters"]}
    for option in regression_losses():
        assert f'"{option}"' in descriptions["loss"], option
        assert f'"{option}"' in types["loss"], option


def test_autoencoder_docstring_matches_its_parameters():
    doc = ClassDoc(DNNAutoencoder)
    params = {p.name: p for p in doc["Parameters"]}
    assert "transfer_from" not in params
    assert params["hidden_layer_sizes"].type.endswith("default=(100, 30)")
    assert "``()`` is an error" in " ".join(params["hidden_layer_sizes"].desc)


def _readme_rows():
    text = (ROOT / "README.md").read_text()
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 3 and cells[1].startswith("`"):
            yield cells[1].strip("`").split("`")[0], cells[2]


def test_readme_table_names_the_defaults_and_the_options():
    defaults = {**DNNRegressor().get_params(), **DNNClassifier().get_params()}
    rows = dict(_readme_rows())
    for name, registry in REGISTRIES.items():
        assert name in rows, name
        for option in registry.names():
            assert f"`{option}`" in rows[name] or f'"{option}"' in rows[name], option
    for option in regression_losses():
        assert f"`{option}`" in rows["loss"], option
    for name, cell in rows.items():
        marked = re.findall(r'`"?([\w.]+)"?` \(default\)', cell)
        for value in marked:
            assert str(defaults[name]) == value, (name, value)


def test_user_guide_pages_state_the_defaults_of_the_code():
    defaults = DNNClassifier().get_params()
    checked = 0
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text()
        parameter = re.search(r"\*\*Hyperparameter\.\*\* `(\w+)`", text)
        stated = re.search(r'\*\*Default\.\*\* `"?([\w.]+)"?`', text)
        if parameter and stated:
            assert str(defaults[parameter.group(1)]) == stated.group(1), page.name
            checked += 1
    assert checked >= 2
