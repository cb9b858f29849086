"""A classifier of OpenMoji's groups: the "Inception network" of the OpenMoji measures.

The paper's IS and CIS need class probabilities and its Frechet distance needs features, from a
network trained on the target domain (the authors fine-tuned Inception on each domain and never
released it). Here a small CNN learns the package's groups (people-body, animals-nature, food-drink,
objects, ...: 11 once flags are left out) from the training split's colourings, and is shipped
with its accuracy on the test split (families never seen in training):

    python scripts/train_openmoji_classifier.py        # about 3 minutes of 2 CPU threads

``probabilities`` feed IS/CIS, ``features`` the Frechet distance, and ``feature_distance`` the
paper's diversity protocol (an LPIPS-like distance: unit-normalised feature maps, squared
difference, averaged).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..official import read_checkpoint
from ..pretrained import data_dir

__all__ = ["OpenMojiGroupClassifier", "train_openmoji_classifier", "openmoji_classifier_path",
           "save_openmoji_classifier", "load_openmoji_classifier", "FORMAT"]

FORMAT = "munit_lib.openmoji_classifier/1"
CLASSIFIER_FILE = Path("pretrained") / "classifier" / "openmoji_groups.pt"


def _block(cin: int, cout: int) -> nn.Sequential:
    """3x3 conv, batch norm, ReLU, then 2x2 max pool: halves the side."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.MaxPool2d(2))


class OpenMojiGroupClassifier(nn.Module):
    """Four conv blocks (64 -> 4 px), global average pool, a linear layer per group.

    (B, 3, H, W) in [-1, 1] -> logits (B, len(groups)); any H = W that is a multiple of 16."""

    def __init__(self, groups: list[str], width: int = 16) -> None:
        super().__init__()
        self.groups, self.width = list(groups), int(width)
        w = self.width
        self.blocks = nn.ModuleList([_block(3, w), _block(w, 2 * w), _block(2 * w, 4 * w), _block(4 * w, 4 * w)])
        self.head = nn.Linear(4 * w, len(self.groups))
        self.metadata: dict = {}

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The output of every block: [(B, w, H/2, W/2), ..., (B, 4w, H/16, W/16)]."""
        maps = []
        for block in self.blocks:
            x = block(x)
            maps.append(x)
        return maps

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled last block, (B, 4w): the space of the Frechet distance."""
        return self.feature_maps(x)[-1].mean((2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    @torch.no_grad()
    def probabilities(self, x: torch.Tensor, batch: int = 256) -> torch.Tensor:
        """Softmax over the groups, (B, groups), in eval mode."""
        self.eval()
        return torch.cat([F.softmax(self(x[i:i + batch].float()), -1) for i in range(0, x.shape[0], batch)])

    @torch.no_grad()
    def feature_distance(self, y1: torch.Tensor, y2: torch.Tensor) -> torch.Tensor:
        """One distance per pair, (B,): each block's maps unit-normalised over channels, the squared
        difference averaged over positions and summed over blocks (LPIPS's form, unlearned weights)."""
        self.eval()
        total = torch.zeros(y1.shape[0])
        for f1, f2 in zip(self.feature_maps(y1.float()), self.feature_maps(y2.float())):
            f1, f2 = F.normalize(f1, dim=1), F.normalize(f2, dim=1)
            total += (f1 - f2).pow(2).sum(1).mean((1, 2)).cpu()
        return total


def _augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and shifts of up to 4 pixels (white fills the gap)."""
    flip = torch.rand(x.shape[0], generator=g) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    dx, dy = (int(v) for v in torch.randint(-4, 5, (2,), generator=g))
    x = F.pad(x, (4, 4, 4, 4), value=1.0)  # white in [-1, 1]
    return x[:, :, 4 + dy:4 + dy + x.shape[2] - 8, 4 + dx:4 + dx + x.shape[3] - 8]


def _accuracy(model: OpenMojiGroupClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model.probabilities(x).argmax(1) == y).float().mean())


def train_openmoji_classifier(train, test, epochs: int = 8, batch: int = 64, lr: float = 2e-3, width: int = 16,
                              seed: int = 0, progress: bool = True) -> OpenMojiGroupClassifier:
    """Train on the colourings of ``train`` and measure on ``test`` (two ``OpenMojiTestSet``, from
    ``munit_lib.evaluation.openmoji.load_openmoji_split``); ``metadata`` records the accuracy on the
    test split (``test_accuracy``) and on the training split, the groups' sizes and the settings."""
    groups = sorted({r.group for r in train.records})
    index = {name: i for i, name in enumerate(groups)}
    y_train = torch.tensor([index[r.group] for r in train.records])
    keep = [i for i, r in enumerate(test.records) if r.group in index]
    y_test = torch.tensor([index[test.records[i].group] for i in keep])
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = OpenMojiGroupClassifier(groups, width)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    # weight each group by 1 / sqrt(its size): people-body is more than half the set
    counts = torch.bincount(y_train, minlength=len(groups)).float()
    weights = (1 / counts.clamp_min(1).sqrt())
    weights = weights / weights.mean()
    for _ in tqdm(range(epochs), desc="group classifier", unit="epoch", disable=not progress):
        model.train()
        order = torch.randperm(len(y_train), generator=g)
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            loss = F.cross_entropy(model(_augment(train.colour[rows], g)), y_train[rows], weight=weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    model.metadata = {"test_accuracy": _accuracy(model, test.colour[keep], y_test),
                      "train_accuracy": _accuracy(model, train.colour, y_train),
                      "majority_baseline": float((y_test == y_test.mode().values).float().mean()),
                      "groups": {name: int(counts[i]) for i, name in enumerate(groups)},
                      "n_test": len(keep), "epochs": epochs, "lr": lr, "width": width, "seed": seed}
    return model


def openmoji_classifier_path(root: Optional[Union[str, os.PathLike]] = None) -> Path:
    """``<data directory>/pretrained/classifier/openmoji_groups.pt`` (as ``munit_lib.pretrained`` finds it)."""
    return data_dir(root) / CLASSIFIER_FILE


def save_openmoji_classifier(model: OpenMojiGroupClassifier, path: Union[str, os.PathLike]) -> Path:
    """Half-precision weights, the groups and the metadata, in a file ``weights_only`` loading reads."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v).clone() for k, v in model.state_dict().items()}
    torch.save({"format": FORMAT, "groups": model.groups, "width": model.width, "state_dict": state,
                "metadata": dict(model.metadata)}, path)
    return path


def load_openmoji_classifier(path: Optional[Union[str, os.PathLike]] = None) -> OpenMojiGroupClassifier:
    """The group classifier from ``path`` (default: the shipped weights), float32, eval mode."""
    path = Path(path) if path is not None else openmoji_classifier_path()
    if not path.is_file():
        raise FileNotFoundError(f"no OpenMoji group classifier at {path}; train one with "
                                "`python scripts/train_openmoji_classifier.py`")
    data = read_checkpoint(path)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not an OpenMoji group classifier (expected format {FORMAT!r})")
    model = OpenMojiGroupClassifier(list(data["groups"]), int(data["width"]))
    try:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in data["state_dict"].items()})
    except RuntimeError as error:
        raise ValueError(f"{path} does not match the classifier's layers: {str(error).splitlines()[0]}") from None
    model.metadata = dict(data.get("metadata") or {})
    return model.eval()
