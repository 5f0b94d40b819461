"""SSD default boxes ("anchors") in the classic SSD300 configuration.

Each feature map proposes boxes of one scale (a share of the image side) and a few aspect ratios around
every cell; the next scale in the list gives the extra square box sqrt(s_k * s_k+1). The classic SSD300
uses six maps with scales 0.07..1.05 and aspect ratios {1, 2, 1/2} or {1, 2, 1/2, 3, 1/3}; torchvision
writes a ratio list [2, 3] meaning exactly that (1 and the inverses are implied).
"""

import torch

from .. import tv  # noqa: F401  (torchvision must be imported through the kit)

CLASSIC_SCALES = [0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05]
CLASSIC_ASPECT_RATIOS = [[2], [2, 3], [2, 3], [2, 3], [2], [2]]
#: SSD300's mean colour in RGB (Caffe's BGR channel swap [2, 1, 0] is not needed: the kit works in RGB).
CLASSIC_MEAN_COLOUR = (123, 117, 104)


def classic_default_boxes(steps=None):
    """A DefaultBoxGenerator with the SSD300 scales and aspect ratios (steps: the maps' strides, or None)."""
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator

    return DefaultBoxGenerator(CLASSIC_ASPECT_RATIOS, scales=CLASSIC_SCALES, steps=steps)


def boxes_per_location(generator=None):
    """How many default boxes each cell of each feature map proposes (4 or 6 in the classic setting)."""
    return (generator or classic_default_boxes()).num_anchors_per_location()


def default_boxes(image_size, grid_sizes, generator=None):
    """The default boxes (x0, y0, x1, y1 in pixels) of each feature map, as a list of tensors, for drawing.

    image_size: (height, width); grid_sizes: [(rows, cols)] of the feature maps, finest first.
    """
    from torchvision.models.detection.image_list import ImageList

    generator = generator or classic_default_boxes()
    images = ImageList(torch.zeros(1, 3, *image_size), [tuple(image_size)])
    maps = [torch.zeros(1, 1, rows, cols) for rows, cols in grid_sizes]
    boxes = generator(images, maps)[0]
    counts = [rows * cols * n for (rows, cols), n in zip(grid_sizes, generator.num_anchors_per_location())]
    return list(boxes.split(counts))

