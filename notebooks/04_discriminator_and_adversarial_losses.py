# %% [markdown]
# # 04 · The multi-scale PatchGAN discriminator and the adversarial losses
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/04_discriminator_and_adversarial_losses.ipynb)
#
# MUNIT trains two discriminators, $D_a$ and $D_b$: $D_b$ tells real images of domain B from
# translations $G_b(c_a, s_b)$ of domain-A images, and $D_a$ does the same in domain A. Each one
# is a **PatchGAN**, the discriminator of pix2pix (Isola et al., 2017): instead of one real/fake
# verdict per image it returns a *map* of scores, one per image patch. And it does so at **three
# scales** of the image, the multi-scale discriminator of pix2pixHD (Wang et al., 2018), which MUNIT's
# original code ([github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT)) adopts.
#
# **What you will learn**
#
# - the discriminator of one scale: four 4x4 stride-2 convolutions (64, 128, 256, 512 channels),
#   LeakyReLU 0.2, no normalisation, reflect padding, and a 1x1 convolution to one score per patch;
# - the multi-scale wrapper: the same network on the image average-pooled 0, 1 and 2 times;
# - how to build both by hand, load their weights into `munit_lib` under the original key names
#   and prove the outputs equal;
# - the **receptive field** of each scale (46, 93 and 187 pixels), computed by a formula and
#   measured with gradients;
# - the adversarial losses LSGAN (MUNIT's choice), non-saturating and hinge, built by hand,
#   checked on score maps whose loss you can work out on paper, and plotted to show which ones
#   saturate.
#
# *Stored outputs: a run of the `cpu` profile, a laptop's default (`make outputs`); nothing here depends on it.*

# %%
# Colab only: clone the course (configs, shipped weights under data/) and install munit_lib from it.
# Does nothing elsewhere.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    COURSE, CLONE = "https://github.com/munit-course/munit-course.git", "/content/munit-course"
    if not os.path.isdir(os.path.join(CLONE, ".git")):
        if subprocess.run(["git", "clone", "-q", "--depth", "1", COURSE, CLONE]).returncode != 0:
            raise RuntimeError(f"Could not clone {COURSE} into {CLONE}. Check that the runtime is online "
                               f"and that {COURSE} opens in a browser; delete {CLONE} if a partial copy "
                               "is left (Files panel, or `!rm -rf` it); then re-run this cell.")
    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", CLONE]).returncode != 0:
        raise RuntimeError(f"pip could not install munit_lib from {CLONE}: read pip's message above, "
                           "then Runtime > Restart session and re-run this cell.")
    sys.path.insert(0, CLONE)  # use the clone now, without restarting the runtime

# %%
import math

import torch
import torch.nn.functional as F
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
from torch import nn
from torch.testing import assert_close

from munit_lib import MUNITConfig, MultiScaleDiscriminator, count_parameters, init_weights
from munit_lib.losses import discriminator_loss, generator_adversarial_loss
from munit_lib.viz import to_image
from munit_lib.course import setup

PROFILE = setup()  # seeds torch with 0, pins the thread count under CI, PNG figures


# %% [markdown]
# ## 1. One scale: a fully convolutional patch classifier
#
# At the paper settings one scale is
#
# | layer | operation | output for a 256x256 input |
# |---|---|---|
# | 1 | reflect-pad 1, conv 4x4 stride 2, 3 → 64, LeakyReLU(0.2) | $64 \times 128 \times 128$ |
# | 2 | reflect-pad 1, conv 4x4 stride 2, 64 → 128, LeakyReLU(0.2) | $128 \times 64 \times 64$ |
# | 3 | reflect-pad 1, conv 4x4 stride 2, 128 → 256, LeakyReLU(0.2) | $256 \times 32 \times 32$ |
# | 4 | reflect-pad 1, conv 4x4 stride 2, 256 → 512, LeakyReLU(0.2) | $512 \times 16 \times 16$ |
# | score | conv 1x1, 512 → 1 | $1 \times 16 \times 16$ |
#
# There is no normalisation layer and no final sigmoid: the scores are raw numbers whose meaning
# depends on the loss (section 5). A convolution with $C_{in}$ inputs, $C_{out}$ outputs and a
# $k \times k$ kernel has $C_{in} C_{out} k^2 + C_{out}$ parameters, so:

# %%
# NBVAL_CHECK_OUTPUT
def conv_params(c_in, c_out, k):
    return c_in * c_out * k * k + c_out  # weights + biases

widths = [3, 64, 128, 256, 512]
one_scale = sum(conv_params(a, b, 4) for a, b in zip(widths[:-1], widths[1:])) + conv_params(512, 1, 1)
library = MultiScaleDiscriminator(MUNITConfig())  # the paper configuration: 3 scales
print(f"one scale, by hand:      {one_scale:,}")
print(f"three scales, by hand:   {3 * one_scale:,}")
print(f"munit_lib, paper config: {count_parameters(library):,}")
assert 3 * one_scale == count_parameters(library) == 8_271_171


# %% [markdown]
# Now the network itself, written from the table with our own module names.

# %%
class PatchDiscriminator(nn.Module):
    """One scale: n_layer stride-2 4x4 convs doubling the width, then a 1x1 conv to a score map."""

    def __init__(self, in_channels=3, dim=64, n_layer=4):
        super().__init__()
        widths = [in_channels] + [dim * 2 ** i for i in range(n_layer)]  # 3, 64, 128, 256, 512
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 4, stride=2) for a, b in zip(widths[:-1], widths[1:]))
        self.to_score = nn.Conv2d(widths[-1], 1, 1)

    def forward(self, x):
        for conv in self.convs:
            x = F.pad(x, (1, 1, 1, 1), mode="reflect")   # reflect padding of 1 pixel
            x = F.leaky_relu(conv(x), 0.2)               # (B, C, H, W) -> (B, 2C, H/2, W/2)
        return self.to_score(x)                          # (B, 1, H / 2**n_layer, W / 2**n_layer)


class MultiScalePatchGAN(nn.Module):
    """The same architecture (separate weights) on the image, then on 2x and 4x smaller copies."""

    def __init__(self, num_scales=3, **kwargs):
        super().__init__()
        self.scales = nn.ModuleList(PatchDiscriminator(**kwargs) for _ in range(num_scales))

    def forward(self, x):
        scores = []
        for net in self.scales:
            scores.append(net(x))
            x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)  # halve the image
        return scores

assert count_parameters(MultiScalePatchGAN()) == 8_271_171


# %% [markdown]
# `count_include_pad=False` matters at the border: the padded zeros are not counted in the
# average, so the border pixels of the smaller image are not darkened.
#
# ## 2. Same weights, same scores
#
# To compare with `munit_lib` we give our network the discriminators' initialisation,
# $\mathcal N(0, 0.02)$ weights and zero biases (the DCGAN convention, Radford et al., 2016), then copy its weights into the library's network.
# The library uses the original implementation's state-dict layout, `cnns.{scale}.{layer}.conv.weight`
# for the four convolutions and `cnns.{scale}.4.weight` for the final 1x1 convolution, so we
# translate our key names. A narrower network (base width 16) on 64x64 images keeps this quick;
# the structure is the paper's (4 layers, 3 scales).

# %%
# NBVAL_CHECK_OUTPUT
def to_official_keys(state, n_layer):
    """scales.{s}.convs.{l}.weight -> cnns.{s}.{l}.conv.weight; scales.{s}.to_score.weight -> cnns.{s}.{n_layer}.weight"""
    out = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[2] == "convs":   # ['scales', s, 'convs', l, 'weight' or 'bias']
            out[f"cnns.{parts[1]}.{parts[3]}.conv.{parts[4]}"] = value
        else:                     # ['scales', s, 'to_score', 'weight' or 'bias']
            out[f"cnns.{parts[1]}.{n_layer}.{parts[3]}"] = value
    return out

cfg = MUNITConfig(dis_dim=16, image_size=64, new_size=64)
ours = MultiScalePatchGAN(num_scales=cfg.dis_num_scales, dim=cfg.dis_dim, n_layer=cfg.dis_n_layer)
for m in ours.modules():
    if isinstance(m, nn.Conv2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
        nn.init.zeros_(m.bias)

theirs = MultiScaleDiscriminator(cfg)
official = to_official_keys(ours.state_dict(), cfg.dis_n_layer)
theirs.load_state_dict(official)  # strict: every key must match, in name and shape
for key in list(official)[:2] + list(official)[8:10]:
    print(f"{key:24s} {tuple(official[key].shape)}")

# %%
# NBVAL_CHECK_OUTPUT
images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
with torch.no_grad():
    ours_scores, their_scores = ours(images), theirs(images)
for s, (a, b) in enumerate(zip(ours_scores, their_scores)):
    assert_close(a, b)
    print(f"scale {s}: score map {tuple(a.shape)} - equal to munit_lib")

# %% [markdown]
# ## 3. Output maps at 256x256
#
# Each scale halves the resolution four times, and each scale sees an image half as large as
# the previous one. For a 256x256 image the three score maps are $16 \times 16$, $8 \times 8$ and
# $4 \times 4$: 336 verdicts on one image, each about one patch.

# %%
# NBVAL_CHECK_OUTPUT
big = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(2)) * 2 - 1
with torch.no_grad():
    maps = library(big)  # the paper-size discriminator of section 1
for s, m in enumerate(maps):
    print(f"scale {s}: input {256 // 2 ** s}x{256 // 2 ** s} -> score map {tuple(m.shape)}")
assert [m.shape[-1] for m in maps] == [16, 8, 4]
del library, maps


# %% [markdown]
# ## 4. Receptive fields: how large is a "patch"?
#
# One score sees only a window of the input: its **receptive field**. Walking back from one
# output value, a layer with kernel $k$ and stride $s$ turns a window of $r$ values into one of
#
# $$r_{\text{in}} = (r_{\text{out}} - 1)\, s + k$$
#
# values. At scale 0 that is four 4x4 stride-2 convolutions after the 1x1 one; at scale $j$ the
# image first went through $j$ average poolings (3x3, stride 2), which enlarge the window again.

# %%
# NBVAL_CHECK_OUTPUT
def receptive_field(layers):
    """layers: list of (kernel, stride) from input to output -> window size in input pixels."""
    r = 1
    for k, s in reversed(layers):
        r = (r - 1) * s + k
    return r

def scale_layers(scale, n_layer=4):
    return [(3, 2)] * scale + [(4, 2)] * n_layer + [(1, 1)]  # poolings, convs, 1x1 score

fields = [receptive_field(scale_layers(s)) for s in range(3)]
for s, r in enumerate(fields):
    step = 2 ** (4 + s)  # distance in input pixels between neighbouring scores
    print(f"scale {s}: one score sees {r}x{r} pixels; neighbouring scores are {step} pixels apart")
assert fields == [46, 93, 187]


# %% [markdown]
# Let us measure them instead of trusting the formula: the gradient of one score with respect
# to the input image is non-zero exactly on the pixels that score depends on (LeakyReLU never
# has a zero slope). The receptive field does not depend on the widths, so a very narrow
# discriminator (base width 4) keeps this fast at 256x256. We use a toy image with some shapes
# on it, which is also the backdrop of the figure.

# %%
# NBVAL_CHECK_OUTPUT
def toy_scene(size=256):
    """A colour gradient with a few discs and a square, (1, 3, size, size) in [-1, 1]."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    img = torch.stack([0.3 + 0.4 * xx, 0.3 + 0.3 * yy, 0.6 - 0.3 * xx])  # (3, H, W) in [0, 1]
    for cy, cx, rad, colour in [(0.3, 0.3, 0.12, (0.9, 0.2, 0.2)), (0.65, 0.7, 0.18, (0.2, 0.7, 0.3)),
                                (0.75, 0.25, 0.08, (0.95, 0.85, 0.2))]:
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 < rad ** 2)
        img[:, disc] = torch.tensor(colour).view(3, 1)
    square = ((yy - 0.3).abs() < 0.08) & ((xx - 0.72).abs() < 0.08)
    img[:, square] = 0.1
    return (img * 2 - 1).unsqueeze(0)

narrow = init_weights(MultiScaleDiscriminator(MUNITConfig(dis_dim=4)), "gaussian")
scene = toy_scene().requires_grad_(True)
scores = narrow(scene)
windows, grad_maps = [], []
for s, score in enumerate(scores):
    h, w = score.shape[2:]
    grad, = torch.autograd.grad(score[0, 0, h // 2, w // 2], scene, retain_graph=True)  # one central score
    touched = grad[0].abs().sum(0) > 0                          # (256, 256): pixels it depends on
    rows, cols = touched.any(1).nonzero().flatten(), touched.any(0).nonzero().flatten()
    top, left = rows.min().item(), cols.min().item()
    height, width = rows.max().item() - top + 1, cols.max().item() - left + 1
    windows.append((top, left, height, width))
    grad_maps.append(grad[0].abs().sum(0))
    print(f"scale {s}: score ({h // 2}, {w // 2}) depends on rows {top}-{top + height - 1}, "
          f"columns {left}-{left + width - 1}: {height}x{width} pixels")
    assert height == width == fields[s]

# %%
# NBVAL_CHECK_OUTPUT
colours = ["tab:red", "tab:orange", "tab:cyan"]
fig, axes = plt.subplots(1, 4, figsize=(15, 4))
axes[0].imshow(to_image(scene.detach()))
axes[0].set_title("one central score per scale")
for s, (top, left, height, width) in enumerate(windows):
    for ax in (axes[0], axes[s + 1]):
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False, lw=2, color=colours[s],
                               label=f"scale {s}: {height} px"))
    axes[s + 1].imshow(torch.log10(grad_maps[s] + 1e-12).numpy(), cmap="magma", vmin=-8)
    axes[s + 1].set_title(f"scale {s}: log10 |d score / d pixel|")
axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=8, frameon=False,
               handlelength=1.2, columnspacing=0.8)  # below the image
for ax in axes:
    ax.axis("off")
fig.suptitle("Receptive fields of MUNIT's three discriminator scales (256x256 input)", fontsize=11)
fig.tight_layout(rect=(0, 0, 1, 0.94))
plt.show()

# %% [markdown]
# The finest scale judges 46-pixel patches (textures, edges), the coarsest 187-pixel ones (most of
# the object's layout); neighbouring windows overlap a lot, since scores are only 16, 32 and 64
# pixels apart. Inside each window the influence is far from uniform: the centre pixels reach
# the score through many more paths than the border ones.
#
# ## 5. The adversarial losses
#
# Write $d = D(x)$ for one score. The discriminator wants high scores on real images and low
# ones on translations; the generator wants its translations to score as real. Every loss is a
# mean over the score map and a **sum over the scales**. Elementwise, per score:
#
# | | $D$, on a fake score $d$ | $D$, on a real score $d$ | $G$, on a fake score $d$ |
# |---|---|---|---|
# | LSGAN (MUNIT) | $d^2$ | $(d - 1)^2$ | $(d - 1)^2$ |
# | non-saturating | $-\log(1 - \sigma(d)) = \mathrm{softplus}(d)$ | $-\log \sigma(d) = \mathrm{softplus}(-d)$ | $-\log\sigma(d) = \mathrm{softplus}(-d)$ |
# | hinge | $\max(0, 1 + d)$ | $\max(0, 1 - d)$ | $-d$ |
#
# (LSGAN: Mao et al., 2017; non-saturating: Goodfellow et al., 2014; hinge: Lim & Ye, 2017.)
#
# so that, for example, MUNIT's discriminator loss for domain B is
#
# $$\mathcal L_{D_b} = \sum_{j=0}^{2} \Big( \mathbb E\big[D_b^{(j)}(x_{ab})^2\big]
# + \mathbb E\big[(D_b^{(j)}(x_b) - 1)^2\big] \Big), \qquad
# \mathcal L_{GAN}^{b} = \sum_{j=0}^{2} \mathbb E\big[(D_b^{(j)}(x_{ab}) - 1)^2\big].$$
#
# The official code has **no** factor $\tfrac12$ in front of the LSGAN terms. The non-saturating
# loss is binary cross-entropy on logits; `softplus` is the same thing written without a sigmoid.
#
# **The paper's equation and the code differ.** The paper writes the adversarial loss in the
# log-likelihood form of the original GAN,
# $\mathcal L^{x_2}_{GAN} = \mathbb E_{c_1, s_2}[\log(1 - D_2(G_2(c_1, s_2)))] + \mathbb E_{x_2}[\log D_2(x_2)]$,
# but the original code and all its published configurations (`gan_type: lsgan`) train with the
# least-squares loss of Mao et al. (2017), and so do `munit_lib`'s configurations. The usual reason,
# which section 6 makes visible: the log-likelihood (minimax) generator loss saturates when the
# discriminator wins easily, as it does early in training, while LSGAN's gradient grows with the
# distance from the "real" target, and its discriminator stops pushing scores that are already on
# target. We follow the code, since the code produced the paper's results and its weights.
# We write the table down once and build all six losses from it.

# %%
ELEMENTWISE = {  # per-score loss terms: (D on fake, D on real, G on fake)
    "lsgan": (lambda d: d ** 2, lambda d: (d - 1) ** 2, lambda d: (d - 1) ** 2),
    "nsgan": (lambda d: F.softplus(d), lambda d: F.softplus(-d), lambda d: F.softplus(-d)),
    "hinge": (lambda d: F.relu(1 + d), lambda d: F.relu(1 - d), lambda d: -d),
}

def d_loss_by_hand(fake_maps, real_maps, gan_type):
    on_fake, on_real, _ = ELEMENTWISE[gan_type]
    return sum(on_fake(f).mean() + on_real(r).mean() for f, r in zip(fake_maps, real_maps))  # sum over scales

def g_loss_by_hand(fake_maps, gan_type):
    on_fake = ELEMENTWISE[gan_type][2]
    return sum(on_fake(f).mean() for f in fake_maps)


# %% [markdown]
# **Score maps whose loss you can compute on paper.** Take three scales of constant maps (shaped
# like the 16x16, 8x8, 4x4 maps above, batch 2). With fake scores $0.25$ and real scores $0.75$:
#
# - LSGAN: $\mathcal L_D = 3\,(0.25^2 + 0.25^2) = 0.375$, $\ \mathcal L_G = 3 \cdot 0.75^2 = 1.6875$;
# - hinge: $\mathcal L_D = 3\,(1.25 + 0.25) = 4.5$, $\ \mathcal L_G = -3 \cdot 0.25 = -0.75$.
#
# For the non-saturating loss we use the logits of the probabilities 0.25 and 0.75, that is
# $d = \log\frac13$ on fakes and $d = \log 3$ on reals:
# $\mathcal L_D = 3\,(-\log 0.75 - \log 0.75) = 6 \log\frac43$, $\ \mathcal L_G = -3 \log 0.25 = 3 \log 4$.

# %%
# NBVAL_CHECK_OUTPUT
def constant_maps(value):
    return [torch.full((2, 1, n, n), value) for n in (16, 8, 4)]  # three scales

cases = {  # gan_type: (fake score, real score, expected D loss, expected G loss)
    "lsgan": (0.25, 0.75, 0.375, 1.6875),
    "nsgan": (math.log(1 / 3), math.log(3), 6 * math.log(4 / 3), 3 * math.log(4)),
    "hinge": (0.25, 0.75, 4.5, -0.75),
}
print("gan_type   D expected  D munit_lib   G expected  G munit_lib")
for gan_type, (fake, real, d_expected, g_expected) in cases.items():
    fakes, reals = constant_maps(fake), constant_maps(real)
    d_lib = discriminator_loss(fakes, reals, gan_type).item()
    g_lib = generator_adversarial_loss(fakes, gan_type).item()
    print(f"{gan_type:8s} {d_expected:11.4f} {d_lib:12.4f} {g_expected:12.4f} {g_lib:12.4f}")
    assert math.isclose(d_lib, d_expected, rel_tol=1e-6) and math.isclose(g_lib, g_expected, rel_tol=1e-6)
    assert math.isclose(d_loss_by_hand(fakes, reals, gan_type).item(), d_expected, rel_tol=1e-6)
    assert math.isclose(g_loss_by_hand(fakes, gan_type).item(), g_expected, rel_tol=1e-6)

# %% [markdown]
# And on random score maps, where only the computer can do the sums, the hand-built losses still
# agree with `munit_lib`:

# %%
# NBVAL_CHECK_OUTPUT
gen_scores = torch.Generator().manual_seed(3)
fakes = [torch.randn(2, 1, n, n, generator=gen_scores) for n in (16, 8, 4)]
reals = [torch.randn(2, 1, n, n, generator=gen_scores) + 1 for n in (16, 8, 4)]
for gan_type in ELEMENTWISE:
    assert_close(d_loss_by_hand(fakes, reals, gan_type), discriminator_loss(fakes, reals, gan_type))
    assert_close(g_loss_by_hand(fakes, gan_type), generator_adversarial_loss(fakes, gan_type))
    print(f"{gan_type}: hand-built D and G losses equal munit_lib's")

# %% [markdown]
# ## 6. Saturation: what gradient does the generator get?
#
# Early in training the discriminator easily spots the translations and gives them very low
# scores. What matters then is the **slope** of the generator's loss at such scores. Goodfellow
# et al.'s original minimax generator loss, $\log(1 - \sigma(d))$ (to be minimised), has slope
# $-\sigma(d)$, which vanishes when $d \ll 0$: it *saturates*. The non-saturating loss
# $-\log\sigma(d)$ has slope $\sigma(d) - 1 \to -1$ there. LSGAN's slope $2(d - 1)$ grows the
# further a score is from the real target 1, and hinge's is a constant $-1$.

# %%
# NBVAL_CHECK_OUTPUT
d = torch.linspace(-4, 4, 161, requires_grad=True)
g_curves = {name: ELEMENTWISE[name][2](d) for name in ELEMENTWISE}
g_curves["minimax (saturating)"] = -F.softplus(d)  # log(1 - sigmoid(d)), not in munit_lib
slopes = {name: torch.autograd.grad(v.sum(), d, retain_graph=True)[0] for name, v in g_curves.items()}

points = [-4.0, -1.0, 0.0, 1.0, 4.0]
at = [round((p + 4) / 0.05) for p in points]  # their indices in d
print("slope of the G loss at d =  " + "".join(f"{p:8.1f}" for p in points))
for name, slope in slopes.items():
    print(f"{name:26s}" + "".join(f"{round(slope[i].item(), 3) + 0.0:8.3f}" for i in at))  # + 0.0: no '-0.000'
assert abs(slopes["minimax (saturating)"][0]) < 0.02 and abs(slopes["nsgan"][0]) > 0.98

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
x = d.detach().numpy()
styles = {"lsgan": "tab:blue", "nsgan": "tab:orange", "hinge": "tab:green", "minimax (saturating)": "tab:grey"}
for name, value in g_curves.items():
    ls = "--" if name.startswith("minimax") else "-"
    axes[0].plot(x, value.detach().numpy(), ls, color=styles[name], label=name)
    axes[1].plot(x, slopes[name].numpy(), ls, color=styles[name], label=name)
axes[0].set_title("generator loss on a fake score $d$")
axes[1].set_title("its slope $\\partial L_G / \\partial d$")
axes[0].set_ylim(-5, 12)
axes[1].set_ylim(-1.6, 0.4)  # zoomed on [-1, 0], where the minimax slope dies out: LSGAN's 2(d - 1) leaves the panel
axes[1].annotate("LSGAN: 2(d - 1),\nbelow the panel for d < 0.2", xy=(0.2, -1.6), xytext=(-3.8, -1.45), fontsize=8,
                 arrowprops=dict(arrowstyle="->", color="tab:blue"), color="tab:blue")
for name in ELEMENTWISE:
    on_fake, on_real, _ = ELEMENTWISE[name]
    axes[2].plot(x, on_fake(d).detach().numpy(), "-", color=styles[name], label=f"{name}: on fakes")
    axes[2].plot(x, on_real(d).detach().numpy(), ":", color=styles[name], label=f"{name}: on reals")
axes[2].set_title("discriminator loss terms")
axes[2].set_ylim(-0.5, 12)
for ax in axes:
    ax.set_xlabel("score $d = D(x)$")
    ax.axhline(0, color="black", lw=0.6)
axes[0].legend(fontsize=8, loc="lower left")
axes[1].legend(fontsize=8, loc="lower right")
axes[2].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside the panel, off the curves
fig.tight_layout()
plt.show()

# %% [markdown]
# Reading the plots:
#
# - **Minimax** (dashed grey): flat for $d \ll 0$, so a generator whose fakes are easily caught
#   learns almost nothing. This is why nobody trains with it.
# - **Non-saturating**: slope near $-1$ for bad fakes, near 0 once $D$ is fooled.
# - **LSGAN** (MUNIT's choice): a parabola around the target 1. Bad fakes get strong gradients,
#   and, unlike the others, fakes scored *above* 1 are pulled back down: the discriminator
#   also keeps real scores near 1 instead of pushing them to infinity.
# - **Hinge**: the generator always gets slope $-1$; the discriminator stops caring about a
#   score once it is beyond the margin ($d < -1$ on fakes, $d > 1$ on reals): its loss terms are
#   exactly zero there.
#
# Notice that a score means different things under each loss: under LSGAN "fake" is 0 and "real"
# is 1; under the other two the score is a logit whose sign carries the verdict. A discriminator
# trained with one loss cannot be reused with another.
#
# ## Summary
#
# - Each of MUNIT's discriminators is three identical PatchGANs (separate weights) on the image
#   average-pooled 0, 1 and 2 times; each is four 4x4 stride-2 convolutions with LeakyReLU 0.2,
#   reflect padding and no normalisation, then a 1x1 convolution to one score per patch:
#   8,271,171 parameters at the paper widths.
# - At 256x256 they return $16 \times 16$, $8 \times 8$ and $4 \times 4$ score maps, whose scores
#   see 46, 93 and 187 pixel windows: texture, parts and layout.
# - Our hand-built network, loaded into `munit_lib` under the original key names
#   (`cnns.{scale}.{layer}.conv.weight`, `cnns.{scale}.4.weight`), gives identical scores.
# - MUNIT uses LSGAN, as in the original code: $\mathbb E[D(\text{fake})^2] + \mathbb E[(D(\text{real}) - 1)^2]$
#   for $D$ and $\mathbb E[(D(\text{fake}) - 1)^2]$ for $G$, summed over scales, no $\tfrac12$.
#   `munit_lib` also offers the non-saturating and hinge losses; all three match the hand-built
#   versions exactly.
#
# ## Exercises
#
# 1. Compute by hand the receptive field of one scale at the `ci` profile
#    (`dis_n_layer = 3`, two scales), then measure it with the gradient method of section 4.
# 2. Replace `count_include_pad=False` by `True` in `MultiScalePatchGAN` and compare the scores at
#    scales 1 and 2 with `munit_lib`'s: where in the score maps do they differ, and why?
# 3. What constant fake score minimises each generator loss? Check your answers against the left
#    plot. Which losses have no minimum at all (there may be more than one), and what stops the
#    generator from running off?
# 4. With the constant maps of section 5, what is the LSGAN discriminator loss when the
#    discriminator cannot tell real from fake and outputs 0.5 everywhere? What is the optimal
#    constant output of a discriminator that must give the same score to both?
# 5. Count how many score values the paper's discriminator returns per 256x256 image and how many
#    pixels each value at scale 0 shares with its right-hand neighbour's window.
#
# Each exercise has a check: put your answer in place of `None` and run the cell. It stays silent for
# answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
ex1_fields = None     # 1. receptive fields of the two scales at the "ci" profile, in pixels (a list)
ex2_where = None      # 2. where the scores differ with count_include_pad=True: "border", "centre" or "everywhere"
ex3_minimisers = None  # 3. {"lsgan": d, "nsgan": d, "hinge": d}, with None where the loss has no minimum
ex4_losses = None     # 4. (LSGAN D loss over 3 scales at constant 0.5, the optimal constant score for both)
ex5_counts = None     # 5. (score values per 256x256 image, pixels a scale-0 window shares with its right neighbour)

answered = []
if ex1_fields is not None:
    ci = MUNITConfig.profile_named("ci")
    truth = [receptive_field(scale_layers(j, ci.dis_n_layer)) for j in range(ci.dis_num_scales)]
    assert list(ex1_fields) == truth, "1: apply r_in = (r_out - 1) s + k from the score back to the input"
    answered.append(1)
if ex2_where is not None:
    assert ex2_where == "border", "2: the padding is only read near the edges of the image"
    answered.append(2)
if ex3_minimisers is not None:
    assert ex3_minimisers == {"lsgan": 1, "nsgan": None, "hinge": None}, (
        "3: a loss has a minimum where its slope crosses zero; see the middle plot")
    answered.append(3)
if ex4_losses is not None:
    on_fake, on_real, _ = ELEMENTWISE["lsgan"]
    half = torch.tensor(0.5)
    scores = torch.linspace(0, 1, 101)
    best = scores[(on_fake(scores) + on_real(scores)).argmin()].item()  # same score for real and fake
    assert abs(ex4_losses[0] - 3 * (on_fake(half) + on_real(half)).item()) < 1e-6, "4: sum over the 3 scales"
    assert abs(ex4_losses[1] - best) < 1e-6, "4: minimise d^2 + (d - 1)^2"
    answered.append(4)
if ex5_counts is not None:
    sides = [256 // 2 ** (4 + j) for j in range(3)]  # score maps 16, 8, 4 a side
    window, step = fields[0], 2 ** 4
    assert tuple(ex5_counts) == (sum(n * n for n in sides), (window - step) * window), (
        "5: the windows are 46 wide and 16 pixels apart at scale 0")
    answered.append(5)
if answered:
    print("correct:", answered)

# %% [markdown]
# ## Solutions
#
# Try each exercise first; then open its solution.
#
# <details><summary>Solution to exercise 1</summary>
#
# With `dis_n_layer = 3`: from the score, $r = 1$; three 4×4 stride-2 convolutions give
# $(1 - 1) \cdot 2 + 4 = 4$, then $3 \cdot 2 + 4 = 10$, then $9 \cdot 2 + 4 = 22$. Scale 1 adds one
# 3×3 stride-2 pooling: $21 \cdot 2 + 3 = 45$.
#
# ```python
# ci = MUNITConfig.profile_named("ci")
# ex1_fields = [receptive_field(scale_layers(j, ci.dis_n_layer)) for j in range(ci.dis_num_scales)]  # [22, 45]
#
# narrow_ci = init_weights(MultiScaleDiscriminator(MUNITConfig.profile_named("ci")), "gaussian")
# image = toy_scene(128).requires_grad_(True)
# for j, score in enumerate(narrow_ci(image)):
#     h, w = score.shape[2:]
#     grad, = torch.autograd.grad(score[0, 0, h // 2, w // 2], image, retain_graph=True)
#     touched = grad[0].abs().sum(0) > 0
#     print(j, touched.any(1).sum().item(), touched.any(0).sum().item())  # 22 22, then 45 45
# ```
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# ```python
# class IncludePad(MultiScalePatchGAN):
#     def forward(self, x):
#         scores = []
#         for net in self.scales:
#             scores.append(net(x))
#             x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=True)
#         return scores
#
# # in float64, so that float rounding cannot hide a small difference
# with_pad = IncludePad(num_scales=cfg.dis_num_scales, dim=cfg.dis_dim, n_layer=cfg.dis_n_layer).double()
# without = MultiScalePatchGAN(num_scales=cfg.dis_num_scales, dim=cfg.dis_dim, n_layer=cfg.dis_n_layer).double()
# with_pad.load_state_dict(ours.state_dict())
# without.load_state_dict(ours.state_dict())
# with torch.no_grad():
#     for j, (a, b) in enumerate(zip(with_pad(big.double()), without(big.double()))):  # section 3's image
#         print(j, ((a - b).abs()[0, 0] > 1e-12).int())
# ex2_where = "border"
# ```
#
# Scale 0 is untouched (no pooling yet). At scales 1 and 2 only the scores of the first row and the
# first column change: with `count_include_pad=True` the padded zeros count in the average, so
# the pooled image's top row and left column are darkened, and only the scores whose windows
# reach them see it. Why not the bottom and right? With an even size, the last pooling window
# (rows $2i - 1$ to $2i + 1$ for the last $i$) ends on the last row of the image: it never reads
# padding.
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# ```python
# ex3_minimisers = {"lsgan": 1, "nsgan": None, "hinge": None}
# ```
#
# LSGAN's $(d - 1)^2$ is smallest at $d = 1$, the "real" target. Two losses have no minimum: the
# non-saturating $\mathrm{softplus}(-d)$ keeps decreasing towards 0 as $d \to \infty$ (bounded
# below, never reached), and hinge's $-d$ decreases without bound. What stops the generator is the
# discriminator: it is updated at every step, and as soon as the generator's fakes score high it
# learns to score them low again. The generator never faces a fixed loss surface.
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# ```python
# ex4_losses = (3 * (0.5 ** 2 + (0.5 - 1) ** 2), 0.5)  # (1.5, 0.5)
# ```
#
# At a constant 0.5 each scale costs $0.25 + 0.25 = 0.5$, so 1.5 over three scales. A discriminator
# that must give the same score $d$ to both minimises $d^2 + (d - 1)^2$, whose derivative
# $4d - 2$ vanishes at $d = 0.5$: halfway between the two targets. This is the value LSGAN's
# discriminator loss takes when the generator has won.
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# ```python
# ex5_counts = (16 * 16 + 8 * 8 + 4 * 4, (46 - 16) * 46)  # (336, 1380)
# ```
#
# Neighbouring scale-0 windows are 46 pixels wide and 16 pixels apart, so they share a band of
# $46 - 16 = 30$ columns over 46 rows: 1,380 of each window's 2,116 pixels, about 65%.
# </details>

# %% [markdown]
# ## References
#
# - Huang, X., Liu, M.-Y., Belongie, S. and Kautz, J. (2018). Multimodal Unsupervised Image-to-Image
#   Translation (MUNIT). ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - Isola, P., Zhu, J.-Y., Zhou, T. and Efros, A. A. (2017). Image-to-Image Translation with
#   Conditional Adversarial Networks (pix2pix, the PatchGAN discriminator). CVPR 2017.
#   [arXiv:1611.07004](https://arxiv.org/abs/1611.07004).
# - Wang, T.-C., Liu, M.-Y., Zhu, J.-Y., Tao, A., Kautz, J. and Catanzaro, B. (2018). High-Resolution
#   Image Synthesis and Semantic Manipulation with Conditional GANs (pix2pixHD, the multi-scale
#   discriminator). CVPR 2018. [arXiv:1711.11585](https://arxiv.org/abs/1711.11585).
# - Mao, X., Li, Q., Xie, H., Lau, R. Y. K., Wang, Z. and Smolley, S. P. (2017). Least Squares
#   Generative Adversarial Networks (LSGAN). ICCV 2017. [arXiv:1611.04076](https://arxiv.org/abs/1611.04076).
# - Goodfellow, I., Pouget-Abadie, J., Mirza, M., Xu, B., Warde-Farley, D., Ozair, S., Courville, A.
#   and Bengio, Y. (2014). Generative Adversarial Nets. NeurIPS 2014.
#   [arXiv:1406.2661](https://arxiv.org/abs/1406.2661).
# - Lim, J. H. and Ye, J. C. (2017). Geometric GAN (the hinge loss). arXiv preprint, 2017.
#   [arXiv:1705.02894](https://arxiv.org/abs/1705.02894).
# - Radford, A., Metz, L. and Chintala, S. (2016). Unsupervised Representation Learning with Deep
#   Convolutional Generative Adversarial Networks (DCGAN). ICLR 2016.
#   [arXiv:1511.06434](https://arxiv.org/abs/1511.06434).
