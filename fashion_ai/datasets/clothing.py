"""The "clothing dataset": real, crowd-sourced photos of single garments (CC0 1.0), read and checked.

A folder holds ``images.csv`` (``image,label,kids,sender_id,split_small``) and ``images/<image>.jpg``.
``split_small`` is the official train / validation / test split of its top-10-class subset
("clothing-dataset-small"); blank means the photo is not in that subset. The kit uses the full set when it
is there (a path argument, ``$FASHION_AI_CLOTHING``, or ``../shared/data/clothing`` beside the repository)
and the small subset it ships in ``data_samples/clothing_sample/`` otherwise.

A broken table raises ClothingFormatError naming the file, the row (as a spreadsheet shows it: the header
is row 1) and the problem.
"""

import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd

from ..paths import data_samples_dir

COLUMNS = ["image", "label", "kids", "sender_id", "split_small"]
SPLITS = ("train", "validation", "test")
#: The ten classes of the official small subset, in the order the kit's classifier outputs them.
CLASSES = ("Dress", "Hat", "Longsleeve", "Outwear", "Pants", "Shirt", "Shoes", "Shorts", "Skirt", "T-Shirt")
TABLE = "images.csv"
IMAGE_DIR = "images"
SAMPLE_DIR = "clothing_sample"
#: Photos per class in the bundled subset, per official split.
SAMPLE_PER_CLASS = {"train": 20, "validation": 6, "test": 6}


class ClothingFormatError(Exception):
    """A clothing-dataset folder or table that does not have the expected shape."""

    def __init__(self, path, reason, row=None):
        self.path, self.row, self.reason = str(path), row, reason
        where = f"{path}, row {row}" if row else str(path)
        super().__init__(f"{where}: {reason}")


def shared_copy() -> Path:
    """Where the full set sits beside a checkout of the kit (it may be absent)."""
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "clothing"


def bundled_sample() -> Path:
    """The small subset shipped with the kit."""
    return data_samples_dir() / SAMPLE_DIR


def full_set_dir(path=None):
    """The full set's folder: `path`, else $FASHION_AI_CLOTHING, else the shared copy; None when none exists."""
    if path:
        if not (Path(path) / TABLE).is_file():
            raise ClothingFormatError(Path(path) / TABLE, "no such file: point to the folder that holds images.csv")
        return Path(path)
    for candidate in (os.environ.get("FASHION_AI_CLOTHING"), shared_copy()):
        if candidate and (Path(candidate) / TABLE).is_file():
            return Path(candidate)
    return None


def dataset_dir(path=None) -> Path:
    """The full set when it can be found, else the bundled subset (so every step runs on real photos)."""
    return full_set_dir(path) or bundled_sample()


def read_table(root=None, check_files=True) -> pd.DataFrame:
    """The checked table of `root` (see `dataset_dir`) with a `path` column (absolute image paths).

    Checks: the five columns, no blank image or label, no repeated image, `kids` True/False, `split_small`
    blank or one of SPLITS, split photos labelled with one of CLASSES, and (with `check_files`) every
    photo present.
    """
    root = dataset_dir(root)
    table_path = root / TABLE
    try:
        table = pd.read_csv(table_path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ClothingFormatError(table_path, f"cannot read the table ({exc})") from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ClothingFormatError(
            table_path, f"missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}, "
                        f"found {','.join(map(str, table.columns))}")
    if table.empty:
        raise ClothingFormatError(table_path, "the table has no rows")
    table = table[COLUMNS].apply(lambda column: column.str.strip())
    _check_rows(table_path, table)
    table["kids"] = table["kids"] == "True"
    table["path"] = [str(root / IMAGE_DIR / f"{name}.jpg") for name in table["image"]]
    if check_files:
        for row, path in enumerate(table["path"], start=2):
            if not Path(path).is_file():
                raise ClothingFormatError(table_path, f"the photo {path} is missing", row)
    return table


def _check_rows(table_path, table):
    """Raise on the first row whose fields break the format."""
    repeated = table["image"].duplicated()
    for index, record in enumerate(table.itertuples(index=False), start=2):
        if not record.image or not record.label:
            raise ClothingFormatError(table_path, "blank image or label", index)
        if repeated.iloc[index - 2]:
            raise ClothingFormatError(table_path, f"image {record.image!r} is listed twice", index)
        if record.kids not in ("True", "False"):
            raise ClothingFormatError(table_path, f"kids must be True or False, found {record.kids!r}", index)
        if record.split_small and record.split_small not in SPLITS:
            raise ClothingFormatError(
                table_path, f"split_small must be blank or one of {', '.join(SPLITS)}, "
                            f"found {record.split_small!r}", index)
        if record.split_small and record.label not in CLASSES:
            raise ClothingFormatError(
                table_path, f"a photo in split {record.split_small!r} must have one of the ten classes "
                            f"({', '.join(CLASSES)}), found {record.label!r}", index)


def load_split(split, root=None) -> pd.DataFrame:
    """The photos of one official split (`train`, `validation` or `test`): columns of `read_table`."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    table = read_table(root)
    return table[table["split_small"] == split].reset_index(drop=True)


def load_extra(root=None) -> pd.DataFrame:
    """Photos of the ten classes that the official split leaves out (blank `split_small`): more training
    data. Photos of the test split's contributors are left out, so that no one's clothes or rooms reach test
    from training. The bundled subset has none."""
    table = read_table(root)
    test_senders = set(table.loc[table["split_small"] == "test", "sender_id"])
    outside = (table["split_small"] == "") & table["label"].isin(CLASSES) & ~table["sender_id"].isin(test_senders)
    return table[outside].reset_index(drop=True)


def write_subset(out, source=None, per_class=None):
    """Copy a small, fixed subset of the full set to `out` (same table and layout, files byte for byte):
    `per_class` photos of each of the ten classes in each official split, picked by a hash of the image
    name so that the choice never depends on the machine."""
    per_class = per_class or SAMPLE_PER_CLASS
    source = full_set_dir(source)
    if source is None:
        raise ClothingFormatError(shared_copy(), "the full clothing set is needed to build the subset")
    table = read_table(source)
    table = table[table["split_small"] != ""]
    table = table.assign(_key=[hashlib.sha1(name.encode()).hexdigest() for name in table["image"]])
    table = table.sort_values("_key")
    rank = table.groupby(["split_small", "label"]).cumcount()
    picked = table[rank < table["split_small"].map(per_class)].sort_values(["split_small", "label", "image"])
    out = Path(out)
    (out / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
    for path in picked["path"]:
        shutil.copyfile(path, out / IMAGE_DIR / Path(path).name)
    picked.assign(kids=picked["kids"].map({True: "True", False: "False"}))[COLUMNS].to_csv(out / TABLE, index=False)
    shutil.copyfile(source / "LICENSE", out / "LICENSE")
    return out


#: Classes kept out of metric-learning training altogether, so that the retrieval check also shows how the
#: `fashion` embedding does on garments of a kind it never saw (neither is a DeepFashion2 category).
UNSEEN_CLASSES = ("Hat", "Shoes")
#: Labels that are no garment class (the contributors' "skip this photo").
NOT_GARMENTS = ("Skip",)


def sender_groups(table) -> pd.Series:
    """"train", "validation" or "check" per photo, by contributor (`sender_id`): 70 / 15 / 15 % of the
    contributors, picked by a hash, so no one's clothes, rooms or camera are on two sides."""
    bucket = [int(hashlib.sha1(str(sender).encode()).hexdigest(), 16) % 20 for sender in table["sender_id"]]
    return pd.Series(["train" if b < 14 else "validation" if b < 17 else "check" for b in bucket],
                     index=table.index)
