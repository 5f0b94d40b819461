"""`fashion-ai demo`: the kit's main job, every notebook executed on the cached samples."""

import sys


def register(subparsers):
    parser = subparsers.add_parser(
        "demo", help="run the walkthrough (all notebooks) on the cached samples and write the results")
    parser.add_argument("--out", default="build", help="folder for executed notebooks, figures and the summary")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per notebook cell")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..walkthrough import format_summary, notebook_paths, run_walkthrough

    if not notebook_paths():
        print("no notebooks found next to the kit (notebooks/NN_*.ipynb)", file=sys.stderr)
        return 1
    runs = run_walkthrough(args.out, timeout=args.timeout)
    print()
    print(format_summary(runs), end="")
    print(f"executed notebooks, figures and summary.txt are in {args.out}/")
    return 0 if all(run.ok for run in runs) else 1
