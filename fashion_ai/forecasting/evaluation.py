"""The forecasting protocol: fit on the train table only, validate on its latest releases, report WAPE and
MAE on the test table, and a bootstrap interval for the difference POP makes.

WAPE = 100 * sum|y - yhat| / sum y and MAE = mean |y - yhat| over products x weeks, both on unit sales,
over the first `horizon` weeks (12, and 6 as the papers also quote).
"""

import time

import numpy as np
import pandas as pd

HORIZONS = (12, 6)


def wape(actual, forecast, horizon=None) -> float:
    """Weighted absolute percentage error over the first `horizon` weeks (all weeks when None)."""
    actual, forecast = np.asarray(actual, float)[:, :horizon], np.asarray(forecast, float)[:, :horizon]
    return float(100.0 * np.abs(actual - forecast).sum() / actual.sum())


def mae(actual, forecast, horizon=None) -> float:
    """Mean absolute error over products x the first `horizon` weeks."""
    actual, forecast = np.asarray(actual, float)[:, :horizon], np.asarray(forecast, float)[:, :horizon]
    return float(np.abs(actual - forecast).mean())


def split_sales(products: pd.DataFrame, sales_columns) -> tuple:
    """(the table without its sales columns, the (n, weeks) sales): what a forecaster may see of a product
    before release, and what it must forecast."""
    columns = list(sales_columns)
    return products.drop(columns=columns), products[columns].to_numpy(float)


def validation_split(train: pd.DataFrame, fraction=0.25, season_column="season",
                     date_column="release_date") -> tuple:
    """(fit, holdout): the holdout is the latest-released `fraction` (by release date only) of the latest
    season of each kind (the season code's letters: SS, AW), and everything else is fitted. It resembles a
    test table of a season's last releases, which sell differently from earlier ones and come in the most
    recent seasons, whose level the fit has seen only from their first releases; holding out the latest
    quarter of every season (or random folds) cannot see that late-season effect."""
    seasons = train.groupby(season_column)[date_column].max()
    kinds = seasons.index.str.replace(r"[^A-Za-z]", "", regex=True)
    latest = seasons.groupby(kinds).idxmax()
    in_latest = train[season_column].isin(latest)
    rank = train[date_column].where(in_latest).groupby(train[season_column]).rank(method="first", pct=True)
    holdout = in_latest & (rank > 1.0 - fraction)
    return train[~holdout], train[holdout]


def score(actual, forecast, scale=1.0) -> dict:
    """WAPE and MAE (on sales x `scale`) at each horizon of HORIZONS."""
    actual, forecast = np.asarray(actual) * scale, np.asarray(forecast) * scale
    result = {}
    for horizon in HORIZONS:
        result[f"wape{horizon}"] = wape(actual, forecast, horizon)
        result[f"mae{horizon}"] = mae(actual, forecast, horizon)
    return result


def mean_curve_forecast(train: pd.DataFrame, products: pd.DataFrame, sales_columns) -> np.ndarray:
    """The naive forecast: every product sells the train table's mean weekly curve. Any forecaster worth
    its fitting must beat it."""
    mean = train[list(sales_columns)].to_numpy(float).mean(0)
    return np.tile(mean, (len(products), 1))


def fit_and_forecast(forecaster, train: pd.DataFrame, products: pd.DataFrame, sales_columns) -> tuple:
    """Fit on `train` (its sales included), forecast `products` with their sales removed: (forecast, seconds).
    One thread each: on a few thousand products, threads of BLAS, OpenMP and torch wait on each other more
    than they help, most of all on a busy machine."""
    from threadpoolctl import threadpool_limits

    train_products, train_sales = split_sales(train, sales_columns)
    unseen = products.drop(columns=[c for c in sales_columns if c in products.columns])
    with threadpool_limits(1):
        started = time.perf_counter()
        forecaster.fit(train_products, train_sales)
        seconds = time.perf_counter() - started
        return forecaster.predict(unseen), seconds


def compare(forecasters, train: pd.DataFrame, test: pd.DataFrame, sales_columns, scale=1.0,
            progress=None) -> tuple:
    """Fit each forecaster on `train`, score it on `test`: (table of scores, {name: forecast})."""
    actual = test[list(sales_columns)].to_numpy(float)
    rows, forecasts = [], {}
    for i, forecaster in enumerate(forecasters):
        forecast, seconds = fit_and_forecast(forecaster, train, test, sales_columns)
        forecasts[forecaster.name] = forecast
        rows.append({"name": forecaster.name, "pop": forecaster.use_pop, **score(actual, forecast, scale),
                     "fit_seconds": round(seconds, 2)})
        if progress:
            progress(i + 1, len(forecasters), forecaster.name)
    return pd.DataFrame(rows), forecasts


def bootstrap_difference(actual, forecast_a, forecast_b, horizon=12, samples=2000, level=0.95, seed=0) -> dict:
    """WAPE(a) - WAPE(b) and its percentile bootstrap interval over products (resampled with replacement).
    An interval that excludes 0 says the difference is unlikely to be luck of the test sample."""
    actual = np.asarray(actual, float)[:, :horizon]
    error_a = np.abs(actual - np.asarray(forecast_a, float)[:, :horizon]).sum(1)
    error_b = np.abs(actual - np.asarray(forecast_b, float)[:, :horizon]).sum(1)
    totals = actual.sum(1)
    draws = np.random.default_rng(seed).integers(0, len(actual), size=(samples, len(actual)))
    differences = 100.0 * (error_a[draws].sum(1) - error_b[draws].sum(1)) / totals[draws].sum(1)
    tail = (1.0 - level) / 2.0
    return {
        "difference": float(100.0 * (error_a.sum() - error_b.sum()) / totals.sum()),
        "low": float(np.quantile(differences, tail)),
        "high": float(np.quantile(differences, 1.0 - tail)),
        "level": level,
        "horizon": horizon,
    }
