"""Consumer-to-shop retrieval on toy vectors where every answer is known."""

import numpy as np
import pandas as pd
import pytest

from fashion_ai.retrieval import first_hit_ranks, retrieve, topk_accuracy


def test_topk_on_hand_made_vectors():
    gallery = np.eye(4, dtype=np.float32)  # shop photos of items a, b, c, d along the axes
    queries = np.array([[1, 0.1, 0, 0],       # a: first
                        [0.9, 0.5, 0, 0],     # b: second (a is closer)
                        [0.5, 0.4, 0.3, 0],   # c: third
                        [0, 0, 0, -1]],       # d: last
                       dtype=np.float32)
    ranks, order, sims = first_hit_ranks(queries, list("abcd"), gallery, list("abcd"))
    assert ranks.tolist() == [1, 2, 3, 4]
    assert order[1, :2].tolist() == [0, 1] and sims[0, 0] == pytest.approx(1 / np.sqrt(1.01), abs=1e-6)
    assert topk_accuracy(queries, list("abcd"), gallery, list("abcd"), ks=(1, 2, 3, 4)) == {
        1: 0.25, 2: 0.5, 3: 0.75, 4: 1.0}


def test_scale_does_not_matter_cosine():
    gallery = np.eye(3, dtype=np.float32) * [1, 50, 0.01]
    queries = np.array([[0.2, 0, 0], [0, 0, 7]], dtype=np.float32)
    assert topk_accuracy(queries, ["x", "z"], gallery, ["x", "y", "z"], ks=(1,)) == {1: 1.0}


def test_retrieve_on_a_set_table_skips_nan_rows_and_items_without_a_shop_photo():
    table = pd.DataFrame({
        "item_id": ["a", "a", "b", "b", "c", "d"],
        "domain": ["shop", "consumer", "shop", "consumer", "consumer", "shop"],
        "path": [f"p{i}.jpg" for i in range(6)],
    })
    vectors = np.array([[1, 0, 0], [1, 0.2, 0], [0, 1, 0], [1, 0.1, 0], [0, 0, 1], [np.nan] * 3])
    result = retrieve(table, vectors)
    assert result.queries.tolist() == [1, 3]  # c has no shop photo; d's shop photo could not be embedded
    assert result.gallery.tolist() == [0, 2]
    assert result.ranks.tolist() == [1, 2]
    assert result.summary("toy") == {"model": "toy", "queries": 2, "gallery": 2,
                                     "top1": 0.5, "top5": 1.0, "top10": 1.0, "top20": 1.0}
    assert result.failures(1).tolist() == [1]
    matches = result.matches(table, k=2)
    assert matches.loc[(matches["query"] == 3) & (matches["rank"] == 2), "correct"].item()
    assert matches.loc[(matches["query"] == 3) & (matches["rank"] == 1), "match_item"].item() == "a"


def test_retrieve_refuses_mismatched_or_empty_input():
    table = pd.DataFrame({"item_id": ["a", "a"], "domain": ["consumer", "consumer"], "path": ["x", "y"]})
    with pytest.raises(ValueError, match="gallery"):
        retrieve(table, np.ones((2, 3)))
    with pytest.raises(ValueError, match="every row"):
        retrieve(table, np.ones((3, 3)))


def test_domain_spelling_and_repeated_rows_do_not_change_the_result():
    """`Shop ` is read as shop (as the set checker reads it), and a row listed twice counts once."""
    table = pd.DataFrame({
        "item_id": ["a", "a", "b", "b", "b"],
        "domain": ["Shop ", "consumer", "SHOP", "Consumer", "Consumer"],
        "path": ["a-shop.jpg", "a-con.jpg", "b-shop.jpg", "b-con.jpg", "b-con.jpg"],
    })
    vectors = np.array([[1, 0], [1, 0.1], [0, 1], [1, 0.2], [1, 0.2]])
    result = retrieve(table, vectors)
    assert result.gallery.tolist() == [0, 2]
    assert result.queries.tolist() == [1, 3]        # the repeated row 4 is not a second query
    assert result.accuracy()[1] == 0.5


def test_a_gallery_of_one_item_is_refused():
    table = pd.DataFrame({"item_id": ["a", "a"], "domain": ["shop", "consumer"], "path": ["s", "c"]})
    with pytest.raises(ValueError, match="at least two items"):
        retrieve(table, np.ones((2, 3)))
