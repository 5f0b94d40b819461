"""Model inputs known before a product's release: its attributes, its release date, the Google Trends of
its attribute names over the year before release, and its POP signal.

A long weekly series is summarised (level, recent level, slope) rather than appended as 52 raw numbers:
with a few thousand products, 52 noisy columns per series drown the signal they carry.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

WINDOW_WEEKS = 52


@dataclass
class Context:
    """The exogenous data of a forecasting task. Nothing here holds sales, so it may serve every split.

    attributes: categorical columns of the product table (e.g. category, color, fabric, season);
    trends: weekly series indexed by date, one column per attribute value (or None);
    trend_attributes: the attribute columns whose values name a series in `trends`;
    pop: one row of K values per product, indexed by `id_column` (or None);
    level_column: a column whose groups sell at different levels (VISUELLE: the season), or None.
    """

    attributes: tuple
    trends: pd.DataFrame | None = None
    trend_attributes: tuple = ()
    pop: pd.DataFrame | None = None
    level_column: str | None = None
    id_column: str = "external_code"
    date_column: str = "release_date"


def clean_trends(trends: pd.DataFrame) -> pd.DataFrame:
    """Google Trends with its missing-value marker (-1) filled from the neighbouring weeks."""
    series = trends.where(trends >= 0).interpolate(limit_direction="both")
    return series.fillna(0.0)


def trend_windows(trends: pd.DataFrame, names, release_dates, weeks=WINDOW_WEEKS) -> np.ndarray:
    """(n, weeks): for each product, the series `names[i]` over the `weeks` weeks up to its release date
    (zero-padded at the start when the series begins later). Weeks after the release are never read."""
    starts = trends.index.searchsorted(pd.DatetimeIndex(release_dates), side="right")
    windows = np.zeros((len(starts), weeks))
    for i, (name, end) in enumerate(zip(names, starts)):
        values = trends[name].to_numpy()[max(0, end - weeks):end]
        windows[i, weeks - len(values):] = values
    return windows


def series_summary(windows: np.ndarray, prefix: str) -> dict:
    """Level, recent level (last eighth), relative slope and spread of each row of `windows`."""
    weeks = windows.shape[1]
    recent = max(1, weeks // 8)
    level = windows.mean(1)
    centred_time = np.arange(weeks) - (weeks - 1) / 2
    slope = (windows - level[:, None]) @ centred_time / (centred_time @ centred_time) * weeks
    scale = np.abs(level) + 1e-9
    return {
        f"{prefix}_level": level,
        f"{prefix}_recent": windows[:, -recent:].mean(1),
        f"{prefix}_slope": slope / scale,
        f"{prefix}_momentum": (windows[:, -recent:].mean(1) - windows[:, :recent].mean(1)) / scale,
        f"{prefix}_spread": windows.std(1) / scale,
    }


def date_features(dates: pd.Series) -> dict:
    """Month, week of year and weekday of the release: the season's rhythm, not the calendar year."""
    dates = pd.to_datetime(dates)
    return {
        "release_month": dates.dt.month.to_numpy(float),
        "release_week": dates.dt.isocalendar().week.to_numpy(float),
        "release_weekday": dates.dt.dayofweek.to_numpy(float),
    }


def trend_features(products: pd.DataFrame, context: Context) -> dict:
    """Summaries of each trend attribute's Google Trends series over the year before release."""
    columns = {}
    if context.trends is None:
        return columns
    for attribute in context.trend_attributes:
        windows = trend_windows(context.trends, products[attribute], products[context.date_column])
        columns.update(series_summary(windows, f"trend_{attribute}"))
    return columns


def pop_signals(products: pd.DataFrame, context: Context) -> np.ndarray:
    """(n, K) POP values of the products, oldest interval first; a clear error for a product without one."""
    codes = products[context.id_column]
    missing = ~codes.isin(context.pop.index)
    if missing.any():
        raise KeyError(f"no POP signal for products {list(codes[missing])[:5]}")
    return context.pop.loc[codes].to_numpy(float)


def pop_features(products: pd.DataFrame, context: Context) -> dict:
    """POP as a few numbers: how popular the look was lately, and whether that was rising or falling."""
    return series_summary(pop_signals(products, context), "pop")


def numeric_features(products: pd.DataFrame, context: Context, use_pop: bool) -> pd.DataFrame:
    """Dates, trend summaries and (when `use_pop`) POP summaries of each product, one row per product."""
    columns = date_features(products[context.date_column])
    columns.update(trend_features(products, context))
    if use_pop:
        columns.update(pop_features(products, context))
    return pd.DataFrame(columns, index=products.index)


def attribute_codes(products: pd.DataFrame, context: Context, vocabulary: dict) -> pd.DataFrame:
    """The attribute columns as pandas categoricals over a fixed `vocabulary` (values unseen there -> NaN)."""
    return pd.DataFrame({a: pd.Categorical(products[a], categories=vocabulary[a]) for a in context.attributes},
                        index=products.index)


def attribute_vocabulary(products: pd.DataFrame, context: Context) -> dict:
    """The values each attribute takes in the fitting table, sorted."""
    return {a: sorted(products[a].dropna().unique()) for a in context.attributes}


def one_hot(codes: pd.DataFrame) -> np.ndarray:
    """Indicator columns of categorical attribute codes (an unseen value sets none)."""
    blocks = [np.eye(len(codes[a].cat.categories) + 1)[codes[a].cat.codes.to_numpy() + 1][:, 1:] for a in codes]
    return np.hstack(blocks)
