"""The layout docs/architecture.md describes, kept true.

Small functions and classes, no import circle, a network core that imports nothing
of scikit-learn, no module importing the package root, and no file that cites
material outside the repository.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "skdnn"
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 350


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path, ast.parse(path.read_text())


def _imported(module, path, tree):
    """The skdnn modules ``module`` imports, anywhere in its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("skdnn"))
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            name = (
                f"{base}.{node.module}" if node.level and node.module else node.module
            )
            name = name or base
            if not name.startswith("skdnn"):
                continue
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
    return out


def _code_lines(node):
    """Lines of a function or class, not counting its own docstring, nor a
    function's signature (an estimator's ``__init__`` lists its ~60 parameters,
    one per line, as scikit-learn writes them: data, not code)."""
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        lines -= first.lineno - node.lineno
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        if isinstance(first.value.value, str):
            lines -= first.end_lineno - first.lineno + 1
    return lines


def test_functions_and_classes_are_small():
    # numpydoc docstrings are long by design; the limit is on the code
    too_long = []
    for module, _, tree in _modules():
        for node in ast.walk(tree):
            limit = {
                ast.FunctionDef: MAX_FUNCTION_LINES,
                ast.AsyncFunctionDef: MAX_FUNCTION_LINES,
                ast.ClassDef: MAX_CLASS_LINES,
            }.get(type(node))
            if limit and _code_lines(node) > limit:
                too_long.append(f"{module}.{node.name}")
    assert not too_long


def test_no_import_circle():
    modules = {name: (path, tree) for name, path, tree in _modules()}
    graph = {
        name: {m for m in _imported(name, *modules[name]) if m in modules} - {name}
        for name in modules
    }
    # a package's __init__ importing its own modules is how packages work
    graph = {
        name: {m for m in deps if not name or not m.startswith(name + ".")}
        if modules[name][0].name == "__init__.py"
        else deps
        for name, deps in graph.items()
    }
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "active"
        for dep in sorted(graph[node]):
            if state.get(dep) == "active":
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles


def test_core_imports_no_scikit_learn_and_nothing_imports_the_root():
    submodules = {name.split(".")[1] for name, _, _ in _modules() if "." in name}
    for module, path, tree in _modules():
        in_root = module.count(".") == 1 and path.name != "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if module.startswith("skdnn.nn"):
                    assert not (node.module or "").startswith("sklearn"), module
                # "from . import x" of a name the package root defines (such as
                # __version__): a module must not depend on the package's __init__
                if node.level == 1 and node.module is None and in_root:
                    assert {a.name for a in node.names} <= submodules, module
            if isinstance(node, ast.Import) and module != "skdnn":
                assert not any(a.name == "skdnn" for a in node.names), module


@pytest.mark.parametrize("folder", ["skdnn", "tests", "docs", "examples", "benchmarks"])
def test_nothing_cites_material_outside_the_repository(folder):
    outside = ("REFERENCE.md", "PERF-NOTES", "STYLE.md", "shared/", "seeds/")
    citing = []
    for path in (ROOT / folder).rglob("*"):
        if path.suffix not in {".py", ".md", ".rst", ".txt"} or path == Path(__file__):
            continue
        text = path.read_text(errors="ignore")
        citing += [f"{path.name}: {word}" for word in outside if word in text]
    assert not citing
