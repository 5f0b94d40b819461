"""Run the kit's numbered notebooks headless: the walkthrough behind `fashion-ai demo` and the notebook tests.

Each notebook is executed in its own folder (so relative paths behave as in JupyterLab); the executed copy, its
figures as PNG files and a summary are written to an output folder. A failing notebook is reported and the
walkthrough goes on with the next one.
"""

import base64
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Lines a notebook prints as "[result] name = value" are collected into the walkthrough summary.
RESULT_PREFIX = "[result] "


@dataclass
class NotebookRun:
    name: str
    seconds: float
    executed: str
    figures: list = field(default_factory=list)
    results: list = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def notebooks_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "notebooks"


def notebook_paths(folder=None):
    """The numbered notebooks in teaching order."""
    return sorted(Path(folder or notebooks_dir()).glob("[0-9][0-9]_*.ipynb"))


def report_result(name, value):
    """Print a headline number so the walkthrough summary can quote it."""
    print(f"{RESULT_PREFIX}{name} = {value}")


def execute_notebook(path, out_dir, timeout=600) -> NotebookRun:
    """Execute one notebook top to bottom; save the executed copy and its PNG figures under `out_dir`."""
    import nbclient
    import nbformat

    path = Path(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute(env=_kernel_env())
    except nbclient.exceptions.CellExecutionError as exc:
        error = _last_line(str(exc))
    except (nbclient.exceptions.DeadKernelError, TimeoutError, RuntimeError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    executed = out_dir / path.name
    nbformat.write(notebook, executed)
    return NotebookRun(
        name=path.stem, seconds=round(seconds, 1), executed=str(executed),
        figures=_save_figures(notebook, out_dir / "figures", path.stem),
        results=_collect_results(notebook), error=error)


def _kernel_env():
    """The kernel's environment, with figures drawn inline whatever backend the caller's shell chose."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def run_walkthrough(out_dir, notebooks=None, timeout=600):
    """Execute every notebook in order; write summary.json and summary.txt; return the runs."""
    out_dir = Path(out_dir)
    runs = []
    for path in notebooks or notebook_paths():
        print(f"running {Path(path).name} ...", flush=True)
        run = execute_notebook(path, out_dir, timeout)
        print("   " + summary_line(run), flush=True)
        runs.append(run)
    (out_dir / "summary.json").write_text(json.dumps([asdict(r) for r in runs], indent=2))
    (out_dir / "summary.txt").write_text(format_summary(runs))
    return runs


def summary_line(run: NotebookRun) -> str:
    status = "ok" if run.ok else f"FAILED: {run.error}"
    return f"{run.name}: {status} ({run.seconds:.0f} s, {len(run.figures)} figures)"


def format_summary(runs) -> str:
    lines = ["Fashion AI walkthrough", ""]
    for run in runs:
        lines.append(summary_line(run))
        lines.extend(f"    {result}" for result in run.results)
    passed = sum(run.ok for run in runs)
    lines += ["", f"{passed} of {len(runs)} notebooks ran top to bottom"]
    return "\n".join(lines) + "\n"


def _save_figures(notebook, folder: Path, stem: str):
    saved = []
    for cell_no, cell in enumerate(notebook.cells):
        for out_no, output in enumerate(cell.get("outputs", [])):
            png = output.get("data", {}).get("image/png")
            if png:
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{stem}_cell{cell_no:02d}_{out_no}.png"
                target.write_bytes(base64.b64decode(png))
                saved.append(str(target))
    return saved


def _collect_results(notebook):
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                found += [line[len(RESULT_PREFIX):] for line in output.get("text", "").splitlines()
                          if line.startswith(RESULT_PREFIX)]
    return found


def _last_line(message: str) -> str:
    lines = [line for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else message
