"""Embedders: the registry, batched embedding of files (order, bad files, cache, cancel) and the two
pretrained models (same vectors as the plain model / as Orange's SqueezeNet, no accuracy lost to speed)."""

import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from fashion_ai.consumer_shop import sample_set
from fashion_ai.efficientnet import efficientnet_lite0
from fashion_ai.embedding import Embedder, EfficientNetLite0Embedder, VectorCache, embed_paths, get_embedder
from fashion_ai.images import load_image
from fashion_ai.retrieval import retrieve


class MeanColour(Embedder):
    """A tiny stand-in model: the mean colour, counting how many pictures went through the network."""

    name = "mean-colour"
    dim = 3
    calls = 0

    def prepare(self, image):
        return np.asarray(image.resize((8, 8)), dtype=np.float32)

    def embed_prepared(self, items):
        MeanColour.calls += len(items)
        return np.stack([a.mean(axis=(0, 1)) for a in items]).astype(np.float32)


@pytest.fixture
def photos(tmp_images):
    """Five readable photos of known colours, one damaged file and one missing file, interleaved."""
    paths = []
    for i, value in enumerate([10, 60, 110, 160, 210]):
        path = tmp_images / f"ok{i}.jpg"
        Image.new("RGB", (40, 30), (value, 255 - value, 128)).save(path, quality=100)
        paths.append(path)
    bad = tmp_images / "bad.jpg"
    bad.write_bytes(b"this is not a JPEG")
    paths.insert(1, bad)
    paths.insert(4, tmp_images / "gone.png")
    return [str(p) for p in paths]


def test_an_embedder_must_say_how_it_embeds_a_batch():
    class Incomplete(Embedder):
        name, dim = "incomplete", 3

    with pytest.raises(TypeError, match="embed_prepared"):
        Incomplete()
    assert MeanColour().embed([Image.new("RGB", (4, 4), "red")]).shape == (1, MeanColour.dim)


def test_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match="efficientnet-lite0"):
        get_embedder("resnet-9000")


def test_bad_files_are_skipped_and_reported_in_input_order(photos):
    result = embed_paths(photos, MeanColour(), batch_size=2, use_cache=False)
    assert result.kept == [0, 2, 3, 5, 6]
    assert [(s.index, s.path) for s in result.skipped] == [(1, photos[1]), (4, photos[4])]
    assert "not an image" in result.skipped[0].reason and "not found" in result.skipped[1].reason
    full = result.full(len(photos))
    assert np.isnan(full[[1, 4]]).all() and np.isfinite(full[result.kept]).all()
    assert np.allclose(full[[0, 2, 3, 5, 6], 0], [10, 60, 110, 160, 210], atol=2)


def test_cache_answers_the_second_run_and_survives_a_damaged_file(photos, tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_AI_CACHE", str(tmp_path / "cache"))
    model = MeanColour()
    first = embed_paths(photos, model, batch_size=3)
    MeanColour.calls = 0
    second = embed_paths(photos, model, batch_size=3)
    assert MeanColour.calls == 0
    assert np.array_equal(first.vectors, second.vectors)
    files = sorted(VectorCache(model).folder.rglob("*.npy"))
    assert len(files) == 5 and not list(VectorCache(model).folder.rglob("*.tmp"))
    files[0].write_bytes(b"garbage")
    third = embed_paths(photos, model, batch_size=3)
    assert MeanColour.calls == 1
    assert np.array_equal(first.vectors, third.vectors)


def test_progress_and_cancel(photos):
    seen = []
    result = embed_paths(photos, MeanColour(), batch_size=2, use_cache=False,
                         progress=lambda done, total: seen.append((done, total)),
                         cancel=lambda: len(seen) >= 2)
    assert seen == [(2, 7), (4, 7)]
    assert result.kept == [0, 2, 3]


def textbook_lite0_inputs(paths):
    """The textbook ImageNet evaluation input built with torchvision's transforms from fully decoded
    photos: shorter side 256 (bicubic), centre 224 crop, (x/255 - 0.5) / 0.5."""
    from fashion_ai.tv import torchvision

    t = torchvision.transforms
    pipeline = t.Compose([t.Resize(256, interpolation=t.InterpolationMode.BICUBIC), t.CenterCrop(224),
                          t.ToTensor(), t.Normalize([0.5] * 3, [0.5] * 3)])
    return torch.stack([pipeline(load_image(p)) for p in paths])


def test_efficientnet_vectors_are_the_plain_models_features(photos):
    model = get_embedder("efficientnet-lite0")
    images = [load_image(p) for p in photos if "ok" in p][:3]
    vectors = model.embed(images)
    assert vectors.shape == (3, 1280) and vectors.dtype == np.float32
    plain = efficientnet_lite0()
    batch = torch.from_numpy(np.stack([model.prepare(im) for im in images])).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        expected = plain.extract_features(batch / 127.5 - 1).mean(dim=(2, 3)).numpy()
    assert np.allclose(vectors, expected, atol=1e-3)


@pytest.mark.skipif(not (shutil.which("c++") or shutil.which("g++")), reason="torch.compile needs a C++ compiler")
def test_compiled_network_gives_the_plain_networks_vectors(photos):
    """torch.compile (Inductor) changes the speed, not the vectors: batches smaller and larger than the
    compiled shape (padded, split) come out as the plain network's."""
    model = EfficientNetLite0Embedder()
    items = [model.prepare(load_image(p)) for p in photos if "ok" in p][:3]
    items = items * 12  # 36: several full compiled batches and a padded one
    plain = model.embed_prepared(items)
    assert model.compile()
    assert np.allclose(model.embed_prepared(items), plain, atol=1e-3)
    assert np.allclose(model.embed_prepared(items[:2]), plain[:2], atol=1e-3)


def test_compile_failure_leaves_the_plain_network(photos, monkeypatch):
    model = EfficientNetLite0Embedder()

    def no_compiler(module, **options):
        def fail(batch):
            raise RuntimeError("no C++ compiler found\nmore detail")
        return fail

    monkeypatch.setattr(torch, "compile", no_compiler)
    with pytest.warns(UserWarning, match="torch.compile failed here \\(no C\\+\\+ compiler found\\)"):
        assert not model.compile()
    image = load_image([p for p in photos if "ok" in p][0])
    assert model.embed([image]).shape == (1, 1280)


def test_squeezenet_matches_orange_image_embedding(photos):
    from orangecontrib.imageanalytics.image_embedder import ImageEmbedder

    good = [p for p in photos if "ok" in p][:3]
    ours = embed_paths(good, "squeezenet", use_cache=False).vectors
    with ImageEmbedder(model="squeezenet") as orange:
        theirs = np.array(orange(good), dtype=np.float32)
    assert ours.shape == (3, 1000)
    assert np.allclose(ours, theirs, atol=1e-3)


def test_kit_efficientnet_retrieves_as_well_as_the_textbook_pipeline():
    """No accuracy is lost to the kit's fast input path (draft decoding, threads, batching)."""
    table = sample_set()
    table = table[table["item_id"].isin(table["item_id"].unique()[::2])].reset_index(drop=True)
    kit = embed_paths(table["path"], "efficientnet-lite0", use_cache=False).full(len(table))
    plain = efficientnet_lite0()
    with torch.no_grad():
        reference = plain.extract_features(textbook_lite0_inputs(table["path"])).mean(dim=(2, 3)).numpy()
    kit_acc, ref_acc = retrieve(table, kit).accuracy(), retrieve(table, reference).accuracy()
    assert kit_acc[1] >= ref_acc[1] and kit_acc[20] >= ref_acc[20], (kit_acc, ref_acc)
