"""Every generated data set in data_samples/ is remade, byte for byte, by the command data_samples/README.md
writes beside it: the command is the file's record of how it was made. (The larger generated sets, the
sample social feed and the real-garment test scenes, are checked the same way by hand; remaking them takes
minutes: see data_samples/README.md.)"""

import filecmp
from pathlib import Path

import pytest

from fashion_ai.cli import main
from fashion_ai.datasets import clothing, fashion_mnist
from fashion_ai.paths import data_samples_dir

SHIPPED = data_samples_dir()


def same_tree(made: Path, shipped: Path):
    """Relative paths of files that differ or exist on one side only."""
    made_files = {p.relative_to(made) for p in made.rglob("*") if p.is_file()}
    shipped_files = {p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file()}
    differ = [str(p) for p in made_files & shipped_files if not filecmp.cmp(made / p, shipped / p, shallow=False)]
    return sorted(differ + [str(p) for p in made_files ^ shipped_files])


def remade(readme_commands, name, folder, tmp_path):
    """Run the README's `fashion-ai <name> ...` command that writes data_samples/<folder>, into `tmp_path`."""
    [argv] = [a.argv for a in readme_commands(name) if Path(getattr(a, "out")) == Path("data_samples") / folder]
    argv = [str(tmp_path) if arg == f"data_samples/{folder}" else arg for arg in argv]
    assert main(argv) == 0
    return same_tree(tmp_path, SHIPPED / folder)


@pytest.mark.skipif(fashion_mnist.find_full_dir() is None, reason="the scenes were drawn from the full Fashion-MNIST")
@pytest.mark.parametrize("folder", ["detection/test", "detection/train_tiny"])
def test_generated_scenes_are_what_their_command_makes(readme_commands, tmp_path, folder):
    assert remade(readme_commands, "detect-scenes", folder, tmp_path) == []


def test_consumer_to_shop_sample_is_what_its_command_makes(readme_commands, tmp_path):
    assert remade(readme_commands, "c2s build-sample", "c2s_sample", tmp_path) == []


@pytest.mark.skipif(clothing.full_set_dir() is None, reason="the full clothing set is absent")
def test_clothing_sample_is_what_write_subset_makes(tmp_path):
    clothing.write_subset(tmp_path)
    assert same_tree(tmp_path, clothing.bundled_sample()) == []


@pytest.mark.skipif(fashion_mnist.find_full_dir() is None, reason="the full Fashion-MNIST is not installed")
def test_fashion_mnist_subset_is_what_write_subset_makes(tmp_path):
    fashion_mnist.write_subset(tmp_path)
    assert same_tree(tmp_path, fashion_mnist.subset_dir()) == []
