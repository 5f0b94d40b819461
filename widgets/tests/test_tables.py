"""DataFrame <-> Orange Table helpers: set tables look to Orange like Import Images' output."""

import numpy as np
import pandas as pd
import pytest
from orangecontrib.imageanalytics.utils.image_utils import filter_image_attributes

from fashion_ai.consumer_shop import sample_set, sample_set_path
from fashion_ai_widgets import tables


def test_set_table_has_an_image_column_like_import_images():
    df = sample_set()
    table = tables.set_to_table(df)
    image = filter_image_attributes(table)[0]
    assert image.name == "image" and image.attributes["type"] == "image"
    assert image.attributes["origin"] == str(sample_set_path().parent)
    assert not table[0][image].value.startswith("/")
    assert table.domain.class_var.name == "category" and len(table.domain.class_var.values) == 10
    assert [m.name for m in table.domain.metas] == ["item_id", "domain", "image"]
    assert tables.image_paths(table) == list(df["path"])


def test_set_table_round_trip():
    df = sample_set().head(9)
    pd.testing.assert_frame_equal(tables.table_to_set(tables.set_to_table(df)), df)


def test_set_without_categories_has_no_class(tmp_path):
    df = pd.DataFrame({"item_id": ["a", "a"], "domain": ["shop", "consumer"],
                       "path": [str(tmp_path / "a/shop/1.jpg"), str(tmp_path / "a/consumer/2.jpg")],
                       "category": ["", ""]})
    table = tables.set_to_table(df)
    assert table.domain.class_var is None
    assert tables.table_to_set(table)["category"].tolist() == ["", ""]


def test_frame_to_table_types():
    df = pd.DataFrame({"x": [1.0, 2.0, np.nan], "name": ["a", "b", "c"], "kind": ["u", "v", ""]})
    table = tables.frame_to_table(df, class_column="kind")
    assert [a.name for a in table.domain.attributes] == ["x"]
    assert table.domain.class_var.values == ("u", "v")
    assert np.isnan(table.Y[2]) and np.isnan(table.X[2, 0])
    back = tables.table_to_frame(table)
    assert back["name"].tolist() == ["a", "b", "c"]


def test_table_without_image_column_is_refused():
    table = tables.frame_to_table(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ValueError, match="no image column"):
        tables.image_paths(table)
    with pytest.raises(ValueError, match="needs an image column"):
        tables.table_to_set(table)
