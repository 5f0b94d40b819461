"""Every numbered notebook (notebooks/NN_*.ipynb) is executed top to bottom with nbclient, through
`fashion_ai.walkthrough.execute_notebook`, and shows at least one figure; where a notebook reports a result
beside its baseline, the result must beat it."""

import pytest

from fashion_ai.walkthrough import execute_notebook, notebook_paths

NOTEBOOKS = notebook_paths()
#: Notebooks whose headline number goes into the walkthrough summary (`fashion-ai demo`).
REPORTING = {"00_fashion_datasets", "02_cnn_features_and_clustering", "03_retrieval_and_metric_learning",
             "04_ssd_detection", "05_pop_signals", "06_forecasting_with_pop"}


def results(run) -> dict:
    """The numbers a run reported ("[result] name = value"), by name."""
    return {name: float(value) for name, value in (line.split(" = ", 1) for line in run.results)}


def clusters_beat_shuffled_classes(run):
    """02: at ten clusters, purity and adjusted Rand index against the garment classes beat the same scores
    against the classes shuffled among the photos (the baseline the notebook prints beside them)."""
    found = results(run)
    for score in ("purity_10_clusters", "adjusted_rand_10_clusters"):
        assert found[score] > found[f"{score}_shuffled"], f"{score}: {found}"


#: Per notebook, what its reported numbers must show.
RESULT_CHECKS = {"02_cnn_features_and_clustering": clusters_beat_shuffled_classes}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path):
    run = execute_notebook(path, tmp_path, timeout=600)
    assert run.ok, f"{path.name} failed: {run.error}"
    assert run.figures, f"{path.name} shows no figure"
    if path.stem in REPORTING:
        assert run.results, f"{path.name} reports no headline number"
    if path.stem in RESULT_CHECKS:
        RESULT_CHECKS[path.stem](run)


def test_the_walkthrough_has_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no numbered notebook"
