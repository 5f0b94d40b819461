"""`fashion-ai social-feed`: (re)build the sample social feed that POP is taught on."""


def register(subparsers):
    feed = subparsers.add_parser(
        "social-feed", help="generate the sample social feed (dated hashtagged posts + probe products)")
    feed.add_argument("--out", default=None, help="folder to write (default: data_samples/social_feed)")
    feed.add_argument("--seed", type=int, default=0)
    feed.set_defaults(run=run_social_feed)


def run_social_feed(args) -> int:
    from ..datasets import social_feed

    out = args.out or social_feed.feed_dir()
    social_feed.write_feed(out, seed=args.seed)
    corpus, probes = social_feed.load_feed(out)
    print(f"wrote {len(corpus)} posts and {len(probes)} probes to {out}")
    return 0
