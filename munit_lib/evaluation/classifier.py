"""A small CNN that reads a shapes painting's factors: colour (8), texture (4), shape kind (6).

It plays the part of the paper's fine-tuned Inception: its class probabilities feed IS and CIS,
its penultimate features feed the Fréchet distance and the domain-feature diversity distance, and
its confidence says whether an output looks like a valid painting (the quality proxy). Because the
shapes generator records every factor, it is trained on ground truth (``train_shapes_classifier``)
and validated on held-out real paintings before it scores anything; the shipped weights
(``data/pretrained/classifier/``) come with their accuracy per head in ``validation.json``.

Architecture (about 0.1 M parameters; images of any size are resized to 64x64 first, which keeps
the texture period at 12 px since it scales with the image)::

    64x64x3 -> [3x3 conv, BN, ReLU] x2 at 16 ch -> stride-2 -> 32 ch -> stride-2 -> 64 ch
            -> stride-2 -> 64 ch (8x8) -> stride-2 -> 64 ch (4x4)
            -> [global mean ++ global max] (128) -> linear 64, ReLU = features
            -> three linear heads: colour (8), texture (4), kind (6)
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn
from torch.nn import functional as F

from ..data.shapes import KINDS, PALETTE, TEXTURES, ShapesDomain
from ..official import load_state_dict_strict, read_checkpoint

__all__ = ["COLOURS", "HEADS", "ShapesClassifier", "ShapesFactorDataset", "classifier_path",
           "load_shapes_classifier", "save_shapes_classifier", "train_shapes_classifier", "evaluate_accuracy",
           "classifier_feature_distance", "CLASSIFIER_FILE"]

COLOURS = tuple(PALETTE)
HEADS = {"colour": COLOURS, "texture": TEXTURES, "kind": KINDS}  # head name -> class names, in order
CLASSIFIER_FILE = "pretrained/classifier/shapes_classifier.pt"  # relative to the data directory
FORMAT = "munit_lib.shapes_classifier/1"
INPUT_SIZE = 64


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ShapesClassifier(nn.Module):
    """Colour, texture and kind of a painting. ``forward(x)`` -> ``{"colour": logits (B, 8),
    "texture": (B, 4), "kind": (B, 6)}`` for images ``x`` (B, 3, H, W) in [-1, 1]."""

    def __init__(self, width: int = 16, feature_dim: int = 64) -> None:
        super().__init__()
        self.width, self.feature_dim = int(width), int(feature_dim)
        w = self.width
        self.stages = nn.ModuleList([
            nn.Sequential(_conv(3, w), _conv(w, w)),  # 64x64
            _conv(w, 2 * w, stride=2),  # 32x32
            _conv(2 * w, 4 * w, stride=2),  # 16x16
            _conv(4 * w, 4 * w, stride=2),  # 8x8
            _conv(4 * w, 4 * w, stride=2),  # 4x4: wide enough a view for the shape's kind
        ])
        self.project = nn.Sequential(nn.Linear(8 * w, feature_dim), nn.ReLU(inplace=True))
        self.heads = nn.ModuleDict({name: nn.Linear(feature_dim, len(classes)) for name, classes in HEADS.items()})

    @staticmethod
    def prepare(x: torch.Tensor) -> torch.Tensor:
        """Check images (B, 3, H, W) and resize them to 64x64 (antialiased when shrinking)."""
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != 3:
            raise ValueError("the shapes classifier takes RGB images (B, 3, H, W) in [-1, 1], got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
        x = x.float()
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            shrink = min(x.shape[-2:]) > INPUT_SIZE
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False,
                              antialias=shrink)
        return x

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The five stages' maps: (B, 16, 64, 64), (B, 32, 32, 32), (B, 64, 16, 16), (B, 64, 8, 8), (B, 64, 4, 4)."""
        maps, h = [], self.prepare(x)
        for stage in self.stages:
            h = stage(h)
            maps.append(h)
        return maps

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features (B, feature_dim): what the Fréchet distance compares."""
        last = self.feature_maps(x)[-1]  # (B, 4w, 4, 4)
        pooled = torch.cat([last.mean((2, 3)), last.amax((2, 3))], dim=1)  # (B, 8w)
        return self.project(pooled)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.features(x)
        return {name: head(f) for name, head in self.heads.items()}

    @torch.no_grad()
    def probabilities(self, x: torch.Tensor, batch: int = 256) -> dict[str, torch.Tensor]:
        """Softmax of each head, in eval mode, in batches: ``{"colour": (B, 8), "texture": (B, 4),
        "kind": (B, 6), "style": (B, 32)}``; ``style`` is colour x texture (the product of the two
        heads, index ``colour * 4 + texture``), the classes the style should decide."""
        mode = self.training
        self.eval()
        try:
            parts = [{k: v.softmax(-1) for k, v in self(x[i:i + batch]).items()} for i in range(0, x.shape[0], batch)]
        finally:
            self.train(mode)
        out = {k: torch.cat([p[k] for p in parts]) for k in HEADS}
        out["style"] = (out["colour"][:, :, None] * out["texture"][:, None, :]).flatten(1)  # (B, 8*4)
        return out


def classifier_feature_distance(classifier: ShapesClassifier, linear_weights=None):
    """The *domain-feature distance*: LPIPS's formula (``FeatureDistance``) on the classifier's
    five feature maps, every channel weighted 1 unless ``linear_weights`` are given."""
    from .diversity import FeatureDistance

    classifier = classifier.eval()

    @torch.no_grad()
    def backbone(x: torch.Tensor) -> list[torch.Tensor]:
        return classifier.feature_maps(x)

    return FeatureDistance(backbone, weights=linear_weights)


# ----------------------------------------------------------------------------- data
class ShapesFactorDataset(torch.utils.data.Dataset):
    """Paintings of ``munit_lib.data.shapes`` with their labels: item ``i`` is
    ``(image (3, size, size) in [-1, 1], {"colour": int, "texture": int, "kind": int})``."""

    def __init__(self, split: str = "train", n: int = 1000, size: int = INPUT_SIZE, seed: int = 0) -> None:
        self.domain = ShapesDomain("b", split, size, n, seed)

    def __len__(self) -> int:
        return len(self.domain)

    def labels(self, i: int) -> dict[str, int]:
        rec = self.domain.ground_truth(i)
        return {"colour": COLOURS.index(rec.colour), "texture": TEXTURES.index(rec.texture),
                "kind": KINDS.index(rec.kind)}

    def __getitem__(self, i: int):
        return self.domain[i], self.labels(i)

    def tensors(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Everything at once: images (N, 3, size, size) and labels ``{head: (N,) long}``."""
        images = torch.stack([self.domain[i] for i in range(len(self))])
        labels = [self.labels(i) for i in range(len(self))]
        return images, {k: torch.tensor([lab[k] for lab in labels]) for k in HEADS}


def _augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """What generators' outputs differ by: some images seen at 32 px and brought back to 64
    (CI-profile models work at 32), mild noise, small brightness shifts. (B, 3, H, W) -> same."""
    b = x.shape[0]
    small = torch.rand(b, generator=g) < 0.3
    if small.any():
        low = F.interpolate(x[small], scale_factor=0.5, mode="bilinear", antialias=True, align_corners=False)
        x = x.clone()
        x[small] = F.interpolate(low, size=x.shape[-2:], mode="bilinear", align_corners=False)
    noise = torch.randn(x.shape, generator=g) * (torch.rand(b, 1, 1, 1, generator=g) * 0.08)
    shift = (torch.rand(b, 1, 1, 1, generator=g) - 0.5) * 0.1
    return (x + noise + shift).clamp(-1, 1)


# ----------------------------------------------------------------------------- training
def evaluate_accuracy(classifier: ShapesClassifier, images: torch.Tensor, labels: dict[str, torch.Tensor],
                      batch: int = 256) -> dict[str, float]:
    """Accuracy of each head on labelled images: ``{"colour": ..., "texture": ..., "kind": ..., "all": ...}``
    (``all``: the three heads right at once)."""
    probs = classifier.probabilities(images, batch)
    right = {k: probs[k].argmax(-1) == labels[k] for k in HEADS}
    out = {k: float(v.float().mean()) for k, v in right.items()}
    out["all"] = float(torch.stack(list(right.values())).all(0).float().mean())
    return out


def train_shapes_classifier(n_train: int = 12000, epochs: int = 6, batch: int = 64, lr: float = 3e-3,
                            seed: int = 0, data_seed: int = 0, width: int = 16, feature_dim: int = 64,
                            progress: bool = False) -> tuple[ShapesClassifier, list[dict]]:
    """Train a ``ShapesClassifier`` on ``n_train`` paintings of the shapes *train* split (64 px),
    Adam with a one-cycle learning rate, cross-entropy summed over the three heads, the
    augmentation of ``_augment``. Returns the model (eval mode) and one log row per epoch."""
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    images, labels = ShapesFactorDataset("train", n_train, INPUT_SIZE, data_seed).tensors()
    model = ShapesClassifier(width, feature_dim)
    steps = epochs * ((n_train + batch - 1) // batch)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    log = []
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=g)
        total, count = 0.0, 0
        for start in tqdm(range(0, n_train, batch), desc=f"epoch {epoch + 1}/{epochs}", disable=not progress):
            idx = order[start:start + batch]
            logits = model(_augment(images[idx], g))
            loss = sum(F.cross_entropy(logits[k], labels[k][idx]) for k in HEADS)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total, count = total + float(loss.detach()) * len(idx), count + len(idx)
        log.append({"epoch": epoch + 1, "loss": total / count})
    return model.eval(), log


# ----------------------------------------------------------------------------- files
def classifier_path(root: Optional[Union[str, os.PathLike]] = None) -> Path:
    """Where the shipped weights are: ``<data directory>/pretrained/classifier/shapes_classifier.pt``
    (the data directory as ``munit_lib.pretrained.data_dir`` finds it)."""
    from ..pretrained import data_dir

    return data_dir(root) / CLASSIFIER_FILE


def save_shapes_classifier(model: ShapesClassifier, path: Union[str, os.PathLike], metadata: Optional[dict] = None,
                           half: bool = True) -> Path:
    """Write the weights (half precision by default: about 0.2 MB) with the architecture's sizes and
    ``metadata`` (plain JSON values) in a file ``torch.load(..., weights_only=True)`` reads."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if half and v.is_floating_point() else v).clone() for k, v in model.state_dict().items()}
    torch.save({"format": FORMAT, "width": model.width, "feature_dim": model.feature_dim, "state_dict": state,
                "heads": {k: list(v) for k, v in HEADS.items()},
                "metadata": json.loads(json.dumps(metadata or {}))}, path)
    return path


def load_shapes_classifier(path: Optional[Union[str, os.PathLike]] = None, device: Optional[str] = None
                           ) -> ShapesClassifier:
    """The shapes classifier from ``path`` (default: the shipped weights), float32, eval mode.
    Read with ``weights_only=True``; a missing file names the script that makes it."""
    path = Path(path) if path is not None else classifier_path()
    if path.is_dir():
        raise IsADirectoryError(f"shapes classifier {path} is a directory: name the .pt file inside it")
    if not path.is_file():
        raise FileNotFoundError(f"no shapes classifier at {path}; train one with "
                                "`python scripts/train_shapes_classifier.py` (about 5 minutes on one CPU thread)")
    data = read_checkpoint(path)  # weights_only=True; a truncated or code-bearing file is a ValueError
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a shapes classifier file (expected format {FORMAT!r})")
    if data.get("heads") != {k: list(v) for k, v in HEADS.items()}:
        raise ValueError(f"{path} was trained for other classes than this munit_lib's shapes domains; retrain it")
    state = data.get("state_dict")
    try:
        model = ShapesClassifier(int(data["width"]), int(data["feature_dim"]))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{path} is a damaged shapes classifier file: its width / feature_dim are missing "
                         "or not numbers; retrain it") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} is a damaged shapes classifier file: no state dict of tensors; retrain it")
    load_state_dict_strict(model, {k: v.float() if v.is_floating_point() else v for k, v in state.items()},
                           f"the shapes classifier {path}")
    model.metadata = dict(data.get("metadata") or {})
    return model.to(device or "cpu").eval()
