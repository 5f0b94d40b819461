"""Hierarchical clustering of embeddings and its measures, on vectors where the answer is known."""

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from fashion_ai.clustering import (co_clustering, cluster_scores, condensed_distances, cut_tree,
                                   linkage_matrix, purity, same_item_distances, scores_by_cut)


@pytest.fixture
def blobs():
    """Three tight, well separated groups of 5 points in 16-d (rows interleaved, away from the origin)."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 10 + 20
    groups = np.tile(np.arange(3), 5)
    return (centres[groups] + rng.normal(size=(15, 16)) * 0.1).astype(np.float32), groups


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_blockwise_distances_equal_scipys(blobs, metric):
    x, _ = blobs
    # float32 products: close pairs carry a relative error of about 1e-4, harmless for the merge order
    assert np.allclose(condensed_distances(x, metric, block=4), pdist(x.astype(float), metric), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("method", ["ward", "average", "complete"])
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_three_blobs_give_three_clusters(blobs, method, metric):
    x, groups = blobs
    labels = cut_tree(linkage_matrix(x, method, metric), n_clusters=3)
    assert len(set(labels)) == 3
    assert all(len(set(labels[groups == g])) == 1 for g in range(3))


def test_average_linkage_matches_scipy_on_the_same_distances(blobs):
    x, _ = blobs
    assert np.allclose(linkage_matrix(x, "average", "euclidean"),
                       hierarchy.linkage(pdist(x.astype(float)), "average"), rtol=1e-3)


def test_cut_by_height_and_bad_arguments(blobs):
    z = linkage_matrix(blobs[0], "average", "euclidean")
    assert cut_tree(z, height=z[-2, 2] + 1e-6).max() == 2  # above every merge but the last
    assert cut_tree(z, height=z[-3, 2] + 1e-6).max() == 3
    with pytest.raises(ValueError):
        cut_tree(z)
    with pytest.raises(ValueError, match="NaN"):
        linkage_matrix(np.array([[1.0, np.nan], [0, 1], [1, 1]]))
    with pytest.raises(ValueError, match="linkage"):
        linkage_matrix(blobs[0], "centroid")


def test_measures_on_a_known_cut():
    items = ["a", "a", "a", "b", "b", "c", "c"]
    domains = ["shop", "consumer", "consumer", "shop", "consumer", "shop", "consumer"]
    categories = ["dress", "dress", "dress", "dress", "dress", "bag", "bag"]
    labels = np.array([1, 1, 2, 2, 2, 3, 1])
    per_item = co_clustering(labels, items, domains).set_index("item_id")
    assert per_item.loc["a", "together"] == 1 and not per_item.loc["a", "all_together"]
    assert per_item.loc["b", "all_together"] and per_item.loc["c", "together"] == 0
    assert purity(labels, categories) == pytest.approx(6 / 7)
    scores = cluster_scores(labels, items, domains, categories)
    assert scores["clusters"] == 3
    assert scores["items_all_together"] == pytest.approx(1 / 3)
    assert scores["consumer_with_shop"] == pytest.approx(2 / 4)
    assert scores["adjusted_rand"] < 1
    assert cluster_scores(np.array([1, 1, 1, 1, 1, 2, 2]), items, domains, categories)["adjusted_rand"] == 1


def test_same_item_distances_split_the_pairs():
    vectors = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]], dtype=np.float32)
    same, other = same_item_distances(vectors, ["a", "a", "b", "b"], ["shop", "consumer", "shop", "consumer"])
    assert len(same) == 2 and len(other) == 2
    assert same.max() < 0.01 < 0.9 < other.min()


def test_scores_by_cut_follow_the_tree(blobs):
    x, groups = blobs
    items = [f"item{g}" for g in groups]
    domains = ["shop" if i < 3 else "consumer" for i in range(15)]
    table = scores_by_cut(linkage_matrix(x), [1, 3, 15], items, domains, groups)
    assert table["clusters"].tolist() == [1, 3, 15]
    assert table["items_all_together"].tolist() == [1.0, 1.0, 0.0]
    assert table["purity"].tolist() == [pytest.approx(1 / 3), 1.0, 1.0]
