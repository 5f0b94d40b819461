"""VISUELLE (HumaticsLAB): weekly sales of 5,577 new fashion products, with the published POP signals.

The data is distributed by its authors for non-commercial research and is never bundled with the kit:
pass the folder holding your download (argument) or set FASHION_AI_VISUELLE. The folder holds
train.csv, test.csv (weekly sales "0".."11" divided by the scale in normalization_scale.npy),
gtrends.csv (weekly Google Trends per attribute name), category/color/fabric_labels.pt (name -> id)
and, optionally, pop.pt ({external_code: 52 POP values over the year before release}).
Kit rule: forecasters fit on train.csv only; test.csv is for the final evaluation.
"""

import _codecs
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ENV_VAR = "FASHION_AI_VISUELLE"
HORIZON = 12
SALES_COLUMNS = [str(week) for week in range(HORIZON)]
PRODUCT_COLUMNS = ["external_code", "season", "category", "color", "fabric", "release_date"]
ATTRIBUTES = ["category", "color", "fabric"]


class VisuelleError(Exception):
    """A missing or malformed VISUELLE file; the message names the file and the problem."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass
class Visuelle:
    """The tables of one VISUELLE folder. Sales stay divided by `scale` (multiply to get units)."""

    train: pd.DataFrame
    test: pd.DataFrame
    gtrends: pd.DataFrame  # index: week start date; one column per attribute name
    labels: dict  # "category" / "color" / "fabric" -> {name: id}
    scale: float
    pop: pd.DataFrame | None  # index: external_code; 52 columns, oldest week first

    @staticmethod
    def sales(frame: pd.DataFrame) -> np.ndarray:
        """The (n_products, 12) weekly sales of a product table, divided by the scale."""
        return frame[SALES_COLUMNS].to_numpy(dtype=float)


def find_dir(folder=None) -> Path:
    """The VISUELLE folder: the argument, else FASHION_AI_VISUELLE; a clear error when neither is usable."""
    folder = folder or os.environ.get(ENV_VAR)
    if not folder:
        raise VisuelleError("VISUELLE", f"no folder given: pass its path or set {ENV_VAR}")
    folder = Path(folder).expanduser()
    if not (folder / "train.csv").is_file():
        raise VisuelleError(folder / "train.csv", "not found (is this the VISUELLE folder?)")
    return folder


def read_csv(path, required) -> pd.DataFrame:
    """Read one CSV, checking it exists, parses and holds the `required` columns."""
    path = Path(path)
    if not path.is_file():
        raise VisuelleError(path, "file not found")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise VisuelleError(path, f"cannot be read as CSV ({exc})") from exc
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise VisuelleError(path, f"missing columns {missing}")
    return frame


def read_products(path) -> pd.DataFrame:
    """train.csv / test.csv: one row per product, sales as floats, release_date as a date."""
    frame = read_csv(path, SALES_COLUMNS + PRODUCT_COLUMNS)
    try:
        frame[SALES_COLUMNS] = frame[SALES_COLUMNS].astype(float)
        frame["release_date"] = pd.to_datetime(frame["release_date"])
    except (ValueError, TypeError) as exc:
        raise VisuelleError(path, f"bad sales or release_date values ({exc})") from exc
    blank = ~np.isfinite(frame[SALES_COLUMNS].to_numpy())
    if blank.any():
        row, week = np.argwhere(blank)[0]
        raise VisuelleError(path, f"row {row + 2}, week {SALES_COLUMNS[week]}: the sales value is missing or not "
                                  f"a number ({blank.sum()} such value(s) in the file); every week needs a number")
    if frame["external_code"].duplicated().any():
        raise VisuelleError(path, "duplicate external_code values")
    return frame


def read_gtrends(path) -> pd.DataFrame:
    """gtrends.csv: weekly Google Trends, indexed by date."""
    frame = read_csv(path, ["date"])
    try:
        frame["date"] = pd.to_datetime(frame["date"])
    except (ValueError, TypeError) as exc:
        raise VisuelleError(path, f"bad date values ({exc})") from exc
    return frame.set_index("date").sort_index().astype(float)


def torch_load(path):
    """torch.load restricted to plain data (weights_only), accepting the numpy scalars the label files hold."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise VisuelleError(path, "file not found")
    scalar = np._core.multiarray.scalar  # files written under numpy 1 name it numpy.core.multiarray.scalar
    numpy_globals = [scalar, (scalar, "numpy.core.multiarray.scalar"), np.dtype, _codecs.encode]
    numpy_globals += [type(np.dtype(kind)) for kind in ("int64", "int32", "float64", "float32")]
    try:
        with torch.serialization.safe_globals(numpy_globals):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises pickle, zip and runtime errors alike for a bad file
        raise VisuelleError(path, f"cannot be read with torch.load ({type(exc).__name__}: {exc})") from exc


def read_labels(path) -> dict:
    """A *_labels.pt file: {attribute name: integer id}."""
    labels = torch_load(path)
    if not isinstance(labels, dict) or not labels:
        raise VisuelleError(path, "expected a non-empty dict of name -> id")
    return {str(name): int(index) for name, index in labels.items()}


def read_pop(path) -> pd.DataFrame:
    """pop.pt: {external_code: tensor of K values} -> a table indexed by external_code, one column per week."""
    signals = torch_load(path)
    if not isinstance(signals, dict) or not signals:
        raise VisuelleError(path, "expected a non-empty dict of external_code -> signal")
    lengths = {len(np.asarray(value).reshape(-1)) for value in signals.values()}
    if len(lengths) != 1:
        raise VisuelleError(path, f"signals of different lengths {sorted(lengths)}")
    rows = np.stack([np.asarray(value, dtype=float).reshape(-1) for value in signals.values()])
    return pd.DataFrame(rows, index=pd.Index([int(code) for code in signals], name="external_code"))


def load(folder=None, with_pop=True) -> Visuelle:
    """Read a VISUELLE folder (see the module docstring); pop.pt is optional and read when `with_pop`."""
    folder = find_dir(folder)
    scale_path = folder / "normalization_scale.npy"
    if not scale_path.is_file():
        raise VisuelleError(scale_path, "file not found")
    try:
        scale = float(np.load(scale_path).reshape(-1)[0])
    except (ValueError, IndexError, OSError) as exc:
        raise VisuelleError(scale_path, f"cannot be read as a numpy scale ({exc})") from exc
    if not (np.isfinite(scale) and scale > 0):
        raise VisuelleError(scale_path, f"the scale is {scale}; it must be a number above 0 (sales are divided by it)")
    pop_path = folder / "pop.pt"
    data = Visuelle(
        train=read_products(folder / "train.csv"),
        test=read_products(folder / "test.csv"),
        gtrends=read_gtrends(folder / "gtrends.csv"),
        labels={name: read_labels(folder / f"{name}_labels.pt") for name in ATTRIBUTES},
        scale=scale,
        pop=read_pop(pop_path) if with_pop and pop_path.is_file() else None,
    )
    check_consistency(data, folder)
    return data


def check_consistency(data: Visuelle, folder: Path):
    """Every attribute value of the products must have a Trends series, and POP must cover every product."""
    for split in ("train", "test"):
        frame = getattr(data, split)
        for attribute in ATTRIBUTES:
            unknown = sorted(set(frame[attribute]) - set(data.gtrends.columns))
            if unknown:
                raise VisuelleError(folder / "gtrends.csv", f"no series for {attribute} values {unknown[:5]}")
        if data.pop is not None:
            missing = sorted(set(frame["external_code"]) - set(data.pop.index))
            if missing:
                raise VisuelleError(folder / "pop.pt", f"no signal for {len(missing)} {split} products")
