"""The POP signal: K numbers saying how popular a probe's look was in each of the K intervals before release.

For each interval: query the positives and negatives (fashion_ai.pop.query), train the fashionable /
unfashionable classifier and prune noisy posts (fashion_ai.pop.pruning), then

    POP_k = sum over kept positives i of  (1 + cos(P(probe), P(x_i))) / 2 * engagement_i
            ---------------------------------------------------------------------------
                         sum of the engagement of every post in the interval

where P is the interval's learned projection. In words: the share of the interval's attention (likes) that
went to posts found for the probe's tags and kept by the classifier, each counted by how much it looks like
the probe in the way that matters for being fashionable (1 = same direction, 1/2 = unrelated, 0 = opposite).
It is 0 when nothing like the probe was posted, and grows with how much of the feed's attention such looks
got. The cosine is rescaled rather than clipped at 0, so that one noisy cosine cannot erase a well-liked
post.

Embeddings come from the kit's embedders (fashion_ai.embedding, cached on disk) and are reduced to a few
dozen principal components of the corpus, so each small classifier fits in milliseconds.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..datasets import social_feed
from .pruning import prune_noisy
from .features import Reducer, image_features, pack_path, save_pack
from .query import TagSets, expand_tags, in_interval, interval_bounds, match_posts

DEFAULT_MODEL = "efficientnet-lite0"
DEFAULT_INTERVALS = 8
DEFAULT_WINDOW = pd.Timedelta(weeks=52)
PCA_DIMS = 48
EXAMPLES = 8


@dataclass
class IntervalStage:
    """What happened in one interval: counts at each stage, the value, and example corpus rows."""

    start: pd.Timestamp
    end: pd.Timestamp
    posts: int
    positives_found: int
    negatives_found: int
    positives_kept: int
    negatives_kept: int
    classifier_trained: bool
    value: float
    kept_examples: list = field(default_factory=list)  # corpus rows of kept positives, most similar first
    pruned_examples: list = field(default_factory=list)  # corpus rows of pruned posts (either class)

    @property
    def positives_pruned(self):
        return self.positives_found - self.positives_kept

    @property
    def negatives_pruned(self):
        return self.negatives_found - self.negatives_kept


@dataclass
class PopResult:
    """A probe's POP signal with every stage kept for inspection."""

    tags: dict
    tag_sets: TagSets
    release: pd.Timestamp
    stages: list

    @property
    def values(self) -> np.ndarray:
        return np.array([s.value for s in self.stages])

    def stage_table(self) -> pd.DataFrame:
        """One row per interval: dates, counts found / kept / pruned, classifier trained, POP value."""
        rows = [{"start": s.start.date(), "end": s.end.date(), "posts": s.posts,
                 "positives found": s.positives_found, "positives kept": s.positives_kept,
                 "positives pruned": s.positives_pruned, "negatives found": s.negatives_found,
                 "negatives kept": s.negatives_kept, "negatives pruned": s.negatives_pruned,
                 "classifier": s.classifier_trained, "pop": s.value} for s in self.stages]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """Plain JSON-ready summary (what `fashion-ai pop --json` prints)."""
        return {
            "tags": self.tags,
            "positive_tags": self.tag_sets.positive, "negative_tags": self.tag_sets.negative,
            "category_tag": self.tag_sets.category,
            "release": self.release.isoformat(),
            "intervals": [{"start": s.start.isoformat(), "end": s.end.isoformat(), "posts": s.posts,
                           "positives_found": s.positives_found, "positives_kept": s.positives_kept,
                           "negatives_found": s.negatives_found, "negatives_kept": s.negatives_kept,
                           "classifier_trained": s.classifier_trained} for s in self.stages],
            "pop": [round(float(v), 6) for v in self.values],
        }


class EmbeddedCorpus:
    """A dated corpus with one reduced embedding per post. Build once (`build`), then ask for as many
    probes' signals as needed."""

    def __init__(self, corpus: pd.DataFrame, vectors: np.ndarray, reducer: Reducer, skipped=(), pack=None):
        self.corpus = corpus.reset_index(drop=True)
        self.vectors = np.asarray(vectors, np.float64)
        self.reducer = reducer
        self.skipped = list(skipped)
        self.pack = pack  # the feature pack the reducer came from (probes may be in it too)

    @classmethod
    def build(cls, corpus: pd.DataFrame, model=DEFAULT_MODEL, dims=PCA_DIMS, pack=None, progress=None,
              cancel=None, show_bar=False) -> "EmbeddedCorpus":
        """Embed every post (a feature `pack` saves the work); posts whose image cannot be read are dropped
        and listed in `skipped`."""
        if len(corpus) < 3:
            raise ValueError(f"the corpus has only {len(corpus)} post(s); POP needs more")
        features = image_features(corpus["path"], model, dims, pack=pack, progress=progress, cancel=cancel,
                                  show_bar=show_bar)
        if len(features.kept) < 3:
            raise ValueError(f"only {len(features.kept)} corpus image(s) could be read; POP needs more")
        return cls(corpus.iloc[features.kept], features.vectors, features.reducer, features.skipped,
                   features.pack)

    def embed_probes(self, paths) -> np.ndarray:
        """Reduced embeddings of probe images, (N, dims); NaN rows for images that cannot be read."""
        features = image_features(paths, self.reducer.model, reducer=self.reducer, pack=self.pack)
        out = np.full((len(paths), self.vectors.shape[1]), np.nan)
        out[features.kept] = features.vectors
        return out

    def with_corpus(self, corpus: pd.DataFrame) -> "EmbeddedCorpus":
        """The same embeddings over a re-dated copy of the corpus (same rows, e.g. a shuffled control)."""
        if len(corpus) != len(self.corpus):
            raise ValueError(f"the new corpus has {len(corpus)} rows, the embedded one {len(self.corpus)}")
        return EmbeddedCorpus(corpus, self.vectors, self.reducer, self.skipped, self.pack)

    def signal(self, probe_vector, tags: dict, release, intervals=DEFAULT_INTERVALS,
               window=DEFAULT_WINDOW, seed=0) -> PopResult:
        """The probe's POP signal over `intervals` periods splitting the `window` before `release`.

        `probe_vector` None (a product known only by its technical sheet) counts every kept positive as
        fully similar, so the signal is the attention share of the kept positives."""
        if probe_vector is not None and not np.all(np.isfinite(probe_vector)):
            raise ValueError("the probe has no embedding (its image could not be read)")
        from threadpoolctl import threadpool_limits

        tag_sets = expand_tags(tags)
        positive, negative = match_posts(self.corpus, tag_sets)
        release = pd.Timestamp(release)
        with threadpool_limits(1):  # tiny matrices: thread start-up would cost more than the maths
            stages = [self._interval(probe_vector, positive, negative, start, end, seed)
                      for start, end in interval_bounds(release, intervals, window)]
        return PopResult(tags, tag_sets, release, stages)

    def _interval(self, probe, positive, negative, start, end, seed) -> IntervalStage:
        inside = in_interval(self.corpus, start, end)
        rows = np.flatnonzero(inside & (positive | negative))
        labels = positive[rows].astype(int)
        pruning = prune_noisy(self.vectors[rows], labels, seed)
        kept_pos = rows[pruning.keep & (labels == 1)]
        similarity = np.ones(len(kept_pos))
        if pruning.classifier is not None and len(kept_pos) and probe is not None:
            similarity = (1 + _cosine(pruning.classifier.project(np.asarray(probe)[None]),
                                      pruning.classifier.project(self.vectors[kept_pos]))) / 2
        engagement = self.corpus["engagement"].to_numpy(float)
        total = engagement[inside].sum()
        value = float((similarity * engagement[kept_pos]).sum() / total) if total > 0 else 0.0
        return IntervalStage(
            start, end, int(inside.sum()), int(labels.sum()), int((labels == 0).sum()),
            len(kept_pos), int((pruning.keep & (labels == 0)).sum()), pruning.classifier is not None, value,
            kept_examples=[int(r) for r in kept_pos[np.argsort(-similarity)][:EXAMPLES]],
            pruned_examples=[int(r) for r in rows[~pruning.keep][:EXAMPLES]])


def _cosine(a, b) -> np.ndarray:
    """Cosine similarity of the single row of `a` with each row of `b`."""
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (b @ a[0]) / np.maximum(norms, 1e-12)


def write_feed_pack(folder=None, model=DEFAULT_MODEL) -> Path:
    """Embed the sample feed's posts and probes once and store their reduced vectors (pop.features), so POP
    on the sample feed needs no CNN run."""
    folder = Path(folder) if folder else social_feed.feed_dir()
    corpus, probes = social_feed.load_feed(folder)
    embedded = EmbeddedCorpus.build(corpus, model=model, show_bar=True)
    pack = pack_path(folder, model)
    paths = list(embedded.corpus["path"]) + list(probes["path"])
    save_pack(pack, embedded.reducer, paths, np.vstack([embedded.vectors, embedded.embed_probes(probes["path"])]))
    return pack
