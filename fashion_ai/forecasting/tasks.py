"""Forecasting tasks: a train table, a test table and the context features come from, for VISUELLE and for
the kit's sample social feed (whose probes have simulated sales), plus the kit's default forecasters."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..datasets import social_feed, visuelle
from .evaluation import bootstrap_difference, compare, score, validation_split
from .features import Context, clean_trends
from .models import AttributeKNN, BoostedTotal, GroupLevel, RidgeCurve, SalesMLP


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
        level_column="season",
    )
    return Task("VISUELLE", data.train, data.test, context, visuelle.SALES_COLUMNS, data.scale)


def validation_task(task: Task) -> Task:
    """The same task with its test table replaced by the latest releases of the latest train season of each
    kind (evaluation.validation_split): where the kit's settings are chosen (the test table is never looked at)."""
    fit, holdout = validation_split(task.train)
    return Task(f"{task.name} validation", fit, holdout, task.context, task.sales_columns, task.scale)


def feed_task(probes: pd.DataFrame, signals, sales_columns, test_share=0.3, seed=0) -> Task:
    """The sample feed's probes (category, colour, release date, simulated sales) with their POP
    signals (one K-long series per probe, in probe order), split at random into train and test."""
    probes = probes.reset_index(drop=True).assign(product=np.arange(len(probes)))
    pop = pd.DataFrame(np.asarray(signals, float), index=pd.Index(probes["product"], name="product"))
    context = Context(attributes=("category", "colour"), pop=pop, id_column="product")
    test = np.random.default_rng(seed).random(len(probes)) < test_share
    return Task("sample feed", probes[~test], probes[test], context, list(sales_columns))


def sample_feed_task(intervals=8, folder=None) -> Task:
    """The sample feed's probes with their POP signals over `intervals` intervals, computed by the kit's POP
    pipeline on the feed, each probe's tags coming from its technical sheet (category, colour).
    The feed's feature pack spares the CNN run when it is there."""
    from ..pop.features import pack_path
    from ..pop.probes import probe_signals
    from ..pop.signal import DEFAULT_MODEL, EmbeddedCorpus

    corpus, probes = social_feed.load_feed(folder)
    embedded = EmbeddedCorpus.build(corpus, pack=pack_path(folder or social_feed.feed_dir(), DEFAULT_MODEL))
    scored = probe_signals(embedded, probes, intervals, sheet_columns=("category", "colour"),
                           tags_from_image=False)
    if scored.problems:
        raise ValueError(f"sample feed: {scored.problems[0]}")
    return feed_task(probes, scored.values(intervals), social_feed.sales_columns(probes))


# The forecasters the kit's ensemble averages: on the validation split, gradient boosting with the MLP beat
# the average of all four by 1.2 WAPE12 points (bootstrap interval excluding 0); kNN and ridge stay as baselines.
ENSEMBLE_KINDS = ("gradient boosting", "MLP")


def default_forecasters(context: Context, use_pop: bool, quick=False) -> list:
    """The kit's lineup: attribute kNN, ridge, gradient boosting and the MLP (settings chosen on the
    validation split of VISUELLE's train table), each on sales relative to its group's level when the
    context names a level column. `quick` trims boosting and the MLP for class demos."""
    lineup = [
        AttributeKNN(context, use_pop),
        RidgeCurve(context, use_pop),
        BoostedTotal(context, use_pop, iterations=100 if quick else 300),
        SalesMLP(context, use_pop, seeds=1 if quick else 3, epochs=40 if quick else 100),
    ]
    return [GroupLevel(f) for f in lineup] if context.level_column else lineup


def compare_with_pop(task, quick=False, progress=None) -> dict:
    """The kit's forecasters with and without POP on a task: {"models": [score rows], "pop_difference":
    bootstrap interval of WAPE12(ensemble + POP) - WAPE12(ensemble)}. The ensemble (the plain average of
    the forecasts of the lineup's ENSEMBLE_KINDS, fit time = the sum of theirs) is the model the kit names
    in advance, chosen on the validation split, so the test table picks nothing."""
    actual = task.test[list(task.sales_columns)].to_numpy(float)
    rows, ensembles = [], {}
    for use_pop in (False, True):
        lineup = default_forecasters(task.context, use_pop, quick)
        table, forecasts = compare(lineup, task.train, task.test, task.sales_columns, task.scale, progress)
        name = "ensemble" + (" + POP" if use_pop else "")
        members = [f.name for f in lineup if f.kind in ENSEMBLE_KINDS]
        ensembles[use_pop] = (name, np.mean([forecasts[m] for m in members], axis=0))
        rows += table.to_dict("records")
        rows.append({"name": name, "pop": use_pop, **score(actual, ensembles[use_pop][1], task.scale),
                     "fit_seconds": round(float(table.set_index("name").loc[members, "fit_seconds"].sum()), 2)})
    interval = bootstrap_difference(actual, ensembles[True][1], ensembles[False][1])
    return {"task": task.name, "models": rows,
            "pop_difference": {"with_pop": ensembles[True][0], "without_pop": ensembles[False][0], **interval}}
