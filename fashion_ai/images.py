"""The kit's one safe image loader: every image the kit reads goes through `load_image`.

It turns whatever a student's camera or the web produced (EXIF rotation, CMYK, palette, 16-bit, alpha,
truncated or fake files, decompression bombs) into a plain RGB picture, or raises `ImageLoadError` with a
message that names the file and says what is wrong in plain words.
"""

import hashlib
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Largest image the kit opens (width x height). 40 megapixels covers every phone camera; a bigger
#: "image" is far more likely a decompression bomb or a scan that would exhaust a laptop's memory.
MAX_PIXELS = 40_000_000

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


class ImageLoadError(Exception):
    """An image that cannot be used, with the file and the reason kept apart for reports."""

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def is_image_name(path) -> bool:
    """True when the file name has an image suffix the kit looks for in folders."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def load_image(path, max_side=None, max_pixels=MAX_PIXELS) -> Image.Image:
    """Open `path` as an upright RGB image, optionally shrunk so its longer side is at most `max_side`."""
    path = Path(path)
    _check_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                _check_size(path, im.size, max_pixels)
                if max_side and im.format == "JPEG":
                    im.draft("RGB", (max_side, max_side))  # decode at a reduced scale: much faster
                im.load()
                im = ImageOps.exif_transpose(im)
                rgb = to_rgb(im)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageLoadError(path, f"the image is too large to open safely (over {max_pixels:,} pixels)")
    except UnidentifiedImageError:
        raise ImageLoadError(path, "not an image file the kit can read (the format was not recognised)")
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageLoadError(path, f"the image file is damaged or truncated ({exc})")
    if max_side and max(rgb.size) > max_side:
        rgb.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return rgb


def _check_file(path: Path):
    if not path.exists():
        raise ImageLoadError(path, "file not found")
    if path.is_dir():
        raise ImageLoadError(path, "this is a folder, not an image file")
    if path.stat().st_size == 0:
        raise ImageLoadError(path, "the file is empty (0 bytes)")


def _check_size(path, size, max_pixels):
    width, height = size
    if width * height > max_pixels:
        raise ImageLoadError(
            path,
            f"the image is too large ({width} x {height} pixels, the limit is {max_pixels:,} pixels); "
            "resize it before adding it",
        )
    if width == 0 or height == 0:
        raise ImageLoadError(path, "the image has no pixels (zero width or height)")


def to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB; transparent areas become white, like a shop background."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        im = _high_depth_to_l(im)
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB") if im.mode != "RGB" else im.copy()


def _high_depth_to_l(im: Image.Image) -> Image.Image:
    """16-bit and float greyscale to 8-bit, scaling by the range the data actually uses."""
    arr = np.asarray(im, dtype=np.float64)
    top = arr.max() if arr.size else 0
    if im.mode == "F" and top <= 1.0:
        arr = arr * 255.0
    elif top > 255:
        arr = arr / 257.0
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")


def file_digest(path, chunk=1 << 20) -> str:
    """SHA-1 of a file's bytes: finds the same image filed twice and keys the caches."""
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()
