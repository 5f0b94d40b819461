"""Clothing Detector widget: bundled scenes in, detections and crops out, slider, bad pictures, no image column."""

import json
import tempfile
from unittest.mock import patch

import pandas as pd
from orangecontrib.imageanalytics.utils.image_utils import filter_image_attributes
from orangewidget.tests.base import WidgetTest

from fashion_ai.datasets.scenes import bundled_scenes
from fashion_ai_widgets.owclothingdetector import OWClothingDetector
from fashion_ai.consumer_shop import sample_set
from fashion_ai_widgets.tables import frame_to_table, image_paths, set_to_table, table_to_frame

WAIT = 300_000
SCENES = bundled_scenes("test")


def scene_paths(n):
    names = [im["file_name"] for im in json.loads((SCENES / "instances.json").read_text())["images"][:n]]
    return [str(SCENES / "images" / name) for name in names]


def image_table(paths):
    return frame_to_table(pd.DataFrame({"image": paths}), image_column="image")


class TestOWClothingDetector(WidgetTest):
    def setUp(self):
        self.widget = self.create_widget(OWClothingDetector, stored_settings={"threshold": 0.5})

    def run_on(self, paths):
        self.send_signal(self.widget.Inputs.data, image_table(paths))
        self.wait_until_finished(timeout=WAIT)

    def test_detections_and_crops(self):
        self.run_on(scene_paths(3))
        detections = self.get_output(self.widget.Outputs.detections)
        crops = self.get_output(self.widget.Outputs.crops)
        self.assertGreater(len(detections), 0)
        self.assertEqual(len(crops), len(detections))
        self.assertTrue((detections.get_column("score") >= 0.5).all())
        names = [v.name for v in detections.domain.variables + detections.domain.metas]
        for column in ("image", "class", "score", "x0", "y0", "x1", "y1"):
            self.assertIn(column, names)
        crop_column = filter_image_attributes(crops)[0]
        self.assertEqual(crop_column.attributes["type"], "image")
        for path in image_paths(crops):
            self.assertTrue(path.endswith(".png"))
        self.assertFalse(self.widget.preview.pixmap().isNull())

    def test_crops_are_the_default_output(self):
        """Linking the detector to an embedder or Image Viewer connects the garments, not the whole pictures."""
        self.assertTrue(OWClothingDetector.Outputs.crops.default)
        self.assertFalse(OWClothingDetector.Outputs.detections.default)

    def test_cancel_clears_the_outputs_and_run_again_detects(self):
        self.run_on(scene_paths(2))
        self.send_signal(self.widget.Inputs.data, image_table(scene_paths(100)))
        self.widget.cancel_button.click()
        self.wait_until_finished(timeout=WAIT)
        self.assertIn("Cancelled", self.widget.summary.text())
        # The preview is empty, so are the outputs: nothing shown comes from the earlier pictures.
        self.assertIsNone(self.get_output(self.widget.Outputs.detections))
        self.assertIsNone(self.get_output(self.widget.Outputs.crops))
        self.assertEqual(self.widget.preview_combo.count(), 0)
        self.send_signal(self.widget.Inputs.data, image_table(scene_paths(2)))
        self.widget.cancel_button.click()
        self.assertTrue(self.widget.run_button.isEnabled())
        self.widget.run_button.click()
        self.wait_until_finished(timeout=WAIT)
        self.assertGreater(len(self.get_output(self.widget.Outputs.crops)), 0)
        self.assertEqual(self.widget.preview_combo.count(), 2)

    def test_run_again_after_an_error(self):
        with patch("fashion_ai_widgets.owclothingdetector.detect_files", side_effect=RuntimeError("no model")):
            self.run_on(scene_paths(1))
        self.assertTrue(self.widget.Error.failed.is_shown())
        self.widget.run_button.click()
        self.wait_until_finished(timeout=WAIT)
        self.assertFalse(self.widget.Error.failed.is_shown())
        self.assertIsNotNone(self.get_output(self.widget.Outputs.crops))

    def test_preview_follows_the_widget_size(self):
        self.run_on(scene_paths(1))
        preview = self.widget.preview
        preview.resize(300, 300)
        preview.redraw()  # a shown widget redraws on its resize event; a hidden one gets none
        small = preview.pixmap().size()
        preview.resize(700, 700)
        preview.redraw()
        large = preview.pixmap().size()
        self.assertLessEqual(max(small.width(), small.height()), 300)
        self.assertGreater(large.width(), small.width())

    def test_crops_keep_the_input_columns(self):
        shop_set = sample_set().head(6)
        self.send_signal(self.widget.Inputs.data, set_to_table(shop_set))
        self.wait_until_finished(timeout=WAIT)
        self.widget.threshold = 0.2
        self.widget.commit()
        crops = table_to_frame(self.get_output(self.widget.Outputs.crops))
        self.assertTrue(set(crops["item_id"]) <= set(shop_set["item_id"]))
        self.assertTrue(set(crops["domain"]) <= {"consumer", "shop"})

    def test_slider_filters_without_rerunning(self):
        self.run_on(scene_paths(3))
        many = len(self.get_output(self.widget.Outputs.detections))
        self.widget.threshold = 0.9
        self.widget.commit()
        few = self.get_output(self.widget.Outputs.detections)
        self.assertLessEqual(0 if few is None else len(few), many)
        self.widget.threshold = 0.2
        self.widget.commit()
        self.assertGreaterEqual(len(self.get_output(self.widget.Outputs.detections)), many)

    def test_bad_picture_is_reported_and_skipped(self):
        broken = tempfile.mkdtemp() + "/broken.jpg"
        with open(broken, "w") as fh:
            fh.write("not a picture")
        self.run_on(scene_paths(1) + [broken])
        self.assertTrue(self.widget.Warning.skipped.is_shown())
        self.assertIn("broken.jpg", str(self.widget.Warning.skipped.formatted))
        self.assertEqual(self.widget.preview_combo.count(), 1)

    def test_plain_picture_without_garments(self):
        blank = tempfile.mkdtemp() + "/blank.png"
        from PIL import Image

        Image.new("L", (97, 41), 200).save(blank)
        self.widget.threshold = 0.9
        self.run_on([blank])
        self.assertIsNone(self.get_output(self.widget.Outputs.detections))
        self.assertTrue(self.widget.Warning.nothing_found.is_shown())

    def test_table_without_image_column(self):
        self.send_signal(self.widget.Inputs.data, frame_to_table(pd.DataFrame({"x": [1.0, 2.0]})))
        self.assertTrue(self.widget.Error.no_images.is_shown())
        self.send_signal(self.widget.Inputs.data, None)
        self.assertIsNone(self.get_output(self.widget.Outputs.detections))
