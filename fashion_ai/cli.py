"""The `fashion-ai` command: one subcommand per kit task, each defined in fashion_ai/commands/."""

import argparse
import importlib
import sys

#: Modules in fashion_ai.commands; each has `register(subparsers)` adding its subcommand(s) with a `run`.
COMMAND_MODULES = [
    "c2s",
    "clothing",
    "features",
    "demo",
    "detection",
    "fmnist",
    "forecast",
    "pop",
    "train_fashion",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fashion-ai", description="Fashion AI teaching kit")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"fashion_ai.commands.{name}").register(subparsers)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
