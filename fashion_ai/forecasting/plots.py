"""Figures for the forecasting notebook, sized to be read from the back of a classroom."""

import matplotlib.pyplot as plt
import numpy as np

from .features import pop_signals


def plot_launch_curves(task, ax=None):
    """Average weekly unit sales after release, train vs test products."""
    ax = ax or plt.subplots(figsize=(9, 4.5))[1]
    for name, frame in (("train", task.train), ("test", task.test)):
        curve = frame[list(task.sales_columns)].to_numpy(float).mean(0) * task.scale
        ax.plot(np.arange(1, len(curve) + 1), curve, marker="o", lw=2.5, label=f"{name} ({len(frame)} products)")
    ax.set(xlabel="week after release", ylabel="average units sold", title=f"{task.name}: launch curves")
    ax.legend(fontsize=12)
    return ax


def plot_pop_by_sales(task, ax=None):
    """Average POP signal of the train products in the top and bottom quarter of total sales: does a look
    that sold well have a rising POP before release?"""
    ax = ax or plt.subplots(figsize=(9, 4.5))[1]
    totals = task.train[list(task.sales_columns)].to_numpy(float).sum(1)
    signals = pop_signals(task.train, task.context)
    low, high = np.quantile(totals, [0.25, 0.75])
    for label, chosen in (("top 25% sellers", totals >= high), ("bottom 25% sellers", totals <= low)):
        ax.plot(np.arange(1, signals.shape[1] + 1), signals[chosen].mean(0), lw=2.5, label=label)
    ax.set(xlabel="interval before release (oldest first)", ylabel="average POP", title="POP before release")
    ax.legend(fontsize=12)
    return ax


def plot_comparison(report, ax=None):
    """WAPE12 of each model without and with POP, side by side (lower is better). Bars start at 0, so
    their heights compare honestly; the value on each bar shows differences too small to see."""
    ax = ax or plt.subplots(figsize=(9, 4.5))[1]
    rows = report["models"]
    kinds = [r["name"] for r in rows if not r["pop"]]
    with_pop = {r["name"].replace(" + POP", ""): r["wape12"] for r in rows if r["pop"]}
    x = np.arange(len(kinds))
    for shift, heights, label in ((-0.2, [r["wape12"] for r in rows if not r["pop"]], "without POP"),
                                  (0.2, [with_pop[k] for k in kinds], "with POP")):
        ax.bar_label(ax.bar(x + shift, heights, 0.4, label=label), fmt="%.1f", fontsize=10)
    ax.set_ylim(0, max(r["wape12"] for r in rows) * 1.15)
    ax.set_xticks(x, kinds, fontsize=12)
    ax.set(ylabel="WAPE, 12 weeks (%)", title=f"{report['task']}: test error (lower is better)")
    ax.legend(fontsize=12)
    return ax
