"""`fashion-ai c2s ...`: build the bundled consumer-to-shop sample set, check a student's set."""

import sys
from pathlib import Path


def register(subparsers):
    c2s = subparsers.add_parser("c2s", help="consumer-to-shop sets")
    sub = c2s.add_subparsers(dest="c2s_command", required=True)

    build = sub.add_parser("build-sample", help="write the bundled sample set (deterministic)")
    build.add_argument("out", help="folder to write (e.g. data_samples/c2s_sample)")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--force", action="store_true", help="write into a folder that already holds files")
    build.set_defaults(run=run_build_sample)

    photo_check = sub.add_parser(
        "build-photo-check", help="write a real-photo check set from the clothing set's check contributors: "
                                  "each photo as the shop side, one simulated consumer view of it")
    photo_check.add_argument("out", help="folder to write")
    photo_check.add_argument("--clothing", default=None, help="clothing-set folder (default: the full set "
                                                              "when present, else the bundled subset)")
    photo_check.add_argument("--seed", type=int, default=0)
    photo_check.add_argument("--force", action="store_true", help="write into a folder that already holds files")
    photo_check.set_defaults(run=run_build_photo_check)

    check = sub.add_parser("check", help="check a set (a folder or a CSV manifest) and print the report")
    check.add_argument("path", help="the set's folder or its manifest .csv")
    check.add_argument("--quick", action="store_true", help="only check that files exist (do not read them)")
    check.set_defaults(run=run_check)


def occupied(out, force) -> bool:
    """True (after saying so) when `out` already holds files and --force was not given: a student's own set
    and manifest are never overwritten by accident."""
    out = Path(out)
    if force or not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return False
    print(f"{out}: already exists and is not empty; choose a new folder, or add --force to write into it",
          file=sys.stderr)
    return True


def run_build_sample(args) -> int:
    from ..datasets.c2s_sample import build_sample_set

    if occupied(args.out, args.force):
        return 2
    manifest = build_sample_set(args.out, seed=args.seed)
    print(f"wrote {manifest}")
    return 0


def run_build_photo_check(args) -> int:
    from ..datasets.photo_views import build_check_set
    from ..metric_learning import clothing_groups

    if occupied(args.out, args.force):
        return 2
    manifest = build_check_set(args.out, clothing_groups(args.clothing)["check"], seed=args.seed)
    print(f"wrote {manifest}")
    return 0


def run_check(args) -> int:
    """Print the report; exit 0 when the set is usable, 1 when it is not."""
    from ..consumer_shop import load_set

    _, report = load_set(args.path, check_images=not args.quick)
    print(report)
    return 0 if report.usable else 1
