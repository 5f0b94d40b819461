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


def test_every_requirement_is_pinned_exactly():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    loose = [line for line in lines if line and not line.startswith("#") and "==" not in line]
    assert not loose, f"requirements without an exact pin: {loose}"


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
