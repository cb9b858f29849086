"""BicycleGAN (Zhu, Zhang, Pathak, Darrell, Efros, Wang, Shechtman, "Toward Multimodal
Image-to-Image Translation", NIPS 2017): multimodal A -> B translation learnt from PAIRED data,
the supervised upper bound in MUNIT's Table 1.

A generator G(a, z) with a latent z in R^nz (nz = 8) and an encoder E(b) -> (mu, logvar). Two
cycles make z both meaningful and invertible:

* cVAE-GAN (image -> z -> image): z = mu + exp(logvar / 2) * eps from E(b1) of the true target;
  G(a1, z) must equal b1 (L1) and fool D; KL(q(z|b) || N(0, I)) keeps the codes near the prior.
* cLR-GAN (z -> image -> z): z_random ~ N(0, I); G(a1, z_random) must fool D2 (against real b2)
  and E must read z_random back (latent regression |mu(E(G(a1, z_random))) - z_random|_1).

Objective (edges2shoes script)::

    L_G,E = L_GAN(G, D; cVAE) + L_GAN(G, D2; cLR) + 10 |G(a1, z_enc) - b1|_1 + 0.01 KL
    L_G  += 0.5 |mu(E(G(a1, z_random))) - z_random|_1           (reaches G only, not E)

LSGAN for both GAN terms (weight 1 each, summed over the 2 scales of D and of D2), KL written as a
SUM over batch and dimensions. The batch of 2 is split in two halves: pair 1 is encoded, pair 2
gives the real images D2 sees. D and D2 judge B images alone (not conditioned on A). The latent
regression moves G only: E's parameters are frozen while it is computed, and E still passes the
gradient through to G (E learns from the KL and L1 terms). Adam 2e-4, (0.5, 0.999), no weight
decay, for each of G, E, D, D2 (one Adam over G and E and one over D and D2 are the same updates:
Adam is per parameter); Xavier init with gain 0.02. Per iteration: G and E first, then D and D2
on the same fakes (a choice of ours where the reference facts are silent).

Networks at the headline configuration (edges, 1 channel -> shoes, 3 channels, 256x256):
``UnetGenerator`` 54,792,579 (z added at every down block; 54,415,747 with z at the input only),
``ResNetEncoder`` 2,590,032, ``MultiPatchGAN`` 3,458,978 each for D and D2. At 64x64 the U-Net has
6 levels (29,493,635 at ngf 64) and the encoder pools adaptively (same count).

Where the paper and code differ: the paper's encoder is a ResNet whose output is a Gaussian; the
code's latent regression uses mu only (we follow the code). The script keeps random flips on
although it defines a no-flip flag (our paired shapes need no flips). Not stated in our reference
facts and chosen by us: inside a U-Net block z is concatenated after the features ([x, z]) and the
skip joins decoded features first ([up, x]); these orders matter only for loading released weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..losses import recon_loss
from ..nn import frozen  # noqa: F401  (also exported here)
from .common import MultiPatchGAN, check_images, init_xavier, lsgan_d_loss, lsgan_g_loss, tile_code

__all__ = ["BicycleGANConfig", "unet_levels", "UnetBlockWithZ", "UnetGenerator", "BasicBlock", "ResNetEncoder",
           "BicycleGAN", "bicyclegan_kl_loss", "latent_regression_loss", "bicyclegan_gen_losses",
           "bicyclegan_dis_losses", "frozen"]


@dataclass
class BicycleGANConfig:
    """BicycleGAN's hyper-parameters (edges2shoes script). ``levels`` 0 = as many as the image
    size allows (``unet_levels``)."""

    input_nc: int = 1  # edges
    output_nc: int = 3  # shoes
    nz: int = 8
    ngf: int = 64
    nef: int = 64
    ndf: int = 64
    image_size: int = 256
    levels: int = 0
    where_add: str = "all"  # "all": z at every down block; "input": z at the first only
    use_dropout: bool = True
    num_d: int = 2
    lambda_gan: float = 1.0  # cVAE-GAN's adversarial term
    lambda_gan2: float = 1.0  # cLR-GAN's
    lambda_l1: float = 10.0
    lambda_kl: float = 0.01
    lambda_z: float = 0.5


def unet_levels(image_size: int) -> int:
    """Down blocks a U-Net can have at ``image_size``: one per halving down to 1x1 (8 at 256,
    6 at 64, 5 at 32). The innermost block's output is 1x1 and has no norm."""
    if image_size < 4 or image_size & (image_size - 1):
        raise ValueError(f"the U-Net needs a power-of-two image size of at least 4, got {image_size}")
    return int(math.log2(image_size))


class UnetBlockWithZ(nn.Module):
    """One U-Net level, with the latent tiled and concatenated to its input (``nz`` channels; 0 at
    levels that take no z):

        down = [LeakyReLU 0.2,] 4x4 stride-2 conv [, IN]     (no activation at the outermost level,
                                                             no IN at the innermost: its map is 1x1)
        up   = ReLU, 4x4 stride-2 transposed conv, IN | tanh [, dropout 0.5]
        out  = cat([up(sub(down(cat([x, z])), z)), x])      (outermost: up(...) without the skip)

    Channels: ``down`` takes outer_nc + nz, gives inner_nc; ``up`` takes inner_nc (innermost) or
    2 inner_nc (the sub-block's output joined with its skip) and gives outer_nc.
    """

    def __init__(self, input_nc: int, outer_nc: int, inner_nc: int, nz: int, submodule: "UnetBlockWithZ | None",
                 outermost: bool = False, innermost: bool = False, use_dropout: bool = False) -> None:
        super().__init__()
        self.outermost, self.innermost, self.nz = outermost, innermost, nz
        conv = nn.Conv2d(input_nc + nz, inner_nc, 4, 2, 1)
        if outermost:
            down: list[nn.Module] = [conv]
        elif innermost:
            down = [nn.LeakyReLU(0.2, True), conv]
        else:
            down = [nn.LeakyReLU(0.2, True), conv, nn.InstanceNorm2d(inner_nc)]
        up_in = inner_nc if innermost else 2 * inner_nc
        up: list[nn.Module] = [nn.ReLU(True), nn.ConvTranspose2d(up_in, outer_nc, 4, 2, 1)]
        up += [nn.Tanh()] if outermost else [nn.InstanceNorm2d(outer_nc)]
        if use_dropout:
            up.append(nn.Dropout(0.5))
        self.down = nn.Sequential(*down)
        self.submodule = submodule  # registered between down and up: the original's key order
        self.up = nn.Sequential(*up)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        x_and_z = torch.cat([x, tile_code(z, *x.shape[2:])], 1) if self.nz else x  # (B, C + nz, H, W)
        inner = self.down(x_and_z)  # (B, inner_nc, H/2, W/2)
        if self.submodule is not None:
            inner = self.submodule(inner, z)  # (B, 2 inner_nc, H/2, W/2): features + skip
        out = self.up(inner)  # (B, outer_nc, H, W)
        return out if self.outermost else torch.cat([out, x], 1)  # (B, 2 outer_nc, H, W)


class UnetGenerator(nn.Module):
    """BicycleGAN's G(a, z): a U-Net of ``levels`` blocks nested as ``model``, ``model.submodule``, ...

    Widths per level from the outside in: ngf, 2 ngf, 4 ngf, then 8 ngf; dropout in the 8 ngf
    levels between the 4 ngf one and the innermost (three of them at 8 levels). ``where_add``
    "all" concatenates z to every down block's input (G_Unet_add_all), "input" to the first only.

    (B, input_nc, H, W), (B, nz) -> (B, output_nc, H, W), H = W = 2**levels at most deep.
    """

    def __init__(self, input_nc: int = 1, output_nc: int = 3, nz: int = 8, levels: int = 8, ngf: int = 64,
                 where_add: str = "all", use_dropout: bool = True) -> None:
        super().__init__()
        if where_add not in ("all", "input"):
            raise ValueError(f"where_add must be 'all' or 'input', got {where_add!r}")
        if levels < 2:
            raise ValueError(f"a U-Net needs at least 2 levels, got {levels}")
        self.input_nc, self.output_nc, self.nz, self.levels = input_nc, output_nc, nz, levels
        inner = [ngf * min(2 ** i, 8) for i in range(levels)]  # inner_nc per level, outside in
        block = None
        for i in reversed(range(levels)):
            outer_nc = output_nc if i == 0 else inner[i - 1]
            input_nc_i = input_nc if i == 0 else inner[i - 1]
            z_here = nz if (where_add == "all" or i == 0) else 0
            middle = 0 < i < levels - 1 and inner[i] == inner[i - 1] == 8 * ngf
            block = UnetBlockWithZ(input_nc_i, outer_nc, inner[i], z_here, block, outermost=i == 0,
                                   innermost=i == levels - 1, use_dropout=use_dropout and middle)
        self.model = block

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        check_images(x, self.input_nc, 2 ** self.levels, "UnetGenerator", multiple=2 ** self.levels)
        if z.dim() != 2 or z.shape != (x.shape[0], self.nz):
            raise ValueError(f"the latent z must be shaped ({x.shape[0]}, {self.nz}); got {tuple(z.shape)}")
        return self.model(x, z)


class BasicBlock(nn.Module):
    """The encoder's residual block, halving the resolution:
    ``conv``: IN, LeakyReLU, 3x3 conv (in -> in), IN, LeakyReLU, [3x3 conv (in -> out), 2x2 average pool];
    ``shortcut``: 2x2 average pool, 1x1 conv (in -> out); output = conv(x) + shortcut(x)."""

    def __init__(self, inplanes: int, outplanes: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.InstanceNorm2d(inplanes), nn.LeakyReLU(0.2, True), nn.Conv2d(inplanes, inplanes, 3, 1, 1),
            nn.InstanceNorm2d(inplanes), nn.LeakyReLU(0.2, True),
            nn.Sequential(nn.Conv2d(inplanes, outplanes, 3, 1, 1), nn.AvgPool2d(2, 2)))
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(inplanes, outplanes, 1, 1, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + self.shortcut(x)  # (B, in, H, W) -> (B, out, H/2, W/2)


class ResNetEncoder(nn.Module):
    """BicycleGAN's E(b) -> (mu, logvar): 4x4 stride-2 conv (nef), 4 :class:`BasicBlock` s with
    widths nef * (1, 2, 3, 4, 4), LeakyReLU, global average pool, two Linear(4 nef, nz) heads
    ``fc`` (mu) and ``fcVar`` (log variance). The original pools with a fixed 8x8 window (the map is
    8x8 at 256); adaptive pooling gives the same there and also works at 64.
    2,590,032 parameters at nef 64; 163,680 at nef 16. Heads are registered first, as the original."""

    def __init__(self, input_nc: int = 3, nz: int = 8, nef: int = 64, n_blocks: int = 4) -> None:
        super().__init__()
        self.input_nc, self.nz, self.n_blocks = input_nc, nz, n_blocks
        widths = [nef * min(i + 1, 4) for i in range(n_blocks + 1)]  # 64, 128, 192, 256, 256
        self.fc = nn.Sequential(nn.Linear(widths[-1], nz))
        self.fcVar = nn.Sequential(nn.Linear(widths[-1], nz))
        layers: list[nn.Module] = [nn.Conv2d(input_nc, nef, 4, 2, 1)]
        layers += [BasicBlock(widths[i], widths[i + 1]) for i in range(n_blocks)]
        layers += [nn.LeakyReLU(0.2, True), nn.AdaptiveAvgPool2d(1)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_images(x, self.input_nc, 2 ** (self.n_blocks + 1), "ResNetEncoder", multiple=2 ** (self.n_blocks + 1))
        h = self.conv(x).flatten(1)  # (B, 4 nef, 1, 1) -> (B, 4 nef)
        return self.fc(h), self.fcVar(h)  # mu, logvar: (B, nz) each


class BicycleGAN(nn.Module):
    """G (``gen``), E (``enc``), D (``dis``, cVAE-GAN) and D2 (``dis2``, cLR-GAN). Xavier init, gain 0.02.
    One direction only, A -> B."""

    def __init__(self, cfg: BicycleGANConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or BicycleGANConfig()
        self.cfg = cfg
        levels = cfg.levels or unet_levels(cfg.image_size)
        self.gen = init_xavier(UnetGenerator(cfg.input_nc, cfg.output_nc, cfg.nz, levels, cfg.ngf, cfg.where_add,
                                             cfg.use_dropout))
        self.enc = init_xavier(ResNetEncoder(cfg.output_nc, cfg.nz, cfg.nef))
        self.dis = init_xavier(MultiPatchGAN(cfg.output_nc, cfg.ndf, 3, cfg.num_d))
        self.dis2 = init_xavier(MultiPatchGAN(cfg.output_nc, cfg.ndf, 3, cfg.num_d))

    def random_z(self, batch: int, device=None, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I), (batch, nz)."""
        device = device if device is not None else next(self.parameters()).device
        return torch.randn(batch, self.cfg.nz, generator=generator, device=device)

    @torch.no_grad()
    def translate(self, x: torch.Tensor, z: torch.Tensor | None = None, reference: torch.Tensor | None = None,
                  generator: torch.Generator | None = None) -> torch.Tensor:
        """G(a, z) with z given, encoded from a ``reference`` B image (its mu), or drawn from N(0, I)."""
        if z is not None and reference is not None:
            raise ValueError("give either z or a reference image, not both")
        if reference is not None:
            z = self.enc(reference)[0]
            if z.shape[0] == 1 and x.shape[0] > 1:
                z = z.expand(x.shape[0], -1)
        elif z is None:
            z = self.random_z(x.shape[0], x.device, generator)
        return self.gen(x, z)


# ----------------------------------------------------------------------------- objective
def bicyclegan_kl_loss(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r""":math:`KL(\mathcal N(\mu, \sigma^2) \| \mathcal N(0, I)) = -\frac12 \sum (1 + \log\sigma^2 - \mu^2 - \sigma^2)`,
    summed over the batch and the nz dimensions, as BicycleGAN writes it (not averaged)."""
    return -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())


def latent_regression_loss(mu_recovered: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    r"""cLR-GAN's latent regression :math:`\mathbb E\,|\mu(E(G(a, z))) - z|` (L1 mean)."""
    return recon_loss(mu_recovered, z)


def _halves(x_a: torch.Tensor, x_b: torch.Tensor):
    if x_a.shape[0] != x_b.shape[0]:
        raise ValueError(f"BicycleGAN trains on pairs: {x_a.shape[0]} A images but {x_b.shape[0]} B images")
    if x_a.shape[0] < 2:
        raise ValueError("BicycleGAN splits each batch in two halves (encoded pairs, random-z pairs): "
                         "use a batch size of at least 2 (the original uses 2)")
    half = x_a.shape[0] // 2
    return x_a[:half], x_b[:half], x_b[half:2 * half]


def bicyclegan_gen_losses(model: BicycleGAN, x_a: torch.Tensor, x_b: torch.Tensor,
                          rng: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Every term of G's and E's objective (module docstring), the weighted ``total`` and the
    detached fakes and real halves the discriminator step needs (``fake_encoded``, ``fake_random``,
    ``real_encoded``, ``real_random``). The latent regression is computed with E frozen."""
    cfg = model.cfg
    a1, b1, b2 = _halves(x_a, x_b)
    mu, logvar = model.enc(b1)
    eps = torch.randn(mu.shape, generator=rng, device=mu.device, dtype=mu.dtype)
    z_encoded = mu + torch.exp(logvar / 2) * eps  # the reparameterisation: (B/2, nz)
    z_random = model.random_z(a1.shape[0], a1.device, rng)
    fake_encoded = model.gen(a1, z_encoded)  # cVAE-GAN: should be b1
    fake_random = model.gen(a1, z_random)  # cLR-GAN: any plausible B
    with frozen(model.enc):  # the latent regression reaches G only
        mu_recovered, _ = model.enc(fake_random)
    terms = {
        "gan_vae": lsgan_g_loss(model.dis(fake_encoded)),
        "gan_lr": lsgan_g_loss(model.dis2(fake_random)),
        "l1": recon_loss(fake_encoded, b1),
        "kl": bicyclegan_kl_loss(mu, logvar),
        "z_l1": latent_regression_loss(mu_recovered, z_random),
    }
    terms["total"] = (cfg.lambda_gan * terms["gan_vae"] + cfg.lambda_gan2 * terms["gan_lr"]
                      + cfg.lambda_l1 * terms["l1"] + cfg.lambda_kl * terms["kl"] + cfg.lambda_z * terms["z_l1"])
    terms.update(fake_encoded=fake_encoded.detach(), fake_random=fake_random.detach(), real_encoded=b1,
                 real_random=b2)
    return terms


def bicyclegan_dis_losses(model: BicycleGAN, fake_encoded: torch.Tensor, fake_random: torch.Tensor,
                          real_encoded: torch.Tensor, real_random: torch.Tensor) -> dict[str, torch.Tensor]:
    r"""D judges b1 against G(a1, z_encoded), D2 judges b2 against G(a1, z_random); each
    :math:`\mathbb E[D(fake)^2] + \mathbb E[(D(real) - 1)^2]` summed over its scales."""
    loss_d = lsgan_d_loss(model.dis(fake_encoded.detach()), model.dis(real_encoded))
    loss_d2 = lsgan_d_loss(model.dis2(fake_random.detach()), model.dis2(real_random))
    return {"dis": loss_d, "dis2": loss_d2, "total": loss_d + loss_d2}
