"""Generator weights shipped with the course, loaded without any network access.

Each entry of ``PRETRAINED`` names a generator-pair file (munit_lib's export: the original
``{"a": state_dict, "b": state_dict}`` layout plus ``"config"``, ``"format"`` and ``"iteration"``)
relative to the data directory. The data directory is, in order of precedence:

1. the ``root=`` argument,
2. the environment variable ``MUNIT_DATA_DIR``,
3. the repository's ``data/`` folder (beside ``munit_lib/``).

``pretrained("shapes")`` returns a ready ``Translator``; ``list_pretrained()`` says what is known
and what is on disk.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import torch

from .translate import Translator

__all__ = ["PRETRAINED", "DEFAULT_DATA_DIR", "UnknownPretrainedError", "data_dir", "pretrained_path",
           "list_pretrained", "pretrained"]

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DATA_DIR_ENV = "MUNIT_DATA_DIR"

PRETRAINED: dict[str, dict[str, str]] = {
    "shapes": {
        "file": "pretrained/shapes/generators.pt",
        "about": "MUNIT trained by munit_lib on the synthetic shapes domains (A: line sketches of shapes, "
                 "B: the same shapes painted in a colour and a texture pinned to the shape); the fast recipe, "
                 "64x64 images",
        "recreate": "python scripts/zoo.py train shapes --publish",
    },
    # the course's model until 2026-12-01; notebooks 09-11 (the theory, Table 1) measure it
    "shapes_cpu": {
        "file": "pretrained/shapes_cpu/generators.pt",
        "about": "the course's first shapes model: configs/shapes_cpu.yaml (the paper's optimiser, no explicit "
                 "cycle) for 16,405 iterations, on the default data (textures pinned to the canvas)",
        "recreate": "python scripts/zoo.py train shapes_cpu --publish",
    },
}
# The cycle variants of notebook 09 and the ablations of notebook 11 (munit_lib.zoo.VARIANTS), in half
# precision, with config.yaml and scores.json.
_VARIANT_ABOUT = {
    "cyc0": "explicit cycle weight 0 (the implicit cycle of the bidirectional losses alone)",
    "cyc1": "explicit style-augmented cycle, weight 1",
    "cyc10": "explicit style-augmented cycle, weight 10",
    "plain10": "plain (CycleGAN-like) cycle back with a random style, weight 10",
    # Table 1's ablations (notebook 11): the paper's objective (cycle weight 0) without one term
    "nox": "Table 1 ablation: no image reconstruction loss (and no explicit cycle)",
    "noc": "Table 1 ablation: no content reconstruction loss (and no explicit cycle)",
    "nos": "Table 1 ablation: no style reconstruction loss (and no explicit cycle)",
    # the style-dimension sweep (notebook 11): the fast recipe (cycle weight 10) with another style_dim
    "sd2": "style-dimension sweep: style_dim 2, cycle weight 10",
    "sd32": "style-dimension sweep: style_dim 32, cycle weight 10",
}
for _name, _about in _VARIANT_ABOUT.items():
    PRETRAINED[f"shapes_{_name}"] = {
        "file": f"pretrained/shapes_{_name}/generators.pt",
        "about": f"shapes model, {_about}; the first fast recipe otherwise (configs/shapes_fast_canvas.yaml)",
        "recreate": f"python scripts/zoo.py train shapes_{_name} --publish",
    }
# The baselines of notebooks 10 and 11 (munit_lib.baselines), in half precision, trained on shapes with
# a CPU-time budget like the variants' (scripts/zoo.py).
_BASELINE_ABOUT = {
    "unit": "UNIT (one shared latent space, two VAE-GANs; unimodal)",
    "cyclegan": "CycleGAN (deterministic cycle consistency; unimodal)",
    "cyclegan_noise": "CycleGAN* (CycleGAN with noise concatenated to the input, which its first instance norm erases)",
    "cyclegan_unet": "CycleGAN* as the MUNIT paper built it (U-Net generators, noise at the input, dropout on at "
                     "training and test time)",
    "bicyclegan": "BicycleGAN (multimodal, trained on aligned pairs: the supervised upper bound; sketch -> painting only)",
}
for _name, _about in _BASELINE_ABOUT.items():
    PRETRAINED[_name] = {
        "file": f"pretrained/{_name}/generators.pt",
        "about": f"{_about}, trained by munit_lib on the shapes domains",
        "recreate": f"python scripts/zoo.py train {_name} --publish",
    }
del _name, _about
# Notebook 12: OpenMoji line art -> colour (64 px), in half precision, published by
# scripts/zoo.py with samples, scores and a README; the baselines and
# openmoji_budget trained for the same CPU time, the comparison's budget.
_OPENMOJI = {
    "openmoji": "MUNIT (configs/openmoji_cpu.yaml: the explicit cycle at weight 10), the course's model",
    "openmoji_budget": "MUNIT (configs/openmoji_cpu.yaml) stopped at the baselines' CPU-time budget",
    "openmoji_bicyclegan": "BicycleGAN trained on the aligned pairs: the paired upper reference",
    "openmoji_cyclegan": "CycleGAN (unpaired, one colouring per drawing)",
}
for _name, _about in _OPENMOJI.items():
    PRETRAINED[_name] = {
        "file": f"pretrained/{_name}/generators.pt",
        "about": f"{_about}, trained by munit_lib on OpenMoji (data/openmoji64, CC BY-SA 4.0)",
        "recreate": f"python scripts/zoo.py train {_name} --publish",
    }
del _name, _about


class UnknownPretrainedError(KeyError, ValueError):
    """A name that is not in ``PRETRAINED`` (catchable as ``KeyError`` or ``ValueError``)."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def data_dir(root: Optional[Union[str, os.PathLike]] = None) -> Path:
    """The data directory: ``root`` if given, else ``$MUNIT_DATA_DIR``, else the repository's ``data/``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR


def _entry(name: str) -> dict[str, str]:
    if name not in PRETRAINED:
        raise UnknownPretrainedError(f"no pretrained model named {name!r}; known names: "
                                     f"{', '.join(repr(k) for k in sorted(PRETRAINED))}")
    return PRETRAINED[name]


def pretrained_path(name: str = "shapes", root: Optional[Union[str, os.PathLike]] = None) -> Path:
    """Where the weights of ``name`` are (or should be) on disk."""
    return data_dir(root) / _entry(name)["file"]


def list_pretrained(root: Optional[Union[str, os.PathLike]] = None) -> list[dict]:
    """The known models, sorted by name: ``{"name", "file" (relative to the data directory),
    "about", "available" (whether the file is there)}`` each."""
    return [{"name": name, "file": entry["file"], "about": entry["about"],
             "available": pretrained_path(name, root).is_file()} for name, entry in sorted(PRETRAINED.items())]


def pretrained(name: str = "shapes", device: Optional[Union[str, torch.device]] = None,
               root: Optional[Union[str, os.PathLike]] = None, **kwargs) -> Translator:
    """A ``Translator`` with the shipped weights ``name`` (no download, ever).

    ``device`` defaults to the CPU; ``root`` overrides the data directory (see ``data_dir``);
    other keyword arguments go to ``Translator`` (``max_side``, ``chunk_size``). An unknown name
    raises ``UnknownPretrainedError`` listing the known ones; a missing file raises
    ``FileNotFoundError`` saying which file and the command that recreates it.
    """
    entry = _entry(name)
    path = pretrained_path(name, root)
    if not path.is_file():
        raise FileNotFoundError(
            f"the pretrained weights {name!r} are not on disk: {path} does not exist. Recreate them with "
            f"`{entry['recreate']}`, or point root= (or ${DATA_DIR_ENV}) at the data directory that holds "
            f"{entry['file']}")
    return Translator.from_checkpoint(path, device=device, **kwargs)
