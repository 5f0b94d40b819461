"""`fashion-ai c2s ...`: build the bundled consumer-to-shop sample set, check a student's set."""


def register(subparsers):
    c2s = subparsers.add_parser("c2s", help="consumer-to-shop sets")
    sub = c2s.add_subparsers(dest="c2s_command", required=True)

    build = sub.add_parser("build-sample", help="write the bundled sample set (deterministic)")
    build.add_argument("out", help="folder to write (e.g. data_samples/c2s_sample)")
    build.add_argument("--seed", type=int, default=0)
    build.set_defaults(run=run_build_sample)


def run_build_sample(args) -> int:
    from ..datasets.c2s_sample import build_sample_set

    manifest = build_sample_set(args.out, seed=args.seed)
    print(f"wrote {manifest}")
    return 0
