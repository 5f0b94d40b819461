"""Shared test helpers."""

import re
import shlex

import pytest

from fashion_ai.cli import build_parser
from fashion_ai.paths import data_samples_dir


@pytest.fixture
def readme_commands():
    """commands(name): the `fashion-ai <name> ...` commands that data_samples/README.md says made the shipped
    files, parsed by the kit's own parser, so a shipped record can be checked against them."""
    def commands(name):
        text = (data_samples_dir() / "README.md").read_text()
        lines = re.findall(rf"`fashion-ai ({name}(?: [^`]*)?)`", text)
        assert lines, f"data_samples/README.md must give the {name} command"
        parsed = []
        for line in lines:
            args = build_parser().parse_args(shlex.split(line))
            args.argv = shlex.split(line)  # to run the command again
            parsed.append(args)
        return parsed

    return commands
