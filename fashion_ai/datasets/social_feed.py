"""The sample "social feed": a dated corpus of hashtagged garment posts with planted trends, plus probe
products (new items released after the feed) with their simulated weekly sales.

Made deterministically from Fashion-MNIST garments recoloured and patterned (`garments.garment_cutout`):
posts use the *train* split on real background photos, probes the *test* split as white-background shop
shots. Every post carries one category, one colour and one pattern hashtag (plus generic ones like #ootd).

The planted truth (see `TRENDS`) lets a student check that POP recovers it: a trend is a set of tags whose
popularity moves linearly over the 52 weeks, from -1 to +1 (rising) or +1 to -1 (falling), times
`TREND_STRENGTH`. A post's popularity score is the sum over the trends whose tags it all carries; it drives
both how often that look is posted (volume ~ exp(score)) and its likes (log-engagement + score). A share of
posts (`SPAM_RATE`) are tag spam: trending hashtags on an unrelated picture, with few likes; POP's pruning
should drop them. A probe's sales follow its score at release (week 52) with multiplicative noise.
"""

import io
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from ..paths import data_samples_dir
from ..pop.corpus import format_tags, read_corpus, tag_slug
from . import fashion_mnist, garments

#: Fashion-MNIST classes (by index) that appear in the feed; their hashtag is tag_slug(class name).
CATEGORY_IDS = (0, 1, 3, 7, 8, 9)
CATEGORIES = tuple(tag_slug(fashion_mnist.CLASSES[c]) for c in CATEGORY_IDS)
COLOR_NAMES = ("red", "blue", "green", "yellow", "black", "pink")
PATTERN_NAMES = garments.PATTERNS
GENERIC_TAGS = ("ootd", "style", "fashion", "outfit", "lookbook")

#: The planted trends: (tags that must all be present, direction). Documented in data_samples/README.md.
TRENDS = (
    (("dress", "red"), "rising"),
    (("stripes",), "rising"),
    (("sneaker", "pink"), "rising"),
    (("check",), "falling"),
    (("bag", "black"), "falling"),
    (("yellow",), "falling"),
)
TREND_STRENGTH = 1.2
WEEKS = 52
POSTS_PER_WEEK = 28
SPAM_RATE = 0.12
N_PROBES = 60
SALES_WEEKS = 12
START = pd.Timestamp("2025-01-06")  # a Monday; the feed covers 52 weeks from here
RELEASE = START + pd.Timedelta(weeks=WEEKS)  # every probe is released the day after the feed ends
IMAGE_SIDE = 64
JPEG_QUALITY = 75


def feed_dir() -> Path:
    return data_samples_dir() / "social_feed"


def trend_score(tags, week) -> float:
    """The planted popularity of a look (its tags) at `week` (0 = first week of the feed; may exceed 51)."""
    progress = 2.0 * week / (WEEKS - 1) - 1.0
    tags = set(tags)
    return sum(TREND_STRENGTH * (progress if direction == "rising" else -progress)
               for trend_tags, direction in TRENDS if tags.issuperset(trend_tags))


def trend_label(tags) -> str:
    """'rising', 'falling', 'flat' (no planted trend) or 'mixed' for a look's tags."""
    directions = {direction for trend_tags, direction in TRENDS if set(tags).issuperset(trend_tags)}
    return directions.pop() if len(directions) == 1 else ("flat" if not directions else "mixed")


def all_looks():
    """Every (category, colour, pattern) the feed can show."""
    return [(c, k, p) for c in range(len(CATEGORIES)) for k in COLOR_NAMES for p in PATTERN_NAMES]


def look_tags(look) -> list:
    category, colour, pattern = look
    return [CATEGORIES[category], colour, pattern]


def simulate_posts(rng: np.random.Generator) -> pd.DataFrame:
    """The feed's rows before drawing: week, time, shown look, hashtags, likes, spam flag."""
    looks = all_looks()
    rows = []
    for week in range(WEEKS):
        scores = np.array([trend_score(look_tags(look), week) for look in looks])
        weights = np.exp(scores) / np.exp(scores).sum()
        for _ in range(POSTS_PER_WEEK):
            tagged = looks[rng.choice(len(looks), p=weights)]
            spam = rng.random() < SPAM_RATE
            shown = looks[rng.integers(len(looks))] if spam else tagged
            log_likes = np.log(15) if spam else np.log(40) + 0.8 * trend_score(look_tags(tagged), week)
            extra = list(rng.choice(GENERIC_TAGS, size=rng.integers(0, 3), replace=False))
            rows.append({
                "timestamp": START + pd.Timedelta(weeks=week, seconds=int(rng.integers(7 * 24 * 3600))),
                "tags": format_tags(look_tags(tagged) + extra),
                "engagement": int(np.round(np.exp(log_likes + rng.normal(0, 0.6)))),
                "tag_spam": bool(spam),
                "shown": shown,
            })
    return pd.DataFrame(rows)


def simulate_sales(tags, rng: np.random.Generator) -> np.ndarray:
    """Weekly unit sales after release: level exp(score at release), a decaying launch curve, noise."""
    level = 120.0 * np.exp(trend_score(tags, WEEKS))
    curve = np.exp(-np.arange(SALES_WEEKS) / 6.0)
    noise = np.exp(rng.normal(0, 0.25) + rng.normal(0, 0.15, SALES_WEEKS))
    return np.round(level * curve * noise).astype(int)


def post_picture(img28, look, rng) -> Image.Image:
    """A social post: the recoloured garment at a random size and place on a background photo."""
    category, colour, pattern = look
    side = int(rng.integers(40, 57))
    picture = garments.random_background(rng, (IMAGE_SIDE, IMAGE_SIDE)).convert("RGBA")
    cutout = garments.garment_cutout(img28, garments.COLORS[colour], (side, side), pattern)
    if rng.random() < 0.5:
        cutout = cutout.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    x, y = (int(v) for v in rng.integers(0, IMAGE_SIDE - side + 1, size=2))
    picture.alpha_composite(cutout, (x, y))
    return picture.convert("RGB")


def probe_picture(img28, look) -> Image.Image:
    """A shop shot of a new product: the garment centred on a plain white background."""
    category, colour, pattern = look
    side = IMAGE_SIDE - 8
    picture = Image.new("RGBA", (IMAGE_SIDE, IMAGE_SIDE), (250, 250, 250, 255))
    picture.alpha_composite(garments.garment_cutout(img28, garments.COLORS[colour], (side, side), pattern),
                            (4, 4))
    return picture.convert("RGB")


def _garment_picker(split, rng):
    """Draw a random Fashion-MNIST garment of a feed category from `split` (bundled subset: same everywhere)."""
    images, labels = fashion_mnist.load(split, source="subset")
    pools = [np.flatnonzero(labels == c) for c in CATEGORY_IDS]
    return lambda category: images[pools[category][rng.integers(len(pools[category]))]]


def _save_jpeg(picture, path):
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    path.write_bytes(buffer.getvalue())


def write_feed(out_dir, seed=0):
    """Generate the sample feed into `out_dir`: posts.csv + posts/*.jpg, probes.csv + probes/*.jpg."""
    out_dir = Path(out_dir)
    (out_dir / "posts").mkdir(parents=True, exist_ok=True)
    (out_dir / "probes").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    posts = simulate_posts(rng)
    train_garment = _garment_picker("train", rng)
    paths = []
    for i, look in enumerate(posts.pop("shown")):
        paths.append(f"posts/{i:04d}.jpg")
        _save_jpeg(post_picture(train_garment(look[0]), look, rng), out_dir / paths[-1])
    posts.insert(0, "path", paths)
    posts["timestamp"] = posts["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    posts.to_csv(out_dir / "posts.csv", index=False)

    test_garment = _garment_picker("test", rng)
    looks = all_looks()
    probes = []
    for i in range(N_PROBES):
        look = looks[rng.integers(len(looks))]
        tags = look_tags(look)
        path = f"probes/{i:03d}.jpg"
        _save_jpeg(probe_picture(test_garment(look[0]), look), out_dir / path)
        sales = simulate_sales(tags, rng)
        probes.append({"path": path, "category": tags[0], "colour": tags[1], "pattern": tags[2],
                       "release_date": RELEASE.strftime("%Y-%m-%d"), "trend": trend_label(tags),
                       **{f"sales_{w + 1}": int(s) for w, s in enumerate(sales)}})
    pd.DataFrame(probes).to_csv(out_dir / "probes.csv", index=False)


def write_feature_pack(folder=None, model=None) -> Path:
    """Embed the feed's posts and probes once and store their reduced vectors (fashion_ai.pop.features), so
    POP on the sample feed needs no CNN run."""
    from ..pop.features import pack_path, save_pack
    from ..pop.signal import DEFAULT_MODEL, EmbeddedCorpus

    folder = Path(folder) if folder else feed_dir()
    model = model or DEFAULT_MODEL
    corpus, probes = load_feed(folder)
    embedded = EmbeddedCorpus.build(corpus, model=model, show_bar=True)
    pack = pack_path(folder, model)
    paths = list(embedded.corpus["path"]) + list(probes["path"])
    save_pack(pack, embedded.reducer, paths, np.vstack([embedded.vectors, embedded.embed_probes(probes["path"])]))
    return pack


def sales_columns(probes: pd.DataFrame) -> list:
    """The weekly sales columns of a probes table, in week order."""
    return [f"sales_{w + 1}" for w in range(SALES_WEEKS) if f"sales_{w + 1}" in probes.columns]


def load_feed(folder=None):
    """(corpus, probes): the dated corpus DataFrame (see fashion_ai.pop.corpus) and the probe products,
    with absolute image paths, release dates and weekly sales `sales_1..sales_12`."""
    folder = Path(folder) if folder else feed_dir()
    corpus = read_corpus(folder / "posts.csv")
    probes = pd.read_csv(folder / "probes.csv", parse_dates=["release_date"])
    probes["path"] = [str((folder / p).resolve()) for p in probes["path"]]
    return corpus, probes
