"""Forecasting tasks: a train table, a test table and the context features come from, for VISUELLE and for
the kit's sample social feed (whose probes have simulated sales), plus the kit's default forecasters."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..datasets import visuelle
from .features import Context, clean_trends
from .models import AttributeKNN, BoostedTotal, Ensemble, SalesMLP


@dataclass
class Task:
    """train/test: product tables with their weekly sales in `sales_columns`; sales x `scale` = units."""

    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    context: Context
    sales_columns: list
    scale: float = 1.0


def visuelle_task(data: visuelle.Visuelle) -> Task:
    """VISUELLE's own split: train.csv to fit, test.csv to report."""
    context = Context(
        attributes=("category", "color", "fabric", "season"),
        trends=clean_trends(data.gtrends),
        trend_attributes=tuple(visuelle.ATTRIBUTES),
        pop=data.pop,
    )
    return Task("VISUELLE", data.train, data.test, context, visuelle.SALES_COLUMNS, data.scale)


def feed_task(probes: pd.DataFrame, signals, sales_columns, test_share=0.3, seed=0) -> Task:
    """The sample feed's probes (category, colour, pattern, release date, simulated sales) with their POP
    signals (one K-long series per probe, in probe order), split at random into train and test."""
    probes = probes.reset_index(drop=True).assign(product=np.arange(len(probes)))
    pop = pd.DataFrame(np.asarray(signals, float), index=pd.Index(probes["product"], name="product"))
    context = Context(attributes=("category", "colour", "pattern"), pop=pop, id_column="product")
    test = np.random.default_rng(seed).random(len(probes)) < test_share
    return Task("sample feed", probes[~test], probes[test], context, list(sales_columns))


def default_forecasters(context: Context, use_pop: bool, quick=False) -> list:
    """The kit's lineup: attribute kNN, gradient boosting, MLP and their ensemble (settings chosen on the
    validation split of VISUELLE's train table). `quick` trims boosting and the MLP for class demos."""
    knn = AttributeKNN(context, use_pop)
    boosting = BoostedTotal(context, use_pop, iterations=100 if quick else 300)
    mlp = SalesMLP(context, use_pop, seeds=1 if quick else 3)
    ensemble_members = [AttributeKNN(context, use_pop), BoostedTotal(context, use_pop, iterations=boosting.iterations),
                        SalesMLP(context, use_pop, seeds=mlp.seeds)]
    return [knn, boosting, mlp, Ensemble(ensemble_members)]
