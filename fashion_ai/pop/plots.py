"""Figures for POP: trends in the corpus, the signals of many probes, POP against sales."""

import matplotlib.pyplot as plt
import numpy as np

from ..datasets.corpus import tag_share


def plot_tag_shares(corpus, looks: dict, freq="4W", title="How often each look is posted"):
    """One line per look: the share of posts carrying its tags, period by period."""
    shares = tag_share(corpus, looks, freq)
    fig, ax = plt.subplots(figsize=(11, 5))
    for name in shares.columns:
        ax.plot(shares.index, 100 * shares[name], marker="o", lw=2.5, label=name)
    ax.set_ylabel("% of posts", fontsize=13)
    ax.set_title(title, fontsize=15)
    ax.legend(fontsize=12, ncols=2)
    ax.tick_params(labelsize=11)
    fig.tight_layout()
    return fig


def plot_signals_by_group(results, groups, title="POP signals, mean per kind of look"):
    """Mean POP curve (with the spread of half the probes around it) of each group of probes."""
    fig, ax = plt.subplots(figsize=(11, 5))
    values = np.array([r.values for r in results])
    groups = np.asarray(groups)
    for name in sorted(set(groups)):
        rows = values[groups == name]
        steps = np.arange(1, values.shape[1] + 1)
        ax.plot(steps, rows.mean(0), marker="o", lw=2.5, label=f"{name} ({len(rows)} probes)")
        ax.fill_between(steps, *np.percentile(rows, [25, 75], axis=0), alpha=0.15)
    ax.set_xlabel("interval before release (1 = oldest)", fontsize=13)
    ax.set_ylabel("POP", fontsize=13)
    ax.set_title(title, fontsize=15)
    ax.legend(fontsize=12)
    fig.tight_layout()
    return fig


def plot_pop_vs_sales(levels, control_levels, sales, rho, rho_control):
    """Scatter of each probe's recent POP level against its sales, for the real and the shuffled corpus."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    panels = ((axes[0], levels, "real corpus", rho), (axes[1], control_levels, "shuffled corpus", rho_control))
    for ax, x, name, r in panels:
        ax.scatter(x, sales, s=45, alpha=0.8)
        ax.set_title(f"{name}: Spearman {r:.2f}", fontsize=14)
        ax.set_xlabel("POP, last two intervals", fontsize=13)
    axes[0].set_ylabel("units sold in 12 weeks", fontsize=13)
    fig.tight_layout()
    return fig
