"""Detections cached by picture content: a second run gives the same boxes and crops without the network,
and a bad file is named without sinking the batch."""

import os
import shutil

import pytest

from fashion_ai.datasets import clothing
from fashion_ai.detection import cache


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_AI_CACHE", str(tmp_path / "cache"))


def photos(tmp_path, n=3):
    table = clothing.load_split("test", clothing.bundled_sample())
    paths = []
    for i, source in enumerate(table["path"][:n]):
        paths.append(tmp_path / f"photo{i}.jpg")
        shutil.copy(source, paths[-1])
    return [str(p) for p in paths]


def test_second_run_reads_the_cache_and_skips_the_network(tmp_path, monkeypatch):
    paths = photos(tmp_path)
    first, problems = cache.detect_files(paths, 0.2, crops_folder=tmp_path / "crops")
    assert problems == [] and all(r is not None for r in first)
    assert any(r.detections for r in first)

    def no_network(*args, **kwargs):
        raise AssertionError("the detector ran although every picture was cached")

    monkeypatch.setattr(cache, "_detect_one", no_network)
    second, _ = cache.detect_files(paths, 0.2, crops_folder=tmp_path / "crops")
    assert [r.detections for r in second] == [r.detections for r in first]
    assert [r.crops for r in second] == [r.crops for r in first]


def test_a_missing_crop_is_redrawn_and_a_damaged_entry_counts_as_missing(tmp_path):
    paths = photos(tmp_path)
    first, _ = cache.detect_files(paths, 0.2, crops_folder=tmp_path / "crops")
    crops = [c for r in first for c in r.crops]
    assert crops
    for crop in crops:
        (tmp_path / "crops" / crop.rsplit("/", 1)[-1]).unlink()
    again, _ = cache.detect_files(paths, 0.2, crops_folder=tmp_path / "crops")
    assert [c for r in again for c in r.crops] == crops
    assert sorted(str(p) for p in (tmp_path / "crops").glob("*.png")) == sorted(set(crops))
    entry = cache.DetectionCache("0" * 40, 0.2, root=tmp_path / "store")
    entry.put("ab" * 20, [{"class": "top"}])
    entry._file("ab" * 20).write_text("{broken")
    assert entry.get("ab" * 20) is None


def test_bad_files_are_named_and_the_rest_go_on(tmp_path):
    good = photos(tmp_path, 1)[0]
    broken = tmp_path / "broken.jpg"
    broken.write_text("not an image")
    pipe = tmp_path / "pipe.jpg"
    os.mkfifo(pipe)  # reading it would wait forever: refused by its type
    paths = [str(broken), good, str(tmp_path / "gone.jpg"), str(pipe)]
    results, problems = cache.detect_files(paths, 0.2, crops_folder=tmp_path / "crops")
    assert [r is not None for r in results] == [False, True, False, False]
    assert problems[0].startswith(f"{broken}: not an image file")
    assert problems[1] == f"{tmp_path / 'gone.jpg'}: file not found"
    assert problems[2].startswith(f"{pipe}: this is a named pipe")
