"""pandas DataFrame <-> Orange Table, the way the kit's widgets hand data to Orange and back.

Image columns follow orange3-imageanalytics' Import Images: a meta StringVariable named "image" with
attributes type="image" and origin=<common folder>, values relative to that folder, so Orange's Image
Viewer and Image Embedding accept the table as they accept Import Images' output.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from Orange.data import ContinuousVariable, DiscreteVariable, Domain, StringVariable, Table
from Orange.data.pandas_compat import table_to_frame as orange_table_to_frame
from orangecontrib.imageanalytics.utils.image_utils import extract_paths, filter_image_attributes

IMAGE_VAR = "image"
SET_COLUMNS = ["item_id", "domain", "path", "category"]
#: Variable attribute the Fashion Embedder puts on its output columns (value: the model's name).
EMBEDDING_MARK = "embedding"


def image_variable(paths):
    """The "image" StringVariable for these absolute paths, and the paths relative to its origin."""
    var = StringVariable(IMAGE_VAR)
    var.attributes["type"] = "image"
    present = [str(p) for p in paths if p]
    if not present:
        return var, list(paths)
    origin = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in present])
    var.attributes["origin"] = origin
    relative = [Path(os.path.relpath(p, origin)).as_posix() if p else "" for p in paths]
    return var, relative


def frame_to_table(df: pd.DataFrame, image_column=None, class_column=None, discrete=(), name="") -> Table:
    """A Table from a DataFrame: numeric columns become features, `class_column` (if given) the class,
    `discrete` columns categorical metas, `image_column` the "image" meta, other columns text metas."""
    attrs, class_vars, metas, meta_values, x_cols = [], [], [], [], []
    for col in df.columns:
        values = df[col]
        if col == image_column:
            var, rel = image_variable(values.fillna("").tolist())
            metas.append(var)
            meta_values.append(rel)
        elif col == class_column or col in discrete:
            var, codes = _discrete(col, values)
            if col == class_column:
                class_vars.append((var, codes))
            else:
                metas.append(var)
                meta_values.append(codes)
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            attrs.append(ContinuousVariable(str(col)))
            x_cols.append(values.to_numpy(dtype=float))
        else:
            metas.append(StringVariable(str(col)))
            meta_values.append(values.fillna("").astype(str).tolist())
    domain = Domain(attrs, [v for v, _ in class_vars], metas)
    n = len(df)
    x = np.column_stack(x_cols) if x_cols else np.empty((n, 0))
    y = np.column_stack([c for _, c in class_vars]) if class_vars else None
    m = np.array(meta_values, dtype=object).T if metas else None
    table = Table.from_numpy(domain, x, y, m.reshape(n, len(metas)) if m is not None else None)
    table.name = name
    return table


def _discrete(col, values):
    """A DiscreteVariable of the column's sorted values (blank = unknown) and the value codes."""
    text = values.fillna("").astype(str)
    levels = sorted(v for v in text.unique() if v)
    var = DiscreteVariable(str(col), values=levels)
    index = {v: float(i) for i, v in enumerate(levels)}
    return var, np.array([index.get(v, np.nan) for v in text], dtype=float)


def set_to_table(df: pd.DataFrame, name="Consumer-shop set") -> Table:
    """A consumer-to-shop set table as Orange sees it: class "category" (when any item has one), metas
    "item_id", "domain" (consumer/shop) and "image" (type=image, origin=the set's folder)."""
    df = df[SET_COLUMNS].rename(columns={"path": IMAGE_VAR})
    has_category = df["category"].fillna("").astype(str).str.len().gt(0).any()
    if not has_category:
        df = df.drop(columns="category")
    return frame_to_table(df, image_column=IMAGE_VAR, class_column="category" if has_category else None,
                          discrete=("domain",), name=name)


def image_column(table: Table):
    """The table's image column (type=image first, as Orange's image widgets choose), or None."""
    candidates = filter_image_attributes(table) if table is not None else []
    return candidates[0] if candidates else None


def image_paths(table: Table, column=None):
    """Absolute paths (or URLs) of the images in `column` (default: the table's image column)."""
    column = column or image_column(table)
    if column is None:
        raise ValueError("the table has no image column (a text column with file names or paths)")
    return extract_paths(table, column)


def table_to_frame(table: Table) -> pd.DataFrame:
    """A DataFrame of every column (features, class, metas); the image column holds full paths."""
    df = orange_table_to_frame(table, include_metas=True).reset_index(drop=True)
    column = image_column(table)
    if column is not None and column.attributes.get("type") == "image":
        df[column.name] = [p or "" for p in image_paths(table, column)]
    return df


def table_to_set(table: Table) -> pd.DataFrame:
    """The set DataFrame (item_id, domain, path, category) back from a table made by `set_to_table`
    (or any table with an image column and item_id/domain columns)."""
    df = table_to_frame(table)
    column = image_column(table)
    missing = [c for c in ("item_id", "domain") if c not in df.columns]
    if column is None or missing:
        raise ValueError("a consumer-shop set needs an image column and the columns item_id and domain"
                         + (f" (missing: {', '.join(missing)})" if missing else " (no image column)"))
    out = pd.DataFrame({
        "item_id": df["item_id"].astype(str),
        "domain": df["domain"].astype(str),
        "path": df[column.name].astype(str),
        "category": df["category"].astype(object).fillna("").astype(str) if "category" in df else "",
    })
    return out


def embedding_matrix(table: Table) -> np.ndarray:
    """The embedding part of a table's features: the columns the Fashion Embedder marked, when there are any
    (other numeric columns, e.g. a detector's score and box or Import Images' size, are not embedding);
    otherwise every feature (an embedding from another widget, e.g. Image Analytics' Image Embedding)."""
    marked = [i for i, var in enumerate(table.domain.attributes) if EMBEDDING_MARK in var.attributes]
    return table.X[:, marked] if marked else table.X
