"""A dated image corpus: the table POP queries, `path, timestamp, tags, engagement`, one row per post.

Read from a CSV that sits next to (or above) its images, e.g. a student's exported social posts:

    path,timestamp,tags,engagement
    images/0001.jpg,2025-03-02T14:05:00,#dress #red #ootd,153

`path` is relative to the CSV's folder (or absolute); `timestamp` anything pandas parses; `tags` hashtags
separated by spaces, commas or semicolons (with or without '#'); `engagement` a number (likes, shares...).
Rows that cannot be used are skipped and listed, with the reason, in `corpus.attrs["skipped"]`.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("path", "timestamp", "tags", "engagement")
#: A time of day without a date ("14:05", "2:05:30 pm"): pandas would date it today, so it is refused.
TIME_ONLY = r"\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([aApP][mM])?\s*"


class CorpusError(Exception):
    """A corpus file that cannot be read at all (missing, or without the required columns)."""


def tag_slug(text) -> str:
    """Normalise a tag or a label to a hashtag word: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]+", "", str(text).lower())


def parse_tags(cell) -> list:
    """'#Dress #red, ootd' -> ['dress', 'red', 'ootd'] (empty cells give [])."""
    if isinstance(cell, (list, tuple)):
        words = cell
    elif cell is None or (isinstance(cell, float) and np.isnan(cell)):
        words = []
    else:
        words = re.split(r"[\s,;]+", str(cell))
    return [slug for slug in (tag_slug(w) for w in words) if slug]


def format_tags(tags) -> str:
    """['dress', 'red'] -> '#dress #red' (the CSV form)."""
    return " ".join(f"#{t}" for t in tags)


def read_corpus(csv_path, check_files=True) -> pd.DataFrame:
    """Load a dated corpus CSV into a DataFrame sorted by time, with absolute image paths and tag lists."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise CorpusError(f"{csv_path}: corpus file not found")
    try:
        raw = pd.read_csv(csv_path, dtype={"path": str, "tags": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CorpusError(f"{csv_path}: not a readable CSV file ({exc})")
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise CorpusError(f"{csv_path}: missing column(s) {', '.join(missing)}; a corpus needs "
                          f"{', '.join(REQUIRED_COLUMNS)}")
    return prepare_corpus(raw, csv_path.parent, source=csv_path, check_files=check_files)


def prepare_corpus(raw: pd.DataFrame, root, source="corpus", check_files=True) -> pd.DataFrame:
    """Check and normalise a corpus table (paths resolved against `root`); bad rows are skipped, listed."""
    corpus = raw.copy()
    corpus["path"] = [_resolve(p, root) for p in corpus["path"]]
    time_only = corpus["timestamp"].astype(str).str.fullmatch(TIME_ONLY)
    corpus["timestamp"] = parse_timestamps(corpus["timestamp"])
    corpus["engagement"] = pd.to_numeric(corpus["engagement"], errors="coerce")
    corpus["tags"] = [parse_tags(t) for t in corpus["tags"]]
    reasons = pd.Series("", index=corpus.index)
    reasons[corpus["path"] == ""] = "no image path"
    reasons[corpus["timestamp"].isna()] = "timestamp is missing or not a date"
    reasons[time_only] = "timestamp is a time of day without a date"
    reasons[~np.isfinite(corpus["engagement"]) | (corpus["engagement"] < 0)] = (
        "engagement must be a number of at least 0 (likes, shares...)")
    reasons[corpus["engagement"].isna()] = "engagement is missing or not a number"
    if check_files:
        absent = [(p != "") and not Path(p).is_file() for p in corpus["path"]]
        reasons[np.array(absent) & (reasons == "")] = "image file not found"
    skipped = [f"{source}, row {i + 2} ({corpus.at[i, 'path'] or 'no path'}): {why}"
               for i, why in reasons.items() if why]
    corpus = corpus[reasons == ""].sort_values("timestamp", kind="stable").reset_index(drop=True)
    corpus.attrs["skipped"] = skipped
    return corpus


def parse_timestamps(values) -> pd.Series:
    """Dates and times as naive UTC: "+05:00" and "Z" stamps are converted, stamps without an offset are
    taken as UTC, so posts exported from different time zones sort and bin together; unreadable ones NaT."""
    return pd.to_datetime(values, errors="coerce", format="mixed", utc=True).dt.tz_localize(None)


def _resolve(path, root) -> str:
    if not isinstance(path, str) or not path.strip():
        return ""
    path = Path(path.strip())
    return str(path if path.is_absolute() else (Path(root) / path).resolve())


def tag_share(corpus: pd.DataFrame, looks: dict, freq="4W") -> pd.DataFrame:
    """Share of the posts in each period (pandas `freq`) that carry all the tags of each named look,
    e.g. looks={"red dress": ["dress", "red"]}: one column per look, one row per period."""
    periods = corpus["timestamp"].dt.to_period(freq).dt.start_time
    columns = {name: corpus["tags"].apply(lambda t, need=frozenset(tags): need.issubset(t))
               for name, tags in looks.items()}
    return pd.DataFrame(columns).groupby(periods.to_numpy()).mean()
