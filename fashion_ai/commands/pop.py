"""`fashion-ai pop`: a probe product's POP signal from a dated corpus; `fashion-ai pop-check`: how well POP
tracks a feed's simulated sales; `fashion-ai social-feed`: (re)build the sample social feed POP is taught on."""

import argparse
import json
import math
from pathlib import Path

from .features import positive_int


def register(subparsers):
    pop = subparsers.add_parser(
        "pop", help="POP signal of a probe product over K intervals of a dated image corpus")
    pop.add_argument("--probe", help="image of the new product")
    pop.add_argument("--sheet", help="technical sheet: JSON text or a .json file, e.g. '{\"colour\": \"red\"}'")
    pop.add_argument("--corpus", help="corpus CSV (path,timestamp,tags,engagement; default: the sample feed)")
    pop.add_argument("--intervals", type=positive_int, default=8, help="number of intervals K (default 8)")
    pop.add_argument("--window-weeks", type=positive_weeks, default=52,
                     help="weeks before release covered (default 52)")
    pop.add_argument("--release", type=date, help="release date (default: the day after the corpus's last post)")
    pop.add_argument("--model", default="efficientnet-lite0", help="image embedder (fashion_ai.embedding)")
    pop.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    pop.set_defaults(run=run_pop)

    check = subparsers.add_parser(
        "pop-check", help="how well POP's recent level tracks a social feed's simulated sales (Spearman), "
                          "against the same feed with its dates and likes shuffled")
    check.add_argument("--feed", default=None, help="feed folder from `social-feed` (default: the sample feed)")
    check.add_argument("--intervals", type=positive_int, default=8, help="number of intervals K (default 8)")
    check.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    check.set_defaults(run=run_pop_check)

    feed = subparsers.add_parser(
        "social-feed", help="generate the sample social feed (dated hashtagged posts + probe products)")
    feed.add_argument("--out", default=None, help="folder to write (default: data_samples/social_feed)")
    feed.add_argument("--seed", type=int, default=0)
    feed.add_argument("--no-features", action="store_true", help="skip the feature pack (no CNN run)")
    feed.set_defaults(run=run_social_feed)


def positive_weeks(text):
    """argparse type: a number of weeks above 0 (a window of 0 weeks holds no post, so every value is 0)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be more than 0 weeks, not {text}")
    return value


def date(text):
    """argparse type: a date (and time) pandas reads, e.g. 2026-01-05."""
    import pandas as pd

    try:
        when = pd.Timestamp(text)
    except ValueError:
        when = pd.NaT
    if pd.isna(when):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (write it like 2026-01-05)")
    return when.tz_convert(None) if when.tzinfo else when  # naive UTC, as the corpus's timestamps


def run_pop(args) -> int:
    import pandas as pd

    from ..datasets import social_feed
    from ..datasets.corpus import CorpusError, read_corpus
    from ..pop.features import pack_path
    from ..pop.probes import probe_signals, tag_probes
    from ..pop.query import in_interval
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
    window = pd.Timedelta(weeks=args.window_weeks)
    if args.release is not None and not in_interval(corpus, args.release - window, args.release).any():
        first, last = corpus["timestamp"].min(), corpus["timestamp"].max()
        print(f"error: {csv}: no post falls in the {args.window_weeks:g} weeks before the release "
              f"{args.release.date()} (the corpus runs from {first.date()} to {last.date()}), so every POP value "
              "would be 0; give a release date inside or just after the corpus")
        return 2
    pack = pack_path(csv.parent, args.model)
    embedded = EmbeddedCorpus.build(corpus, model=args.model, pack=pack, show_bar=not args.json)
    for problem in embedded.skipped:
        print(f"skipped {problem}")
    scored = probe_signals(embedded, probe, args.intervals, window, release=args.release, tags=tags)
    if scored.problems:
        print(f"error: {scored.problems[0].reason}")
        return 2
    result = scored.results[0]
    print(f"tags: {result.tags}\n{result.tag_sets.describe()}")
    print(result.stage_table().to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.json:
        print(json.dumps(result.to_dict()))
    return 0


def run_pop_check(args) -> int:
    from ..datasets import social_feed
    from ..pop import evaluate
    from ..pop.features import pack_path
    from ..pop.probes import probe_signals
    from ..pop.signal import DEFAULT_MODEL, EmbeddedCorpus

    folder = Path(args.feed) if args.feed else social_feed.feed_dir()
    corpus, probes = social_feed.load_feed(folder)
    embedded = EmbeddedCorpus.build(corpus, pack=pack_path(folder, DEFAULT_MODEL), show_bar=not args.json)
    sales = probes[social_feed.sales_columns(probes)].sum(1)
    shuffled = embedded.with_corpus(evaluate.shuffled_control(embedded.corpus))
    scores = {}
    for name, source in (("spearman", embedded), ("shuffled_spearman", shuffled)):
        scored = probe_signals(source, probes, args.intervals, sheet_columns=("category",))
        if scored.problems:
            print(f"error: {scored.problems[0]}")
            return 1
        scores[name] = round(evaluate.sales_correlation(scored.results, sales), 4)
    result = {"feed": str(folder), "probes": len(probes), "posts": len(embedded.corpus), **scores}
    print(f"{result['probes']} probes, {result['posts']} posts: Spearman(POP, sales) {scores['spearman']:.3f}, "
          f"shuffled corpus {scores['shuffled_spearman']:.3f}")
    if args.json:
        print(json.dumps(result))
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
