# %% [markdown]
# # 01 · Instance normalisation and AdaIN
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/01_instance_norm_and_adain.ipynb)
#
# MUNIT separates an image into a **content code** and a **style code**, and it does so with two
# small normalisation layers. *Instance normalisation* (IN) wipes the per-channel statistics of a
# feature map; *adaptive instance normalisation* (AdaIN) writes new ones, chosen by a style code.
# This notebook builds both from scratch, together with the unusual `LayerNorm` of MUNIT's decoder,
# and proves each equal to `munit_lib.nn`.
#
# **What you will learn**
#
# - what the mean and standard deviation of one channel of one feature map are, and why they behave like "style";
# - instance normalisation by hand, checked against `munit_lib.nn.instance_norm` and `torch.nn.InstanceNorm2d`;
# - AdaIN, $\gamma\,\mathrm{IN}(x) + \beta$, by hand, checked against `munit_lib.nn.adain` and `AdaptiveInstanceNorm2d`;
# - colour-statistics transfer between two small synthetic images with AdaIN;
# - MUNIT's `LayerNorm` (unbiased standard deviation, $\epsilon$ outside the root), and why the decoder's upsampling path uses it instead of IN.
#
# *Stored outputs: a run under the `cpu` profile, the one a laptop gets by default (`make outputs`);
# nothing here depends on the profile. The tests re-run every cell under the small CI profile and
# compare the cells marked `# NBVAL_CHECK_OUTPUT`.*

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
import torch
import matplotlib.pyplot as plt
from torch import nn
from torch.nn import functional as F
from torch.testing import assert_close

from munit_lib import nn as mnn  # MUNIT's building blocks: instance_norm, adain, LayerNorm, ...
from munit_lib.course import setup
from munit_lib.viz import to_image

PROFILE = setup()  # seeds torch, pins the thread count under CI, PNG figures

# %% [markdown]
# ## 1. Two feature maps with the same content and different "styles"
#
# A convolution turns a batch of images into feature maps shaped `(B, C, H, W)`. For sample $n$ and
# channel $c$ we can summarise the $H \times W$ values by their mean $\mu_{nc}$ and standard
# deviation $\sigma_{nc}$. Neural style transfer showed that the *statistics* of a network's feature
# maps carry an image's style: Gatys et al. (2016) matched their Gram matrices (channel-by-channel
# correlations). The lighter view used here, that the per-channel mean and standard deviation are
# enough, comes from Huang & Belongie's AdaIN paper (2017) and from Li et al.'s "Demystifying Neural
# Style Transfer" (2017), which showed that matching these first two moments transfers style about as
# well as matching Gram matrices. These few numbers carry much of the *style* (colours, contrast,
# texture energy); the spatial arrangement of the values carries the *content*.
#
# To see this without any network, we make one spatial pattern per channel (the "content") and
# dress it in two styles, A and B: each channel is scaled and shifted,
# $x^{A}_{c} = \sigma^{A}_{c}\, z_c + \mu^{A}_{c}$, with different $(\mu, \sigma)$ for A and B.

# %%
# NBVAL_CHECK_OUTPUT
g = torch.Generator().manual_seed(1)  # our own seeded generator for the data we make
C, H, W = 4, 16, 16
z = torch.randn(1, C, H, W, generator=g)
z = (z - z.mean(dim=(2, 3), keepdim=True)) / z.std(dim=(2, 3), keepdim=True, unbiased=False)  # mean 0, std 1

mean_a, std_a = torch.tensor([2.0, -1.0, 0.5, 3.0]), torch.tensor([0.5, 2.0, 1.0, 0.3])
mean_b, std_b = torch.tensor([-2.0, 1.0, 4.0, 0.0]), torch.tensor([1.5, 0.4, 3.0, 1.0])
per_channel = lambda v: v.view(1, C, 1, 1)  # (C,) -> (1, C, 1, 1) so it broadcasts over H, W
feat = torch.cat([z * per_channel(std_a) + per_channel(mean_a),
                  z * per_channel(std_b) + per_channel(mean_b)])  # (2, C, H, W): sample 0 is A, sample 1 is B
print("feature maps:", tuple(feat.shape))


# %% [markdown]
# A small helper measures the per-sample, per-channel statistics. Note `unbiased=False`: we divide by
# $HW$, not $HW - 1$ (this matters below).

# %%
# NBVAL_CHECK_OUTPUT
def channel_stats(x):
    # (B, C, H, W) -> two (B, C) tensors: mean and (biased) standard deviation over H and W
    return x.mean(dim=(2, 3)), x.std(dim=(2, 3), unbiased=False)


def fmt(values):
    # three decimals; "+ 0.0" turns a rounded -0.0 into 0.0 so that the printout is stable
    return " ".join(f"{round(v, 3) + 0.0:6.3f}" for v in values)


def show_stats(name, x):
    mean, std = channel_stats(x)
    for n, label in enumerate("AB"):
        means, stds = fmt(mean[n].tolist()), fmt(std[n].tolist())
        print(f"{name:>8} {label}: mean [{means}]   std [{stds}]")


show_stats("input", feat)


# %% [markdown]
# ## 2. Instance normalisation by hand
#
# Instance normalisation (Ulyanov, Vedaldi and Lempitsky, 2016) standardises every (sample, channel)
# slice on its own:
#
# $$
# \mu_{nc} = \frac{1}{HW}\sum_{h,w} x_{nchw}, \qquad
# \sigma^2_{nc} = \frac{1}{HW}\sum_{h,w} \left(x_{nchw} - \mu_{nc}\right)^2, \qquad
# \mathrm{IN}(x)_{nchw} = \frac{x_{nchw} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}}
# $$
#
# with the **biased** variance (divide by $HW$) and $\epsilon = 10^{-5}$ **inside** the square root,
# exactly as `torch.nn.InstanceNorm2d` and the original MUNIT code
# ([github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT)). Unlike batch normalisation (Ioffe &
# Szegedy, 2015), no statistic is shared between samples, and nothing is learned (MUNIT's IN has no affine parameters).

# %%
# NBVAL_CHECK_OUTPUT
def my_instance_norm(x, eps=1e-5):
    # (B, C, H, W) -> (B, C, H, W), every (sample, channel) slice to mean 0 and variance ~1
    b, c, h, w = x.shape
    flat = x.reshape(b, c, h * w)  # (B, C, HW)
    mean = flat.sum(dim=2, keepdim=True) / (h * w)  # (B, C, 1)
    var = ((flat - mean) ** 2).sum(dim=2, keepdim=True) / (h * w)  # (B, C, 1), biased: divide by HW
    out = (flat - mean) / torch.sqrt(var + eps)  # epsilon inside the square root
    return out.reshape(b, c, h, w)  # (B, C, HW) -> (B, C, H, W)


normed = my_instance_norm(feat)
torch_in = nn.InstanceNorm2d(C)  # affine=False, track_running_stats=False: the setting MUNIT uses
assert_close(normed, mnn.instance_norm(feat))  # munit_lib's functional form
assert_close(normed, torch_in(feat))  # PyTorch's module
assert_close(normed, F.instance_norm(feat, eps=1e-5))  # PyTorch's functional form
print("my_instance_norm == munit_lib.nn.instance_norm == nn.InstanceNorm2d == F.instance_norm")

# %% [markdown]
# After IN every channel of every sample has mean 0 and standard deviation 1 (to within the
# $\epsilon$ term: $\sigma / \sqrt{\sigma^2 + \epsilon}$ is a hair below 1), **whatever statistics
# it had before**. And since A and B differed only in those statistics, they become the same tensor:
# IN erased the style and kept the content.

# %%
# NBVAL_CHECK_OUTPUT
show_stats("IN", normed)
mean_in, std_in = channel_stats(normed)
assert_close(mean_in, torch.zeros(2, C), atol=1e-5, rtol=0)
assert_close(std_in, torch.ones(2, C), atol=1e-3, rtol=0)
assert_close(normed[0], normed[1], atol=1e-3, rtol=0)  # style A and style B: same content after IN
assert_close(normed[0], z[0], atol=1e-3, rtol=0)  # ... and it is the pattern we started from
print("after IN, A and B are the same feature map")

# %% [markdown]
# The variance must be the biased one. With the unbiased estimate (divide by $HW - 1$) every value
# would shrink by $\sqrt{(HW-1)/HW}$. In MUNIT, IN only runs in the content encoder, on maps of at
# least a quarter of the image side (64×64 for the paper's 256×256 crops, 16×16 for the course's
# 64×64 shapes), where the factor is 0.998 or closer to 1: small, but a different function from the
# one the original code and `nn.InstanceNorm2d` compute, so its official weights expect the biased
# one. On small maps the factor would grow (0.968 on 4×4; exercise 4).

# %%
# NBVAL_CHECK_OUTPUT
unbiased = (feat - feat.mean(dim=(2, 3), keepdim=True)) / torch.sqrt(feat.var(dim=(2, 3), keepdim=True) + 1e-5)
ratio = (unbiased / normed).median().item()
print(f"unbiased / biased on a {H}x{W} map: {ratio:.4f} (sqrt(255/256) = {(255 / 256) ** 0.5:.4f})")
assert not torch.allclose(unbiased, normed, atol=1e-4)


# %% [markdown]
# ## 3. AdaIN: IN, then a style-dependent scale and shift
#
# Adaptive instance normalisation (Huang & Belongie, 2017) normalises, then writes new statistics:
#
# $$
# \mathrm{AdaIN}(x, \gamma, \beta)_{nchw} = \gamma_{nc}\,\mathrm{IN}(x)_{nchw} + \beta_{nc}.
# $$
#
# Because $\mathrm{IN}(x)$ has mean 0 and standard deviation 1 per channel, the output has mean
# $\beta_{nc}$ and standard deviation $|\gamma_{nc}|$: AdaIN *sets* the style statistics. In MUNIT
# the $\gamma$ and $\beta$ of every AdaIN layer of the decoder are produced from the 8-number style
# code by an MLP (notebook 03). Note that MUNIT multiplies by $\gamma$ itself, **not** by
# $1 + \gamma$ as some later code bases do.

# %%
# NBVAL_CHECK_OUTPUT
def my_adain(x, gamma, beta, eps=1e-5):
    # x (B, C, H, W); gamma, beta (B, C), one scale and one shift per sample and channel
    return gamma[:, :, None, None] * my_instance_norm(x, eps) + beta[:, :, None, None]  # (B, C, 1, 1) broadcast


# one target style for both samples: channel means and standard deviations we want
target_mean = torch.tensor([1.0, -0.5, 0.0, 2.0])
target_std = torch.tensor([0.3, 1.5, 0.8, 2.5])
beta = target_mean.expand(2, C)  # (2, C)
gamma = target_std.expand(2, C)  # (2, C)
styled = my_adain(feat, gamma, beta)
assert_close(styled, mnn.adain(feat, gamma, beta))
show_stats("AdaIN", styled)

# %% [markdown]
# The module form, `AdaptiveInstanceNorm2d`, has no parameters of its own: the decoder assigns its
# `weight` ($\gamma$) and `bias` ($\beta$) before every forward pass, as flat tensors of
# $B \cdot C$ values (sample-major). Until they are set it refuses to run.

# %%
# NBVAL_CHECK_OUTPUT
layer = mnn.AdaptiveInstanceNorm2d(C)
print(layer)
try:
    layer(feat)
except RuntimeError as error:
    print("RuntimeError:", error)

layer.weight = gamma.reshape(-1)  # (B, C) -> (B * C,): gamma of sample 0, then of sample 1
layer.bias = beta.reshape(-1)
assert_close(layer(feat), styled)
print("my_adain == munit_lib.nn.adain == AdaptiveInstanceNorm2d")

# %%
# NBVAL_CHECK_OUTPUT
mean_out, std_out = channel_stats(styled)
assert_close(mean_out, beta, atol=1e-5, rtol=0)  # the output mean is beta ...
assert_close(std_out, gamma, atol=1e-3, rtol=1e-3)  # ... and its standard deviation is gamma
# (the "1 + gamma" convention of some other code would give standard deviation 1 + gamma: exercise 3)
print("AdaIN output: channel means = beta, channel standard deviations = gamma")

# %% [markdown]
# The picture: the first row follows the values of channel 0, the two lower rows the mean and
# standard deviation of every channel. Before normalisation A and B live in different places; after
# IN they coincide (the two histograms overlap exactly and mix to brown); after AdaIN both carry the
# target statistics (black marks).

# %%
# NBVAL_CHECK_OUTPUT
stages = [("input", feat), ("IN(x)", normed), ("AdaIN(x, gamma, beta)", styled)]
colors = {"A": "tab:blue", "B": "tab:orange"}
fig, axes = plt.subplots(3, 3, figsize=(12, 8))
channels = torch.arange(C).float()
for col, (title, x) in enumerate(stages):
    mean, std = channel_stats(x)
    ax = axes[0, col]
    for n, label in enumerate("AB"):
        ax.hist(x[n, 0].flatten().numpy(), bins=30, alpha=0.6, color=colors[label], label=f"style {label}")
    ax.set_title(f"{title}: values of channel 0")
    ax.legend(fontsize=8)
    for row, (stat, name) in enumerate([(mean, "mean"), (std, "std")], start=1):
        ax = axes[row, col]
        for n, label in enumerate("AB"):
            ax.bar(channels + (n - 0.5) * 0.38, stat[n].numpy(), width=0.38, color=colors[label], label=f"style {label}")
        if col == 2:  # the statistics AdaIN was asked for
            target = target_mean if name == "mean" else target_std
            ax.scatter(channels, target.numpy(), marker="_", s=600, color="black", label="target", zorder=3)
        ax.axhline(0, color="gray", lw=0.5)
        ax.set_ylim((-2.5, 4.5) if name == "mean" else (0, 3.2))  # the same scale in every column
        ax.set_xticks(range(C))
        ax.set_xlabel("channel")
        ax.set_ylabel(f"per-channel {name}")
        ax.legend(fontsize=8)
fig.tight_layout()
plt.show()


# %% [markdown]
# ## 4. AdaIN on pixels: transferring colour statistics
#
# An RGB image is a feature map with three channels, so AdaIN can act on pixels directly: normalise
# each colour channel of a *content* image and give it the mean and standard deviation of the same
# channel of a *style* image,
#
# $$
# y = \sigma(x_{\text{style}})\,\mathrm{IN}(x_{\text{content}}) + \mu(x_{\text{style}}).
# $$
#
# This is the whole of "style" that first-order statistics can hold: the palette and contrast.
# MUNIT applies the same operation deep in its decoder, on 256 feature channels, where the statistics
# say much more than "which colours". We draw a few small images with torch (no downloads).

# %%
# NBVAL_CHECK_OUTPUT
def grid(size):
    # two (size, size) coordinate maps in [0, 1]
    return torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")


def scene(size=64):
    # a red disc and a blue square on a grey-green gradient: (1, 3, size, size) in [-1, 1]
    yy, xx = grid(size)
    img = torch.stack([0.35 + 0.3 * xx, 0.45 + 0.2 * yy, 0.4 - 0.1 * xx])  # (3, size, size)
    disc = ((xx - 0.35) ** 2 + (yy - 0.4) ** 2 < 0.05).float()
    square = ((xx - 0.72).abs() < 0.13) & ((yy - 0.7).abs() < 0.13)
    img = img * (1 - disc) + disc * torch.tensor([0.85, 0.25, 0.2]).view(3, 1, 1)
    img = torch.where(square, torch.tensor([0.2, 0.4, 0.8]).view(3, 1, 1), img)
    return (img * 2 - 1).unsqueeze(0)


def sunset(size=64):
    # warm horizontal bands, bright at the top
    yy, xx = grid(size)
    bands = 0.5 + 0.5 * torch.sin(yy * 18)
    img = torch.stack([1.0 - 0.3 * yy, 0.35 + 0.3 * bands * (1 - yy), 0.3 * yy + 0.1 * bands])
    return (img.clamp(0, 1) * 2 - 1).unsqueeze(0)


def sea(size=64, seed=2):
    # cool, low-contrast noise with diagonal waves
    yy, xx = grid(size)
    noise = torch.randn(size, size, generator=torch.Generator().manual_seed(seed))
    waves = 0.5 + 0.5 * torch.sin((xx + yy) * 25)
    img = torch.stack([0.05 + 0.1 * waves, 0.35 + 0.15 * waves, 0.55 + 0.1 * waves]) + 0.04 * noise
    return (img.clamp(0, 1) * 2 - 1).unsqueeze(0)


content_img = scene()
style_imgs = {"sunset": sunset(), "sea": sea()}
print("content image:", tuple(content_img.shape))

# %%
# NBVAL_CHECK_OUTPUT
transfers = {}
for name, style_img in style_imgs.items():
    s_mean, s_std = channel_stats(style_img)  # (1, 3) each
    out = my_adain(content_img, s_std, s_mean)  # gamma = style std, beta = style mean
    assert_close(out, mnn.adain(content_img, s_std, s_mean))
    o_mean, o_std = channel_stats(out)
    assert_close(o_mean, s_mean, atol=1e-5, rtol=0)  # the output now has the style's colour statistics
    assert_close(o_std, s_std, atol=1e-3, rtol=1e-3)
    transfers[name] = out
    print(f"{name:>6}: RGB means [{fmt(s_mean[0].tolist())}]   stds [{fmt(s_std[0].tolist())}]")

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(2, 3, figsize=(7.5, 5))
for row, name in enumerate(style_imgs):
    panels = [(content_img, "content"), (style_imgs[name], f"style: {name}"), (transfers[name], "AdaIN(content, style)")]
    for col, (img, title) in enumerate(panels):
        axes[row, col].imshow(to_image(img))  # to_image clamps to [-1, 1] and maps to [0, 1]
        axes[row, col].set_title(title, fontsize=9)
        axes[row, col].axis("off")
fig.tight_layout()
plt.show()


# %% [markdown]
# The disc and the square stay where they were (content) while the palette and the contrast follow
# the style image. Notice what AdaIN *cannot* do: the stripes and waves of the style images do not
# appear. Per-channel statistics hold no spatial structure; in MUNIT, texture comes from the decoder's
# convolutions around the AdaIN layers.
#
# ## 5. MUNIT's LayerNorm
#
# MUNIT's decoder (notebook 03) applies AdaIN in its residual blocks and then upsamples twice; each
# upsampling convolution is followed by a *layer* normalisation (after Ba, Kiros and Hinton, 2016) of
# MUNIT's own making:
#
# $$
# \mu_{n} = \frac{1}{CHW}\sum_{c,h,w} x_{nchw}, \qquad
# \sigma_{n} = \sqrt{\frac{1}{CHW - 1}\sum_{c,h,w}\left(x_{nchw} - \mu_{n}\right)^2}, \qquad
# \mathrm{LN}(x)_{nchw} = \gamma_c\,\frac{x_{nchw} - \mu_{n}}{\sigma_{n} + \epsilon} + \beta_c .
# $$
#
# Its statistics span all of $C, H, W$ of one sample and its $\gamma, \beta$ are per channel
# ($\gamma$ starts uniform in $[0, 1)$, $\beta$ at 0), exactly as in `torch.nn.GroupNorm(1, C)`
# (group normalisation, Wu & He, 2018, with a single group)
# (`torch.nn.LayerNorm` over $(C, H, W)$ would instead learn one $\gamma, \beta$ per *element*).
# Two details differ from `GroupNorm(1, C)`: the standard deviation is **unbiased** ($CHW - 1$), and
# $\epsilon = 10^{-5}$ is added **outside** the square root. A faithful port must copy both, or the
# official weights give (slightly) different images.

# %%
# NBVAL_CHECK_OUTPUT
def my_layer_norm(x, gamma, beta, eps=1e-5):
    # x (B, C, H, W); gamma, beta (C,): one statistic pair per sample, one affine pair per channel
    b = x.shape[0]
    flat = x.reshape(b, -1)  # (B, C*H*W)
    n = flat.shape[1]
    mean = flat.sum(dim=1) / n  # (B,)
    std = torch.sqrt(((flat - mean[:, None]) ** 2).sum(dim=1) / (n - 1))  # (B,), unbiased: divide by n - 1
    x_hat = (x - mean.view(b, 1, 1, 1)) / (std.view(b, 1, 1, 1) + eps)  # epsilon outside the root
    return gamma.view(1, -1, 1, 1) * x_hat + beta.view(1, -1, 1, 1)  # (C,) -> (1, C, 1, 1)


ln = mnn.LayerNorm(C)
print(ln)
with torch.no_grad():  # give beta non-zero values so that the test covers it too
    ln.beta.copy_(torch.randn(C, generator=g))
mine = my_layer_norm(feat, ln.gamma.detach(), ln.beta.detach())
assert_close(mine, ln(feat))
print("my_layer_norm == munit_lib.nn.LayerNorm")

# %%
# NBVAL_CHECK_OUTPUT
# PyTorch's GroupNorm with one group has the same statistics region and per-channel affine,
# but the biased variance and epsilon inside the root: close, not equal. The two differ exactly by
#   gamma * (x - mu) * (1 / sqrt(var_biased + eps) - 1 / (std_unbiased + eps)),
# which we predict and check, instead of only saying "they differ".
group_norm = nn.GroupNorm(1, C, eps=1e-5)
with torch.no_grad():
    group_norm.weight.copy_(ln.gamma)
    group_norm.bias.copy_(ln.beta)
    difference = group_norm(feat) - ln(feat)
    flat = feat.reshape(2, -1)  # (B, C*H*W)
    mu = flat.mean(dim=1).view(2, 1, 1, 1)
    scale_gn = 1 / torch.sqrt(flat.var(dim=1, unbiased=False) + 1e-5)  # (B,)
    scale_ln = 1 / (flat.std(dim=1, unbiased=True) + 1e-5)  # (B,)
    predicted = ln.gamma.view(1, C, 1, 1) * (feat - mu) * (scale_gn - scale_ln).view(2, 1, 1, 1)
assert_close(difference, predicted, atol=1e-5, rtol=1e-4)
print(f"largest |GroupNorm(1, C) - MUNIT LayerNorm| on this map: {difference.abs().max():.3f}, as predicted")

# %% [markdown]
# **Why not IN after the upsampling convolutions?** Because the style is already in the features. The
# AdaIN layers have just given every channel its own mean and spread; an IN layer would reset them all
# to 0 and 1 and undo the style. LN subtracts *one* mean and divides by *one* standard deviation per
# sample, a single affine map, so the differences between channels survive: the channel means after
# LN (without $\gamma, \beta$) are exactly $(m_c - \mu)/(\sigma + \epsilon)$, with $m_c$ the channel
# means before. We check this on the styled features `styled` from section 3.

# %%
# NBVAL_CHECK_OUTPUT
plain_ln = mnn.LayerNorm(C, affine=False)  # the normalisation alone
after_in, after_ln = mnn.instance_norm(styled), plain_ln(styled)

flat = styled.reshape(2, -1)  # (B, C*H*W)
mu, sigma = flat.mean(dim=1), flat.std(dim=1)  # per sample; unbiased, as MUNIT's LayerNorm
m_before, _ = channel_stats(styled)
m_ln, _ = channel_stats(after_ln)
assert_close(m_ln, (m_before - mu[:, None]) / (sigma[:, None] + 1e-5))  # channel differences survive LN
assert_close(channel_stats(after_in)[0], torch.zeros(2, C), atol=1e-5, rtol=0)  # ... but not IN

for name, x in [("styled", styled), ("IN", after_in), ("LN", after_ln)]:
    print(f"{name:>6}: channel means of sample A [{fmt(channel_stats(x)[0][0].tolist())}]")

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
width = 0.27
for i, (name, x) in enumerate([("after AdaIN", styled), ("then IN", after_in), ("then LN", after_ln)]):
    mean, std = channel_stats(x)
    axes[0].bar(channels + (i - 1) * width, mean[0].numpy(), width=width, label=name)
    axes[1].bar(channels + (i - 1) * width, std[0].numpy(), width=width, label=name)
for ax, name in zip(axes, ["mean", "std"]):
    ax.set_xticks(range(C))
    ax.set_xlabel("channel")
    ax.set_title(f"per-channel {name} of sample A")
    ax.axhline(0, color="gray", lw=0.5)
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# IN flattens the style AdaIN wrote (every mean 0, every standard deviation 1); LN keeps its pattern
# across channels, because it applies one shift and one scale to the whole sample: the standard
# deviations stay in the same proportions, the means in the same order and spacing. That is why MUNIT normalises its upsampling layers with LN: they still get the
# training benefits of normalisation, and the style survives to the output image.
#
# ## Summary
#
# - The mean and standard deviation of each channel of a feature map are a compact summary of an
#   image's style; their spatial arrangement is its content.
# - **Instance normalisation** removes them: per sample and channel, subtract the mean and divide by
#   $\sqrt{\sigma^2 + \epsilon}$ with the *biased* variance. Two maps that differ only in style
#   become identical. `munit_lib.nn.instance_norm` and `nn.InstanceNorm2d` compute exactly this.
# - **AdaIN** writes new statistics: $\gamma\,\mathrm{IN}(x) + \beta$ has channel means $\beta$ and
#   standard deviations $\gamma$ (MUNIT multiplies by $\gamma$, not $1 + \gamma$). In MUNIT the
#   $\gamma, \beta$ come from the style code.
# - On pixels, AdaIN transfers an image's colour statistics, but no spatial texture.
# - MUNIT's **LayerNorm** normalises each sample as a whole (unbiased std, $\epsilon$ outside the
#   root, per-channel $\gamma, \beta$), which keeps the channel-to-channel differences that AdaIN
#   created; IN would erase them.
#
# Next, notebook 02 puts IN inside the content encoder and leaves it out of the style encoder, and
# measures what that does.
#
# ## Exercises
#
# 1. Show numerically that `my_instance_norm(a * x + b)` equals `my_instance_norm(x)` for any
#    per-channel scale `a > 0` and shift `b`. What happens when one entry of `a` is negative?
# 2. Build two feature maps with the same statistics but different content (for example `z` and
#    `z.flip(-1)`). What does IN do to them, and what does that say about what IN can and cannot erase?
# 3. Rewrite `my_adain` with the "$1 + \gamma$" convention. Which $\gamma$ must the MLP emit to give a
#    channel the standard deviation 2 in each convention? Why would loading the official weights into
#    the wrong convention ruin the images?
# 4. Replace the biased variance of `my_instance_norm` by the unbiased one and compare with
#    `nn.InstanceNorm2d` on 4×4, 16×16 and 64×64 maps. At which sizes would you notice the difference?
# 5. Find a feature map on which `nn.GroupNorm(1, C)` and MUNIT's `LayerNorm` differ by more than
#    0.1. (Hint: make $CHW$ small, or make the standard deviation tiny so that $\epsilon$ matters.)
#
# Each exercise has a check: put your answer in place of `None` and run the cell. It stays silent for
# answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
ex1_negative_scale = None  # 1. what IN does to a channel whose scale a_c is negative: "same", "negated" or "zero"
ex2_made_equal = None      # 2. True or False: does IN make z and z.flip(-1) equal?
ex3_gammas = None          # 3. (gamma with gamma * x_hat, gamma with (1 + gamma) * x_hat) giving standard deviation 2
ex4_factor_4x4 = None      # 4. unbiased-IN output / biased-IN output on a 4x4 map (a number)
ex5_map = None             # 5. a (1, C, H, W) tensor on which GroupNorm(1, C) and MUNIT's LayerNorm differ by > 0.1

answered = []
if ex1_negative_scale is not None:
    a = torch.tensor([2.0, -1.0, 0.5, 3.0]).view(1, C, 1, 1)  # channel 1 has a negative scale
    flipped = my_instance_norm(a * feat + 1.0)[:, 1] / my_instance_norm(feat)[:, 1]
    truth = "negated" if torch.allclose(flipped, -torch.ones_like(flipped), atol=1e-3) else "same"
    assert ex1_negative_scale == truth, "1: try it: my_instance_norm(a * feat + 1) with one negative entry in a"
    answered.append(1)
if ex2_made_equal is not None:
    truth = torch.allclose(my_instance_norm(z), my_instance_norm(z.flip(-1)))
    assert ex2_made_equal == truth, "2: IN changes each channel's statistics; does it move values around in space?"
    answered.append(2)
if ex3_gammas is not None:
    assert abs(ex3_gammas[0] - 2) < 1e-6 and abs(ex3_gammas[1] - 1) < 1e-6, (
        "3: after IN the standard deviation is ~1, so the output's is the factor in front of x_hat")
    answered.append(3)
if ex4_factor_4x4 is not None:
    small = torch.randn(1, C, 4, 4, generator=torch.Generator().manual_seed(0))
    biased = my_instance_norm(small)
    unbiased_small = (small - small.mean(dim=(2, 3), keepdim=True)) / torch.sqrt(small.var(dim=(2, 3), keepdim=True) + 1e-5)
    truth = (unbiased_small / biased).median().item()
    assert abs(ex4_factor_4x4 - truth) < 1e-3, "4: compute it as in section 2 on a 4x4 map (HW = 16)"
    answered.append(4)
if ex5_map is not None:
    gn5 = nn.GroupNorm(1, ex5_map.shape[1], eps=1e-5)
    ln5 = mnn.LayerNorm(ex5_map.shape[1])
    with torch.no_grad():
        gn5.weight.copy_(ln5.gamma)
        gap5 = (gn5(ex5_map) - ln5(ex5_map)).abs().max().item()
    assert gap5 > 0.1, f"5: they differ by only {gap5:.4f}; see the hint"
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
# ```python
# a = torch.tensor([2.0, 0.5, 3.0, 1.5]).view(1, C, 1, 1)  # positive scales
# b = torch.tensor([1.0, -2.0, 0.0, 5.0]).view(1, C, 1, 1)
# assert_close(my_instance_norm(a * feat + b), my_instance_norm(feat), atol=1e-4, rtol=1e-4)
# a_neg = torch.tensor([2.0, -1.0, 0.5, 3.0]).view(1, C, 1, 1)
# print((my_instance_norm(a_neg * feat + b)[:, 1] / my_instance_norm(feat)[:, 1]).median())  # -1
# ex1_negative_scale = "negated"
# ```
#
# The shift moves the mean by $b_c$ and leaves the deviations alone; the scale multiplies the
# deviations by $a_c$ and the standard deviation by $|a_c|$. Their ratio is the sign of $a_c$: a
# negative scale comes out of IN as a sign flip of that channel (up to $\epsilon$).
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# ```python
# print(channel_stats(z)[0], channel_stats(z.flip(-1))[0])                 # the same statistics
# print(torch.allclose(my_instance_norm(z), my_instance_norm(z.flip(-1))))  # False
# ex2_made_equal = False
# ```
#
# IN maps each slice through one affine function of its own values. Flipping keeps the statistics, so
# IN treats both maps alike and returns `IN(z)` and its flip: still different. IN erases what the
# statistics hold (style) and keeps the arrangement (content); it cannot make two different layouts
# equal.
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# ```python
# def my_adain_one_plus(x, gamma, beta, eps=1e-5):
#     return (1 + gamma[:, :, None, None]) * my_instance_norm(x, eps) + beta[:, :, None, None]
#
# ex3_gammas = (2.0, 1.0)
# ```
#
# With MUNIT's convention the MLP emits $\gamma = 2$; with $1 + \gamma$ it emits $\gamma = 1$. Weights
# trained for one convention, loaded into the other, give every channel of every AdaIN layer a
# standard deviation off by one: a trained $\gamma$ near 0 (a channel the style switches off) becomes
# a full-strength channel, and the decoder sees statistics it never learned from.
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# ```python
# def my_instance_norm_unbiased(x, eps=1e-5):
#     mean = x.mean(dim=(2, 3), keepdim=True)
#     return (x - mean) / torch.sqrt(x.var(dim=(2, 3), keepdim=True, unbiased=True) + eps)
#
# for size in (4, 16, 64):
#     x = torch.randn(1, C, size, size, generator=torch.Generator().manual_seed(0))
#     print(size, (my_instance_norm_unbiased(x) / nn.InstanceNorm2d(C)(x)).median().item())
# small = torch.randn(1, C, 4, 4, generator=torch.Generator().manual_seed(0))  # the check cell's map
# ex4_factor_4x4 = (my_instance_norm_unbiased(small) / my_instance_norm(small)).median().item()  # 0.968
# ```
#
# The ratio is $\sqrt{(HW - 1)/HW}$ (while $\epsilon$ is negligible): 0.968 on 4×4, 0.998 on 16×16,
# 0.9999 on 64×64. On a 4×4 map every normalised activation changes by 3%, in every IN layer: a
# trained network's outputs move measurably. On 64×64 maps the change is about 0.01%.
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# ```python
# ex5_map = 1e-3 * torch.randn(1, C, 4, 4, generator=torch.Generator().manual_seed(0))
# ```
#
# With a standard deviation of about $10^{-3}$, GroupNorm divides by
# $\sqrt{\sigma^2 + 10^{-5}} \approx 3.3 \times 10^{-3}$ and MUNIT's LayerNorm by
# $\sigma + 10^{-5} \approx 1.0 \times 10^{-3}$: the outputs differ by a factor of about 3, a gap of
# order 1 after $\gamma$. Where the signal is that weak, $\epsilon$'s place decides the output.
# </details>

# %% [markdown]
# ## References
#
# - Ulyanov, D., Vedaldi, A. and Lempitsky, V. (2016). Instance Normalization: The Missing Ingredient
#   for Fast Stylization. arXiv preprint, 2016. [arXiv:1607.08022](https://arxiv.org/abs/1607.08022).
# - Huang, X. and Belongie, S. (2017). Arbitrary Style Transfer in Real-time with Adaptive Instance
#   Normalization (AdaIN). ICCV 2017. [arXiv:1703.06868](https://arxiv.org/abs/1703.06868).
# - Gatys, L. A., Ecker, A. S. and Bethge, M. (2016). Image Style Transfer Using Convolutional Neural
#   Networks. CVPR 2016. Preprint: A Neural Algorithm of Artistic Style,
#   [arXiv:1508.06576](https://arxiv.org/abs/1508.06576).
# - Li, Y., Wang, N., Liu, J. and Hou, X. (2017). Demystifying Neural Style Transfer. IJCAI 2017.
#   [arXiv:1701.01036](https://arxiv.org/abs/1701.01036).
# - Ioffe, S. and Szegedy, C. (2015). Batch Normalization: Accelerating Deep Network Training by
#   Reducing Internal Covariate Shift. ICML 2015. [arXiv:1502.03167](https://arxiv.org/abs/1502.03167).
# - Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016). Layer Normalization. arXiv preprint, 2016.
#   [arXiv:1607.06450](https://arxiv.org/abs/1607.06450).
# - Wu, Y. and He, K. (2018). Group Normalization. ECCV 2018. [arXiv:1803.08494](https://arxiv.org/abs/1803.08494).
# - Huang, X., Liu, M.-Y., Belongie, S. and Kautz, J. (2018). Multimodal Unsupervised Image-to-Image
#   Translation (MUNIT). ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
