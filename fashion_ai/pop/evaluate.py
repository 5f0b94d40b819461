"""Checking POP against known truth: signals for many probes, their trend, their link with sales, and the
shuffled-corpus control (same posts, dates and likes dealt out at random, so no trend can be real)."""

import numpy as np
import pandas as pd
from scipy.stats import spearmanr


def shuffled_control(corpus: pd.DataFrame, seed=0) -> pd.DataFrame:
    """The corpus with (timestamp, engagement) pairs permuted across posts: pictures and tags stay, but
    when a look was posted and how much it was liked no longer go together."""
    order = np.random.default_rng(seed).permutation(len(corpus))
    control = corpus.copy()
    control[["timestamp", "engagement"]] = corpus[["timestamp", "engagement"]].to_numpy()[order]
    return control


def trend_slope(values) -> float:
    """Least-squares slope of a signal per interval, relative to its mean (0 for an all-zero signal):
    +0.1 means the signal grows by a tenth of its average level at each interval."""
    values = np.asarray(values, float)
    level = values.mean()
    if len(values) < 2 or level <= 0:
        return 0.0
    return float(np.polyfit(np.arange(len(values)), values, 1)[0] / level)


def recent_level(values, last=2) -> float:
    """The signal's mean over its `last` intervals: how popular the look was just before release."""
    return float(np.mean(np.asarray(values, float)[-last:]))


def sales_correlation(results, sales) -> float:
    """Spearman correlation between each probe's recent POP level and its total sales."""
    levels = [recent_level(r.values) for r in results]
    return float(spearmanr(levels, np.asarray(sales, float)).statistic)
