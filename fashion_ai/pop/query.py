"""Tag expansion and time-bounded queries: which corpus posts count as "like the probe" in each interval.

Expansion rule (documented, so a student can redo it by hand):
- the probe's category tag is the anchor; its other tags (colour, pattern...) are its attributes;
- positive tags = the probe's tags; a post is a *positive* when it carries the category tag and at least one
  of the probe's attribute tags (with no category tag known, any attribute tag);
- negative tags = the contrasting attributes: the vocabulary's colours and patterns that the probe does not
  have (pass your own `vocabulary` for a corpus with other attribute tags); a post is a *negative* when it
  carries the category tag, a contrasting tag and none of the probe's attribute tags.
Generic tags that fit every look (#ootd, #fashion...) are ignored by both queries.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..datasets.garments import COLORS, PATTERNS

#: Tags that say something about a garment's look; the rest (#ootd...) are generic and ignored.
ATTRIBUTE_VOCABULARY = frozenset(COLORS) | frozenset(PATTERNS)


@dataclass
class TagSets:
    """The expanded query: anchor category tag (or None), the probe's attribute tags, contrasting tags."""

    category: str
    positive: list
    negative: list

    def describe(self) -> str:
        anchor = f"#{self.category} and " if self.category else ""
        return (f"positive: {anchor}any of {' '.join('#' + t for t in self.positive)}; "
                f"negative: {anchor}any of {' '.join('#' + t for t in self.negative)}, none of the positive")


def expand_tags(tags: dict, vocabulary=ATTRIBUTE_VOCABULARY) -> TagSets:
    """Positive and negative tag sets from a probe's {attribute: [tags]} (see the module's rule)."""
    category = (tags.get("category") or [None])[0]
    positive = sorted({t for attribute, values in tags.items() if attribute != "category" for t in values})
    negative = sorted(set(vocabulary) - set(positive))
    return TagSets(category, positive, negative)


def interval_bounds(release, intervals: int, window=pd.Timedelta(weeks=52)) -> list:
    """The K (start, end) periods that split [release - window, release) evenly, oldest first."""
    if intervals < 1:
        raise ValueError(f"the number of intervals must be at least 1, not {intervals}")
    release = pd.Timestamp(release)
    edges = [release - window + window * k / intervals for k in range(intervals + 1)]
    return list(zip(edges[:-1], edges[1:]))


def match_posts(corpus: pd.DataFrame, tag_sets: TagSets):
    """Boolean masks (positive, negative) over the corpus rows, ignoring time."""
    positive_tags, negative_tags = set(tag_sets.positive), set(tag_sets.negative)
    pos, neg = [], []
    for post_tags in corpus["tags"]:
        post_tags = set(post_tags)
        anchored = tag_sets.category is None or tag_sets.category in post_tags
        liked = bool(post_tags & positive_tags)
        pos.append(anchored and liked)
        neg.append(anchored and tag_sets.category is not None and not liked and bool(post_tags & negative_tags))
    return np.array(pos, bool), np.array(neg, bool)


def in_interval(corpus: pd.DataFrame, start, end) -> np.ndarray:
    """Boolean mask of the posts dated in [start, end)."""
    times = corpus["timestamp"]
    return ((times >= start) & (times < end)).to_numpy()
