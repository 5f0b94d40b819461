"""The trend recommender ranks catalogue items by how often and how closely trendy photos retrieve them."""

import numpy as np
import pytest

from fashion_ai.trends import rank_catalogue, trendy_posts


def noisy_copies(vector, n, rng, noise=0.05):
    return vector + noise * rng.standard_normal((n, len(vector)))


def test_items_retrieved_more_often_rank_higher():
    rng = np.random.default_rng(0)
    catalogue = rng.standard_normal((6, 32))
    items = ["a", "b", "c", "d", "e", "f"]
    trendy = np.vstack([noisy_copies(catalogue[0], 5, rng), noisy_copies(catalogue[1], 3, rng),
                        noisy_copies(catalogue[2], 1, rng)])
    table = rank_catalogue(trendy, catalogue, items, k=1)
    assert list(table["item"][:3]) == ["a", "b", "c"]
    assert list(table["first"][:3]) == [5, 3, 1]
    assert (table["score"][3:] == 0).all() and (table["hits"][3:] == 0).all()


def test_closer_matches_score_higher_at_equal_counts():
    rng = np.random.default_rng(1)
    catalogue = rng.standard_normal((4, 16))
    trendy = np.vstack([noisy_copies(catalogue[0], 3, rng, 0.02), noisy_copies(catalogue[1], 3, rng, 0.6)])
    table = rank_catalogue(trendy, catalogue, ["near", "far", "x", "y"], k=1)
    assert list(table["item"][:2]) == ["near", "far"]
    assert table["mean_similarity"][0] > table["mean_similarity"][1]


def test_an_item_counts_its_best_photo_and_ranks_reward_the_top():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((3, 8))
    catalogue = np.vstack([base[0], -base[0], base[1], base[2]])  # item "a" has two photos
    table = rank_catalogue(noisy_copies(base[0], 4, rng), catalogue, ["a", "a", "b", "c"], k=3)
    assert len(table) == 3 and table["item"][0] == "a"
    assert table["hits"][0] == 4 and table["first"][0] == 4
    # ranks 2 and 3 contribute at most half / a third of their similarity
    assert table["score"][0] > 2 * table["score"][1]


def test_mismatched_embeddings_are_refused():
    with pytest.raises(ValueError, match="same model"):
        rank_catalogue(np.ones((2, 4)), np.ones((3, 5)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="at least one"):
        rank_catalogue(np.ones((0, 4)), np.ones((3, 4)), ["a", "b", "c"])


def test_trendy_posts_are_recent_and_popular():
    import pandas as pd

    corpus = pd.DataFrame({
        "timestamp": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"]),
        "engagement": [1000, 10, 20, 30, 40],
    })
    picked = trendy_posts(corpus, weeks=2, top_share=0.5)
    assert list(picked["engagement"]) == [30, 40]  # the old viral post is not "now"
