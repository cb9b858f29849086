"""Every shipped model by name: its recipe, its budget, and how it is scored and published.

A model of the zoo is a config of ``configs/`` (its *recipe*), perhaps with a few settings changed
(a variant's cycle term or ablation), trained for a *budget* (a number of iterations, or a
number of CPU-minutes summed over as many calls as it takes), then scored and published under
``data/pretrained/<name>/`` as its *family* says:

============  =====================================================================================
family        published as
============  =====================================================================================
``shapes``    a course model with its whole record: full-precision EMA generators, config, loss
              log, sample grids, every shapes score (with the colour histogram and the factor
              probes) and a README (``shapes``, ``shapes_cpu``)
``variant``   the fast shapes recipe with one change (notebooks 09 and 11): half-precision
              generators, config, shapes scores and cycle errors
``baseline``  UNIT, CycleGAN, CycleGAN* (ResNet and U-Net forms), BicycleGAN on shapes (notebooks
              10 and 11): half-precision networks, config, shapes scores and the CPU time they
              trained for
``openmoji``  a model of notebook 12 (any kind): half-precision networks, config, loss log, a
              sample grid, the OpenMoji scores with the training record, and a README
============  =====================================================================================

The cycle variants (notebook 09's trade-off) change only the cycle term of the first fast recipe:

=========  ===================================================================================
``cyc0``   ``recon_x_cyc_w = 0``: the implicit cycle of the bidirectional losses alone
``cyc1``   ``recon_x_cyc_w = 1``: the explicit style-augmented cycle, light
``cyc10``  ``recon_x_cyc_w = 10``: the explicit style-augmented cycle, heavy
``plain10`` ``recon_x_cyc_w = 10``, ``recon_x_cyc_style = random``: a plain, CycleGAN-like cycle
           that must return x1 whatever style the way back uses
=========  ===================================================================================

The paper's objective (its equation 5) has no explicit cycle term (weight 0 on most of its data
sets), so Table 1's ablations (notebook 11) drop one term from ``cyc0``; the style-dimension sweep
changes ``style_dim`` in the fast recipe (``cyc10`` is its style_dim 8 point):

=========  ===================================================================================
``nox``    ``cyc0`` without the image reconstruction loss (``recon_x_w = 0``)
``noc``    ``cyc0`` without the content reconstruction loss (``recon_c_w = 0``)
``nos``    ``cyc0`` without the style reconstruction loss (``recon_s_w = 0``)
``sd2``    ``cyc10`` with ``style_dim = 2``
``sd32``   ``cyc10`` with ``style_dim = 32``
=========  ===================================================================================

Published as ``shapes_<variant>``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from ..config import MUNITConfig
from ..pretrained import DEFAULT_DATA_DIR

__all__ = ["ZooModel", "ZOO", "zoo_model", "recipe", "VARIANTS", "CYCLE_VARIANTS", "TABLE1_VARIANTS",
           "variant_config", "CONFIGS", "PRETRAINED_LIMIT_MB", "DATA_LIMIT_MB", "folder_size_mb", "check_size"]

CONFIGS = DEFAULT_DATA_DIR.parent / "configs"  # the recipes
PRETRAINED_LIMIT_MB = 60.0  # everything under data/pretrained/ together (the course's models and the compared ones)
DATA_LIMIT_MB = 80.0  # everything under data/: the weights and the shipped OpenMoji set

CYCLE_VARIANTS: dict[str, dict] = {
    "cyc0": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded"},
    "cyc1": {"recon_x_cyc_w": 1.0, "recon_x_cyc_style": "encoded"},
    "cyc10": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "encoded"},
    "plain10": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "random"},
}
# Table 1's ablations (notebook 11) drop one reconstruction term from the paper's objective, which
# has no explicit cycle term (so ``cyc0`` is their "MUNIT" row); the style-dimension sweep changes
# only ``style_dim`` in the fast recipe (so ``cyc10`` is its style_dim 8 point).
TABLE1_VARIANTS: dict[str, dict] = {
    "nox": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded", "recon_x_w": 0.0},
    "noc": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded", "recon_c_w": 0.0},
    "nos": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded", "recon_s_w": 0.0},
    "sd2": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "encoded", "style_dim": 2},
    "sd32": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "encoded", "style_dim": 32},
}
VARIANTS: dict[str, dict] = {**CYCLE_VARIANTS, **TABLE1_VARIANTS}


@dataclass(frozen=True)
class ZooModel:
    """One shipped model: what it is trained from, for how long, and how it is published."""
    name: str  # its folder under data/pretrained/ and its munit_lib.pretrained name
    family: str  # "shapes", "variant", "baseline" or "openmoji": how it is scored and published
    config: str  # its recipe, relative to the repository
    changes: dict = field(default_factory=dict)  # settings changed from the recipe (a variant's)
    max_iter: Optional[int] = None  # the budget: stop at this iteration (None: the recipe's max_iter) ...
    cpu_minutes: Optional[float] = None  # ... or after this much CPU time, summed over every call
    threads: int = 1  # torch threads it trains with (one: the CPU budget is then the time it takes alone)
    note: str = ""  # how the shipped one was made, where that differs from the recipe

    @property
    def budget(self) -> str:
        """The budget in words."""
        parts = []
        if self.max_iter is not None:
            parts.append(f"{self.max_iter:,} iterations")
        if self.cpu_minutes is not None:
            parts.append(f"{self.cpu_minutes:g} CPU-minutes")
        return " or ".join(parts) or "the recipe's max_iter"


def _zoo() -> dict[str, ZooModel]:
    models = [
        ZooModel("shapes", "shapes", "configs/shapes_fast.yaml", max_iter=11740,
                 note="trained by benchmarks/time_to_quality.py in slices (scores.json, note, says how)"),
        ZooModel("shapes_cpu", "shapes", "configs/shapes_cpu.yaml", max_iter=16405),
    ]
    models += [ZooModel(f"shapes_{v}", "variant", "configs/shapes_fast_canvas.yaml", dict(changes), max_iter=2500)
               for v, changes in VARIANTS.items()]
    models += [ZooModel(m, "baseline", f"configs/shapes_fast_{m}.yaml", cpu_minutes=10.0)
               for m in ("unit", "cyclegan", "cyclegan_noise")]
    # CycleGAN* as the paper built it (U-Net generators), shipped with U-Nets of width 8: 459,315
    # parameters each, matched to the ResNet form's 500,355 (width 16, 6 blocks); the recipe's width 16
    # (1,832,035 each, 7.3 MB in half precision) would take data/pretrained/ over PRETRAINED_LIMIT_MB
    models += [
        ZooModel("cyclegan_unet", "baseline", "configs/shapes_fast_cyclegan_unet.yaml", {"gen_dim": 8},
                 cpu_minutes=10.0, note="U-Nets of width 8 (parameters matched to cyclegan_noise's ResNet); "
                                        "the recipe's width 16 would exceed the 60 MB limit"),
        ZooModel("bicyclegan", "baseline", "configs/shapes_fast_bicyclegan.yaml", cpu_minutes=10.0),
    ]
    models += [
        ZooModel("openmoji", "openmoji", "configs/openmoji_cpu.yaml", max_iter=8591,
                 note="the shipped run: 48.1 CPU-minutes, 25.9 on one thread then 22.2 on two"),
        ZooModel("openmoji_budget", "openmoji", "configs/openmoji_cpu.yaml", max_iter=5000,
                 note="the run of openmoji at 5,000 iterations (25.2 CPU-minutes): the baselines' budget"),
        ZooModel("openmoji_bicyclegan", "openmoji", "configs/openmoji_cpu_bicyclegan.yaml", cpu_minutes=25.0),
        ZooModel("openmoji_cyclegan", "openmoji", "configs/openmoji_cpu_cyclegan.yaml", cpu_minutes=25.0),
    ]
    return {m.name: m for m in models}


ZOO: dict[str, ZooModel] = _zoo()


def zoo_model(name: str) -> ZooModel:
    """The model ``name``; ``ValueError`` naming the known ones otherwise."""
    if name not in ZOO:
        raise ValueError(f"no model named {name!r} in the zoo; known: {', '.join(ZOO)}")
    return ZOO[name]


def recipe(name: str, overrides: Optional[dict] = None) -> MUNITConfig:
    """The config ``name`` trains with: its recipe, its changes, then ``overrides``."""
    model = zoo_model(name)
    cfg = MUNITConfig.from_yaml(CONFIGS.parent / model.config)
    return cfg.replace(**{**model.changes, **(overrides or {})})


def variant_config(base: MUNITConfig, name: str) -> MUNITConfig:
    """``base`` with the settings of variant ``name`` (``cyc0``, ..., ``sd32``)."""
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; known variants: {', '.join(VARIANTS)}")
    return base.replace(**VARIANTS[name])


def folder_size_mb(folder: Union[str, os.PathLike]) -> float:
    """Total size of the files under ``folder``, in MB (10^6 bytes)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6


def check_size(out_root: Union[str, os.PathLike]) -> None:
    """Raise ``RuntimeError`` when ``out_root`` holds more than ``PRETRAINED_LIMIT_MB``."""
    size = folder_size_mb(out_root)
    if size > PRETRAINED_LIMIT_MB:
        raise RuntimeError(f"{out_root} holds {size:.1f} MB, over the {PRETRAINED_LIMIT_MB:.0f} MB limit; "
                           "use narrower networks or fewer models")
