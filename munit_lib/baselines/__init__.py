"""The systems MUNIT is compared with, reimplemented from their papers and from the facts in the
course's reference notes (``reference/baselines.md``): UNIT, CycleGAN (and CycleGAN* with noise, in
the ResNet form and in the paper's U-Net form), BicycleGAN. One file per model: networks, objective
and the paper's defaults.

At their papers' headline configuration the networks have the original implementations' exact
parameter counts and state-dict layout (keys, shapes, order), so released weights load:

==========================  =====================  ==========  =========  =================
model                       network                headline    width 16   at 64x64
==========================  =====================  ==========  =========  =================
UNIT (PyTorch release)      ``UNITGenerator``      11,140,483  700,771    unchanged
                            ``unit_discriminator`` 8,271,171   519,507    unchanged
CycleGAN (code defaults)    ``ResnetGenerator``    11,378,179  715,651    unchanged
                            ``PatchGAN``           2,764,737   175,089    unchanged
CycleGAN* (MUNIT's, U-Net)  ``UnetGenerator``      54,417,795  3,405,411  6 levels: 29,249,923
                                                                          (1,832,035 at 16)
BicycleGAN (edges2shoes)    ``UnetGenerator``      54,792,579  3,499,107  6 levels: 29,493,635
                                                                          (1,892,963 at 16)
                            ``ResNetEncoder``      2,590,032   163,680    adaptive pool, same
                            ``MultiPatchGAN`` x 2  3,458,978   219,626    unchanged
==========================  =====================  ==========  =========  =================

"Width 16" means base width 16 where the headline has 64 (UNIT ``dim``, CycleGAN ``ngf``/``ndf``,
BicycleGAN ``ngf``/``nef``/``ndf``), everything else unchanged; BicycleGAN's headline generator
takes 1-channel edges (``input_nc`` 1). CycleGAN* in the U-Net form (``cyclegan_unet``: nz 8 at the
input only, dropout on at test time, 3 channels each way) has no released code or weights; its
headline is the 256-px U-Net. :func:`cpu_config` gives the small configuration each model is
trained with on the CPU (64x64 shapes, width 16, 3-channel sketches).
"""
from __future__ import annotations

from .bicyclegan import BicycleGAN, BicycleGANConfig, ResNetEncoder, UnetGenerator
from .common import ImagePool, MultiPatchGAN, PatchGAN
from .cyclegan import CycleGAN, CycleGANConfig, ResnetGenerator
from .unit import UNIT, UNITConfig, UNITGenerator, unit_discriminator

__all__ = ["UNIT", "UNITConfig", "UNITGenerator", "unit_discriminator", "CycleGAN", "CycleGANConfig",
           "ResnetGenerator", "PatchGAN", "MultiPatchGAN", "ImagePool", "BicycleGAN", "BicycleGANConfig",
           "UnetGenerator", "ResNetEncoder", "BASELINES", "cpu_config", "headline_config"]

BASELINES = ("unit", "cyclegan", "cyclegan_noise", "cyclegan_unet", "bicyclegan")


def headline_config(model: str):
    """The configuration of each original's headline experiment (the counts in the table above)."""
    if model == "unit":
        return UNITConfig()
    if model == "cyclegan":
        return CycleGANConfig()
    if model == "cyclegan_noise":
        return CycleGANConfig(nz=8)
    if model == "cyclegan_unet":
        return CycleGANConfig(nz=8, generator="unet")
    if model == "bicyclegan":
        return BicycleGANConfig()
    raise ValueError(f"unknown baseline {model!r}; choose from {list(BASELINES)}")


def cpu_config(model: str, image_size: int = 64, width: int = 16):
    """A configuration small enough for the CPU: base width ``width``, 3-channel images of side
    ``image_size`` (the shapes domains), the same losses and weights as the headline."""
    if model == "unit":
        return UNITConfig(dim=width, dis_dim=width)
    if model in ("cyclegan", "cyclegan_noise", "cyclegan_unet"):
        return CycleGANConfig(ngf=width, ndf=width, nz=0 if model == "cyclegan" else 8, image_size=image_size,
                              generator="unet" if model == "cyclegan_unet" else "resnet")
    if model == "bicyclegan":
        return BicycleGANConfig(input_nc=3, output_nc=3, ngf=width, nef=width, ndf=width, image_size=image_size)
    raise ValueError(f"unknown baseline {model!r}; choose from {list(BASELINES)}")
