"""Agglomerative (hierarchical) clustering of embeddings, and what a student wants to know about it.

`linkage_matrix` builds the merge tree (scipy's format) with ward, average or complete linkage on cosine or
euclidean distances; `cut_tree` cuts it into clusters by number or by height. The measures say how well
the clusters follow what we know about the photos: do an item's consumer and shop photos land together
(`co_clustering`), how pure are the clusters in garment category (`purity`, `majority_categories`), and the
adjusted Rand index.

Distances are computed with matrix products in float32, one block of rows at a time, straight into the
condensed (upper-triangle) float64 array scipy's linkage works on: no square n x n matrix is ever built,
which keeps 20,000 embeddings at about 3 GB instead of three times that.
"""

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from sklearn.metrics import adjusted_rand_score

METHODS = ("ward", "average", "complete")
METRICS = ("cosine", "euclidean")


def condensed_distances(vectors, metric="cosine", block=1024) -> np.ndarray:
    """Pairwise distances of the rows in scipy's condensed form (float64, length n(n-1)/2).

    cosine: 1 - cos(x, y); euclidean: |x - y|. Rows are centred first (distances do not change, rounding
    errors shrink)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {METRICS}")
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError("need a 2-d array with at least two rows to cluster")
    if not np.isfinite(x).all():
        raise ValueError("the vectors contain NaN or infinite values (a skipped image?); drop those rows first")
    if metric == "cosine":
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    else:
        x = x - x.mean(axis=0)
    n = len(x)
    sq = np.einsum("ij,ij->i", x, x)
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    start = 0
    for a in range(0, n - 1, block):
        b = min(a + block, n - 1)
        gram = x[a:b] @ x[a + 1:].T  # row r of the block against every later row (and some earlier ones)
        for r in range(a, b):
            dots = gram[r - a, r - a:]
            if metric == "cosine":
                d = 1.0 - dots
            else:
                d = np.sqrt(np.maximum(sq[r] + sq[r + 1:] - 2.0 * dots, 0.0))
            out[start:start + len(d)] = d
            start += len(d)
    return np.maximum(out, 0.0, out=out)


def linkage_matrix(vectors, method="ward", metric="cosine") -> np.ndarray:
    """scipy linkage matrix Z ((n-1) x 4) of the rows of `vectors`.

    Ward linkage needs euclidean geometry: with metric="cosine" it runs on the rows scaled to unit length,
    whose euclidean distance sqrt(2 - 2 cos) orders pairs exactly as the cosine distance does."""
    if method not in METHODS:
        raise ValueError(f"unknown linkage {method!r}; choose one of {METHODS}")
    if method == "ward" and metric == "cosine":
        x = np.asarray(vectors, dtype=np.float32)
        unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        distances = condensed_distances(unit, "euclidean")
    else:
        distances = condensed_distances(vectors, metric)
    return hierarchy.linkage(distances, method=method)


def cut_tree(z, n_clusters=None, height=None) -> np.ndarray:
    """Cluster labels 1..k: cut into `n_clusters` clusters, or at merge `height`."""
    if (n_clusters is None) == (height is None):
        raise ValueError("give either n_clusters or height")
    if n_clusters is not None:
        return hierarchy.fcluster(z, t=n_clusters, criterion="maxclust")
    return hierarchy.fcluster(z, t=height, criterion="distance")


def co_clustering(labels, items, domains) -> pd.DataFrame:
    """Per item: how many of its consumer photos share a cluster with one of its shop photos.

    Columns item_id, consumer, together (consumer photos in a cluster with a shop photo of the item),
    all_together (bool). Items without both sides are left out."""
    df = pd.DataFrame({"item_id": np.asarray(items), "domain": np.asarray(domains), "cluster": labels})
    rows = []
    for item, photos in df.groupby("item_id", sort=False):
        shop = set(photos.loc[photos["domain"] == "shop", "cluster"])
        consumer = photos.loc[photos["domain"] == "consumer", "cluster"]
        if not shop or consumer.empty:
            continue
        together = int(consumer.isin(shop).sum())
        rows.append((item, len(consumer), together, together == len(consumer)))
    return pd.DataFrame(rows, columns=["item_id", "consumer", "together", "all_together"])


def majority_categories(labels, categories) -> np.ndarray:
    """Per photo, the most common category of its cluster: what each photo is called when every cluster is
    named after its majority, so the photos called wrongly show which categories the clusters mix."""
    labels = np.asarray(labels)
    table = pd.crosstab(labels, np.asarray(categories))
    return table.idxmax(axis=1).loc[labels].to_numpy()


def purity(labels, categories) -> float:
    """Share of photos whose cluster's most common category is their own (1.0 = every cluster one category)."""
    return float(np.mean(majority_categories(labels, categories) == np.asarray(categories)))


def cluster_scores(labels, items=None, domains=None, categories=None) -> dict:
    """The headline numbers of one cut: the number of clusters; with `items` and `domains`, consumer/shop
    co-clustering; with `categories` (e.g. garment classes), purity and the adjusted Rand index."""
    scores = {"clusters": int(len(np.unique(labels)))}
    if items is not None:
        together = co_clustering(labels, items, domains)
        scores["items_all_together"] = float(together["all_together"].mean()) if len(together) else float("nan")
        scores["consumer_with_shop"] = float(together["together"].sum() / max(together["consumer"].sum(), 1))
    if categories is not None:
        scores["purity"] = purity(labels, categories)
        scores["adjusted_rand"] = float(adjusted_rand_score(np.asarray(categories), labels))
    return scores


def same_item_distances(vectors, items, domains):
    """Cosine distances consumer -> shop, split into (same item, other items): how far apart the two
    worlds put one garment, compared with how far apart different garments are."""
    from .retrieval import unit_rows

    items, domains = np.asarray(items), np.asarray(domains)
    consumer, shop = domains == "consumer", domains == "shop"
    distances = 1.0 - unit_rows(vectors[consumer]) @ unit_rows(vectors[shop]).T
    same = items[consumer][:, None] == items[shop][None, :]
    return distances[same], distances[~same]


def same_group_distances(vectors, groups):
    """Cosine distances of all pairs of rows, split into (same group, different groups): do photos of one
    class (or of any grouping) sit closer together than photos of different ones?"""
    groups = np.asarray(groups)
    first, second = np.triu_indices(len(groups), k=1)  # scipy's condensed order
    same = groups[first] == groups[second]
    distances = condensed_distances(vectors, "cosine")
    return distances[same], distances[~same]


def scores_by_cut(z, cluster_counts, items=None, domains=None, categories=None) -> pd.DataFrame:
    """`cluster_scores` for the tree cut into each of `cluster_counts` clusters: one row per cut."""
    return pd.DataFrame([cluster_scores(cut_tree(z, n_clusters=n), items, domains, categories)
                         for n in cluster_counts])
