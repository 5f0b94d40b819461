"""The kit's one safe image loader: every image the kit reads goes through `load_image`.

It turns whatever a student's camera or the web produced (EXIF rotation, CMYK, palette, 16-bit, alpha,
truncated or fake files, decompression bombs) into a plain RGB picture, or raises `ImageLoadError` with a
message that names the file and says what is wrong in plain words.
"""

import errno
import hashlib
import os
import stat
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
    reason = file_problem(path)
    if reason:
        raise ImageLoadError(path, reason)
    if path.stat().st_size == 0:
        raise ImageLoadError(path, "the file is empty (0 bytes)")


def file_problem(path):
    """Why `path` is no regular file the kit can open, in plain words, or None when it is one.

    Only `os.stat` is used: opening a named pipe waits for a writer forever and a device such as /dev/zero
    never ends, so such files are refused by their type before anything opens them."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself, so there is no file behind it"
        if exc.errno == errno.ENAMETOOLONG:
            return "the file name is too long for the file system"
        if exc.errno == errno.ENOTDIR:
            return "file not found (a part of its path is a file, not a folder)"
        return f"the file cannot be read ({exc.strerror})"
    if stat.S_ISDIR(mode):
        return "this is a folder, not an image file"
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "a special file")
        return f"this is {kind}, not a regular file, so it is not opened"
    return None


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
    """SHA-1 of a file's bytes: finds the same image filed twice and keys the caches. Raises OSError for
    anything but a regular file (see `file_problem`), which reading could block on or never finish."""
    reason = file_problem(path)
    if reason:
        raise OSError(f"{path}: {reason}")
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()
