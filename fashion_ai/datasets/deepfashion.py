"""DeepFashion's Consumer-to-shop Clothes Retrieval benchmark (Liu et al., CVPR 2016), read into the kit's
consumer-to-shop set table (`item_id, domain, path, category`).

The benchmark folder, as downloaded, holds ::

    Anno/list_item_consumer2shop.txt   line 1: number of items; then one item id per line
    Anno/list_bbox_consumer2shop.txt   line 1: number of images; line 2: the column names;
                                       then <image name> <clothes type> <source type> <x_1> <y_1> <x_2> <y_2>
    Eval/list_eval_partition.txt       line 1: number of pairs; line 2: the column names;
                                       then <consumer image> <shop image> <item id> <train|val|test>
    Img/img/<GROUP>/<Category>/<item id>/comsumer_01.jpg, shop_01.jpg ...   ("comsumer" is the official spelling)

Files are whitespace-separated text. A malformed file raises DeepFashionFormatError naming the file and line.
"""

from pathlib import Path

import pandas as pd

from ..consumer_shop import COLUMNS

EVAL_COLUMNS = ["image_pair_name_1", "image_pair_name_2", "item_id", "evaluation_status"]
BBOX_COLUMNS = ["image_name", "clothes_type", "source_type", "x_1", "y_1", "x_2", "y_2"]
SPLITS = ("train", "val", "test")
#: Codes used in list_bbox_consumer2shop.txt.
CLOTHES_TYPES = {1: "upper-body", 2: "lower-body", 3: "full-body"}
SOURCE_TYPES = {1: "shop", 2: "consumer"}

EVAL_FILE = Path("Eval") / "list_eval_partition.txt"
BBOX_FILE = Path("Anno") / "list_bbox_consumer2shop.txt"
ITEM_FILE = Path("Anno") / "list_item_consumer2shop.txt"
IMAGE_DIR = "Img"


class DeepFashionFormatError(Exception):
    """A DeepFashion list file that does not have the official shape."""

    def __init__(self, path, reason, line=None):
        self.path, self.line, self.reason = str(path), line, reason
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {reason}")


def read_list_file(path, columns) -> pd.DataFrame:
    """Read a count line, a header line naming `columns`, then rows of exactly that many fields (as text)."""
    lines = _lines(path)
    count = _count(path, lines)
    if len(lines) < 2 or lines[1].split() != list(columns):
        found = " ".join(lines[1].split()) if len(lines) > 1 else "nothing"
        raise DeepFashionFormatError(
            path, f"the second line must name the columns {' '.join(columns)}, found: {found}", 2)
    rows = []
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if len(fields) != len(columns):
            raise DeepFashionFormatError(
                path, f"expected {len(columns)} fields ({' '.join(columns)}), found {len(fields)}", number)
        rows.append(fields)
    _check_count(path, count, len(rows))
    return pd.DataFrame(rows, columns=list(columns))


def read_items(path) -> list:
    """Item ids of list_item_consumer2shop.txt (a count line, then one id per line)."""
    lines = _lines(path)
    count = _count(path, lines)
    items = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if len(fields) != 1 or not fields[0].startswith("id_"):
            raise DeepFashionFormatError(path, f"expected one item id like id_00000001, found: {line.strip()}",
                                         number)
        items.append(fields[0])
    _check_count(path, count, len(items))
    return items


def read_eval_partition(path) -> pd.DataFrame:
    """Consumer/shop image pairs: columns consumer, shop, item_id, split."""
    table = read_list_file(path, EVAL_COLUMNS)
    bad = ~table["evaluation_status"].isin(SPLITS)
    if bad.any():
        first = int(bad.to_numpy().argmax())
        raise DeepFashionFormatError(path, f"evaluation status must be train, val or test, found "
                                           f"{table['evaluation_status'].iloc[first]!r}", first + 3)
    return table.set_axis(["consumer", "shop", "item_id", "split"], axis=1)


def read_bboxes(path) -> pd.DataFrame:
    """Boxes of list_bbox_consumer2shop.txt: image_name, clothes_type (words), domain, x_1, y_1, x_2, y_2."""
    table = read_list_file(path, BBOX_COLUMNS)
    numbers = table.columns[1:]
    for number, row in enumerate(table[numbers].itertuples(index=False), start=3):
        if not all(v.lstrip("-").isdigit() for v in row):
            raise DeepFashionFormatError(path, f"type codes and box corners must be whole numbers, found "
                                               f"{' '.join(row)}", number)
        if int(row[0]) not in CLOTHES_TYPES or int(row[1]) not in SOURCE_TYPES:
            raise DeepFashionFormatError(path, "clothes type must be 1, 2 or 3 and source type 1 (shop) or 2 "
                                               f"(consumer), found {row[0]} and {row[1]}", number)
    table[numbers] = table[numbers].astype(int)
    table["clothes_type"] = table["clothes_type"].map(CLOTHES_TYPES)
    table["source_type"] = table["source_type"].map(SOURCE_TYPES)
    return table.rename(columns={"source_type": "domain"})


def load_consumer2shop(root, split=None) -> pd.DataFrame:
    """The benchmark as a consumer-to-shop set table (absolute paths under root/Img).

    split: "train", "val", "test" or None (all). Each pair gives its consumer and its shop photo; a photo in
    several pairs appears once. The category is the fine one in the image path (img/TOPS/<Category>/...).
    Item ids are checked against list_item_consumer2shop.txt when that file is present.
    """
    root = Path(root)
    pairs = read_eval_partition(root / EVAL_FILE)
    if split is not None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)} or None, not {split!r}")
        pairs = pairs[pairs["split"] == split]
    if (root / ITEM_FILE).exists():
        _check_items(root / EVAL_FILE, pairs, set(read_items(root / ITEM_FILE)))
    sides = [pairs[[side, "item_id"]].set_axis(["name", "item_id"], axis=1).assign(domain=side)
             for side in ("consumer", "shop")]
    table = pd.concat(sides, ignore_index=True).drop_duplicates("name")
    table["path"] = [str(root / IMAGE_DIR / name) for name in table["name"]]
    table["category"] = [_category(name) for name in table["name"]]
    return table[COLUMNS].reset_index(drop=True)


def _category(image_name: str) -> str:
    parts = Path(image_name).parts
    return parts[2] if len(parts) >= 5 else ""


def _check_items(path, pairs, known):
    unknown = ~pairs["item_id"].isin(known)
    if unknown.any():
        index = pairs.index[int(unknown.to_numpy().argmax())]
        raise DeepFashionFormatError(path, f"item {pairs.loc[index, 'item_id']} is not in {ITEM_FILE.name}",
                                     index + 3)


def _lines(path) -> list:
    path = Path(path)
    if not path.is_file():
        raise DeepFashionFormatError(path, "file not found")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise DeepFashionFormatError(path, "not a text file (DeepFashion list files are plain text)")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _count(path, lines) -> int:
    if not lines:
        raise DeepFashionFormatError(path, "the file is empty")
    first = lines[0].strip()
    if not first.isdigit():
        raise DeepFashionFormatError(path, f"the first line must be the number of rows, found: {first}", 1)
    return int(first)


def _check_count(path, count, found):
    if count != found:
        raise DeepFashionFormatError(
            path, f"the first line promises {count} rows but the file holds {found} (truncated?)", 1)
