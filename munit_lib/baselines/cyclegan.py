"""CycleGAN (Zhu, Park, Isola, Efros, ICCV 2017) and CycleGAN* (MUNIT's baseline with noise), in two forms.

Two deterministic translators G_ab: A -> B and G_ba: B -> A, each judged by a PatchGAN of its
target domain, and tied by cycle consistency: G_ba(G_ab(x_a)) = x_a and G_ab(G_ba(x_b)) = x_b.
A deterministic map gives one output per input: unimodal by construction.

CycleGAN* is defined in the MUNIT paper (section 5.1, Baselines), not in CycleGAN's code: CycleGAN
given randomness the way pix2pix gives it. Nothing in the objective rewards using it: the cycle
term even penalises any dependence on the randomness (x_aba must equal x_a whatever it is). Two
forms, chosen by ``CycleGANConfig.generator``:

* ``"unet"`` (``model: cyclegan_unet``), what the paper built: each generator is pix2pix's U-Net
  (``bicyclegan.UnetGenerator`` with ``where_add="input"``: z tiled and concatenated to the input
  image only) with dropout 0.5 in its 8 ngf levels between the 4 ngf one and the innermost, kept on
  at test time as well as in training (:class:`PersistentDropout`: ``eval()`` does not turn it
  off), so a translation is random through both z and the dropout masks. The outermost level has
  no norm after its first conv and its output reaches the last layer through the skip, so z is not
  erased by construction. At 64 px the U-Net has 6 levels (``unet_levels``) and one dropout layer
  (on 8 ngf channels at 4x4); 1,832,035 parameters per generator at ngf 16 and nz 8 (54,417,795 at
  ngf 64, 256 px, 8 levels, 3 dropout layers; 459,315 at ngf 8, the shipped ``cyclegan_unet``'s,
  about the 500,355 of the ResNet form's generator at ngf 16 with 6 blocks).
  :meth:`CycleGAN.translate` draws z, then the masks, from its ``generator`` (deterministic given
  it); elsewhere the masks come from torch's global RNG: in training seeded from the trainer's
  stream each step (``steps.baseline_train_step``), in the shapes scores seeded by the score's seed
  (``score_shapes_model``), in the ``Translator`` and the sample grids as the caller left it.
  :func:`dropout_at_test` turns them off or draws them from a generator.
* ``"resnet"`` with ``nz`` > 0 (``model: cyclegan_noise``), the simpler form: z tiled and
  concatenated to the ResNet generator's input as ``nz`` extra channels. Here the architecture
  settles the question before training does: tiled z is constant over the image, so after the
  reflect padding the first 7x7 convolution turns it into one constant per channel, which the
  instance norm right after subtracts. Outputs for different z are equal to float rounding and the
  weights that read z get no gradient (notebook 10 shows both). MUNIT's Table 1 finds CycleGAN*'s
  outputs slightly more diverse than CycleGAN's (LPIPS 0.016 vs 0.010), as the U-Net form with
  test-time dropout allows and this form does not.

Generator (ResNet, Johnson et al.): reflect pad + 7x7 conv (ngf), two stride-2 3x3 convs, 9
residual blocks (reflect pad, 3x3 conv, IN, ReLU, reflect pad, 3x3 conv, IN, identity skip), two
stride-2 3x3 transposed convs, reflect pad + 7x7 conv + tanh; biases on (IN has no affine).
Discriminator: the 70x70 PatchGAN (``common.PatchGAN``), whichever the generator.

Objective (code defaults)::

    L_G = L_GAN(G_ab, D_b) + L_GAN(G_ba, D_a) + lambda (|G_ba(G_ab(x_a)) - x_a|_1 + |G_ab(G_ba(x_b)) - x_b|_1)
          + lambda * lambda_id (|G_ab(x_b) - x_b|_1 + |G_ba(x_a) - x_a|_1)
    L_D = 1/2 (E[(D(x_real) - 1)^2] + E[D(pool(x_fake))^2])        per discriminator

with LSGAN, lambda = 10 and lambda_id = 0.5. The identity term applies only when the two domains
have the same number of channels (a generator must be able to take its target domain's images);
the paper used it only for paintings <-> photos, the code has it on by default (we follow the code).
Each D sees fakes through a 50-image :class:`~munit_lib.baselines.common.ImagePool`.
Adam 2e-4, (0.5, 0.999), no weight decay; 100 epochs constant, 100 decaying linearly to 0;
N(0, 0.02) init (the U-Net's too, as CycleGAN's code inits every generator). Per iteration:
generators first (D frozen), then the discriminators. The objective is the same for both forms.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn

from ..losses import recon_loss
from .bicyclegan import UnetGenerator, unet_levels
from .common import (ImagePool, PatchGAN, check_images, init_gaussian, lsgan_d_loss, lsgan_g_loss, tile_code)

__all__ = ["CycleGANConfig", "GENERATORS", "ResnetBlock", "ResnetGenerator", "PersistentDropout",
           "with_persistent_dropout", "dropout_layers", "dropout_at_test", "CycleGAN", "cyclegan_gen_losses",
           "cyclegan_dis_losses"]

GENERATORS = ("resnet", "unet")  # CycleGANConfig.generator


@dataclass
class CycleGANConfig:
    """CycleGAN's hyper-parameters (code defaults). ``nz`` > 0 makes CycleGAN*: noise channels
    concatenated to each generator's input. ``generator`` "unet" makes the paper's CycleGAN* (U-Net,
    z at the input, dropout on in training and at test; needs ``nz`` > 0; its depth follows
    ``image_size`` and ``n_blocks`` is unused)."""

    ngf: int = 64
    ndf: int = 64
    n_blocks: int = 9
    n_layers_d: int = 3
    input_nc_a: int = 3
    input_nc_b: int = 3
    nz: int = 0  # 0: CycleGAN; 8: CycleGAN* (noise concatenated to the input)
    lambda_cycle: float = 10.0
    lambda_identity: float = 0.5  # times lambda_cycle
    pool_size: int = 50
    image_size: int = 256  # the training crops: the shape of the images the pools store
    seed: int = 0  # the image pools' draws
    generator: str = "resnet"  # "resnet": CycleGAN's (and the simpler CycleGAN*); "unet": the paper's CycleGAN*
    use_dropout: bool = True  # the U-Net's dropout (pix2pix's), on at test time too; unused by "resnet"


class ResnetBlock(nn.Module):
    """x + [reflect pad, 3x3 conv, IN, ReLU, reflect pad, 3x3 conv, IN](x); ``conv_block.1`` and
    ``conv_block.5`` hold the parameters."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator, one ``nn.Sequential`` named ``model`` (parameter indices 1, 4, 7,
    10 ... 18, 19, 22, 26 at 9 blocks). 11,378,179 parameters at ngf 64 (9 blocks), 7,837,699 with
    6 blocks, 715,651 at ngf 16. With ``nz`` > 0 (CycleGAN*) ``forward(x, z)`` concatenates z
    (B, nz), tiled over the image, to x: the first conv takes ``input_nc + nz`` channels.

    (B, input_nc, H, W) -> (B, output_nc, H, W); H and W multiples of 4."""

    def __init__(self, input_nc: int = 3, output_nc: int = 3, ngf: int = 64, n_blocks: int = 9, nz: int = 0) -> None:
        super().__init__()
        self.input_nc, self.output_nc, self.nz = input_nc, output_nc, nz
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc + nz, ngf, 7), nn.InstanceNorm2d(ngf),
                                   nn.ReLU(True)]
        for i in range(2):  # downsample: ngf -> 2 ngf -> 4 ngf
            mult = 2 ** i
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, 2, 1), nn.InstanceNorm2d(ngf * mult * 2), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for i in range(2):  # upsample: 4 ngf -> 2 ngf -> ngf
            mult = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, 2, 1, output_padding=1),
                       nn.InstanceNorm2d(ngf * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        check_images(x, self.input_nc, 8, "ResnetGenerator", multiple=4)
        if self.nz:
            if z is None or z.shape != (x.shape[0], self.nz):
                raise ValueError(f"this CycleGAN* generator needs noise z shaped ({x.shape[0]}, {self.nz}); "
                                 f"got {None if z is None else tuple(z.shape)}")
            x = torch.cat([x, tile_code(z, *x.shape[2:])], dim=1)  # (B, C + nz, H, W)
        elif z is not None:
            raise ValueError("this CycleGAN generator takes no noise (nz = 0); build it with nz > 0 for CycleGAN*")
        return self.model(x)


class PersistentDropout(nn.Dropout):
    """Dropout that stays on in eval mode: pix2pix's (and the paper's CycleGAN*'s) randomness at test time.

    Each element is zeroed with probability ``p`` and the rest scaled by 1 / (1 - p), in training and
    in eval mode alike. ``active`` (not ``training``) turns it off; ``generator`` (None: torch's global
    RNG) is what the masks are drawn from. Neither is saved: no parameters, and the state dict is that
    of ``nn.Dropout`` (none), so weights trained with either load into the other."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)
        self.active = True
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active or self.p == 0:
            return x
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)  # 1 with probability 1 - p
        return x * keep / (1 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}, active={self.active}"


def with_persistent_dropout(module: nn.Module) -> nn.Module:
    """``module`` with every ``nn.Dropout`` replaced, in place, by a :class:`PersistentDropout` of the same p."""
    found = [(parent, name, child) for parent in module.modules() for name, child in parent.named_children()
             if type(child) is nn.Dropout]
    for parent, name, child in found:
        setattr(parent, name, PersistentDropout(child.p))
    return module


def dropout_layers(module: nn.Module) -> list[PersistentDropout]:
    """The test-time dropout layers of ``module`` (none in the ResNet generators)."""
    return [m for m in module.modules() if isinstance(m, PersistentDropout)]


@contextlib.contextmanager
def dropout_at_test(module: nn.Module, on: bool = True, generator: torch.Generator | None = None):
    """Within the block, ``module``'s test-time dropout is on or off (``on``) and draws its masks from
    ``generator`` (None: torch's global RNG, on the images' device); each layer's settings come back
    afterwards. With the masks off the U-Net form is random through z alone."""
    layers = dropout_layers(module)
    saved = [(m.active, m.generator) for m in layers]
    for m in layers:
        m.active, m.generator = on, generator
    try:
        yield module
    finally:
        for m, (active, gen) in zip(layers, saved):
            m.active, m.generator = active, gen


def _generator(cfg: CycleGANConfig, input_nc: int, output_nc: int) -> nn.Module:
    """One generator as ``cfg.generator`` says: CycleGAN's ResNet, or the paper's CycleGAN* U-Net."""
    if cfg.generator == "resnet":
        return init_gaussian(ResnetGenerator(input_nc, output_nc, cfg.ngf, cfg.n_blocks, cfg.nz))
    unet = UnetGenerator(input_nc, output_nc, cfg.nz, unet_levels(cfg.image_size), cfg.ngf, where_add="input",
                         use_dropout=cfg.use_dropout)
    return init_gaussian(with_persistent_dropout(unet))


class CycleGAN(nn.Module):
    """Generators named by the domain they produce, as munit_lib's: ``gen_b`` = G_ab (A -> B, the
    original's ``netG_A``), ``gen_a`` = G_ba (``netG_B``); ``dis_b`` judges domain B (``netD_A``),
    ``dis_a`` domain A (``netD_B``). N(0, 0.02) init. ``pool_a``, ``pool_b`` hold past fakes
    (``image_size`` crops). The generators are :class:`ResnetGenerator` s, or with ``cfg.generator``
    "unet" ``UnetGenerator`` s with z at the input and :class:`PersistentDropout` (the paper's CycleGAN*)."""

    def __init__(self, cfg: CycleGANConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or CycleGANConfig()
        if cfg.generator not in GENERATORS:
            raise ValueError(f"CycleGANConfig.generator must be one of {list(GENERATORS)}, got {cfg.generator!r}")
        if cfg.generator == "unet" and cfg.nz < 1:
            raise ValueError("the U-Net form is CycleGAN* (the MUNIT paper's): give it noise, nz > 0")
        self.cfg = cfg
        self.gen_b = _generator(cfg, cfg.input_nc_a, cfg.input_nc_b)
        self.gen_a = _generator(cfg, cfg.input_nc_b, cfg.input_nc_a)
        self.dis_a = init_gaussian(PatchGAN(cfg.input_nc_a, cfg.ndf, cfg.n_layers_d))
        self.dis_b = init_gaussian(PatchGAN(cfg.input_nc_b, cfg.ndf, cfg.n_layers_d))
        # past fakes of each domain (buffers: saved with the model, so a resumed run draws the same)
        self.pool_a = ImagePool(cfg.pool_size, (cfg.input_nc_a, cfg.image_size, cfg.image_size), cfg.seed * 2 + 1)
        self.pool_b = ImagePool(cfg.pool_size, (cfg.input_nc_b, cfg.image_size, cfg.image_size), cfg.seed * 2 + 2)

    @property
    def nz(self) -> int:
        return self.cfg.nz

    @property
    def test_dropout(self) -> bool:
        """Whether a translation draws dropout masks (the U-Net form, unless turned off)."""
        return any(m.active and m.p > 0 for m in dropout_layers(self))

    @property
    def identity_applies(self) -> bool:
        """The identity term needs G_ab to take B images and G_ba to take A images."""
        return self.cfg.lambda_identity > 0 and self.cfg.input_nc_a == self.cfg.input_nc_b

    def noise(self, batch: int, device, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """CycleGAN*'s noise z ~ N(0, I) (batch, nz); None for plain CycleGAN."""
        if not self.nz:
            return None
        return torch.randn(batch, self.nz, generator=generator, device=device)

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "a2b", z: torch.Tensor | None = None,
                  generator: torch.Generator | None = None, dropout: bool | None = None) -> torch.Tensor:
        """Translate ``a2b`` or ``b2a``; CycleGAN* draws z when none is given. The U-Net form's
        dropout is on, as at training (``dropout=False`` turns it off for this call; None: as the
        layers are set). z, then the dropout masks, come from ``generator`` (on the images' device):
        the same generator state gives the same output; without one, from torch's global RNG."""
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"direction must be 'a2b' or 'b2a', got {direction!r}")
        if z is None:
            z = self.noise(x.shape[0], x.device, generator)
        gen = self.gen_b if direction == "a2b" else self.gen_a
        with contextlib.ExitStack() as stack:
            if dropout is not None or generator is not None:
                on = self.test_dropout if dropout is None else dropout
                stack.enter_context(dropout_at_test(gen, on, generator))
            return gen(x, z)


# ----------------------------------------------------------------------------- objective
def cyclegan_gen_losses(model: CycleGAN, x_a: torch.Tensor, x_b: torch.Tensor,
                        rng: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Every term of the generators' objective (module docstring), the weighted ``total``, and
    the fakes ``fake_a``, ``fake_b`` (detached) for the discriminator step."""
    cfg = model.cfg
    noise = lambda: model.noise(x_a.shape[0], x_a.device, rng)  # noqa: E731 (fresh z per pass, CycleGAN*)
    fake_b = model.gen_b(x_a, noise())  # G_ab(x_a)
    fake_a = model.gen_a(x_b, noise())  # G_ba(x_b)
    rec_a = model.gen_a(fake_b, noise())  # G_ba(G_ab(x_a))
    rec_b = model.gen_b(fake_a, noise())  # G_ab(G_ba(x_b))
    terms = {
        "adv_a": lsgan_g_loss(model.dis_a(fake_a)),
        "adv_b": lsgan_g_loss(model.dis_b(fake_b)),
        "cyc_a": recon_loss(rec_a, x_a),
        "cyc_b": recon_loss(rec_b, x_b),
    }
    total = terms["adv_a"] + terms["adv_b"] + cfg.lambda_cycle * (terms["cyc_a"] + terms["cyc_b"])
    if model.identity_applies:
        terms["idt_a"] = recon_loss(model.gen_a(x_a, noise()), x_a)  # G_ba should leave A images alone
        terms["idt_b"] = recon_loss(model.gen_b(x_b, noise()), x_b)
        total = total + cfg.lambda_cycle * cfg.lambda_identity * (terms["idt_a"] + terms["idt_b"])
    terms["total"] = total
    terms["fake_a"], terms["fake_b"] = fake_a.detach(), fake_b.detach()
    return terms


def cyclegan_dis_losses(model: CycleGAN, x_a: torch.Tensor, x_b: torch.Tensor, fake_a: torch.Tensor,
                        fake_b: torch.Tensor, use_pool: bool = True) -> dict[str, torch.Tensor]:
    r"""Each discriminator: :math:`\frac12(\mathbb E[(D(x_{real}) - 1)^2] + \mathbb E[D(x_{fake})^2])`,
    the fakes drawn through its image pool (``use_pool=False`` shows the given fakes)."""
    if use_pool:
        fake_a, fake_b = model.pool_a.query(fake_a), model.pool_b.query(fake_b)
    loss_a = lsgan_d_loss(model.dis_a(fake_a.detach()), model.dis_a(x_a), scale=0.5)
    loss_b = lsgan_d_loss(model.dis_b(fake_b.detach()), model.dis_b(x_b), scale=0.5)
    return {"dis_a": loss_a, "dis_b": loss_b, "total": loss_a + loss_b}
