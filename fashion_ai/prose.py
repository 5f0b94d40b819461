"""Every number a notebook's prose quotes as a result must be printed by the notebook itself.

A number in a markdown cell counts when it is a decimal (0.505), a percentage (75%) or a count of 100 or more
(1,456 posts). It is backed when some output of the executed notebook shows the same value at the prose's
precision (0.51 is backed by a printed 0.5051; 75% by 0.75 or 75.2). Numbers that are not results are marked
by how they are written: a setting or constant in inline code (`lr 5e-4`), a figure quoted from a source in
the same paragraph as that source's link, a year, and formulas in `$...$`.
"""

import json
import re
from pathlib import Path

NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%?)(?![\w])")
LINK = re.compile(r"\]\((?:https?://|\.\./|\.\/)[^)]*\)|https?://\S+")
SKIPPED = re.compile(r"`[^`]*`|\$[^$]*\$|\]\([^)]*\)|https?://\S+|<[^>]+>")


def output_numbers(cells) -> list:
    """Every number shown in the code cells' outputs (text, tables, errors left out), as floats."""
    values = []
    for cell in cells:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            texts = [output.get("text", "")]
            data = output.get("data", {})
            texts += [data.get("text/plain", ""), data.get("text/html", "")]
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                values += [float(m.replace(",", "")) for m in re.findall(r"-?\d[\d,]*\.?\d*(?:e-?\d+)?", text)
                           if _is_float(m.replace(",", ""))]
    return values


def _is_float(text) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def prose_numbers(markdown: str):
    """(text, value, decimals, is_percent) for each result-like number of a markdown cell."""
    found = []
    for paragraph in re.split(r"\n\s*\n", markdown):
        if LINK.search(paragraph):  # a figure quoted beside its source
            continue
        lines = [line for line in paragraph.splitlines() if not line.lstrip().startswith("#")]
        text = SKIPPED.sub(" ", "\n".join(lines))
        for match in NUMBER.finditer(text):
            whole, fraction, percent = match.groups()
            value = float(whole.replace(",", "") + (fraction or ""))
            decimals = len(fraction) - 1 if fraction else 0
            if not fraction and not percent and (value < 100 or 1900 <= value <= 2100 and "," not in whole):
                continue  # small counts and years are not results
            found.append((match.group(0), value, decimals, bool(percent)))
    return found


def _backed(value, decimals, percent, shown) -> bool:
    candidates = [value] + ([value / 100] if percent else [])
    for target in candidates:
        places = decimals + (2 if percent and target != value else 0)
        for number in shown:
            if round(abs(number), places) == round(target, places):
                return True
    return False


def unbacked_numbers(executed_notebook) -> list:
    """[(cell number, number as written)] for prose numbers no output of the executed notebook shows."""
    cells = json.loads(Path(executed_notebook).read_text())["cells"]
    shown = output_numbers(cells)
    missing = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        for text, value, decimals, percent in prose_numbers("".join(cell["source"])):
            if not _backed(value, decimals, percent, shown):
                missing.append((index, text))
    return missing
