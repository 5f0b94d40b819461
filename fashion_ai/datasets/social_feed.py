"""The sample "social feed": a dated corpus of hashtagged garment posts with planted trends, plus probe
products (new items released after the feed) with their simulated weekly sales.

The pictures are real photos from the clothing sample bundled with the kit (`clothing.bundled_sample()`,
CC0), so the feed rebuilds the same on any machine. Posts show its train and validation photos as a phone
would (`photo_views.consumer_photo`: cropped, tilted, relit, sometimes in front of a scikit-image scene next
to other garments); a photo appears in several posts, each time seen differently. Probes are its test
photos, plain, as shop shots, so a probe is never in the feed. Simulated: the dates, the trends, the likes
and the sales.

Every post carries its photo's category (the dataset's label as a hashtag: #tshirt, #dress...) and colour,
plus generic tags like #ootd. The colour is the one the kit's colour reader (`fashion_ai.colours.dominant_colours`)
names on the plain photo. Recolouring the photos to a planted colour was not an option: black, white and
grey garments have no hue to shift, and a real garment cannot be cut out of its background exactly, so the
hue of the floor or blanket would shift too. Reading the colour keeps tag and picture in agreement, as far
as the reader goes (it may name a colour otherwise than a person would: light denim reads grey), and POP
reads a probe's colour the same way. Photos on which it names no colour stay out. There are no pattern
tags: the dataset does not say which garments are striped or checked, so a pattern trend could not be
planted truthfully.

The planted truth (see `TRENDS`) lets a student check that POP recovers it: a trend is a set of tags whose
popularity moves linearly over the 52 weeks, from -1 to +1 (rising) or +1 to -1 (falling), times
`TREND_STRENGTH`. A post's popularity score is the sum over the trends whose tags it all carries; it drives
both how often that look is posted (each photo is drawn with weight exp(score), so common looks stay
common) and its likes (log-engagement + score). A share of posts (`SPAM_RATE`) are tag spam: trending
hashtags on an unrelated picture, with few likes; POP's pruning should drop them. A probe's sales follow its
score at release (week 52) with multiplicative noise.
"""

import io
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from ..colours import dominant_colours
from ..images import load_image
from ..paths import data_samples_dir
from . import clothing, garments
from .corpus import format_tags, read_corpus, tag_slug
from .photo_views import consumer_photo

CATEGORIES = tuple(tag_slug(c) for c in clothing.CLASSES)
GENERIC_TAGS = ("ootd", "style", "fashion", "outfit", "lookbook")

#: The planted trends: (tags that must all be present, direction). Documented in data_samples/README.md.
#: Chosen among the looks the sample's photos show, so that each direction has probes.
TRENDS = (
    (("skirt",), "rising"),
    (("shorts", "black"), "rising"),
    (("tshirt", "white"), "rising"),
    (("pants",), "falling"),
    (("outwear", "black"), "falling"),
    (("hat", "black"), "falling"),
)
TREND_STRENGTH = 1.2
WEEKS = 52
POSTS_PER_WEEK = 28
SPAM_RATE = 0.12
SALES_WEEKS = 12
START = pd.Timestamp("2025-01-06")  # a Monday; the feed covers 52 weeks from here
RELEASE = START + pd.Timedelta(weeks=WEEKS)  # every probe is released the day after the feed ends
POST_SIDE = 64
SHOP_SIDE = 96  # longer side of a shop shot (probes, and the photos posts are made from)
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


def shop_shots(probes: bool) -> pd.DataFrame:
    """The bundled sample's test photos (`probes`) or its train and validation ones as shop shots: `jpeg`
    (the photo shrunk to SHOP_SIDE, JPEG bytes as shipped), `category` and `colour` tags (the colour read
    from those bytes; photos without a readable colour are left out)."""
    table = clothing.read_table(clothing.bundled_sample())
    table = table[(table["split_small"] == "test") == probes]
    rows = []
    for path, label in zip(table["path"], table["label"]):
        buffer = io.BytesIO()
        load_image(path, max_side=SHOP_SIDE).save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
        colour = dominant_colours(_decode(buffer.getvalue()))
        if colour:
            rows.append({"jpeg": buffer.getvalue(), "category": tag_slug(label), "colour": colour[0]})
    return pd.DataFrame(rows)


def _decode(jpeg: bytes) -> Image.Image:
    with Image.open(io.BytesIO(jpeg)) as picture:
        return picture.convert("RGB")


def simulate_posts(rng: np.random.Generator, looks: pd.DataFrame) -> pd.DataFrame:
    """The feed's rows before drawing, given the `looks` (category, colour) of the photos posts can show:
    week, time, shown photo (row of `looks`), hashtags, likes, spam flag."""
    tags = [[c, k] for c, k in zip(looks["category"], looks["colour"])]
    rows = []
    for week in range(WEEKS):
        scores = np.array([trend_score(t, week) for t in tags])
        weights = np.exp(scores) / np.exp(scores).sum()
        for _ in range(POSTS_PER_WEEK):
            tagged = int(rng.choice(len(tags), p=weights))
            spam = rng.random() < SPAM_RATE
            shown = int(rng.integers(len(tags))) if spam else tagged
            log_likes = np.log(15) if spam else np.log(40) + 0.8 * scores[tagged]
            extra = list(rng.choice(GENERIC_TAGS, size=rng.integers(0, 3), replace=False))
            rows.append({
                "timestamp": START + pd.Timedelta(weeks=week, seconds=int(rng.integers(7 * 24 * 3600))),
                "tags": format_tags(tags[tagged] + extra),
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


def write_feed(out_dir, seed=0):
    """Generate the sample feed into `out_dir`: posts.csv + posts/*.jpg, probes.csv + probes/*.jpg."""
    out_dir = Path(out_dir)
    for folder in (out_dir / "posts", out_dir / "probes"):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.jpg"):  # a rebuild leaves no picture of an older feed behind
            old.unlink()
    rng = np.random.default_rng(seed)
    shots = shop_shots(probes=False)
    photos = [_decode(jpeg) for jpeg in shots["jpeg"]]
    posts = simulate_posts(rng, shots)
    scenes = [Image.fromarray(photo) for photo in garments.background_photos()]
    paths = []
    for i, shown in enumerate(posts.pop("shown")):
        paths.append(f"posts/{i:04d}.jpg")
        view = consumer_photo(photos[shown], rng, scenes, photos)
        view.resize((POST_SIDE, POST_SIDE), Image.Resampling.LANCZOS).save(
            out_dir / paths[-1], "JPEG", quality=JPEG_QUALITY, optimize=True)
    posts.insert(0, "path", paths)
    posts["timestamp"] = posts["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    posts.to_csv(out_dir / "posts.csv", index=False)

    probes = shop_shots(probes=True)
    probes.insert(0, "path", [f"probes/{i:03d}.jpg" for i in range(len(probes))])
    for jpeg, path in zip(probes.pop("jpeg"), probes["path"]):
        (out_dir / path).write_bytes(jpeg)
    probes["release_date"] = RELEASE.strftime("%Y-%m-%d")
    tags = [[c, k] for c, k in zip(probes["category"], probes["colour"])]
    probes["trend"] = [trend_label(t) for t in tags]
    sales = np.array([simulate_sales(t, rng) for t in tags])
    for w in range(SALES_WEEKS):
        probes[f"sales_{w + 1}"] = sales[:, w]
    probes.to_csv(out_dir / "probes.csv", index=False)


def sales_columns(probes: pd.DataFrame) -> list:
    """The weekly sales columns of a probes table, in week order."""
    return [f"sales_{w + 1}" for w in range(SALES_WEEKS) if f"sales_{w + 1}" in probes.columns]


def load_feed(folder=None):
    """(corpus, probes): the dated corpus DataFrame (see fashion_ai.datasets.corpus) and the probe products,
    with absolute image paths, release dates and weekly sales `sales_1..sales_12`."""
    folder = Path(folder) if folder else feed_dir()
    corpus = read_corpus(folder / "posts.csv")
    probes = pd.read_csv(folder / "probes.csv", parse_dates=["release_date"])
    probes["path"] = [str((folder / p).resolve()) for p in probes["path"]]
    return corpus, probes
