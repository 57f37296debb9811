"""The documentation builds from a clean tree with warnings as errors.

The build runs every example of the gallery, so this also proves that each example
runs (headless) and how long it takes.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import require

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    for module in ("sphinx", "numpydoc", "sphinx_gallery", "myst_parser", "matplotlib"):
        require(module)
    # build a copy so generated pages and the gallery never land in the source tree
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "docs",
        src / "docs",
        ignore=shutil.ignore_patterns("_build", "generated", "auto_examples"),
    )
    shutil.copytree(ROOT / "examples", src / "examples")
    env = {**os.environ, "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(src / "docs"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    html = tmp_path / "html"
    assert (html / "index.html").exists()
    assert (html / "generated" / "skdnn.DNNClassifier.html").exists()

    # every gallery example ran, each in under a minute (sphinx-gallery's record)
    record = (src / "docs" / "auto_examples" / "sg_execution_times.rst").read_text()
    times = dict(
        (name, int(m) * 60 + float(sec))
        for name, m, sec in re.findall(
            r"\(``(plot_\w+\.py)``\)\s*\n\s*- (\d+):(\d+\.\d+)", record
        )
    )
    examples = sorted(p.name for p in (ROOT / "examples").glob("plot_*.py"))
    assert sorted(times) == examples
    slow = {name: t for name, t in times.items() if t >= 60}
    assert not slow, f"examples over a minute: {slow}"
