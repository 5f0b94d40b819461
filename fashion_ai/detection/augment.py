"""SSD's training augmentation, from torchvision.transforms.v2 (which moves the boxes with the pixels).

The reference study's recipe: photometric distortion (brightness, contrast, hue, saturation, channel
noise), expand (zoom out onto a mean-colour canvas: garments get smaller, which trains small-object
detection), a random crop that keeps boxes overlapping it (IoU crop), a mirror, then boxes that fell out of
the picture are dropped.
"""

import numpy as np
import torch

from .. import tv  # noqa: F401  (torchvision must be imported through the kit)
from .anchors import CLASSIC_MEAN_COLOUR


def ssd_augmentation(expand_range=(1.0, 2.0)):
    """The v2 pipeline; call it on (tv_tensors.Image, {"boxes": BoundingBoxes, "labels": tensor})."""
    from torchvision.transforms import v2
    from torchvision import tv_tensors

    return v2.Compose([
        v2.RandomPhotometricDistort(p=0.5),
        v2.RandomZoomOut(fill={tv_tensors.Image: CLASSIC_MEAN_COLOUR, "others": 0}, side_range=expand_range),
        v2.RandomIoUCrop(),
        v2.RandomHorizontalFlip(p=0.5),
        v2.SanitizeBoundingBoxes(),
    ])


def as_tv_sample(picture, boxes, labels):
    """A PIL picture with boxes [[x0, y0, x1, y1]] and labels as the tv_tensors that v2 transforms expect."""
    from torchvision import tv_tensors

    image = tv_tensors.Image(torch.from_numpy(np.asarray(picture).copy()).permute(2, 0, 1))
    box_tensor = torch.as_tensor(np.asarray(boxes, np.float32).reshape(-1, 4))
    target = {
        "boxes": tv_tensors.BoundingBoxes(box_tensor, format="XYXY", canvas_size=(picture.height, picture.width)),
        "labels": torch.as_tensor(labels, dtype=torch.int64),
    }
    return image, target


def augment(picture, boxes, labels, generator=None, pipeline=None):
    """Augmented (uint8 CHW image tensor, boxes (N, 4) float tensor, labels (N,)); seeded by `generator`."""
    pipeline = pipeline or ssd_augmentation()
    image, target = as_tv_sample(picture, boxes, labels)
    if generator is not None:
        with torch.random.fork_rng():
            torch.manual_seed(int(generator.integers(2 ** 31)))
            image, target = pipeline(image, target)
    else:
        image, target = pipeline(image, target)
    return image.as_subclass(torch.Tensor), target["boxes"].as_subclass(torch.Tensor), target["labels"]

