"""Consumer-Shop Set widget: the sample, a student's folder with problems, a manifest, an unusable set."""

import shutil
import tempfile
from pathlib import Path

import pandas as pd
from orangecontrib.imageanalytics.utils.image_utils import filter_image_attributes
from orangewidget.tests.base import WidgetTest

from fashion_ai.consumer_shop import sample_set_path
from fashion_ai.datasets.clothing import CLASSES
from fashion_ai.datasets.photo_views import sample_check_set
from fashion_ai_widgets.owconsumershopset import REAL_PHOTOS, OWConsumerShopSet

SAMPLE = sample_set_path().parent


class TestOWConsumerShopSet(WidgetTest):
    def setUp(self):
        self.widget = self.create_widget(OWConsumerShopSet)
        self.wait_until_finished(timeout=60_000)

    def load(self, setter, path):
        setter(str(path))
        self.wait_until_finished(timeout=60_000)
        return self.get_output(self.widget.Outputs.data)

    def small_folder(self, root):
        for item in ("ankle-boot-01", "bag-01", "dress-01"):
            shutil.copytree(SAMPLE / item, root / item)
        return root

    def test_sample_set_on_start(self):
        data = self.get_output(self.widget.Outputs.data)
        self.assertEqual(len(data), 360)
        image = filter_image_attributes(data)[0]
        self.assertEqual(image.attributes["type"], "image")
        self.assertEqual(image.attributes["origin"], str(SAMPLE))
        self.assertFalse(self.widget.Warning.active or self.widget.Error.active)
        self.assertIsNone(self.get_output(self.widget.Outputs.problems))
        self.assertIn("Usable: yes", self.widget.report_view.toPlainText())

    def test_folder_with_bad_file_and_missing_side(self):
        root = self.small_folder(self.tmp_dir())
        (root / "bag-01" / "consumer" / "broken.jpg").write_text("not a photo")
        shutil.rmtree(root / "dress-01" / "shop")
        data = self.load(self.widget.set_folder, root)
        self.assertEqual(len(data), 6)
        self.assertTrue(self.widget.Warning.problems.is_shown())
        self.assertIn("2 problem(s) found; 3 photo(s) left out", str(self.widget.Warning.problems.formatted))
        problems = self.get_output(self.widget.Outputs.problems)
        self.assertEqual(len(problems), 2)
        text = self.widget.report_view.toPlainText()
        self.assertIn("broken.jpg: not an image file the kit can read", text)
        self.assertIn("dress-01: item has no usable shop photo", text)

    def test_cancel_says_so_and_keeps_the_outputs(self):
        before = self.get_output(self.widget.Outputs.data)
        self.widget.set_manifest(str(SAMPLE / "manifest.csv"))  # reads and checks 360 photos
        self.widget.cancel_button.click()
        self.wait_until_finished(timeout=60_000)
        self.assertIn("Cancelled", self.widget.summary.text())
        self.assertIs(self.get_output(self.widget.Outputs.data), before)

    def test_with_auto_apply_off_a_new_source_waits_for_apply(self):
        before = self.get_output(self.widget.Outputs.data)
        self.widget.auto_apply = False
        self.widget.source_group.button(REAL_PHOTOS).click()
        self.widget.controls.check_images.click()
        self.assertIsNone(self.widget.task)
        self.assertIs(self.get_output(self.widget.Outputs.data), before)
        self.widget.commit.now()  # what the Apply button does
        self.wait_until_finished(timeout=120_000)
        self.assertEqual(len(self.get_output(self.widget.Outputs.data)), len(pd.read_csv(sample_check_set())))

    def test_manifest(self):
        data = self.load(self.widget.set_manifest, SAMPLE / "manifest.csv")
        self.assertEqual(len(data), 360)
        self.assertEqual(data.domain.class_var.name, "category")

    def test_real_photos_of_the_clothing_sample(self):
        self.widget.use_real_photos()
        self.wait_until_finished(timeout=120_000)
        data = self.get_output(self.widget.Outputs.data)
        manifest = pd.read_csv(sample_check_set())
        self.assertEqual(len(data), len(manifest))
        self.assertEqual(set(data.domain["domain"].values), {"consumer", "shop"})
        self.assertLessEqual(set(data.domain.class_var.values), set(CLASSES))
        self.assertFalse(self.widget.Error.active)

    def test_unusable_set_sends_nothing(self):
        empty = self.tmp_dir()
        self.assertIsNone(self.load(self.widget.set_folder, empty))
        self.assertTrue(self.widget.Error.unusable.is_shown())
        self.assertIn("the folder is empty", self.widget.Error.unusable.formatted)
        self.widget.use_sample()
        self.wait_until_finished(timeout=60_000)
        self.assertFalse(self.widget.Error.unusable.is_shown())
        self.assertEqual(len(self.get_output(self.widget.Outputs.data)), 360)

    def test_no_path_chosen(self):
        self.widget.folder = ""
        self.widget.set_folder("")
        self.assertTrue(self.widget.Warning.no_path.is_shown())
        self.assertIsNone(self.get_output(self.widget.Outputs.data))

    def test_settings_restore_the_source(self):
        root = self.small_folder(self.tmp_dir())
        self.load(self.widget.set_folder, root)
        settings = self.widget.settingsHandler.pack_data(self.widget)
        again = self.create_widget(OWConsumerShopSet, stored_settings=settings)
        self.wait_until_finished(again, timeout=60_000)
        self.assertEqual(len(self.get_output(again.Outputs.data, widget=again)), 9)

    def tmp_dir(self):
        path = Path(tempfile.mkdtemp(prefix="c2s-widget-"))
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path
