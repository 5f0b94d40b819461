"""Consumer-to-shop sets: the table `item_id, domain, path, category`, how to build it, and how to check it.

A set comes from one of two sources (`load_set` picks by what the path is):

* a **folder** laid out as ::

      ROOT/<item_id>/shop/*.jpg            one or more product photos of the item
      ROOT/<item_id>/consumer/*.jpg        one or more everyday photos of the same item
      ROOT/categories.csv                  optional: columns item_id, category (more columns are ignored)

  or, to give categories by folder instead, one level more: ``ROOT/<category>/<item_id>/{shop,consumer}/``.
  A folder is an item when it holds a ``shop/`` or ``consumer/`` folder; otherwise it is a category folder.
* a **CSV manifest** with exactly the columns ``item_id, domain, path, category``; paths are relative to the
  CSV file (or absolute); domain is ``consumer`` or ``shop``.

Checking (`check_set`) reads every photo through the kit's safe loader and reports, per file and per item,
everything a student's set can get wrong. A bad file is reported and left out; it never sinks the set.
The set is *usable* when at least `MIN_ITEMS` items keep both a consumer and a shop photo.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .images import ImageLoadError, file_digest, file_problem, is_image_name, load_image
from .paths import data_samples_dir

COLUMNS = ["item_id", "domain", "path", "category"]
DOMAINS = ("consumer", "shop")
CATEGORIES_FILE = "categories.csv"
MIN_ITEMS = 2
#: Images are decoded at this size to check them: every byte is still read, but it is much faster.
CHECK_SIDE = 96


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a set. `level` is "file", "item" or "set"; `where` the file or folder."""

    level: str
    where: str
    message: str
    item_id: str = ""

    def __str__(self):
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class SetReport:
    """What checking a set found: counts, problems, and whether the set can be used."""

    source: str
    problems: list = field(default_factory=list)
    n_items: int = 0
    n_consumer: int = 0
    n_shop: int = 0
    n_skipped: int = 0

    @property
    def usable(self) -> bool:
        return self.n_items >= MIN_ITEMS and not any(p.level == "set" for p in self.problems)

    def summary(self) -> str:
        return (f"{_count(self.n_items, 'item')} with both sides ({self.n_consumer} consumer and {self.n_shop} "
                f"shop photos); {_count(self.n_skipped, 'photo')} left out; {_count(len(self.problems), 'problem')}"
                " found")

    def to_frame(self) -> pd.DataFrame:
        rows = [(p.level, p.item_id, p.where, p.message) for p in self.problems]
        return pd.DataFrame(rows, columns=["level", "item_id", "where", "message"])

    def __str__(self):
        lines = [f"Consumer-to-shop set: {self.source}", f"  {self.summary()}"]
        if self.usable:
            lines.append("  Usable: yes")
        else:
            lines.append(f"  Usable: NO (it needs at least {MIN_ITEMS} items that each have a consumer and a shop "
                         "photo, and no problem with the set as a whole)")
        lines += [f"  [{p.level}] {p}" for p in self.problems]
        return "\n".join(lines)


def _count(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS})


def sample_set_path() -> Path:
    """The manifest of the bundled sample set (see data_samples/README.md)."""
    return data_samples_dir() / "c2s_sample" / "manifest.csv"


def sample_set(check_images=False) -> pd.DataFrame:
    """The bundled 120-item sample set as a set table (its photos are checked by the kit's tests)."""
    table, report = load_set(sample_set_path(), check_images=check_images)
    if not report.usable:
        raise RuntimeError(str(report))
    return table


def load_set(path, check_images=True, progress=None):
    """Read a set from a folder or a CSV manifest and check it. Returns (table, report); the table holds
    only the photos that passed, with absolute paths."""
    path = Path(path).expanduser()
    if path.is_dir():
        table, problems = read_folder(path)
    elif path.is_file() and path.suffix.lower() == ".csv":
        table, problems = read_manifest(path)
    elif path.exists():
        table, problems = empty_table(), [Problem("set", str(path), "this is neither a folder nor a .csv manifest")]
    else:
        table, problems = empty_table(), [Problem("set", str(path), "not found (no such folder or file)")]
    return check_set(table, problems, source=str(path), check_images=check_images, progress=progress)


def read_manifest(csv_path):
    """A set table from a CSV manifest (paths made absolute), and the problems with the manifest itself."""
    csv_path = Path(csv_path)
    try:
        raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = "the file is empty" if isinstance(exc, pd.errors.EmptyDataError) else f"{exc}".strip()
        return empty_table(), [Problem("set", str(csv_path), f"cannot be read as a CSV table: {reason}")]
    raw.columns = [str(c).strip() for c in raw.columns]
    problems = []
    missing = [c for c in COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in COLUMNS]
    if missing:
        problems.append(Problem("set", str(csv_path), (
            f"the manifest has no column {', '.join(missing)}; it needs exactly the columns "
            f"{', '.join(COLUMNS)} (it has {', '.join(raw.columns) or 'none'})")))
        return empty_table(), problems
    if extra:
        problems.append(Problem("file", str(csv_path), f"extra column(s) {', '.join(extra)} ignored; a manifest "
                                f"has exactly the columns {', '.join(COLUMNS)}"))
    table = raw[COLUMNS].apply(lambda col: col.str.strip())
    table["domain"] = table["domain"].str.lower()  # "Shop" is shop for every command that reads a manifest
    table["path"] = [_resolve(csv_path.parent, p) if p else "" for p in table["path"]]
    return table.reset_index(drop=True), problems


def _resolve(base: Path, path: str) -> str:
    """Make a manifest path absolute; backslashes from Windows-made CSVs work too."""
    p = Path(path.replace("\\", "/")).expanduser()
    return str((p if p.is_absolute() else base / p).resolve())


def read_folder(root):
    """A set table from the documented folder layout, and the problems with the layout itself."""
    root = Path(root).resolve()
    problems, rows, n_items = [], [], 0
    categories = _read_categories(root, problems)
    for child in _visible_dirs(root):
        if _is_item_folder(child):
            rows += _read_item(child, categories.get(child.name, ""), problems)
            n_items += 1
            continue
        items = [d for d in _visible_dirs(child) if _is_item_folder(d)]
        if not items:
            problems.append(Problem("file", str(child), "this folder holds no shop/ or consumer/ folder, so it "
                                    "is not an item; skipped"))
        for item in items:
            rows += _read_item(item, child.name, problems)
        n_items += len(items)
    if not n_items:
        what = "is empty" if not _visible(root.iterdir()) else "holds no item folders"
        problems.append(Problem("set", str(root), f"the folder {what}; expected {root.name}/<item_id>/shop/ "
                                "and <item_id>/consumer/ folders with photos"))
    table = pd.DataFrame(rows, columns=COLUMNS) if rows else empty_table()
    return table, problems


def _visible(paths):
    return [p for p in paths if not p.name.startswith((".", "__"))]


def _visible_dirs(folder: Path):
    return sorted(p for p in _visible(folder.iterdir()) if p.is_dir())


def _is_item_folder(folder: Path) -> bool:
    return any((folder / d).is_dir() for d in DOMAINS)


def _read_categories(root: Path, problems) -> dict:
    """item_id -> category from ROOT/categories.csv, when there is one."""
    path = root / CATEGORIES_FILE
    if not path.is_file():
        return {}
    try:
        cats = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        problems.append(Problem("file", str(path), f"cannot be read as a CSV table ({exc}); categories left blank"))
        return {}
    if not {"item_id", "category"} <= set(cats.columns):
        problems.append(Problem("file", str(path), "needs the columns item_id and category; categories left blank"))
        return {}
    return dict(zip(cats["item_id"].str.strip(), cats["category"].str.strip()))


def _read_item(folder: Path, category, problems):
    rows = []
    for domain in DOMAINS:
        side = folder / domain
        if not side.is_dir():
            continue
        files = sorted(p for p in _visible(side.iterdir()) if not p.is_dir())  # pipes too: reported later
        if not files:
            problems.append(Problem("item", str(side), "empty folder (no photos in it)", folder.name))
        for f in files:
            if is_image_name(f):
                rows.append([folder.name, domain, str(f), category])
            else:
                kind = f.suffix or "no suffix"
                problems.append(Problem("file", str(f), f"not a kind of image file the kit reads ({kind}); save "
                                        "photos as JPEG or PNG; skipped", folder.name))
    return rows


def check_set(table, problems=(), source="", check_images=True, progress=None):
    """Check a set table. Returns (the rows that passed, SetReport). `progress(done, total)` is called as
    photos are read (a widget may raise from it to cancel)."""
    problems = list(problems)
    table = table.reset_index(drop=True).copy()
    keep = _check_rows(table, problems)
    if check_images:
        keep &= _check_images(table, keep, problems, progress)
    else:
        keep &= _check_exists(table, keep, problems)
    keep &= _check_sides(table, keep, problems)
    if len(table) == 0 and not any(p.level == "set" for p in problems):
        problems.append(Problem("set", source, "the set has no photos at all"))
    clean = table[keep].reset_index(drop=True)
    report = SetReport(source=source, problems=problems, n_items=clean["item_id"].nunique(),
                       n_consumer=int((clean["domain"] == "consumer").sum()),
                       n_shop=int((clean["domain"] == "shop").sum()), n_skipped=int((~keep).sum()))
    return clean, report


def _check_rows(table, problems) -> pd.Series:
    """Rows without an item, with an unknown domain, or listing a path twice are left out."""
    table["domain"] = table["domain"].str.strip().str.lower()
    reasons = pd.Series("", index=table.index)
    unknown = ~table["domain"].isin(DOMAINS)
    reasons[unknown] = [f"domain {d!r} is neither 'consumer' nor 'shop'; skipped" for d in table["domain"][unknown]]
    reasons[table["path"] == ""] = "no path given; skipped"
    reasons[table["item_id"] == ""] = "no item_id given; skipped"
    for i in reasons.index[reasons != ""]:
        where = table.at[i, "path"] or f"row {i + 1}"
        problems.append(Problem("file", where, reasons[i], table.at[i, "item_id"]))
    keep = reasons == ""
    dup = table["path"].duplicated() & keep
    for i in table.index[dup]:
        problems.append(Problem("file", table.at[i, "path"], "listed more than once; only the first is kept",
                                table.at[i, "item_id"]))
    return keep & ~dup


def _check_exists(table, keep, problems) -> pd.Series:
    """Each kept row's file is a regular file (looked up with stat only: a pipe or device is never opened)."""
    ok = []
    for path, item, wanted in zip(table["path"], table["item_id"], keep):
        reason = file_problem(path) if wanted else None
        if reason:
            problems.append(Problem("file", path, f"{reason}; skipped", item))
        ok.append(not reason)
    return pd.Series(ok, index=table.index, dtype=bool)


def _check_images(table, keep, problems, progress) -> pd.Series:
    """Read every photo; leave out the ones that do not load and later copies of the same picture."""
    ok = pd.Series(True, index=table.index)
    first_seen = {}
    todo = table.index[keep]
    for n, i in enumerate(todo):
        path, item = table.at[i, "path"], table.at[i, "item_id"]
        try:
            load_image(path, max_side=CHECK_SIDE)
            digest = file_digest(path)
        except ImageLoadError as exc:
            problems.append(Problem("file", path, f"{exc.reason}; skipped", item))
            ok[i] = False
        except OSError as exc:
            problems.append(Problem("file", path, f"the file cannot be read ({exc.strerror or exc}); skipped", item))
            ok[i] = False
        else:
            if digest in first_seen:
                twin, twin_item = first_seen[digest]
                problems.append(Problem("file", path, f"the same picture as {twin} (item {twin_item}); only the "
                                        "first copy is kept", item))
                ok[i] = False
            else:
                first_seen[digest] = (path, item)
        if progress is not None:
            progress(n + 1, len(todo))
    return ok


def _check_sides(table, keep, problems) -> pd.Series:
    """Items that end up without a consumer or without a shop photo cannot be matched: leave them out."""
    kept = table[keep]
    has = {d: table["item_id"].isin(kept.loc[kept["domain"] == d, "item_id"]) for d in DOMAINS}
    lacking = ~(has["consumer"] & has["shop"]) & (table["item_id"] != "")
    firsts = table.loc[lacking, "item_id"].drop_duplicates()
    for i, item in firsts.items():
        missing = [d for d in DOMAINS if not has[d][i]]
        problems.append(Problem("item", item, f"item has no usable {' or '.join(missing)} photo, so it cannot be "
                                "matched; left out", item))
    return ~lacking
