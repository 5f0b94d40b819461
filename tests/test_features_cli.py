"""`fashion-ai embed` and `fashion-ai retrieve` on a small manifest with one unreadable photo."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from fashion_ai.cli import main
from fashion_ai.consumer_shop import sample_set
from fashion_ai.embedding import _build, embed_paths
from fashion_ai.retrieval import retrieve


@pytest.fixture
def manifest(tmp_path):
    """Four sample items (12 photos) plus a consumer photo that is not an image, as row 3."""
    table = sample_set()
    table = table[table["item_id"].isin(table["item_id"].unique()[::30])].reset_index(drop=True)
    broken = tmp_path / "broken.jpg"
    broken.write_text("not a photo")
    bad_row = pd.DataFrame([{"item_id": table["item_id"].iat[0], "domain": "consumer", "path": str(broken),
                             "category": table["category"].iat[0]}])
    table = pd.concat([table.iloc[:3], bad_row, table.iloc[3:]], ignore_index=True)
    path = tmp_path / "set.csv"
    table.to_csv(path, index=False)
    return path, table


def test_embed_writes_one_row_per_manifest_row(manifest, tmp_path, capsys):
    path, table = manifest
    out = tmp_path / "x.npy"
    assert main(["embed", "--manifest", str(path), "--model", "efficientnet-lite0", "--out", str(out)]) == 0
    x = np.load(out)
    assert x.shape == (len(table), 1280)
    assert np.isnan(x[3]).all() and np.isfinite(np.delete(x, 3, axis=0)).all()
    err = capsys.readouterr().err
    assert "skipped row 3" in err and "broken.jpg" in err


def test_retrieve_prints_the_protocol_numbers_as_json(manifest, capsys):
    path, table = manifest
    assert main(["retrieve", "--manifest", str(path), "--model", "efficientnet-lite0", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    vectors = embed_paths(table["path"], "efficientnet-lite0").full(len(table))
    assert summary == retrieve(table, vectors).summary("efficientnet-lite0")
    assert summary["queries"] == 8 and summary["gallery"] == 4 and summary["top5"] == 1.0


@pytest.mark.skipif(not (shutil.which("c++") or shutil.which("g++")), reason="torch.compile needs a C++ compiler")
def test_embed_compile_gives_the_same_vectors(manifest, tmp_path, capsys):
    """--compile (torch.compile of the shared backbone, here through the fashion model) changes speed only."""
    path, _ = manifest
    command = ["embed", "--manifest", str(path), "--model", "fashion", "--no-cache"]
    assert main([*command, "--out", str(tmp_path / "plain.npy")]) == 0
    try:
        assert main([*command, "--compile", "--out", str(tmp_path / "fast.npy")]) == 0
    finally:
        _build.cache_clear()  # later tests get fresh, uncompiled embedders
    assert "fashion: network compiled in" in capsys.readouterr().err
    assert np.allclose(np.load(tmp_path / "plain.npy"), np.load(tmp_path / "fast.npy"), atol=1e-3, equal_nan=True)


def test_missing_manifest_is_a_clear_error(tmp_path, capsys):
    assert main(["retrieve", "--manifest", str(tmp_path / "nope.csv"), "--json"]) == 1
    assert "nope.csv" in capsys.readouterr().err


def test_unwritable_out_is_refused_before_any_work(manifest, tmp_path, capsys):
    path, _ = manifest
    out = tmp_path / "no-such-folder" / "vectors.npy"
    assert main(["embed", "--manifest", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "nothing was embedded" in err
    assert not out.exists()


def test_nothing_is_written_when_no_photo_can_be_read(tmp_path, capsys):
    table = pd.DataFrame({"item_id": ["a", "a"], "domain": ["shop", "consumer"],
                          "path": [str(tmp_path / "gone-1.jpg"), str(tmp_path / "gone-2.jpg")],
                          "category": ["dress", "dress"]})
    path = tmp_path / "set.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "vectors.npy"
    assert main(["embed", "--manifest", str(path), "--out", str(out)]) == 1
    assert "no photo could be read" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("size", ["0", "-1", "two"])
def test_batch_size_must_be_a_positive_whole_number(size, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["retrieve", "--manifest", str(tmp_path / "set.csv"), "--batch-size", size])
    assert "--batch-size" in capsys.readouterr().err
