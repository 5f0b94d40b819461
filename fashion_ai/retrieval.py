"""Consumer-to-shop retrieval, as in DeepFashion's consumer-to-shop benchmark.

Every consumer photo is a query; the gallery is every shop photo of the set. The gallery is ranked by
cosine similarity to the query, and a query counts as found at k when a shop photo of its own item is among
the first k. Top-k accuracy is the share of queries found at k (k = 1, 5, 10, 20). Queries of items with no
shop photo cannot be found and are left out, as in the benchmark.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

KS = (1, 5, 10, 20)


def unit_rows(x) -> np.ndarray:
    """Rows scaled to length 1 (so dot products are cosine similarities)."""
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def first_hit_ranks(query_vecs, query_items, gallery_vecs, gallery_items):
    """For each query: the 1-based rank of the first gallery photo of its own item (cosine similarity,
    ties broken by gallery order), and the gallery order best first, (queries, gallery)."""
    sims = unit_rows(query_vecs) @ unit_rows(gallery_vecs).T
    order = np.argsort(-sims, axis=1, kind="stable")
    match = np.asarray(gallery_items)[order] == np.asarray(query_items)[:, None]
    ranks = np.where(match.any(axis=1), match.argmax(axis=1) + 1, np.iinfo(np.int64).max)
    return ranks, order, np.take_along_axis(sims, order, axis=1)


def topk_accuracy(query_vecs, query_items, gallery_vecs, gallery_items, ks=KS) -> dict:
    """{k: share of queries with a photo of their item in the top k} (cosine similarity)."""
    ranks, _, _ = first_hit_ranks(query_vecs, query_items, gallery_vecs, gallery_items)
    return {k: float(np.mean(ranks <= k)) for k in ks}


@dataclass
class Retrieval:
    """A consumer-to-shop run over one set: which rows were queries and gallery, and what came back.

    `queries`/`gallery` are row numbers of the set; `ranks[i]` is the rank at which query i found its item;
    `order[i]` lists gallery positions best first, `similarity[i]` their cosine similarities."""

    queries: np.ndarray
    gallery: np.ndarray
    ranks: np.ndarray
    order: np.ndarray
    similarity: np.ndarray

    def accuracy(self, ks=KS) -> dict:
        """{k: top-k accuracy}."""
        return {k: float(np.mean(self.ranks <= k)) if len(self.ranks) else float("nan") for k in ks}

    def summary(self, model="", ks=KS) -> dict:
        """The numbers `fashion-ai retrieve --json` prints."""
        acc = self.accuracy(ks)
        return {"model": model, "queries": int(len(self.queries)), "gallery": int(len(self.gallery)),
                **{f"top{k}": round(acc[k], 4) for k in ks}}

    def matches(self, table: pd.DataFrame, k=5) -> pd.DataFrame:
        """One row per query and match (rank 1..k): query row, item and path; the match's item, path,
        similarity, and whether it is the query's own item."""
        rows = []
        for i, q in enumerate(self.queries):
            for r in range(min(k, len(self.gallery))):
                g = self.gallery[self.order[i, r]]
                rows.append({
                    "query": int(q), "query_item": table["item_id"].iat[q], "query_path": table["path"].iat[q],
                    "rank": r + 1, "match_item": table["item_id"].iat[g], "match_path": table["path"].iat[g],
                    "similarity": float(self.similarity[i, r]),
                    "correct": table["item_id"].iat[g] == table["item_id"].iat[q],
                })
        return pd.DataFrame(rows)

    def failures(self, k=1) -> np.ndarray:
        """Positions (into `queries`) of the queries not found in the top k, worst first."""
        missed = np.flatnonzero(self.ranks > k)
        return missed[np.argsort(-self.ranks[missed], kind="stable")]


def retrieve(table: pd.DataFrame, vectors) -> Retrieval:
    """Run the consumer-to-shop protocol on a set (columns item_id, domain; one vector per row).

    Rows whose vector has NaN (images that could not be embedded) take part neither as queries nor in the
    gallery; a row repeated (same item, domain and path) counts once; domains are read as the set checker
    reads them ("Shop " is shop)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) != len(table):
        raise ValueError(f"{len(vectors)} vectors for {len(table)} rows: embed every row of the set")
    repeated = table.duplicated(subset=[c for c in ("item_id", "domain", "path") if c in table]).to_numpy()
    ok = np.isfinite(vectors).all(axis=1) & ~repeated
    items = table["item_id"].astype(str).to_numpy()
    domains = table["domain"].astype(str).str.strip().str.lower().to_numpy()
    gallery = np.flatnonzero(ok & (domains == "shop"))
    queries = np.flatnonzero(ok & (domains == "consumer") & np.isin(items, items[gallery]))
    if len(gallery) == 0 or len(queries) == 0:
        raise ValueError("retrieval needs shop photos (the gallery) and consumer photos of the same items")
    if len(set(items[gallery])) < 2:
        raise ValueError("retrieval needs shop photos of at least two items: with one, every query finds it "
                         "first and every top-k accuracy is 1")
    ranks, order, sims = first_hit_ranks(vectors[queries], items[queries], vectors[gallery], items[gallery])
    return Retrieval(queries, gallery, ranks, order, sims)


def self_and_matches(result: Retrieval, position, k):
    """(query row, its top-k gallery rows, their similarities) for one query."""
    k = min(k, len(result.gallery))
    return (result.queries[position], result.gallery[result.order[position, :k]],
            result.similarity[position, :k])
