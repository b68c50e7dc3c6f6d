"""Standard FID features: pytorch-fid's Inception-v3 (pool3, 2048-d), when its weights are on disk.

An optional extra (``pip install pytorch-fid``) that never downloads at run time: the weights file
``pt_inception-2015-12-05-6726825d.pth`` must already be in torch's hub cache
(``$TORCH_HOME/hub/checkpoints``). With it, ``explorer.metrics.fid`` computes the FID that papers
report; without it the app uses its Fashion-MNIST classifier features and says so.
"""

from pathlib import Path

import torch
from torch import nn

INCEPTION_FEATURES = "Inception-v3 pool3 features (pytorch-fid)"
WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"


def weights_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_NAME


class InceptionFeatures(nn.Module):
    """images (n, 1 or 3, h, w) in [-1, 1] → (n, 2048) pool3 features, resized to 299×299 inside."""

    num_features = 2048

    def __init__(self, inception: nn.Module):
        super().__init__()
        self.inception = inception.eval()

    def features(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[1] == 1:
            images = images.repeat(1, 3, 1, 1)  # grey → RGB
        return self.inception(images)[0].flatten(1)  # (n, 2048)

    forward = features


def inception_extractor() -> InceptionFeatures | None:
    """The extractor when pytorch-fid and its weights are installed, else None (never downloads)."""
    try:
        from pytorch_fid.inception import InceptionV3
    except ImportError:
        return None
    if not weights_path().is_file():
        return None
    # pytorch-fid finds the file in the hub cache and loads it (torch.load with weights_only by default).
    return InceptionFeatures(InceptionV3([3], resize_input=True, normalize_input=False))
