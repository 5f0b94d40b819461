"""Trend recommender ("winning designs"): which catalogue items do trendy street/social photos look like?

Every trendy photo queries the catalogue as a consumer photo queries a shop gallery. An item scores when it
comes up in a photo's top `k`, more when it comes up near the top and when the match is close:

    score(item) = sum over trendy photos p with rank_p(item) <= k of  max(sim(p, item), 0) / rank_p(item)

where sim is the cosine similarity of the embeddings (an item with several catalogue photos counts its
closest one) and rank 1 is the best match. An item that many trendy photos retrieve first, closely, is
a winning design; one that no trendy photo retrieves scores 0.
"""

import numpy as np
import pandas as pd

from .retrieval import unit_rows


def item_similarity(trendy, catalogue, catalogue_items):
    """(photos, items) cosine similarity of each trendy photo to each catalogue item (best photo of the
    item), and the item labels in column order."""
    sims = unit_rows(trendy) @ unit_rows(catalogue).T
    items, column = np.unique(np.asarray(catalogue_items), return_inverse=True)
    best = np.full((len(sims), len(items)), -np.inf, dtype=np.float32)
    for j in range(len(items)):
        best[:, j] = sims[:, column == j].max(axis=1)
    return best, items


def rank_catalogue(trendy, catalogue, catalogue_items, k=5) -> pd.DataFrame:
    """Catalogue items ranked by trend score (see the module docstring), best first.

    trendy: (P, d) embeddings of trendy photos; catalogue: (C, d) embeddings of shop photos;
    catalogue_items: (C,) item id of each shop photo. Columns: item, score, hits (trendy photos that
    retrieve the item in their top k), first (photos that retrieve it first), mean_similarity (over hits).
    """
    trendy, catalogue = np.asarray(trendy), np.asarray(catalogue)
    if len(trendy) == 0 or len(catalogue) == 0:
        raise ValueError("need at least one trendy photo and one catalogue photo")
    if trendy.shape[1] != catalogue.shape[1]:
        raise ValueError(f"trendy photos have {trendy.shape[1]}-d embeddings but the catalogue has "
                         f"{catalogue.shape[1]}-d ones: embed both with the same model")
    best, items = item_similarity(trendy, catalogue, catalogue_items)
    order = np.argsort(-best, axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(len(best))[:, None], order] = np.arange(1, best.shape[1] + 1)
    hit = rank <= k
    contribution = np.where(hit, np.maximum(best, 0) / rank, 0.0)
    hits = hit.sum(axis=0)
    table = pd.DataFrame({
        "item": items,
        "score": contribution.sum(axis=0),
        "hits": hits,
        "first": (rank == 1).sum(axis=0),
        "mean_similarity": np.where(hits > 0, np.where(hit, best, 0).sum(axis=0) / np.maximum(hits, 1), np.nan),
    })
    return table.sort_values(["score", "hits"], ascending=False, kind="stable").reset_index(drop=True)


def trendy_posts(corpus: pd.DataFrame, weeks=8, top_share=0.5) -> pd.DataFrame:
    """The photos that stand for "what is trendy now" in a dated corpus (columns timestamp, engagement):
    posts of the last `weeks` weeks whose engagement is in the top `top_share` of those weeks."""
    recent = corpus[corpus["timestamp"] > corpus["timestamp"].max() - pd.Timedelta(weeks=weeks)]
    return recent[recent["engagement"] >= recent["engagement"].quantile(1 - top_share)]
