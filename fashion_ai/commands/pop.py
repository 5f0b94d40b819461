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

    from ..clothing_classifier import ClothingCheckpointError
    from ..datasets import social_feed
    from ..images import ImageLoadError, load_image
    from ..pop.corpus import CorpusError, read_corpus
    from ..pop.features import pack_path
    from ..pop.signal import EmbeddedCorpus
    from ..pop.tags import probe_tags

    if not args.probe and not args.sheet:
        print("error: give --probe IMAGE and/or --sheet JSON")
        return 2
    try:
        sheet = _read_sheet(args.sheet)
        image = load_image(args.probe) if args.probe else None
        csv = Path(args.corpus) if args.corpus else social_feed.feed_dir() / "posts.csv"
        corpus = read_corpus(csv)
        tags = probe_tags(image, sheet)
    except (ImageLoadError, CorpusError, ClothingCheckpointError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    for problem in corpus.attrs["skipped"]:
        print(f"skipped {problem}")
    release = pd.Timestamp(args.release) if args.release else corpus["timestamp"].max().normalize() + \
        pd.Timedelta(days=1)
    pack = pack_path(csv.parent, args.model)
    embedded = EmbeddedCorpus.build(corpus, model=args.model, pack=pack, show_bar=not args.json)
    for problem in embedded.skipped:
        print(f"skipped {problem}")
    probe = embedded.embed_probes([args.probe])[0] if args.probe else None
    result = embedded.signal(probe, tags, release, args.intervals, pd.Timedelta(weeks=args.window_weeks))
    print(f"tags: {tags}\n{result.tag_sets.describe()}")
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

    out = Path(args.out) if args.out else social_feed.feed_dir()
    social_feed.write_feed(out, seed=args.seed)
    corpus, probes = social_feed.load_feed(out)
    print(f"wrote {len(corpus)} posts and {len(probes)} probes to {out}")
    if not args.no_features:
        pack = social_feed.write_feature_pack(out)
        print(f"wrote the feature pack {pack}")
    return 0
