"""Consumer-to-shop sets: reading folders and manifests, and the bad-input collection with the message each
case must produce."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fashion_ai import consumer_shop as cs
from fashion_ai.cli import main as cli_main
from fashion_ai.images import load_image


def photo(path, color=(200, 30, 40), size=(24, 32), seed=0):
    """A small distinct JPEG (noise makes every photo's bytes different)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arr = np.clip(np.array(color) + rng.normal(0, 20, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    Image.fromarray(arr).save(path, "JPEG", quality=90)
    return path


def good_set(root, n_items=3):
    """ROOT/<item>/{shop,consumer}/ with one shop and one consumer photo per item."""
    for i in range(n_items):
        photo(root / f"item{i}" / "shop" / "s.jpg", seed=2 * i)
        photo(root / f"item{i}" / "consumer" / "c.jpg", seed=2 * i + 1)
    return root


def bomb_png(path, side=30_000):
    """A tiny PNG whose header claims side x side pixels (a decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


def truncated_jpeg(path):
    full = photo(path, size=(64, 64)).read_bytes()
    path.write_bytes(full[: len(full) // 2])


# Each case adds one bad file to a good 3-item set; the set stays usable and the report names the file.
BAD_FILES = {
    "zero-byte": (lambda p: p.write_bytes(b""), "the file is empty (0 bytes)"),
    "truncated jpeg": (truncated_jpeg, "damaged or truncated"),
    "text named .jpg": (lambda p: p.write_text("these are my notes, not a photo"), "not an image file the kit can read"),
    "decompression bomb": (lambda p: bomb_png(p), "too large"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_reported_and_skipped(tmp_path, case):
    make, expected = BAD_FILES[case]
    root = good_set(tmp_path / "set")
    bad = root / "item1" / "consumer" / ("bad.png" if case == "decompression bomb" else "bad.jpg")
    make(bad)
    table, report = cs.load_set(root)
    problems = [p for p in report.problems if p.where == str(bad.resolve())]
    assert len(problems) == 1 and expected in problems[0].message and "skipped" in problems[0].message
    assert str(bad.resolve()) not in set(table["path"])
    assert report.usable and report.n_items == 3 and report.n_skipped == 1
    assert expected in str(report)


def test_non_image_name_is_skipped(tmp_path):
    root = good_set(tmp_path / "set")
    (root / "item0" / "shop" / "notes.txt").write_text("bought in May")
    table, report = cs.load_set(root)
    assert [p.message for p in report.problems] == ["not a kind of image file the kit reads (.txt); save photos as JPEG or PNG; skipped"]
    assert len(table) == 6


def test_item_missing_a_side_is_left_out(tmp_path):
    root = good_set(tmp_path / "set")
    photo(root / "lonely" / "consumer" / "c.jpg", seed=99)
    table, report = cs.load_set(root)
    (problem,) = report.problems
    assert problem.level == "item" and problem.item_id == "lonely"
    assert "has no usable shop photo" in problem.message
    assert "lonely" not in set(table["item_id"]) and report.n_items == 3


def test_item_whose_only_shop_photo_is_bad_is_left_out(tmp_path):
    root = good_set(tmp_path / "set")
    (root / "item2" / "shop" / "s.jpg").write_bytes(b"")
    table, report = cs.load_set(root)
    assert [p.level for p in report.problems] == ["file", "item"]
    assert "item2" not in set(table["item_id"]) and report.n_items == 2 and report.usable


def test_empty_side_folder(tmp_path):
    root = good_set(tmp_path / "set")
    (root / "item3" / "shop").mkdir(parents=True)
    photo(root / "item3" / "consumer" / "c.jpg", seed=50)
    _, report = cs.load_set(root)
    messages = [str(p) for p in report.problems]
    assert any("item3/shop: empty folder" in m for m in messages)
    assert any("has no usable shop photo" in m for m in messages)


def test_same_picture_under_two_items(tmp_path):
    root = good_set(tmp_path / "set")
    copy = root / "item2" / "consumer" / "copy.jpg"
    copy.write_bytes((root / "item0" / "consumer" / "c.jpg").read_bytes())
    table, report = cs.load_set(root)
    (problem,) = report.problems
    assert problem.where == str(copy.resolve())
    assert "the same picture as" in problem.message and "(item item0)" in problem.message
    assert len(table) == 6


@pytest.mark.parametrize("layout", ["empty", "no items"])
def test_empty_folder_is_unusable(tmp_path, layout):
    root = tmp_path / "set"
    root.mkdir()
    if layout == "no items":
        (root / "holiday").mkdir()
        (root / "readme.txt").write_text("x")
    _, report = cs.load_set(root)
    assert not report.usable
    assert report.problems[-1].level == "set"
    assert ("the folder is empty" if layout == "empty" else "holds no item folders") in report.problems[-1].message


def test_folder_that_is_not_an_item(tmp_path):
    root = good_set(tmp_path / "set")
    (root / "holiday").mkdir()
    photo(root / "holiday" / "beach.jpg")
    _, report = cs.load_set(root)
    assert [p.message for p in report.problems] == [
        "this folder holds no shop/ or consumer/ folder, so it is not an item; skipped"]


def test_categories_from_csv_and_from_folder_level(tmp_path):
    flat = good_set(tmp_path / "flat")
    (flat / "categories.csv").write_text("item_id,category\nitem0,Dress\nitem1,Coat\n")
    table, _ = cs.load_set(flat)
    assert dict(zip(table["item_id"], table["category"])) == {"item0": "Dress", "item1": "Coat", "item2": ""}

    nested = tmp_path / "nested"
    good_set(nested / "Dress", n_items=2)
    photo(nested / "Coat" / "coat1" / "shop" / "s.jpg", seed=7)
    photo(nested / "Coat" / "coat1" / "consumer" / "c.jpg", seed=8)
    table, report = cs.load_set(nested)
    assert report.usable and not report.problems
    assert dict(zip(table["item_id"], table["category"])) == {"item0": "Dress", "item1": "Dress", "coat1": "Coat"}


def write_manifest(path, rows, columns=cs.COLUMNS):
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


def manifest_rows(root):
    return [[f"item{i}", d, f"set/item{i}/{d}/{'s' if d == 'shop' else 'c'}.jpg", "Dress"]
            for i in range(3) for d in ("shop", "consumer")]


def test_manifest_paths_are_relative_to_the_csv(tmp_path):
    good_set(tmp_path / "set")
    rows = manifest_rows(tmp_path)
    rows[0][2] = rows[0][2].replace("/", "\\")  # made on Windows
    table, report = cs.load_set(write_manifest(tmp_path / "m.csv", rows))
    assert report.usable and not report.problems and len(table) == 6
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in table["path"])


@pytest.mark.parametrize("change, expected, usable", [
    ("missing column", "the manifest has no column category; it needs exactly the columns", False),
    ("extra column", "extra column(s) note ignored", True),
    ("bad domain", "domain 'street' is neither 'consumer' nor 'shop'; skipped", True),
    ("duplicate path", "listed more than once; only the first is kept", True),
    ("missing file", "file not found; skipped", True),
    ("no item_id", "no item_id given; skipped", True),
])
def test_manifest_problems(tmp_path, change, expected, usable):
    good_set(tmp_path / "set")
    rows, columns = manifest_rows(tmp_path), list(cs.COLUMNS)
    if change == "missing column":
        rows, columns = [r[:3] for r in rows], columns[:3]
    elif change == "extra column":
        rows, columns = [r + ["x"] for r in rows], columns + ["note"]
    elif change == "bad domain":
        rows.append(["item0", "street", "set/item0/shop/s.jpg", "Dress"])
    elif change == "duplicate path":
        rows.append(rows[0])
    elif change == "missing file":
        rows.append(["item0", "shop", "set/item0/shop/gone.jpg", "Dress"])
    elif change == "no item_id":
        rows.append(["", "shop", "set/item0/shop/other.jpg", "Dress"])
    table, report = cs.load_set(write_manifest(tmp_path / "m.csv", rows, columns))
    assert report.usable == usable
    assert any(expected in p.message for p in report.problems), str(report)
    if usable:
        assert len(table) == 6


def test_manifest_domain_spelling_is_forgiven(tmp_path):
    good_set(tmp_path / "set")
    rows = manifest_rows(tmp_path)
    rows[0][1] = " Shop "
    table, report = cs.load_set(write_manifest(tmp_path / "m.csv", rows))
    assert not report.problems and set(table["domain"]) == {"consumer", "shop"}


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty"),
    (b"\xff\xfe\x00bad bytes \x81\x82", "cannot be read as a CSV table"),
])
def test_unreadable_manifest(tmp_path, content, expected):
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    _, report = cs.load_set(path)
    assert not report.usable and expected in report.problems[0].message


def test_path_that_is_neither(tmp_path):
    _, report = cs.load_set(tmp_path / "nowhere")
    assert "not found" in report.problems[0].message and not report.usable
    other = photo(tmp_path / "x.jpg")
    _, report = cs.load_set(other)
    assert "neither a folder nor a .csv manifest" in report.problems[0].message


def write_odd_image(path, kind):
    """Images that must load as upright RGB: each returns the expected (width, height) and a pixel."""
    if kind == "cmyk":
        Image.new("CMYK", (20, 10), (0, 255, 255, 0)).save(path, "JPEG", quality=95)
        return (20, 10), (255, 0, 0)
    if kind == "palette":
        im = Image.new("P", (20, 10), 1)
        im.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
        im.save(path, "PNG")
        return (20, 10), (0, 0, 255)
    if kind == "16-bit":
        Image.fromarray(np.full((10, 20), 65535, np.uint16)).save(path, "PNG")
        return (20, 10), (255, 255, 255)
    if kind == "alpha":
        Image.new("RGBA", (20, 10), (0, 0, 0, 0)).save(path, "PNG")
        return (20, 10), (255, 255, 255)
    if kind == "exif-rotated":
        arr = np.zeros((10, 20, 3), np.uint8)
        arr[:, :10] = (0, 200, 0)  # left half green, right half black
        im = Image.fromarray(arr)
        exif = im.getexif()
        exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
        im.save(path, "JPEG", quality=95, exif=exif)
        return (10, 20), (0, 200, 0)  # upright: 10 wide, 20 high, green on top
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["cmyk", "palette", "16-bit", "alpha", "exif-rotated"])
def test_odd_formats_are_kept_and_load_as_rgb(tmp_path, kind):
    root = good_set(tmp_path / "set")
    suffix = ".jpg" if kind in ("cmyk", "exif-rotated") else ".png"
    path = root / "item0" / "consumer" / f"odd{suffix}"
    size, pixel = write_odd_image(path, kind)
    table, report = cs.load_set(root)
    assert not report.problems and str(path.resolve()) in set(table["path"])
    im = load_image(path)
    assert im.mode == "RGB" and im.size == size
    assert np.abs(np.array(im.getpixel((size[0] // 2, 2)), int) - pixel).max() <= 40


def test_report_frame_and_text(tmp_path):
    root = good_set(tmp_path / "set")
    (root / "item0" / "consumer" / "empty.jpg").write_bytes(b"")
    _, report = cs.load_set(root)
    frame = report.to_frame()
    assert list(frame.columns) == ["level", "item_id", "where", "message"]
    assert frame.iloc[0]["item_id"] == "item0" and frame.iloc[0]["where"].endswith("empty.jpg")
    text = str(report)
    assert "3 items with both sides (3 consumer and 3 shop photos); 1 photo left out; 1 problem found" in text
    assert "Usable: yes" in text and "empty.jpg: the file is empty (0 bytes); skipped" in text


def test_progress_is_reported_and_can_cancel(tmp_path):
    root = good_set(tmp_path / "set")
    calls = []
    cs.load_set(root, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 6) for i in range(1, 7)]

    class Stop(Exception):
        pass

    def cancel(done, total):
        raise Stop
    with pytest.raises(Stop):
        cs.load_set(root, progress=cancel)


def test_quick_check_only_looks_for_files(tmp_path):
    root = good_set(tmp_path / "set")
    (root / "item0" / "consumer" / "empty.jpg").write_bytes(b"")
    table, report = cs.load_set(root, check_images=False)
    assert not report.problems and len(table) == 7


def test_sample_set_folder_and_manifest_agree():
    by_manifest, report = cs.load_set(cs.sample_set_path())
    assert report.usable and not report.problems
    assert report.n_items >= 120 and report.n_shop == report.n_items and report.n_consumer == 2 * report.n_items
    assert by_manifest["category"].value_counts().min() >= 12 and by_manifest["category"].nunique() == 10
    by_folder, _ = cs.load_set(cs.sample_set_path().parent, check_images=False)
    key = ["item_id", "domain", "path"]
    pd.testing.assert_frame_equal(by_manifest.sort_values(key).reset_index(drop=True),
                                  by_folder.sort_values(key).reset_index(drop=True))
    pd.testing.assert_frame_equal(cs.sample_set(), by_manifest)


def test_cli_check_exit_codes(tmp_path, capsys):
    root = good_set(tmp_path / "set")
    assert cli_main(["c2s", "check", str(root)]) == 0
    assert "Usable: yes" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli_main(["c2s", "check", str(empty)]) == 1
    out = capsys.readouterr().out
    assert "Usable: NO" in out and "the folder is empty" in out
