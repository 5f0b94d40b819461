"""The bundled consumer-to-shop sample: its renderers, its deterministic build, and the test-split rule."""

import numpy as np
import pandas as pd

from fashion_ai.cli import main as cli_main
from fashion_ai.consumer_shop import sample_set_path
from fashion_ai.datasets import c2s_sample, fashion_mnist
from fashion_ai.images import file_digest

SAMPLE = sample_set_path().parent


def garment():
    images, _ = fashion_mnist.load("test", source="subset")
    return images[0]


def test_shop_photo_is_a_clean_centred_product_shot():
    shot = np.asarray(c2s_sample.render_shop(garment(), "red", "plain", np.random.default_rng(0)))
    assert shot.shape == (c2s_sample.SHOP_SIZE, c2s_sample.SHOP_SIZE, 3)
    corners = np.concatenate([shot[:8, :8], shot[:8, -8:], shot[-8:, :8], shot[-8:, -8:]]).reshape(-1, 3)
    assert corners.min() >= 220 and corners.std() < 5  # plain light background
    middle = shot[48:80, 48:80].reshape(-1, 3).mean(0)
    assert middle[0] > middle[1] + 40  # the red garment sits in the centre


def test_consumer_photo_degrades_with_strength():
    img = garment()
    shop = np.asarray(c2s_sample.render_shop(img, "blue", "stripes", np.random.default_rng(1)).resize((160, 160)))
    gaps = []
    for strength in (0.0, 1.0):
        photos = [np.asarray(c2s_sample.render_consumer(img, "blue", "stripes", np.random.default_rng(s),
                                                         strength=strength)) for s in range(6)]
        assert all(p.shape == (160, 160, 3) for p in photos)
        gaps.append(np.mean([np.abs(p.astype(float) - shop).mean() for p in photos]))
    assert gaps[1] > gaps[0]


def test_renderers_are_deterministic():
    img = garment()
    a = c2s_sample.render_consumer(img, "green", "dots", np.random.default_rng(5))
    b = c2s_sample.render_consumer(img, "green", "dots", np.random.default_rng(5))
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_bundled_sample_is_what_the_build_command_makes(tmp_path, capsys):
    assert cli_main(["c2s", "build-sample", str(tmp_path / "c2s")]) == 0
    assert "manifest.csv" in capsys.readouterr().out
    built = pd.read_csv(tmp_path / "c2s" / "manifest.csv")
    shipped = pd.read_csv(SAMPLE / "manifest.csv")
    pd.testing.assert_frame_equal(built, shipped)
    assert all(file_digest(tmp_path / "c2s" / p) == file_digest(SAMPLE / p) for p in shipped["path"])
    assert (tmp_path / "c2s" / "categories.csv").read_bytes() == (SAMPLE / "categories.csv").read_bytes()


def test_sample_items_come_from_the_test_split():
    items = pd.read_csv(SAMPLE / "categories.csv")
    assert set(items["fashion_mnist_split"]) == {"test"}
    test_positions = np.loadtxt(fashion_mnist.subset_dir() / "test-source-indices.txt", dtype=np.int64)
    _, labels = fashion_mnist.load("test", source="subset")
    label_at = dict(zip(test_positions, labels))
    assert all(fashion_mnist.CLASSES[label_at[i]] == c
               for i, c in zip(items["fashion_mnist_index"], items["category"]))
    assert len(items) >= 120 and items["category"].value_counts().min() >= 12


def test_sample_fits_its_budget():
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 3_000_000


def test_build_sample_never_overwrites_a_folder_by_accident(tmp_path, capsys):
    own = tmp_path / "my_set"
    own.mkdir()
    (own / "manifest.csv").write_text("item_id,domain,path,category\n")
    assert cli_main(["c2s", "build-sample", str(own)]) == 2
    assert "add --force" in capsys.readouterr().err
    assert (own / "manifest.csv").read_text() == "item_id,domain,path,category\n"
