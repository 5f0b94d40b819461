"""The conda environment and the pip pins describe the same environment; torch stays pinned exactly."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    return {line.split("==")[0].lower(): line.split("==")[1] for line in lines if "==" in line}


def requirements_pins():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    return _pins([line for line in lines if line and not line.startswith("#")])


def environment_yml_pins():
    text = (ROOT / "environment.yml").read_text()
    return _pins(re.findall(r"^\s+-\s+(\S+==\S+)\s*$", text, flags=re.M))


def test_environment_yml_repeats_the_pip_pins():
    assert environment_yml_pins() == requirements_pins()


def test_environment_yml_asks_for_python_311():
    assert re.search(r"^\s+-\s+python=3\.11\s*$", (ROOT / "environment.yml").read_text(), flags=re.M)


def test_every_requirement_is_pinned_exactly_once():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    loose = [line for line in lines if line and not line.startswith("#") and "==" not in line]
    assert not loose, f"requirements without an exact pin: {loose}"
    names = [line.split("==")[0].lower() for line in lines if "==" in line]
    assert len(names) == len(set(names)), "a package is pinned twice in requirements.txt"


def test_torch_and_torchvision_are_pinned_exactly_everywhere():
    pins = requirements_pins()
    assert pins["torch"] == "2.13.0" and pins["torchvision"] == "0.28.0"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.findall(r'"torch([=<>!~ ][^"]*)?"', pyproject) == ["==2.13.0"]
    assert re.findall(r'"torchvision([^"]*)"', pyproject) == ["==0.28.0"]


def test_installed_torch_matches_the_pins():
    import torch

    from fashion_ai.tv import torchvision

    assert torch.__version__.split("+")[0] == requirements_pins()["torch"]
    assert torchvision.__version__.split("+")[0] == requirements_pins()["torchvision"]


def imported_top_modules():
    """Top-level modules the kit's code, tests, benchmarks and notebooks import."""
    import ast
    import json
    import sys

    sources = [p.read_text() for d in ("fashion_ai", "widgets", "tests", "bench") for p in (ROOT / d).rglob("*.py")]
    for notebook in (ROOT / "notebooks").rglob("*.ipynb"):
        cells = json.loads(notebook.read_text())["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a notebook cell with shell magics
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names)


def test_every_directly_imported_package_is_pinned():
    from importlib.metadata import packages_distributions

    own = {"fashion_ai", "fashion_ai_widgets", "fashion_ai_data"}
    pins = requirements_pins()
    providers = packages_distributions()
    unpinned = {}
    for module in imported_top_modules() - own - {"setuptools"}:  # setuptools comes with every virtualenv
        names = {name.lower() for name in providers.get(module, [module])}
        if not names & set(pins):
            unpinned[module] = sorted(names)
    assert not unpinned, f"imported but not pinned in requirements.txt: {unpinned}"
