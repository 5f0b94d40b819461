"""Bad input never crashes, hangs, lies or overwrites: one table of broken files and arguments, run through the
CLI, the library, and the library functions the widgets call.

Each case builds its input in a temporary folder (`setup`), runs one command or call (`run`) and checks the
outcome (`expect`): a refusal (non-zero exit or a kit error) or a skipped entry whose message names the
file or row AND the problem; no traceback; JSON that parses without NaN or Infinity; every file that was
there before still holds the same bytes. Inputs that could block (named pipes, devices, a huge manifest)
run in a subprocess with a timeout.
"""

import gzip
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fashion_ai.cli import main
from fashion_ai.consumer_shop import load_set, read_manifest, sample_set_path
from fashion_ai.datasets import clothing, corpus, fashion_mnist, visuelle
from fashion_ai.datasets.clothing import ClothingFormatError
from fashion_ai.datasets.coco import CocoFormatError
from fashion_ai.datasets.corpus import CorpusError
from fashion_ai.datasets.fashion_mnist import FashionMNISTError
from fashion_ai.datasets.visuelle import VisuelleError
from fashion_ai.images import ImageLoadError, load_image

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = sample_set_path().parent
VISUELLE = ROOT.parent / "shared" / "data" / "visuelle"
HANG_GUARD_S = 60
#: The kit's own refusals: a library case that raises one of these has refused cleanly.
KIT_ERRORS = (ImageLoadError, CocoFormatError, CorpusError, VisuelleError, FashionMNISTError, ClothingFormatError,
              ValueError)


@dataclass
class Outcome:
    code: int  # exit code; 0 for a library call that returned, 1 for one that raised a kit error
    text: str  # everything printed, or the error / the skipped messages
    value: object = None  # stdout of a command, the return value of a library call


@dataclass
class Expect:
    code: str = "nonzero"  # "nonzero" (refused) or "zero" (accepted, skipped rows named in the text)
    says: tuple = ()  # words the output must hold (formatted with the setup's dict): the file and the problem
    json: bool = False  # the last line of stdout is JSON
    check: Callable | None = None  # more checks on (outcome, ctx)


@dataclass
class Case:
    name: str
    setup: Callable  # tmp_path -> dict of names used by run and expect
    run: Callable  # (ctx, capsys) -> Outcome
    expect: Expect = field(default_factory=Expect)


# ---------------------------------------------------------------------------------------------- runners

def cli(*argv):
    """Run `fashion-ai ARGV` in-process; ARGV items are formatted with the setup's dict."""
    def run(ctx, capsys):
        try:
            code = main([str(a).format(**ctx) for a in argv])
        except SystemExit as exc:  # argparse refusing an argument
            code = exc.code
        out = capsys.readouterr()
        return Outcome(code, out.out + out.err, out.out)
    return run


def cli_subprocess(*argv, timeout=HANG_GUARD_S):
    """Run `fashion-ai ARGV` in a child process that must finish within `timeout` seconds (with its disk
    cache in the setup's "cache" folder when it names one)."""
    def run(ctx, capsys):
        env = {**os.environ, "FASHION_AI_CACHE": str(ctx["cache"])} if "cache" in ctx else None
        proc = _subprocess([sys.executable, "-m", "fashion_ai", *[str(a).format(**ctx) for a in argv]], timeout, env)
        return Outcome(proc.returncode, proc.stdout + proc.stderr, proc.stdout)
    return run


def library(call):
    """Call `call(ctx)`; a kit error counts as a refusal (code 1) with its message as the text."""
    def run(ctx, capsys):
        try:
            value = call(ctx)
        except KIT_ERRORS as exc:
            return Outcome(1, str(exc))
        return Outcome(0, _messages(value), value)
    return run


def library_subprocess(code, timeout=HANG_GUARD_S):
    """Run a line of Python (formatted with the setup's dict, paths as text) in a child process with a
    timeout: for files that a plain open would block on forever. A kit error, or the OSError that
    file_digest raises, is printed and exits 1."""
    def run(ctx, capsys):
        line = code.format(**{k: str(v) for k, v in ctx.items()})
        script = (f"import sys\nfrom fashion_ai.images import ImageLoadError, file_digest, load_image\ntry:\n"
                  f"    {line}\nexcept (ImageLoadError, OSError) as exc:\n    sys.exit(str(exc))\n")
        proc = _subprocess([sys.executable, "-c", script], timeout)
        return Outcome(proc.returncode, proc.stdout + proc.stderr)
    return run


def _subprocess(command, timeout, env=None):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s: {' '.join(command)}")


def _messages(value):
    """The messages a library result carries: a set report, a corpus's skipped rows, or its text."""
    if isinstance(value, tuple) and len(value) == 2 and hasattr(value[1], "problems"):
        return str(value[1])
    if isinstance(value, pd.DataFrame):
        return "\n".join(value.attrs.get("skipped", []))
    return str(value)


# ------------------------------------------------------------------------------------------ file makers

def jpeg(path, size=(40, 30), colour=(200, 40, 40), **save):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG", **save)
    return path


def huge_png_header(path, width=100_000, height=100_000):
    """A PNG that claims width x height pixels in 60 bytes: a decompression bomb without a huge file."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
                     + chunk(b"IEND", b""))
    return path


def manifest(path, rows, header="item_id,domain,path,category"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def two_items(tmp, extra=(), shop="shop"):
    """A manifest of two good items (one shop and one consumer photo each) plus `extra` rows."""
    rows = []
    for n, colour in enumerate([(200, 30, 30), (30, 30, 200)]):
        rows.append([f"item{n}", shop, jpeg(tmp / f"item{n}_shop.jpg", colour=colour).name, "top"])
        rows.append([f"item{n}", "consumer", jpeg(tmp / f"item{n}_consumer.jpg", size=(30, 40),
                                                     colour=colour).name, "top"])
    return manifest(tmp / "set.csv", rows + list(extra))


def with_fifo(tmp, name="pipe.jpg"):
    os.mkfifo(tmp / name)
    return tmp / name


def image_case(name, make, says):
    """load_image on a file made by make(tmp) must be refused with a message naming it."""
    return Case(name, lambda tmp: {"bad": make(tmp)}, library(lambda ctx: load_image(ctx["bad"])),
                Expect(says=("{bad}",) + tuple(says)))


def accepted_image(name, make, check):
    """load_image on an odd but valid picture returns an RGB image that passes check(image)."""
    def verify(outcome, ctx):
        assert outcome.value.mode == "RGB"
        check(outcome.value)
    return Case(name, lambda tmp: {"bad": make(tmp)}, library(lambda ctx: load_image(ctx["bad"])),
                Expect(code="zero", check=verify))


def _cmyk(tmp):
    Image.new("CMYK", (20, 10), (0, 255, 255, 0)).save(tmp / "cmyk.jpg")
    return tmp / "cmyk.jpg"


def _sixteen_bit(tmp):
    Image.fromarray(np.full((10, 20), 60000, np.uint16)).save(tmp / "deep.png")
    return tmp / "deep.png"


def _palette_transparent(tmp):
    im = Image.new("P", (20, 10), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.info["transparency"] = 0
    im.save(tmp / "palette.png", transparency=0)
    return tmp / "palette.png"


def _la(tmp):
    Image.new("LA", (20, 10), (0, 0)).save(tmp / "la.png")
    return tmp / "la.png"


def _exif_rotated(tmp):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    Image.new("RGB", (40, 20), (10, 200, 10)).save(tmp / "rotated.jpg", exif=exif.tobytes())
    return tmp / "rotated.jpg"


def _truncated_jpeg(tmp):
    data = jpeg(tmp / "whole.jpg", size=(200, 150), quality=95).read_bytes()
    (tmp / "whole.jpg").unlink()
    (tmp / "cut.jpg").write_bytes(data[: len(data) // 2])
    return tmp / "cut.jpg"


def _symlink_loop(tmp):
    os.symlink(tmp / "loop_b.jpg", tmp / "loop_a.jpg")
    os.symlink(tmp / "loop_a.jpg", tmp / "loop_b.jpg")
    return tmp / "loop_a.jpg"


IMAGE_CASES = [
    image_case("image: text file named .jpg", lambda t: _write(t / "notes.jpg", "not a picture"), ["not an image"]),
    image_case("image: empty file", lambda t: _write(t / "empty.jpg", ""), ["empty"]),
    image_case("image: truncated JPEG", _truncated_jpeg, ["truncated"]),
    image_case("image: decompression bomb header", lambda t: huge_png_header(t / "bomb.png"), ["too large"]),
    image_case("image: folder instead of a file", lambda t: _mkdir(t / "folder.jpg"), ["folder"]),
    image_case("image: symlink loop", _symlink_loop, ["loops"]),
    image_case("image: 300-character file name", lambda t: t / ("x" * 296 + ".jpg"), ["too long"]),
    image_case("image: missing file", lambda t: t / "gone.jpg", ["not found"]),
    Case("image: named pipe (FIFO)", lambda t: {"bad": with_fifo(t)},
         library_subprocess("load_image({bad!r})"),
         Expect(says=("{bad}", "named pipe"))),
    Case("image: FIFO digest", lambda t: {"bad": with_fifo(t)},
         library_subprocess("file_digest({bad!r})"),
         Expect(says=("{bad}", "named pipe"))),
    Case("image: device /dev/zero", lambda t: {"bad": "/dev/zero"},
         library_subprocess("load_image({bad!r})"),
         Expect(says=("{bad}", "device"))),
    Case("image: device digest", lambda t: {"bad": "/dev/zero"},
         library_subprocess("file_digest({bad!r})"),
         Expect(says=("{bad}", "device"))),
    accepted_image("image: CMYK JPEG", _cmyk, lambda im: im.getpixel((0, 0))[0] > 200),
    accepted_image("image: 16-bit PNG", _sixteen_bit, lambda im: im.getpixel((0, 0))[0] > 200),
    accepted_image("image: palette with transparency", _palette_transparent,
                   lambda im: im.getpixel((0, 0)) == (255, 255, 255)),
    accepted_image("image: greyscale with alpha (LA)", _la, lambda im: im.getpixel((0, 0)) == (255, 255, 255)),
    accepted_image("image: EXIF-rotated JPEG", _exif_rotated, lambda im: im.size == (20, 40)),
]


def _write(path, text):
    path.write_text(text)
    return path


def _mkdir(path):
    path.mkdir()
    return path


# ---------------------------------------------------------------------------------- consumer-to-shop sets

def _quick_100k(tmp):
    good = [p for p in sorted(SAMPLE.glob("*/*/*.jpg"))[:6]]
    rows = [[f"item{i // 4}", "Shop" if i % 4 == 0 else "consumer", good[i] if i < 6 else f"photos/{i}.jpg", "top"]
            for i in range(100_000)]
    return {"set": manifest(tmp / "big.csv", rows)}


def _lower_domains(outcome, ctx):
    table, report = outcome.value
    assert report.usable and set(table["domain"]) == {"shop", "consumer"}
    assert set(read_manifest(ctx["set"])[0]["domain"]) == {"shop", "consumer"}


def _folder_with(tmp, make):
    """A folder set of two good items; make(folder) adds the bad entry and returns its path."""
    root = tmp / "set"
    for n in range(2):
        jpeg(root / f"item{n}" / "shop" / "a.jpg", colour=(n * 100, 50, 50))
        jpeg(root / f"item{n}" / "consumer" / "b.jpg", colour=(n * 100, 50, 90))
    return {"set": root, "bad": make(root)}


def _nonempty_folder(tmp):
    (tmp / "mine").mkdir()
    return {"out": tmp / "mine", "bad": _write(tmp / "mine" / "manifest.csv", "my own work\n")}


def _unchanged_mine(outcome, ctx):
    assert ctx["bad"].read_text() == "my own work\n"


C2S_CASES = [
    Case("c2s check: missing column", lambda t: {"set": manifest(t / "set.csv", [["a", "shop", "x.jpg"]],
                                                                 "item_id,domain,path")},
         cli("c2s", "check", "{set}"), Expect(says=("{set}", "no column category"))),
    Case("c2s check: wrong column names", lambda t: {"set": manifest(t / "set.csv", [["a", "shop", "x.jpg", "top"]],
                                                                     "item,side,file,category")},
         cli("c2s", "check", "{set}"), Expect(says=("{set}", "no column item_id, domain, path"))),
    Case("c2s check: 'Shop' spelled with a capital", lambda t: {"set": two_items(t, shop="Shop")},
         library(lambda ctx: load_set(ctx["set"])), Expect(code="zero", check=_lower_domains)),
    Case("c2s check: duplicate row", lambda t: {"set": two_items(t, [["item0", "shop", "item0_shop.jpg", "top"]]),
                                                "bad": t / "item0_shop.jpg"},
         cli("c2s", "check", "{set}"), Expect(code="zero", says=("{bad}", "listed more than once"))),
    Case("c2s check: item with only a consumer photo",
         lambda t: {"set": two_items(t, [["lonely", "consumer", jpeg(t / "lonely.jpg", colour=(9, 9, 9)).name,
                                          "top"]])},
         cli("c2s", "check", "{set}"), Expect(code="zero", says=("lonely", "no usable shop photo"))),
    Case("c2s check: item with only a shop photo",
         lambda t: {"set": two_items(t, [["solo", "shop", jpeg(t / "solo.jpg", colour=(9, 99, 9)).name, "top"]])},
         cli("c2s", "check", "{set}"), Expect(code="zero", says=("solo", "no usable consumer photo"))),
    Case("c2s check: empty folder", lambda t: {"set": _mkdir(t / "empty")},
         cli("c2s", "check", "{set}"), Expect(says=("{set}", "the folder is empty"))),
    Case("c2s check: empty CSV", lambda t: {"set": _write(t / "set.csv", "")},
         cli("c2s", "check", "{set}"), Expect(says=("{set}", "the file is empty"))),
    Case("c2s check: unknown domain", lambda t: {"set": two_items(t, [["item0", "store", "x.jpg", "top"]])},
         cli("c2s", "check", "{set}"), Expect(code="zero", says=("x.jpg", "domain 'store'"))),
    Case("c2s check: FIFO in a manifest", lambda t: {"set": two_items(t, [["item0", "shop", "pipe.jpg", "top"]]),
                                                     "bad": with_fifo(t)},
         cli_subprocess("c2s", "check", "{set}"), Expect(code="zero", says=("{bad}", "named pipe"))),
    Case("c2s check --quick: FIFO in a manifest",
         lambda t: {"set": two_items(t, [["item0", "shop", "pipe.jpg", "top"]]), "bad": with_fifo(t)},
         cli_subprocess("c2s", "check", "--quick", "{set}"), Expect(code="zero", says=("{bad}", "named pipe"))),
    Case("c2s check: device in a manifest", lambda t: {"set": two_items(t, [["item0", "shop", "/dev/zero", "top"]])},
         cli_subprocess("c2s", "check", "{set}"), Expect(code="zero", says=("/dev/zero", "device"))),
    Case("c2s check: FIFO in a set folder", lambda t: _folder_with(t, lambda root: with_fifo(root / "item0" / "shop")),
         cli_subprocess("c2s", "check", "{set}"), Expect(code="zero", says=("{bad}", "named pipe"))),
    Case("c2s check: 300-character file name",
         lambda t: {"set": two_items(t, [["item0", "shop", "y" * 296 + ".jpg", "top"]])},
         cli("c2s", "check", "--quick", "{set}"), Expect(code="zero", says=("yyyy.jpg", "too long"))),
    Case("c2s check --quick: 100,000 rows", _quick_100k,
         cli_subprocess("c2s", "check", "--quick", "{set}", timeout=120),
         Expect(code="zero", says=("photos/99999.jpg", "file not found"))),
    Case("c2s build-sample: non-empty folder without --force", _nonempty_folder,
         cli("c2s", "build-sample", "{out}"), Expect(says=("{out}", "not empty", "--force"), check=_unchanged_mine)),
    Case("retrieve: set of one item", lambda t: {"set": manifest(t / "set.csv", [
            ["solo", "shop", jpeg(t / "s.jpg").name, "top"], ["solo", "consumer", jpeg(t / "c.jpg").name, "top"]])},
         cli("retrieve", "--manifest", "{set}", "--json"), Expect(says=("{set}", "at least two items"))),
    Case("retrieve: --batch-size 0", lambda t: {"set": two_items(t)},
         cli("retrieve", "--manifest", "{set}", "--batch-size", "0"), Expect(says=("--batch-size", "at least 1"))),
    Case("retrieve: 'Shop' spelled with a capital and a duplicate row",
         lambda t: {"set": two_items(t, [["item1", "Shop", "item1_shop.jpg", "top"]], shop="Shop"),
                    "bad": "item1_shop.jpg"},
         cli("retrieve", "--manifest", "{set}", "--json"),
         Expect(code="zero", json=True, says=("{bad}", "more than once"),
                check=lambda o, ctx: _json_line(o)["gallery"] == 2)),
    Case("embed: --out in a folder that does not exist", lambda t: {"set": two_items(t), "out": t / "no" / "x.npy"},
         cli("embed", "--manifest", "{set}", "--out", "{out}"), Expect(says=("{out}", "cannot write there",
                                                                             "nothing was embedded"))),
    Case("embed: FIFO and device rows are skipped, the rest embedded",
         lambda t: {"set": two_items(t, [["item0", "shop", "pipe.jpg", "top"], ["item1", "shop", "/dev/zero", "top"]]),
                    "bad": with_fifo(t), "out": t / "v.npy", "cache": t / "cache"},
         cli_subprocess("embed", "--manifest", "{set}", "--out", "{out}"),
         Expect(code="zero", says=("skipped row 4", "{bad}", "named pipe", "skipped row 5", "/dev/zero", "device"))),
    Case("embed: manifest not found", lambda t: {"set": t / "nothing.csv", "out": t / "v.npy"},
         cli("embed", "--manifest", "{set}", "--out", "{out}"), Expect(says=("{set}", "not found"))),
]


# ------------------------------------------------------------------------------------------- detection

def _coco(tmp, categories=(("top", 1),), picture=True, **change):
    (tmp / "images").mkdir(exist_ok=True)
    if picture:
        jpeg(tmp / "images" / "a.jpg", size=(64, 64))
    data = {"images": [{"id": 1, "width": 64, "height": 64, "file_name": "a.jpg"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": categories[0][1], "bbox": [5, 5, 30, 30]}],
            "categories": [{"id": i, "name": n} for n, i in categories]}
    data.update(change)
    (tmp / "instances.json").write_text(json.dumps(data))
    return {"coco": tmp / "instances.json", "bad": tmp / "images" / "a.jpg"}


def _broken_json(tmp):
    return {"coco": _write(tmp / "instances.json", '{"images": [')}


DETECTION_CASES = [
    Case("detect-eval: category the detector does not know",
         lambda t: _coco(t, categories=(("spacesuit", 1),)),
         cli("detect-eval", "--coco", "{coco}"), Expect(says=("{coco}", "spacesuit", "does not know"))),
    Case("detect-eval: broken JSON", _broken_json,
         cli("detect-eval", "--coco", "{coco}"), Expect(says=("{coco}", "not valid JSON"))),
    Case("detect-eval: image record without file_name",
         lambda t: _coco(t, images=[{"id": 1, "width": 64, "height": 64}]),
         cli("detect-eval", "--coco", "{coco}"), Expect(says=("{coco}", "images[0] lacks file_name"))),
    Case("detect-eval: no categories list",
         lambda t: {"coco": _write(t / "x.json", json.dumps({"images": [], "annotations": []}))},
         cli("detect-eval", "--coco", "{coco}"), Expect(says=("{coco}", "missing the 'categories' list"))),
    Case("detect-eval: image files missing", lambda t: _coco(t, picture=False),
         cli("detect-eval", "--coco", "{coco}", "--json"), Expect(says=("{bad}", "file not found"))),
]


# --------------------------------------------------------------------------------------------------- POP

def _posts(tmp, rows):
    """A corpus CSV of three good posts plus `rows` (timestamp, engagement), all on one real picture."""
    picture = jpeg(tmp / "post.jpg")
    good = [("2025-01-06T10:00:00", 10), ("2025-02-06T10:00:00", 20), ("2025-03-06T10:00:00", 30)]
    lines = [f"{picture.name},{when},#dress #red,{likes}" for when, likes in good + list(rows)]
    return {"corpus": _write(tmp / "posts.csv", "path,timestamp,tags,engagement\n" + "\n".join(lines) + "\n")}


def _read_corpus(ctx):
    return corpus.read_corpus(ctx["corpus"])


def _skips_row_5(outcome, ctx):
    assert len(outcome.value) == 3, "the bad row was kept"


def _utc_offset(outcome, ctx):
    table = outcome.value
    assert len(table) == 4 and table["timestamp"].dt.tz is None
    assert pd.Timestamp("2025-04-06 05:00:00") in set(table["timestamp"])


SHEET = '{{"category": "dress", "colour": "red"}}'  # braces doubled: argv is formatted with the setup's dict
POP_CASES = [
    Case("pop corpus: time-only timestamp", lambda t: _posts(t, [("14:05", 5)]), library(_read_corpus),
         Expect(code="zero", says=("row 5", "timestamp"), check=_skips_row_5)),
    Case("pop corpus: '+05:00' timestamp is read as UTC", lambda t: _posts(t, [("2025-04-06T10:00:00+05:00", 5)]),
         library(_read_corpus), Expect(code="zero", check=_utc_offset)),
    Case("pop corpus: inf likes", lambda t: _posts(t, [("2025-04-06", "inf")]), library(_read_corpus),
         Expect(code="zero", says=("row 5", "engagement"), check=_skips_row_5)),
    Case("pop corpus: negative likes", lambda t: _posts(t, [("2025-04-06", -3)]), library(_read_corpus),
         Expect(code="zero", says=("row 5", "engagement"), check=_skips_row_5)),
    Case("pop corpus: NaN likes", lambda t: _posts(t, [("2025-04-06", "NaN")]), library(_read_corpus),
         Expect(code="zero", says=("row 5", "engagement"), check=_skips_row_5)),
    Case("pop corpus: missing column", lambda t: {"corpus": _write(t / "posts.csv", "path,timestamp\nx.jpg,2025\n")},
         library(_read_corpus), Expect(says=("{corpus}", "missing column(s) tags, engagement"))),
    Case("pop: --intervals 0", lambda t: {}, cli("pop", "--sheet", SHEET, "--intervals", "0"),
         Expect(says=("--intervals", "at least 1"))),
    Case("pop: --window-weeks 0", lambda t: {}, cli("pop", "--sheet", SHEET, "--window-weeks", "0"),
         Expect(says=("--window-weeks", "more than 0"))),
    Case("pop: --release before the corpus's first post", lambda t: {},
         cli("pop", "--sheet", SHEET, "--release", "2001-01-01", "--json"),
         Expect(says=("posts.csv", "no post", "2001-01-01"))),
    Case("pop: --release that is not a date", lambda t: {}, cli("pop", "--sheet", SHEET, "--release", "soon"),
         Expect(says=("--release", "soon", "not a date"))),
    Case("pop: probe that is not an image", lambda t: {"bad": _write(t / "probe.jpg", "text")},
         cli("pop", "--probe", "{bad}"), Expect(says=("{bad}", "not an image"))),
    Case("pop: sheet that is not JSON", lambda t: {}, cli("pop", "--sheet", "{{colour: red"),
         Expect(says=("--sheet", "not valid JSON"))),
    Case("pop: sheet file that is not JSON", lambda t: {"bad": _write(t / "sheet.json", "colour = red")},
         cli("pop", "--sheet", "{bad}"), Expect(says=("{bad}", "not valid JSON"))),
]


# ---------------------------------------------------------------------------------------------- VISUELLE

def _visuelle(tmp, change=None, drop=()):
    """A small copy of VISUELLE (20 train and 10 test products, no pop.pt); change(folder) breaks it."""
    if not (VISUELLE / "train.csv").is_file():
        pytest.skip("VISUELLE is not in ../shared/data/visuelle")
    folder = tmp / "visuelle"
    folder.mkdir()
    for name in ("gtrends.csv", "normalization_scale.npy", "category_labels.pt", "color_labels.pt",
                 "fabric_labels.pt"):
        shutil.copy(VISUELLE / name, folder / name)
    for name, rows in (("train.csv", 20), ("test.csv", 10)):
        pd.read_csv(VISUELLE / name).head(rows).to_csv(folder / name, index=False)
    if change:
        change(folder)
    for name in drop:
        (folder / name).unlink()
    return {"folder": folder}


def _sales_cell(value):
    def change(folder):
        text = (folder / "train.csv").read_text().splitlines()
        cells = text[3].split(",")
        cells[4] = value
        text[3] = ",".join(cells)
        (folder / "train.csv").write_text("\n".join(text) + "\n")
    return change


def _drop_column(column):
    def change(folder):
        frame = pd.read_csv(folder / "test.csv")
        frame.drop(columns=[column]).to_csv(folder / "test.csv", index=False)
    return change


VISUELLE_CASES = [
    Case("visuelle: NaN sales", lambda t: _visuelle(t, _sales_cell("NaN")),
         library(lambda ctx: visuelle.load(ctx["folder"])), Expect(says=("train.csv", "row 4", "week 4"))),
    Case("visuelle: 'n/a' sales", lambda t: _visuelle(t, _sales_cell("n/a")),
         library(lambda ctx: visuelle.load(ctx["folder"])), Expect(says=("train.csv", "row 4", "week 4"))),
    Case("visuelle: scale of 0", lambda t: _visuelle(t, lambda f: np.save(f / "normalization_scale.npy", [0.0])),
         library(lambda ctx: visuelle.load(ctx["folder"])), Expect(says=("normalization_scale.npy", "0"))),
    Case("visuelle: missing column", lambda t: _visuelle(t, _drop_column("season")),
         library(lambda ctx: visuelle.load(ctx["folder"])), Expect(says=("test.csv", "missing columns", "season"))),
    Case("visuelle: missing file", lambda t: _visuelle(t, drop=["gtrends.csv"]),
         library(lambda ctx: visuelle.load(ctx["folder"])), Expect(says=("gtrends.csv", "not found"))),
    Case("forecast: broken folder, --json", lambda t: _visuelle(t, _sales_cell("n/a")),
         cli("forecast", "--visuelle", "{folder}", "--quick", "--json"), Expect(says=("train.csv", "row 4"))),
]


# ------------------------------------------------------------------------------- Fashion-MNIST, clothing

def _truncated_idx(tmp, gz):
    path = tmp / ("labels-idx1-ubyte" + (".gz" if gz else ""))
    fashion_mnist.write_idx(path, np.arange(100, dtype=np.uint8))
    data = gzip.decompress(path.read_bytes())[:60]
    path.write_bytes(gzip.compress(data) if gz else data)
    return {"bad": path}


def _cut_gzip(tmp):
    path = tmp / "images-idx3-ubyte.gz"
    fashion_mnist.write_idx(path, np.zeros((50, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:40])
    return {"bad": path}


def _clothing_table(tmp):
    root = tmp / "clothing"
    (root / "images").mkdir(parents=True)
    return {"root": root, "bad": _write(root / "images.csv", "image,sender_id,label,kids,split\nabc,1,Shirt,False,\n")}


DATASET_CASES = [
    Case("fashion-mnist: truncated IDX", lambda t: _truncated_idx(t, gz=False),
         library(lambda ctx: fashion_mnist.read_idx(ctx["bad"])), Expect(says=("{bad}", "truncated"))),
    Case("fashion-mnist: truncated IDX inside gzip", lambda t: _truncated_idx(t, gz=True),
         library(lambda ctx: fashion_mnist.read_idx(ctx["bad"])), Expect(says=("{bad}", "truncated"))),
    Case("fashion-mnist: cut-off gzip file", _cut_gzip,
         library(lambda ctx: fashion_mnist.read_idx(ctx["bad"])), Expect(says=("{bad}", "cannot be read"))),
    Case("clothing: table with a wrong column", _clothing_table,
         library(lambda ctx: clothing.read_table(ctx["root"])),
         Expect(says=("{bad}", "missing column(s) split_small"))),
]

CASES = IMAGE_CASES + C2S_CASES + DETECTION_CASES + POP_CASES + VISUELLE_CASES + DATASET_CASES


# ------------------------------------------------------------------------------------------------ checks

def _no_nan(constant):
    raise ValueError(f"JSON holds {constant}, which is not valid JSON")


def _json_line(outcome):
    return json.loads(outcome.value.strip().splitlines()[-1], parse_constant=_no_nan)


def _snapshot(folder):
    """{file: sha1} of every regular file under `folder` (pipes and links left alone)."""
    return {p: hashlib.sha1(p.read_bytes()).hexdigest() for p in folder.rglob("*")
            if not p.is_symlink() and p.is_file()}


def test_there_are_forty_kinds_of_bad_input():
    names = [case.name for case in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case, tmp_path, capsys):
    ctx = case.setup(tmp_path)
    before = _snapshot(tmp_path)
    outcome = case.run(ctx, capsys)
    expect = case.expect
    assert "Traceback" not in outcome.text, outcome.text
    if expect.code == "nonzero":
        assert outcome.code not in (0, None), f"accepted: {outcome.text}"
    elif expect.code == "zero":
        assert outcome.code == 0, outcome.text
    for words in expect.says:
        words = str(words).format(**ctx)
        assert words in outcome.text, f"{words!r} not in:\n{outcome.text}"
    stdout = outcome.value if isinstance(outcome.value, str) else ""
    for line in stdout.splitlines():
        if line.startswith(("{", "[")):  # any JSON printed, even on a refusal, must parse
            json.loads(line, parse_constant=_no_nan)
    if expect.json:
        _json_line(outcome)
    if expect.check:
        expect.check(outcome, ctx)
    after = _snapshot(tmp_path)
    assert {p: h for p, h in after.items() if p in before} == before, "a file that was there was overwritten"
