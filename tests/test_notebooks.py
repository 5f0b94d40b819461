"""Every numbered notebook (notebooks/NN_*.ipynb) is executed top to bottom with nbclient, through
`fashion_ai.walkthrough.execute_notebook`, and shows at least one figure; where a notebook reports a result
beside its baseline, the result must beat it; every result its prose quotes is printed by it (fashion_ai.prose)."""

import pytest

from fashion_ai.datasets import clothing
from fashion_ai.prose import unbacked_numbers
from fashion_ai.walkthrough import execute_notebook, notebook_paths, notebooks_dir

NOTEBOOKS = notebook_paths()
SOLUTIONS = sorted((notebooks_dir() / "solutions").glob("*.ipynb"))
#: Notebooks whose headline number goes into the walkthrough summary (`fashion-ai demo`).
REPORTING = {"00_fashion_datasets", "02_cnn_features_and_clustering", "03_retrieval_and_metric_learning",
             "04_ssd_detection", "05_pop_signals", "06_forecasting_with_pop"}


def results(run) -> dict:
    """The numbers a run reported ("[result] name = value", the value's first word), by name."""
    return {name: float(value.split()[0]) for name, value in (line.split(" = ", 1) for line in run.results)}


#: A logistic-regression probe on plain EfficientNet-Lite0 features scores this on the clothing set's official
#: 372-photo test split (the full set's README); the fine-tuned real-photo classifier must at least match it.
PROBE_ANCHOR = 0.895


def real_photo_classifier_matches_its_anchor(run):
    """00: on the full clothing set's test split the real-photo classifier reaches the probe anchor; on the
    bundled subset (the same number of photos per class) it beats chance."""
    accuracy = results(run)["Real-photo classifier test accuracy"]
    if clothing.full_set_dir():
        assert accuracy >= PROBE_ANCHOR, f"{accuracy} on the full set's test split"
    else:
        assert accuracy > 1 / len(clothing.CLASSES), f"{accuracy} on the bundled subset's test split"


def clusters_beat_shuffled_classes(run):
    """02: at ten clusters, purity and adjusted Rand index against the garment classes beat the same scores
    against the classes shuffled among the photos (the baseline the notebook prints beside them)."""
    found = results(run)
    for score in ("purity_10_clusters", "adjusted_rand_10_clusters"):
        assert found[score] > found[f"{score}_shuffled"], f"{score}: {found}"


def fashion_head_beats_its_backbone(run):
    """03: the shipped `fashion` head does at least as well at top-1 as the EfficientNet-Lite0 features it sits
    on, on the real-photo check set (its backbone weight is chosen for that on the validation contributors),
    and better on the generated sample set (the kit's margin there is held in test_fashion_quality.py)."""
    found = results(run)
    assert found["real check set top-1, fashion"] >= found["real check set top-1, efficientnet-lite0"], found
    assert found["sample set top-1, fashion"] > found["sample set top-1, efficientnet-lite0"], found


def assert_prose_is_printed(run):
    """Every number the notebook's prose quotes as a result is shown by one of its outputs."""
    unbacked = unbacked_numbers(run.executed)
    assert not unbacked, f"{run.name}: prose numbers no output shows (cell, number): {unbacked}"


#: Per notebook, what its reported numbers must show.
RESULT_CHECKS = {"00_fashion_datasets": real_photo_classifier_matches_its_anchor,
                 "02_cnn_features_and_clustering": clusters_beat_shuffled_classes,
                 "03_retrieval_and_metric_learning": fashion_head_beats_its_backbone}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path):
    run = execute_notebook(path, tmp_path, timeout=600)
    assert run.ok, f"{path.name} failed: {run.error}"
    assert run.figures, f"{path.name} shows no figure"
    if path.stem in REPORTING:
        assert run.results, f"{path.name} reports no headline number"
    if path.stem in RESULT_CHECKS:
        RESULT_CHECKS[path.stem](run)
    assert_prose_is_printed(run)


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_exercise_solutions_run(path, tmp_path):
    run = execute_notebook(path, tmp_path, timeout=600)
    assert run.ok, f"{path.name} failed: {run.error}"
    assert_prose_is_printed(run)


def test_the_walkthrough_has_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no numbered notebook"
