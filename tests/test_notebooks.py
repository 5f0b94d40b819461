"""Every numbered notebook (notebooks/NN_*.ipynb) is executed top to bottom with nbclient, through
`fashion_ai.walkthrough.execute_notebook`, and shows at least one figure."""

import pytest

from fashion_ai.walkthrough import execute_notebook, notebook_paths

NOTEBOOKS = notebook_paths()
#: Notebooks whose headline number goes into the walkthrough summary (`fashion-ai demo`).
REPORTING = {"00_fashion_datasets", "03_retrieval_and_metric_learning", "04_ssd_detection", "05_pop_signals",
             "06_forecasting_with_pop"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path):
    run = execute_notebook(path, tmp_path, timeout=600)
    assert run.ok, f"{path.name} failed: {run.error}"
    assert run.figures, f"{path.name} shows no figure"
    if path.stem in REPORTING:
        assert run.results, f"{path.name} reports no headline number"


def test_the_walkthrough_has_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no numbered notebook"
