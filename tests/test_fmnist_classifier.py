"""The Fashion-MNIST garment classifier: shipped checkpoint quality, training, photo tagging, embedder."""

import json

import numpy as np
import pytest
import torch

from fashion_ai import fmnist_classifier
from fashion_ai.cli import main
from fashion_ai.datasets import fashion_mnist
from fashion_ai.datasets.c2s_sample import render_shop
from fashion_ai.datasets.garments import COLORS
from fashion_ai.embedding import embed_paths, get_embedder

FULL_DATA = fashion_mnist.find_full_dir() is not None
#: The bundled test subset is the first 100 test images of each class (1,000 in all): with that few
#: pictures the measured accuracy wobbles by about +-0.01, so its bar sits below the 0.92 target.
SUBSET_BAR = 0.90
#: The kit's target on the official test split.
FULL_BAR = 0.92


@pytest.fixture(scope="module")
def model():
    return fmnist_classifier.load_checkpoint()


@pytest.mark.skipif(not FULL_DATA, reason="the full Fashion-MNIST is not installed")
def test_shipped_checkpoint_on_official_test_split(capsys):
    assert main(["fmnist-eval", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["images"] == 10_000
    assert result["accuracy"] >= FULL_BAR
    assert set(result["per_class"]) == set(fashion_mnist.CLASSES)
    assert min(result["per_class"].values()) > 0.6  # Shirt is the hardest class, but far above chance


def test_shipped_checkpoint_on_bundled_test_subset(model):
    images, labels = fashion_mnist.load("test", source="subset")
    result = fmnist_classifier.evaluate(model, images, labels)
    assert result["images"] == 1000
    assert result["accuracy"] >= SUBSET_BAR
    assert result["confusion"].sum() == 1000 and result["confusion"].trace() == round(result["accuracy"] * 1000)


def test_training_is_deterministic_and_learns():
    images, labels = fashion_mnist.load("train", source="subset")
    images, labels = images[::10], labels[::10]  # 300 images, every class
    losses = []
    first = fmnist_classifier.train(images, labels, epochs=2, batch_size=30, seed=3,
                             progress=lambda epoch, step, steps, loss: losses.append(loss))
    second = fmnist_classifier.train(images, labels, epochs=2, batch_size=30, seed=3)
    for a, b in zip(first.state_dict().values(), second.state_dict().values()):
        assert torch.equal(a, b)
    assert len(losses) == 20
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:3])


def test_checkpoint_round_trip_is_atomic(tmp_path, model):
    path = tmp_path / "deep" / "cnn.pt"
    fmnist_classifier.save_checkpoint(model, path, {"epochs": 8})
    assert [p.name for p in path.parent.iterdir()] == ["cnn.pt"]
    again = fmnist_classifier.load_checkpoint(path)
    images, _ = fashion_mnist.load("test", source="subset")
    p1, p2 = fmnist_classifier.predict_proba(model, images[:200]), fmnist_classifier.predict_proba(again, images[:200])
    assert np.abs(p1 - p2).max() < 1e-3
    assert fmnist_classifier.checkpoint_info(path) == {"epochs": 8}


def test_missing_or_damaged_checkpoint_is_named(tmp_path, capsys):
    with pytest.raises(fmnist_classifier.FmnistCheckpointError, match="nope.pt: checkpoint not found"):
        fmnist_classifier.load_checkpoint(tmp_path / "nope.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"these are not weights")
    with pytest.raises(fmnist_classifier.FmnistCheckpointError, match="bad.pt: not a Fashion-MNIST classifier checkpoint"):
        fmnist_classifier.load_checkpoint(bad)
    assert main(["fmnist-eval", "--checkpoint", str(bad)]) == 1
    assert "bad.pt" in capsys.readouterr().err


def test_train_command_chooses_the_epoch_on_validation_and_never_scores_test(tmp_path, capsys, monkeypatch):
    out = tmp_path / "mine.pt"
    real_load = fashion_mnist.load

    def train_split_only(split="train", source="auto"):
        assert split == "train", "fmnist-train must not read the test split"
        return real_load(split, source)

    monkeypatch.setattr(fashion_mnist, "load", train_split_only)
    assert main(["fmnist-train", "--source", "subset", "--limit", "400", "--validation-size", "100",
                 "--epochs", "2", "--out", str(out)]) == 0
    assert "kept epoch" in capsys.readouterr().out
    info = fmnist_classifier.checkpoint_info(out)
    assert info["train_images"] == 300 and info["validation"]["images"] == 100 and info["data"] == "bundled subset"
    assert [h["epoch"] for h in info["history"]] == [1, 2]
    best = max(info["history"], key=lambda h: h["val_accuracy"])
    assert info["chosen_epoch"] == best["epoch"] and info["val_accuracy"] == best["val_accuracy"]
    assert "test_accuracy" not in info
    assert main(["fmnist-train", "--source", "subset", "--validation-size", "0", "--out", str(out)]) == 2


def test_shipped_record_is_what_the_readme_command_trains(readme_commands):
    [args] = readme_commands("fmnist-train")
    info = fmnist_classifier.checkpoint_info()
    assert (info["epochs"], info["lr"], info["seed"], info["init"]) == (args.epochs, args.lr, args.seed, None)
    assert info["validation"]["images"] == args.validation_size and info["validation"]["stratified"]
    assert info["train_images"] == 60_000 - args.validation_size and info["data"].startswith("full data")
    assert len(info["history"]) == args.epochs
    assert info["val_accuracy"] == max(h["val_accuracy"] for h in info["history"])
    assert "test_accuracy" not in info  # the epoch was not chosen on the test split


def test_validation_split_is_stratified_disjoint_and_fixed():
    labels = np.repeat(np.arange(10), 60)
    fit, held = fashion_mnist.validation_split(labels, size=100, seed=0)
    assert len(held) == 100 and np.bincount(labels[held]).tolist() == [10] * 10
    assert not set(fit) & set(held) and len(fit) + len(held) == len(labels)
    again, _ = fashion_mnist.validation_split(labels, size=100, seed=0)
    assert np.array_equal(again, fit)


def _shop_photo(index, color="red", pattern="plain", seed=0):
    images, labels = fashion_mnist.load("test", source="subset")
    return render_shop(images[index], color, pattern, np.random.default_rng(seed)), int(labels[index])


def test_fmnist_look_is_bright_centred_and_fills_the_square():
    photo, _ = _shop_photo(0, color="blue")
    look = fmnist_classifier.to_fmnist_look(photo)
    assert look.shape == (28, 28) and look.dtype == np.uint8
    assert look[0, 0] == look[-1, -1] == 0  # background black
    rows, cols = np.nonzero(look > 40)
    assert max(np.ptp(rows), np.ptp(cols)) >= 25  # the longer side fills the square
    assert abs((rows.min() + rows.max()) / 2 - 13.5) <= 2 and abs((cols.min() + cols.max()) / 2 - 13.5) <= 2
    blank = fmnist_classifier.to_fmnist_look(photo.point(lambda v: 200))
    assert not blank.any()


def test_predict_category_names_product_photos():
    images, labels = fashion_mnist.load("test", source="subset")
    picks = list(range(0, 1000, 20))  # 50 garments of every class
    colours = list(COLORS)
    photos = [render_shop(images[i], colours[k % len(colours)], "plain", np.random.default_rng(k))
              for k, i in enumerate(picks)]
    names, probs = fmnist_classifier.predict_category(photos)
    assert probs.shape == (50, 10) and np.allclose(probs.sum(1), 1, atol=1e-4)
    assert names == [fashion_mnist.CLASSES[i] for i in probs.argmax(1)]
    accuracy = np.mean([n == fashion_mnist.CLASSES[labels[i]] for n, i in zip(names, picks)])
    assert accuracy >= 0.7
    empty_names, empty_probs = fmnist_classifier.predict_category([])
    assert empty_names == [] and empty_probs.shape == (0, 10)


def test_fmnist_embedder_plugs_into_the_registry(tmp_path):
    embedder = get_embedder("fmnist-cnn")
    assert isinstance(embedder, fmnist_classifier.FMNISTEmbedder)
    assert embedder.name == "fmnist-cnn" and embedder.dim == 128 and embedder.version
    photos = [_shop_photo(i)[0] for i in (0, 1, 2)]
    vectors = embedder.embed(photos)
    assert vectors.shape == (3, 128) and vectors.dtype == np.float32 and np.isfinite(vectors).all()
    paths = []
    for k, photo in enumerate(photos):
        paths.append(tmp_path / f"p{k}.png")
        photo.save(paths[-1])
    (tmp_path / "broken.png").write_bytes(b"nope")
    result = embed_paths(paths + [tmp_path / "broken.png"], model="fmnist-cnn")
    assert result.vectors.shape == (3, 128) and len(result.skipped) == 1
    assert np.allclose(result.vectors, vectors, atol=1e-4)
