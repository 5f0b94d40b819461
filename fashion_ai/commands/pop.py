"""`fashion-ai pop`: a probe product's POP signal from a dated corpus; `fashion-ai social-feed`: (re)build the
sample social feed that POP is taught on."""

import json
from pathlib import Path


def register(subparsers):
    pop = subparsers.add_parser(
        "pop", help="POP signal of a probe product over K intervals of a dated image corpus")
    pop.add_argument("--probe", help="image of the new product")
    pop.add_argument("--sheet", help="technical sheet: JSON text or a .json file, e.g. '{\"colour\": \"red\"}'")
    pop.add_argument("--corpus", help="corpus CSV (path,timestamp,tags,engagement; default: the sample feed)")
    pop.add_argument("--intervals", type=int, default=8, help="number of intervals K (default 8)")
    pop.add_argument("--window-weeks", type=float, default=52, help="weeks before release covered (default 52)")
    pop.add_argument("--release", help="release date (default: the day after the corpus's last post)")
    pop.add_argument("--model", default="efficientnet-lite0", help="image embedder (fashion_ai.embedding)")
    pop.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    pop.set_defaults(run=run_pop)

    feed = subparsers.add_parser(
        "social-feed", help="generate the sample social feed (dated hashtagged posts + probe products)")
    feed.add_argument("--out", default=None, help="folder to write (default: data_samples/social_feed)")
    feed.add_argument("--seed", type=int, default=0)
    feed.add_argument("--no-features", action="store_true", help="skip the feature pack (no CNN run)")
    feed.set_defaults(run=run_social_feed)


def run_pop(args) -> int:
    import pandas as pd

    from ..datasets import social_feed
    from ..datasets.corpus import CorpusError, read_corpus
    from ..pop.features import pack_path
    from ..pop.probes import probe_signals, tag_probes
    from ..pop.signal import EmbeddedCorpus

    if not args.probe and not args.sheet:
        print("error: give --probe IMAGE and/or --sheet JSON")
        return 2
    try:
        sheet = _read_sheet(args.sheet) or {}
        probe = pd.DataFrame([{"path": args.probe or "", **sheet}])
        tags, problems = tag_probes(probe, sheet_columns=list(sheet))
        if problems:
            raise ValueError(f"{problems[0].path}: {problems[0].reason}" if problems[0].path else problems[0].reason)
        csv = Path(args.corpus) if args.corpus else social_feed.feed_dir() / "posts.csv"
        corpus = read_corpus(csv)
    except (CorpusError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    for problem in corpus.attrs["skipped"]:
        print(f"skipped {problem}")
    pack = pack_path(csv.parent, args.model)
    embedded = EmbeddedCorpus.build(corpus, model=args.model, pack=pack, show_bar=not args.json)
    for problem in embedded.skipped:
        print(f"skipped {problem}")
    scored = probe_signals(embedded, probe, args.intervals, pd.Timedelta(weeks=args.window_weeks),
                           release=args.release and pd.Timestamp(args.release), tags=tags)
    if scored.problems:
        print(f"error: {scored.problems[0].reason}")
        return 2
    result = scored.results[0]
    print(f"tags: {result.tags}\n{result.tag_sets.describe()}")
    print(result.stage_table().to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.json:
        print(json.dumps(result.to_dict()))
    return 0


def _read_sheet(text):
    """The --sheet value as a dict: JSON text, or the path of a JSON file."""
    if not text:
        return None
    try:
        sheet = json.loads(Path(text).read_text() if text.strip().endswith(".json") else text)
    except OSError as exc:
        raise ValueError(f"--sheet {text}: cannot read the file ({exc.strerror})")
    except json.JSONDecodeError as exc:
        raise ValueError(f"--sheet {text}: not valid JSON ({exc})")
    if not isinstance(sheet, dict):
        raise ValueError(f"--sheet {text}: must be a JSON object such as {{\"colour\": \"red\"}}")
    return sheet


def run_social_feed(args) -> int:
    from ..datasets import social_feed
    from ..pop.signal import write_feed_pack

    out = Path(args.out) if args.out else social_feed.feed_dir()
    social_feed.write_feed(out, seed=args.seed)
    corpus, probes = social_feed.load_feed(out)
    print(f"wrote {len(corpus)} posts and {len(probes)} probes to {out}")
    if not args.no_features:
        pack = write_feed_pack(out)
        print(f"wrote the feature pack {pack}")
    return 0
