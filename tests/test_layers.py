"""munit_lib's layers, read from its own imports: every module imports only modules of its own layer
or of a layer below, and no modules import each other in a circle.

The imports are read with ``ast`` from the source, at module level and inside functions alike (an
import inside a function is still a dependency; it only runs later). Importing a module of a
subpackage (``munit_lib.training.step``) first runs that subpackage's ``__init__``, so it also counts
as importing the subpackage, except from a module inside it. The root package ``munit_lib`` (the
public names) is the top of the house: Python runs it before any submodule, which is no import of it.
README.md, "Layers", states the same list.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "munit_lib"

# lowest first; "name.*" is every module of a subpackage, an exact name wins over a pattern
LAYERS: list[tuple[str, list[str]]] = [
    ("core", ["config", "nn", "upsample_conv", "networks", "official", "losses"]),
    ("data", ["data", "data.*"]),
    ("pictures", ["viz"]),
    ("baselines", ["baselines", "baselines.*"]),
    ("registry", ["registry", "baselines.runtime"]),  # runtime: the registry's old name, kept for notebook 10
    ("translation", ["translate"]),
    ("training", ["training", "training.*"]),
    ("applications", ["pretrained", "widgets"]),
    ("measurement", ["evaluation", "evaluation.*"]),
    ("front", ["__main__", "cli", "cli.*", "course", "bench", "zoo", "zoo.*", "munit_lib"]),
]


def module_name(path: Path) -> str:
    """``munit_lib/training/step.py`` -> ``munit_lib.training.step``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
PACKAGES = {module_name(p) for p in PACKAGE.rglob("__init__.py")}


def layer_of(module: str) -> int:
    """The index in LAYERS of a module (``munit_lib.x.y``); KeyError for a module no layer names."""
    short = "munit_lib" if module == "munit_lib" else module[len("munit_lib."):]
    for index, (_, names) in enumerate(LAYERS):  # exact names first
        if short in names:
            return index
    for index, (_, names) in enumerate(LAYERS):
        if any(n.endswith(".*") and short.startswith(n[:-1]) for n in names):
            return index
    raise KeyError(module)


def imported_modules(module: str) -> dict[str, int]:
    """Every munit_lib module ``module`` imports (with the subpackages that run first), each with the
    line of its first import."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = module if module in PACKAGES else module.rsplit(".", 1)[0]  # the package relative imports start from
    found: dict[str, int] = {}

    def add(target: str, line: int) -> None:
        if not (target == "munit_lib" or target.startswith("munit_lib.")):
            return
        parts = target.split(".")
        for depth in range(2, len(parts)):  # the subpackages on the way run their __init__ first
            package = ".".join(parts[:depth])
            if package in PACKAGES and not (module == package or module.startswith(package + ".")):
                found.setdefault(package, line)
        if target != module:
            found.setdefault(target, line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # "from package import module" imports the module
                candidate = f"{source}.{alias.name}"
                add(candidate if candidate in MODULES else source, node.lineno)
    return found


GRAPH = {module: imported_modules(module) for module in MODULES}


def test_every_module_has_a_layer():
    missing = []
    for module in MODULES:
        try:
            layer_of(module)
        except KeyError:
            missing.append(module)
    assert not missing, f"give these modules a layer in LAYERS (and in README.md, Layers): {missing}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    own = layer_of(module)
    upward = [f"{target} ({LAYERS[layer_of(target)][0]}, line {line})" for target, line in GRAPH[module].items()
              if layer_of(target) > own]
    assert not upward, f"{module} ({LAYERS[own][0]}) imports from a layer above it: {'; '.join(upward)}"


def test_no_circle_of_imports():
    """No strongly connected group of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in MODULES:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert not circles, f"modules that import each other in a circle: {circles}"


def test_the_reader_sees_function_level_and_subpackage_imports():
    """The checks above rest on the reader: it finds an import inside a function, resolves relative
    imports, and counts a subpackage's __init__ as imported with its module."""
    assert "munit_lib.data.folders" in GRAPH["munit_lib.translate"]  # imported inside a function
    assert "munit_lib.data" in GRAPH["munit_lib.translate"]  # ... which runs the data package first
    trainer = GRAPH["munit_lib.training.trainer"]
    assert "munit_lib.registry" in trainer and "munit_lib.training.step" in trainer
    assert "munit_lib.training" not in trainer  # its own package: no edge
    assert "munit_lib.training" in GRAPH["munit_lib.course"]  # course imports training.* from outside
    assert layer_of("munit_lib.cli.score") > layer_of("munit_lib.evaluation.classifier")


def test_measurement_has_one_home():
    """Every measure lives in munit_lib/evaluation/: the shapes readers and scores, the probes and the
    propositions beside the paper's metrics. The measurement layer names nothing else, so a measuring
    module outside the package has no layer (test_every_module_has_a_layer)."""
    assert dict(LAYERS)["measurement"] == ["evaluation", "evaluation.*"]
    for name in ("shapes", "shapes_score", "probes", "propositions"):
        assert f"munit_lib.evaluation.{name}" in MODULES, name
