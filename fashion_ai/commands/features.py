"""`fashion-ai embed` and `fashion-ai retrieve`: CNN features of a consumer-to-shop set, and how well
consumer photos find their shop photos with them.

A photo that cannot be read gets a row of NaN in `embed`'s output (so row i is always manifest row i) and
takes no part in `retrieve`; both commands list such files on stderr with the reason.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def register(subparsers):
    embed = subparsers.add_parser("embed", help="embed every photo of a set manifest into a .npy matrix")
    _common(embed)
    embed.add_argument("--out", required=True, help="output .npy file: one row per manifest row, in order "
                                                     "(NaN rows for photos that could not be read)")
    embed.set_defaults(run=run_embed)

    retrieve = subparsers.add_parser("retrieve", help="consumer-to-shop top-k retrieval accuracy of a set")
    _common(retrieve)
    retrieve.add_argument("--json", action="store_true", help="print the result as one JSON object")
    retrieve.set_defaults(run=run_retrieve)


def positive_int(text):
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _common(parser):
    from ..embedding import EMBEDDERS

    parser.add_argument("--manifest", required=True, help="set manifest CSV (item_id, domain, path, category)")
    parser.add_argument("--model", default="efficientnet-lite0", choices=list(EMBEDDERS))
    parser.add_argument("--batch-size", type=positive_int, default=32)
    parser.add_argument("--no-cache", action="store_true", help="recompute every vector (ignore the disk cache)")
    parser.add_argument("--compile", action="store_true",
                        help="compile the network first (torch.compile): faster on thousands of photos, after a "
                             "one-off compile pause (tens of seconds; less once cached); needs a C++ compiler")


def embed_manifest(args):
    """(set table, (rows, dim) matrix with NaN rows for skipped photos), or None after reporting why not."""
    from ..consumer_shop import read_manifest
    from ..embedding import embed_paths, get_embedder

    if not Path(args.manifest).is_file():
        print(f"{args.manifest}: manifest not found (give the set's .csv file)", file=sys.stderr)
        return None
    table, problems = read_manifest(args.manifest)
    for problem in problems:
        print(problem, file=sys.stderr)
    if table.empty:
        print(f"{args.manifest}: no photos to embed", file=sys.stderr)
        return None
    for i in table.index[table.duplicated(subset=["item_id", "domain", "path"])]:
        print(f"{args.manifest}, row {i + 2}: {table.at[i, 'path']} is listed more than once with the same item "
              "and domain; retrieval counts it once", file=sys.stderr)
    model = get_embedder(args.model)
    if args.compile:
        started = time.perf_counter()
        if model.compile():
            print(f"{args.model}: network compiled in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    result = embed_paths(table["path"], model, batch_size=args.batch_size,
                         use_cache=not args.no_cache, show_bar=sys.stderr.isatty())
    for skipped in result.skipped:
        print(f"skipped row {skipped.index}: {skipped.path}: {skipped.reason}", file=sys.stderr)
    return table, result.full(len(table))


def run_embed(args) -> int:
    import numpy as np

    from ..paths import atomic_write

    folder = Path(args.out).resolve().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        print(f"{args.out}: cannot write there (folder missing or not writable); nothing was embedded",
              file=sys.stderr)
        return 2
    embedded = embed_manifest(args)
    if embedded is None:
        return 1
    table, matrix = embedded
    if np.isnan(matrix).any(axis=1).all():
        print(f"{args.manifest}: no photo could be read, so nothing was written to {args.out}", file=sys.stderr)
        return 1
    atomic_write(args.out, lambda fh: np.save(fh, matrix), suffix=".npy")
    n_bad = int(np.isnan(matrix).any(axis=1).sum())
    print(f"wrote {args.out}: {matrix.shape[0]} rows x {matrix.shape[1]} ({args.model}), {n_bad} skipped")
    return 0


def run_retrieve(args) -> int:
    from ..retrieval import retrieve

    embedded = embed_manifest(args)
    if embedded is None:
        return 1
    table, matrix = embedded
    try:
        summary = retrieve(table, matrix).summary(args.model)
    except ValueError as exc:
        print(f"{args.manifest}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{summary['queries']} consumer queries, {summary['gallery']} shop photos ({args.model})")
        for key in ("top1", "top5", "top10", "top20"):
            print(f"  {key}: {100 * summary[key]:.1f}%")
    return 0
