"""The bundled consumer-to-shop sample set, drawn from Fashion-MNIST garments.

Every item is one garment seen in two worlds: a *shop* photo (a clean, centred product shot on a plain light
background) and *consumer* photos (the same garment smaller, turned, skewed, on a real photo background, with
other lighting, blur, noise, something in front of it and JPEG artefacts). The renderers also serve training
code, which draws its pairs from Fashion-MNIST's *train* split; the bundled set uses the *test* split only.
"""

import csv
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from . import fashion_mnist
from .garments import COLORS, PATTERNS, garment_alpha, garment_cutout, random_background

ITEMS_PER_CLASS = 12
CONSUMER_PER_ITEM = 2
SHOP_SIZE = 128
CONSUMER_SIZE = 160
JPEG_QUALITY = 85
MANIFEST_COLUMNS = ["item_id", "domain", "path", "category"]


def render_shop(img28, color, pattern, rng, size=SHOP_SIZE) -> Image.Image:
    """A product shot: the garment centred on a plain light background with a soft shadow."""
    tone = rng.uniform(232, 250) + rng.uniform(-4, 4, size=3)
    canvas = Image.new("RGBA", (size, size), tuple(int(v) for v in np.clip(tone, 0, 255)) + (255,))
    side = int(size * 0.84)
    offset = ((size - side) // 2, (size - side) // 2)
    shadow_alpha = garment_alpha(img28, (side, side)) * 90
    shadow = Image.new("RGBA", (side, side), (60, 60, 60, 0))
    shadow.putalpha(Image.fromarray(shadow_alpha.astype(np.uint8)).filter(ImageFilter.GaussianBlur(3)))
    canvas.alpha_composite(shadow, (offset[0] + 3, offset[1] + 4))
    canvas.alpha_composite(garment_cutout(img28, COLORS[color], (side, side), pattern), offset)
    return canvas.convert("RGB")


def render_consumer(img28, color, pattern, rng, size=CONSUMER_SIZE, strength=1.0) -> Image.Image:
    """An everyday photo of the same garment; `strength` (0 = mild, 1 = full) scales every degradation."""
    s = float(strength)
    canvas = random_background(rng, (size, size)).convert("RGBA")
    side = int(size * 0.9 * (1 - s * rng.uniform(0.1, 0.45)))
    cut = garment_cutout(img28, COLORS[color], (side, side), pattern)
    cut = cut.rotate(s * rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=True)
    cut = _perspective(cut, rng, 0.18 * s)
    if max(cut.size) > size:
        cut.thumbnail((size, size), Image.Resampling.BICUBIC)
    x = int(rng.integers(0, size - cut.width + 1))
    y = int(rng.integers(0, size - cut.height + 1))
    canvas.alpha_composite(cut, (x, y))
    if rng.random() < 0.7 * s:
        _occlude(canvas, (x, y, x + cut.width, y + cut.height), rng)
    photo = _relight(canvas.convert("RGB"), rng, s)
    photo = photo.filter(ImageFilter.GaussianBlur(radius=s * rng.uniform(0, 1.4)))
    photo = _add_noise(photo, rng, s * rng.uniform(0, 9))
    return _jpeg_roundtrip(photo, int(92 - s * rng.uniform(15, 60)))


def _perspective(im: Image.Image, rng, amount) -> Image.Image:
    """Skew the picture as a camera held at an angle would: corners pulled inward by up to `amount`."""
    if amount <= 0:
        return im
    w, h = im.size
    src = np.array([(0, 0), (w, 0), (w, h), (0, h)], np.float64)
    inward = np.array([(1, 1), (-1, 1), (-1, -1), (1, -1)], np.float64)
    dst = src + inward * rng.uniform(0, amount, size=(4, 2)) * (w, h)
    coeffs = _perspective_coeffs(dst, src)
    return im.transform(im.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)


def _perspective_coeffs(out_pts, in_pts):
    """The 8 coefficients PIL needs to map output points back to input points."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(out_pts, in_pts):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return np.linalg.solve(np.array(rows), np.array(rhs)).tolist()


def _occlude(canvas: Image.Image, box, rng):
    """Cover part of the garment with a patch of another background (a bag, an arm, a passer-by)."""
    x0, y0, x1, y1 = box
    w = max(4, int((x1 - x0) * rng.uniform(0.2, 0.4)))
    h = max(4, int((y1 - y0) * rng.uniform(0.2, 0.4)))
    patch = random_background(rng, (w, h)).convert("RGBA")
    px = int(rng.integers(x0, max(x0 + 1, x1 - w // 2)))
    py = int(rng.integers(y0, max(y0 + 1, y1 - h // 2)))
    canvas.alpha_composite(patch, (min(px, canvas.width - 1), min(py, canvas.height - 1)))


def _relight(im: Image.Image, rng, s) -> Image.Image:
    """Other light: brightness, contrast and a colour cast (warm indoor bulbs, cold shade)."""
    im = ImageEnhance.Brightness(im).enhance(1 + s * rng.uniform(-0.35, 0.3))
    im = ImageEnhance.Contrast(im).enhance(1 + s * rng.uniform(-0.3, 0.2))
    cast = 1 + s * rng.uniform(-0.12, 0.12, size=3)
    return Image.fromarray(np.clip(np.asarray(im, np.float32) * cast, 0, 255).astype(np.uint8))


def _add_noise(im: Image.Image, rng, sigma) -> Image.Image:
    if sigma <= 0:
        return im
    arr = np.asarray(im, np.float32) + rng.normal(0, sigma, size=(im.height, im.width, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _jpeg_roundtrip(im: Image.Image, quality) -> Image.Image:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=max(5, min(95, quality)))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def category_slug(name: str) -> str:
    """A class name as a file-name-safe word ("T-shirt/top" -> "t-shirt-top")."""
    return name.lower().replace("/", "-").replace(" ", "-")


def pick_items(labels: np.ndarray, per_class, rng) -> np.ndarray:
    """`per_class` random positions of each class, in a fixed order (class, then position)."""
    picks = [np.sort(rng.choice(np.flatnonzero(labels == c), per_class, replace=False))
             for c in range(len(fashion_mnist.CLASSES))]
    return np.concatenate(picks)


def build_sample_set(out_dir, seed=0, per_class=ITEMS_PER_CLASS):
    """Write the sample set to `out_dir` (ROOT/<item_id>/{shop,consumer}/*.jpg, manifest.csv and
    categories.csv) from the bundled Fashion-MNIST *test* subset, so it rebuilds identically anywhere.
    Returns the manifest path."""
    out_dir = Path(out_dir)
    images, labels = fashion_mnist.load("test", source="subset")
    source_index = np.loadtxt(fashion_mnist.subset_dir() / "test-source-indices.txt", dtype=np.int64)
    rng = np.random.default_rng(seed)
    manifest, items = [], []
    for n, pos in enumerate(pick_items(labels, per_class, rng)):
        category = fashion_mnist.CLASSES[labels[pos]]
        item_id = f"{category_slug(category)}-{n % per_class + 1:02d}"
        color = str(rng.choice(list(COLORS)))
        pattern = str(rng.choice(PATTERNS, p=[0.55, 0.15, 0.15, 0.15]))
        shots = [("shop", f"{item_id}_shop.jpg", render_shop(images[pos], color, pattern, rng))]
        shots += [("consumer", f"{item_id}_consumer{k + 1}.jpg",
                   render_consumer(images[pos], color, pattern, rng)) for k in range(CONSUMER_PER_ITEM)]
        for domain, name, picture in shots:
            rel = f"{item_id}/{domain}/{name}"
            (out_dir / item_id / domain).mkdir(parents=True, exist_ok=True)
            picture.save(out_dir / rel, "JPEG", quality=JPEG_QUALITY)
            manifest.append([item_id, domain, rel, category])
        items.append([item_id, category, color, pattern, "test", int(source_index[pos])])
    _write_csv(out_dir / "categories.csv",
               ["item_id", "category", "color", "pattern", "fashion_mnist_split", "fashion_mnist_index"], items)
    _write_csv(out_dir / "manifest.csv", MANIFEST_COLUMNS, manifest)
    return out_dir / "manifest.csv"


def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
