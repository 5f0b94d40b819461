"""The prose checker: numbers a notebook's text quotes as results must be printed by the notebook."""

import json

from fashion_ai.prose import prose_numbers, unbacked_numbers


def notebook(tmp_path, markdown, printed):
    cells = [{"cell_type": "markdown", "source": [markdown]},
             {"cell_type": "code", "source": ["print(x)"], "outputs": [{"output_type": "stream", "text": printed}]}]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    return path


def test_results_are_found_and_settings_years_links_and_small_counts_are_not():
    text = ("## 2. Results\nTop-1 is 0.505 on 1,456 posts (75% right), in 2024, with `lr 5e-4`, 12 weeks "
            "and $1 - cos$.\n\nThe paper reports 55.2 ([arXiv](https://arxiv.org/abs/2109.09824)).")
    assert [(t, v) for t, v, _, _ in prose_numbers(text)] == [("0.505", 0.505), ("1,456", 1456.0), ("75%", 75.0)]


def test_a_number_is_backed_at_the_precision_the_prose_gives(tmp_path):
    path = notebook(tmp_path, "Top-1 0.51, 75% right, 1,456 posts, 0.93 wanted.", "0.5051 0.7512 1456\n")
    assert unbacked_numbers(path) == [(0, "0.93")]
