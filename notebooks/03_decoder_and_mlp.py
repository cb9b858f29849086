# %% [markdown]
# # 03 · The decoder: AdaIN residual blocks, the style MLP and LayerNorm upsampling
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/03_decoder_and_mlp.ipynb)
#
# The decoder $G$ is where MUNIT puts content and style back together: it takes a content code
# $c$ (a spatial feature map) and a style code $s$ (8 numbers) and paints an image. The style
# never enters as a tensor concatenated to the content; it enters only through the **scales and
# biases of the AdaIN layers**, which a small MLP computes from $s$.
#
# **What you will learn**
#
# - the decoder layer by layer: residual blocks whose normalisation is AdaIN, two upsampling
#   stages with MUNIT's own LayerNorm, a 7x7 output convolution with tanh;
# - the MLP $8 \to 256 \to 256 \to 4096$ and exactly how its 4096 outputs are cut into the
#   $(\beta, \gamma)$ pairs of the eight AdaIN layers;
# - how to run the whole decoder by hand and prove it equals `munit_lib`'s `Generator.decode`;
# - why the order of the MLP's outputs is part of the model (swap two halves and it breaks);
# - what the MLP emits, untrained and in the shipped trained model: who sets the AdaIN scales.
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
import torch
import torch.nn.functional as F
import matplotlib.pyplot as plt
from torch.testing import assert_close

from munit_lib import Generator, MUNITConfig, count_parameters, init_weights
from munit_lib.nn import instance_norm
from munit_lib.viz import to_image
from munit_lib.course import setup
from munit_lib.data import ShapesDomain
from munit_lib.pretrained import pretrained

PROFILE = setup()  # seeds torch with 0, pins the thread count under CI, PNG figures

# %% [markdown]
# ## 1. The decoder at a glance
#
# For a 256x256 image the content encoder (notebook 02) returns a content code of shape
# $256 \times 64 \times 64$. The decoder turns it back into an image:
#
# | stage | layers | output shape (paper) |
# |---|---|---|
# | content code $c$ | | $256 \times 64 \times 64$ |
# | 4 residual blocks | $x + \mathrm{AdaIN}(\mathrm{conv}_{3\times3}(\mathrm{ReLU}(\mathrm{AdaIN}(\mathrm{conv}_{3\times3}(x)))))$ | $256 \times 64 \times 64$ |
# | upsample 1 | nearest x2, 5x5 conv to 128, LayerNorm, ReLU | $128 \times 128 \times 128$ |
# | upsample 2 | nearest x2, 5x5 conv to 64, LayerNorm, ReLU | $64 \times 256 \times 256$ |
# | output | 7x7 conv to 3, tanh | $3 \times 256 \times 256$ |
#
# Every convolution pads by reflection. Each residual block (He et al., 2016) holds two AdaIN
# layers (adaptive instance normalisation, Huang & Belongie, 2017; notebook 01), so four blocks hold
# **eight**, each with $C = 256$ channels. The upsampling stages normalise with MUNIT's variant of
# layer normalisation (Ba et al., 2016). An AdaIN layer needs one scale
# $\gamma$ and one bias $\beta$ per channel, so the MLP must emit $8 \times 2 \times 256 = 4096$
# numbers. Let us check the parameter counts of the paper configuration.

# %%
# NBVAL_CHECK_OUTPUT
paper = Generator(MUNITConfig())  # paper defaults; we only count, so the initialisation does not matter
n_dec, n_mlp = count_parameters(paper.dec), count_parameters(paper.mlp)
print(f"decoder parameters: {n_dec:,}")
print(f"MLP parameters:     {n_mlp:,}")
print(f"AdaIN layers: {len(paper.dec.adain_layers())}, values the MLP emits: {paper.dec.num_adain_params}")
assert n_dec == 5_754_627 and n_mlp == 1_120_768
assert paper.dec.num_adain_params == 8 * 2 * 256 == 4096


# %% [markdown]
# The same numbers by hand. A convolution from $C_{in}$ to $C_{out}$ channels with a $k \times k$
# kernel has $C_{in} C_{out} k^2 + C_{out}$ parameters; AdaIN has **none** of its own (its
# $\gamma, \beta$ come from the MLP); MUNIT's LayerNorm has a $\gamma$ and a $\beta$ per channel.

# %%
# NBVAL_CHECK_OUTPUT
def conv_params(c_in, c_out, k):
    return c_in * c_out * k * k + c_out  # weights + biases

res_blocks = 4 * 2 * conv_params(256, 256, 3)  # 4 blocks x 2 convs; AdaIN adds nothing
upsampling = (conv_params(256, 128, 5) + 2 * 128) + (conv_params(128, 64, 5) + 2 * 64)  # + LayerNorm gamma, beta
output = conv_params(64, 3, 7)
mlp = (8 * 256 + 256) + (256 * 256 + 256) + (256 * 4096 + 4096)  # three linear layers

for name, n in [("residual blocks", res_blocks), ("upsampling", upsampling), ("output conv", output), ("MLP", mlp)]:
    print(f"{name:16s} {n:>10,}")
assert res_blocks + upsampling + output == n_dec
assert mlp == n_mlp
print(f"share of the MLP in its last layer: {(256 * 4096 + 4096) / mlp:.3f}")
del paper  # free the 15M-parameter generator

# %% [markdown]
# 82% of the decoder's weights sit in the residual blocks, and 94% of the MLP's in its last
# layer: the map from the 256 hidden units to the 4096 AdaIN parameters.
#
# ## 2. A small generator to take apart
#
# Running things by hand is quicker on a narrow network. We keep the paper's structure (two
# upsamplings, **four** residual blocks, hence eight AdaIN layers) and shrink the widths:
# base width 16, so the content code has $16 \cdot 2^2 = 64$ channels, and an MLP width of 64.
# The MLP's output size follows from these widths: 8 AdaIN layers, each needing a $\beta$ and a
# $\gamma$ for each of its 64 channels, make $8 \times 2 \times 64 = 1{,}024$ outputs (at the paper's
# width of 256 channels: $8 \times 2 \times 256 = 4{,}096$).
# `init_weights` gives it the generators' Kaiming initialisation (He et al., 2015), as `munit_lib.MUNIT` does.

# %%
# NBVAL_CHECK_OUTPUT
cfg = MUNITConfig(gen_dim=16, mlp_dim=64, n_res=4, image_size=64, new_size=64)
gen = init_weights(Generator(cfg), cfg.init).eval()

adain_names = [name for name, m in gen.dec.named_modules() if type(m).__name__ == "AdaptiveInstanceNorm2d"]
print("AdaIN layers in module order (the order in which they read the MLP output):")
for name, layer in zip(adain_names, gen.dec.adain_layers()):
    print(f"  dec.{name:30s} C = {layer.num_features}")
print(f"MLP: {cfg.style_dim} -> {cfg.mlp_dim} -> {cfg.mlp_dim} -> {gen.dec.num_adain_params}")
# the MLP's output size follows from the widths: every AdaIN layer needs a beta and a gamma per channel
assert gen.dec.num_adain_params == sum(2 * layer.num_features for layer in gen.dec.adain_layers()) == 8 * 2 * 64


# %% [markdown]
# We need a content code. Any tensor of the right shape would do, but a code that comes from an
# image makes the pictures later more telling, so we draw a small toy image (a disc and a bar)
# and encode it with the (untrained) content encoder.

# %%
# NBVAL_CHECK_OUTPUT
def toy_image(size=64, flip=False):
    """A disc and a bar, shaped (1, 3, size, size) with values in [-1, 1]."""
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, size), torch.linspace(-1, 1, size), indexing="ij")
    if flip:
        xx = -xx
    disc = ((xx + 0.3) ** 2 + (yy + 0.2) ** 2 < 0.2).float()
    bar = ((xx - 0.45).abs() < 0.15).float() * (yy.abs() < 0.7).float()
    img = torch.stack([disc, bar, 0.5 * (disc + bar)])  # (3, H, W) in [0, 1]
    return (img * 2 - 1).unsqueeze(0)

images = torch.cat([toy_image(), toy_image(flip=True)])  # (2, 3, 64, 64)
with torch.no_grad():
    content, _ = gen.encode(images)
print("content code:", tuple(content.shape))  # (B, 4 * gen_dim, H / 4, W / 4)


# %% [markdown]
# ## 3. The MLP by hand
#
# The style code $s \in \mathbb R^8$ goes through three linear layers, with ReLU between them and
# **no** activation at the end (the AdaIN scales and biases may be any real number):
#
# $$h_1 = \mathrm{ReLU}(W_1 s + b_1), \qquad h_2 = \mathrm{ReLU}(W_2 h_1 + b_2), \qquad
# p = W_3 h_2 + b_3 \in \mathbb R^{\sum_\ell 2 C_\ell}.$$
#
# `munit_lib` stores the layers as `mlp.model[i].fc` (the original state-dict layout); we read
# their weights and do the matrix products ourselves.

# %%
# NBVAL_CHECK_OUTPUT
def mlp_by_hand(s, mlp):
    """s: (B, style_dim) -> AdaIN parameters p: (B, sum of 2C over the AdaIN layers)."""
    fc1, fc2, fc3 = (block.fc for block in mlp.model)
    h = F.relu(s @ fc1.weight.T + fc1.bias)  # (B, mlp_dim)
    h = F.relu(h @ fc2.weight.T + fc2.bias)  # (B, mlp_dim)
    return h @ fc3.weight.T + fc3.bias       # (B, 2 * 8 * 64): no activation at the end

style = torch.randn(2, cfg.style_dim)  # two style codes from the prior N(0, I)
with torch.no_grad():
    p = mlp_by_hand(style, gen.mlp)
    assert_close(p, gen.mlp(style))
print("MLP output:", tuple(p.shape))


# %% [markdown]
# ## 4. Cutting the MLP output into $(\beta, \gamma)$ pairs
#
# The vector $p$ is read from left to right, one AdaIN layer at a time **in module order**
# (block 1 conv 1, block 1 conv 2, block 2 conv 1, ...). For a layer with $C$ channels the first
# $C$ values are its bias $\beta$, the next $C$ its scale $\gamma$:
#
# $$p = [\underbrace{\beta_1}_{C}\ \underbrace{\gamma_1}_{C}\ \underbrace{\beta_2}_{C}\
# \underbrace{\gamma_2}_{C}\ \cdots\ \beta_8\ \gamma_8], \qquad
# \mathrm{AdaIN}(x;\gamma,\beta) = \gamma \,\frac{x - \mu(x)}{\sqrt{\sigma^2(x) + \epsilon}} + \beta .$$
#
# Note $\gamma$, not $1 + \gamma$: the original implementation
# ([github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT)) multiplies by the raw MLP output.

# %%
# NBVAL_CHECK_OUTPUT
def split_adain_params(p, channels):
    """p: (B, sum 2C) -> list of (gamma, beta), each (B, C), one pair per AdaIN layer."""
    pairs, offset = [], 0
    for c in channels:
        beta = p[:, offset:offset + c]            # first C values: the bias
        gamma = p[:, offset + c:offset + 2 * c]   # next C values: the scale
        pairs.append((gamma, beta))
        offset += 2 * c
    assert offset == p.shape[1], "the MLP output must be used up exactly"
    return pairs

channels = [layer.num_features for layer in gen.dec.adain_layers()]  # [64] * 8
pairs = split_adain_params(p, channels)

# munit_lib does the same split inside Decoder.assign_adain_params
gen.dec.assign_adain_params(p)
for (gamma, beta), layer in zip(pairs, gen.dec.adain_layers()):
    assert_close(layer.weight.view(2, -1), gamma)  # the library stores (B * C,), we view it as (B, C)
    assert_close(layer.bias.view(2, -1), beta)
print(f"{len(pairs)} (gamma, beta) pairs, each shaped {tuple(pairs[0][0].shape)}")


# %% [markdown]
# ## 5. The whole decoder by hand
#
# Three small functions are all we need:
#
# - reflect padding then convolution, as every `Conv2dBlock` does;
# - AdaIN, with the per-sample, per-channel mean and **biased** variance over $H, W$;
# - MUNIT's LayerNorm: one mean and one **unbiased** standard deviation per sample, taken over
#   $C, H, W$ together, $\epsilon$ outside the square root, then a per-channel affine map:
#
# $$\mathrm{LN}(x)_{c} = \gamma_c\,\frac{x_c - \mu}{\sigma + \epsilon} + \beta_c, \qquad
# \mu = \tfrac{1}{CHW}\sum_{c,h,w} x_{chw}, \quad
# \sigma = \sqrt{\tfrac{1}{CHW - 1}\sum_{c,h,w}(x_{chw} - \mu)^2}.$$

# %%
def conv(x, layer, pad):
    """Reflect padding, then the convolution `layer` (an nn.Conv2d whose weights we borrow)."""
    return F.conv2d(F.pad(x, (pad, pad, pad, pad), mode="reflect"), layer.weight, layer.bias)

def adain_by_hand(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=(2, 3), keepdim=True)                 # (B, C, 1, 1)
    var = x.var(dim=(2, 3), keepdim=True, unbiased=False)   # biased, per sample and channel
    x_hat = (x - mean) / torch.sqrt(var + eps)
    return gamma[:, :, None, None] * x_hat + beta[:, :, None, None]

def layer_norm_by_hand(x, gamma, beta, eps=1e-5):
    flat = x.flatten(1)                                     # (B, C*H*W)
    mean = flat.mean(dim=1).view(-1, 1, 1, 1)
    std = flat.std(dim=1).view(-1, 1, 1, 1)                 # unbiased
    x_hat = (x - mean) / (std + eps)                        # eps outside the root
    return gamma.view(1, -1, 1, 1) * x_hat + beta.view(1, -1, 1, 1)


# %% [markdown]
# Now the decoder itself. We walk `gen.dec.model` only to borrow each convolution's weights;
# every operation is ours.

# %%
# NBVAL_CHECK_OUTPUT
def decode_by_hand(p, content, dec):
    """AdaIN parameters p (B, sum 2C) and content (B, C, h, w) -> image (B, 3, 4h, 4w)."""
    res_blocks, *upsampling, last = dec.model          # ResBlocks, (Upsample, Conv2dBlock) * 2, Conv2dBlock
    n_adain = 2 * len(res_blocks.model)
    pairs = split_adain_params(p, [content.shape[1]] * n_adain)
    x = content
    for i, block in enumerate(res_blocks.model):       # residual blocks with AdaIN
        first, second = block.model
        (g1, b1), (g2, b2) = pairs[2 * i], pairs[2 * i + 1]
        h = F.relu(adain_by_hand(conv(x, first.conv, 1), g1, b1))
        h = adain_by_hand(conv(h, second.conv, 1), g2, b2)  # no ReLU after the second conv
        x = x + h                                           # identity skip
    for block in upsampling[1::2]:                      # every second entry is a Conv2dBlock
        x = F.interpolate(x, scale_factor=2, mode="nearest")  # (B, C, H, W) -> (B, C, 2H, 2W)
        x = conv(x, block.conv, 2)                      # 5x5 conv halving the channels
        x = F.relu(layer_norm_by_hand(x, block.norm.gamma, block.norm.beta))
    return torch.tanh(conv(x, last.conv, 3))            # 7x7 conv to 3 channels

with torch.no_grad():
    ours = decode_by_hand(mlp_by_hand(style, gen.mlp), content, gen.dec)
    theirs = gen.decode(content, style)
assert_close(ours, theirs)
print("decoded image:", tuple(ours.shape), "- equal to Generator.decode")


# %% [markdown]
# *Optional: on large maps `munit_lib` computes each upsampling stage in a cheaper order, with the
# same result to float rounding. Nearest upsampling repeats every pixel, so the $5 \times 5$ kernel's
# taps can be summed in advance into four $3 \times 3$ kernels applied to the small map.
# `munit_lib/upsample_conv.py` explains it; `gen.dec.fused_upsampling = False` turns it off.*
#
# ## 6. The order of the MLP outputs is part of the model
#
# Nothing in the MLP says which of its 1,024 outputs is a bias and which a scale: the meaning is
# fixed only by the order in which the decoder reads them. A trained MLP has learnt *that*
# order, so a decoder that reads differently is a different model (and loading an official
# checkpoint into it would silently give garbage). Three ways to get it wrong:

# %%
# NBVAL_CHECK_OUTPUT
def swap_beta_gamma(p, channels):
    """Read each layer's block as [gamma, beta] instead of [beta, gamma]."""
    pieces, offset = [], 0
    for c in channels:
        pieces += [p[:, offset + c:offset + 2 * c], p[:, offset:offset + c]]
        offset += 2 * c
    return torch.cat(pieces, dim=1)

def reverse_layers(p, channels):
    """Feed the AdaIN layers in reverse module order."""
    blocks = list(torch.split(p, [2 * c for c in channels], dim=1))
    return torch.cat(blocks[::-1], dim=1)

def one_plus_gamma(p, channels):
    """Use 1 + gamma as the scale (a common variant, not the original)."""
    q, offset = p.clone(), 0
    for c in channels:
        q[:, offset + c:offset + 2 * c] += 1
        offset += 2 * c
    return q

with torch.no_grad():
    p = gen.mlp(style)
    print(f"{'reading of the MLP output':28s} max |image difference|")
    for name, change in [("as the original", None), ("beta and gamma swapped", swap_beta_gamma),
                         ("layers in reverse order", reverse_layers), ("1 + gamma as the scale", one_plus_gamma)]:
        q = p if change is None else change(p, channels)
        diff = (decode_by_hand(q, content, gen.dec) - theirs).abs().max().item()
        print(f"{name:28s} {diff:.2f}")
        if change is not None:
            assert diff > 0.1  # a visibly different image

# %% [markdown]
# The output lies in $[-1, 1]$, so differences around 1 mean different images, not rounding.
#
# ## 7. One content, several styles
#
# With the content code fixed, every style code gives its own set of AdaIN parameters (1,024 in
# the small generator) and hence its own image. Through the untrained generator above, six styles
# give six near-identical patches of coloured noise: nothing has learnt yet which AdaIN parameters
# matter. So we look at the mechanism in the model the course ships (trained in notebook 07; same
# structure, its own widths): one sketch's content code, decoded by the painting decoder with six
# random style codes. Only the AdaIN parameters differ between the six images.

# %%
# NBVAL_CHECK_OUTPUT
shipped = pretrained("shapes")
sketch = ShapesDomain("a", "test", size=shipped.image_size, n=1)[0].unsqueeze(0)  # (1, 3, 64, 64)
styles = torch.randn(6, shipped.style_dim, generator=torch.Generator().manual_seed(3))  # six styles ~ N(0, I)
with torch.no_grad():
    sketch_content, _ = shipped.gen_a.encode(sketch)  # (1, C, 16, 16)
    adain_params = shipped.gen_b.mlp(styles)  # (6, P): one set of P AdaIN parameters per style
    outputs = shipped.gen_b.decode(sketch_content.expand(6, -1, -1, -1), styles)  # one content, six styles
print("outputs:", tuple(outputs.shape))  # (the shipped model's widths may change when it is retrained)
assert adain_params.shape[1] == shipped.gen_b.dec.num_adain_params
spread = outputs.std(dim=0).mean().item()
assert spread > 0.05, f"the six styles give near-identical images (spread {spread:.3f})"

fig, axes = plt.subplots(1, 7, figsize=(14, 2.4))
axes[0].imshow(to_image(sketch[0]))
axes[0].set_title("source of the content", fontsize=9)
for i, ax in enumerate(axes[1:]):
    ax.imshow(to_image(outputs[i]))
    ax.set_title(f"style {i + 1}", fontsize=9)
for ax in axes:
    ax.axis("off")
fig.suptitle("Shipped model: one content code, six random styles (only the AdaIN parameters change)", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 8. What the MLP emits
#
# Let us look at the AdaIN parameters themselves, for 256 random style codes: per layer, the
# distribution of $\gamma$ and of $\beta$ over channels and styles.

# %%
# NBVAL_CHECK_OUTPUT
many = torch.randn(256, cfg.style_dim, generator=torch.Generator().manual_seed(4))
with torch.no_grad():
    pairs = split_adain_params(gen.mlp(many), channels)
gammas = [g.flatten() for g, _ in pairs]  # 8 tensors of 256 * 64 values
betas = [b.flatten() for _, b in pairs]

def r2(v):
    """Round to 2 decimals for printing, without a '-0.00'."""
    return round(float(v), 2) + 0.0

print("layer  mean(gamma)  std(gamma)  mean(beta)  std(beta)")
for i, (g, b) in enumerate(zip(gammas, betas)):
    print(f"{i + 1:5d}  {r2(g.mean()):11.2f}  {r2(g.std()):10.2f}  {r2(b.mean()):10.2f}  {r2(b.std()):9.2f}")
negative = torch.cat(gammas).lt(0).float().mean().item()
print(f"share of negative gammas: {negative:.2f}")
assert 0.2 < negative < 0.8

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
labels = [f"{i + 1}" for i in range(len(pairs))]
axes[0].boxplot([g.numpy() for g in gammas], showfliers=False)
axes[0].axhline(1.0, color="tab:green", ls="--", lw=1, label=r"$\gamma = 1$ (identity scale)")
axes[0].set_title(r"$\gamma$ (scale) per AdaIN layer")
axes[1].boxplot([b.numpy() for b in betas], showfliers=False)
axes[1].set_title(r"$\beta$ (bias) per AdaIN layer")
for ax in axes:
    ax.set_xticks(range(1, len(labels) + 1), labels)
    ax.set_xlabel("AdaIN layer (module order)")
    ax.axhline(0.0, color="grey", lw=0.8)
fig.suptitle("AdaIN parameters of an untrained MLP, 256 random styles", fontsize=10)
fig.tight_layout(rect=(0, 0.07, 1, 1))  # room below the axes for the legend
fig.legend(loc="lower center", fontsize=8, frameon=False)
plt.show()

# %% [markdown]
# At initialisation the scales are centred on **zero**, not one: the last linear layer has
# Kaiming-normal weights and zero bias, so $\gamma$ is symmetric around 0 and about half the
# channels of every AdaIN layer have their sign flipped. That is a faithful copy of the
# original (it uses $\gamma$, not $1 + \gamma$). Exercise 2 asks what changes if you use $1 + \gamma$.
#
# ### After training
#
# Does training pull the scales towards 1? We ask the shipped model's two MLPs the same question,
# with 256 random style codes each: the paintings decoder (`gen_b`, the one that paints a sketch)
# and the sketches decoder (`gen_a`). The shipped model is narrower than the paper's (it has
# its own widths and number of residual blocks), so its layers are fewer; the reading of its MLP
# output is the same `split_adain_params`.
#
# One number summarises *who sets a scale*. For one AdaIN layer, take its $\gamma$ as a table of
# styles × channels. The variance of all its entries splits exactly into the variance of the
# channels' averages (set by the channel, whatever the style) plus the average variance across styles
# (set by the style code). We call the first part's share the **channel share**: near 1, every
# channel has its own fixed scale and the style barely moves it; near 0, the style decides.

# %%
# NBVAL_CHECK_OUTPUT
def adain_pairs(generator, styles):
    """The (gamma, beta) pairs a generator's MLP emits for a batch of style codes."""
    layer_channels = [layer.num_features for layer in generator.dec.adain_layers()]
    with torch.no_grad():
        return split_adain_params(generator.mlp(styles), layer_channels)


def channel_share(g):
    """g: (styles, C). Share of the variance of g set by the channel rather than by the style."""
    between = g.mean(dim=0).var(unbiased=False)  # spread of the channels' average scales
    within = g.var(dim=0, unbiased=False).mean()  # spread across styles, averaged over the channels
    assert_close(between + within, g.var(unbiased=False))  # the split is exact (law of total variance)
    return (between / (between + within)).item()


shipped_styles = torch.randn(256, shipped.style_dim, generator=torch.Generator().manual_seed(4))
models = {"untrained (section 2)": adain_pairs(gen, many),
          "shipped, paintings (gen_b)": adain_pairs(shipped.gen_b, shipped_styles),
          "shipped, sketches (gen_a)": adain_pairs(shipped.gen_a, shipped_styles)}
shares = {}
print(f"{'':28s}{'negative gammas':>16s}   channel share of gamma, per AdaIN layer")
for name, model_pairs in models.items():
    shares[name] = [channel_share(g) for g, _ in model_pairs]
    negative_share = torch.cat([g.flatten() for g, _ in model_pairs]).lt(0).float().mean().item()
    print(f"{name:28s}{negative_share:>16.2f}   " + "  ".join(f"{v:.2f}" for v in shares[name]))

# the trained decoders fix their scales per channel far more than the untrained one does
assert min(shares["shipped, paintings (gen_b)"]) > max(shares["untrained (section 2)"])
assert min(shares["shipped, sketches (gen_a)"]) > max(shares["shipped, paintings (gen_b)"])

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), sharey=True)
for ax, (name, model_pairs) in zip(axes, models.items()):
    g = model_pairs[0][0]  # the first AdaIN layer's gamma, (styles, C)
    order = g.mean(dim=0).argsort()  # channels sorted by their average scale
    mean, std = g.mean(dim=0)[order], g.std(dim=0)[order]
    x_axis = torch.arange(len(order))
    ax.fill_between(x_axis, mean - std, mean + std, alpha=0.3, label="± 1 std across styles")
    ax.plot(x_axis, mean, lw=1.5, label="average over styles")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.axhline(1.0, color="tab:green", ls="--", lw=1, label=r"$\gamma = 1$")
    ax.set_title(f"{name}\nchannel share {shares[name][0]:.2f}", fontsize=9)
    ax.set_xlabel("channel of AdaIN layer 1 (sorted)")
axes[0].set_ylabel(r"$\gamma$")
axes[0].legend(fontsize=8, loc="upper left")
fig.suptitle(r"$\gamma$ of the first AdaIN layer: untrained MLP and the shipped model's two MLPs", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# Training does **not** make the scales positive or bring them near 1: about half are still
# negative. A negative scale only flips a channel's sign, and the next convolution can flip it back
# with its own weights, so nothing pushes it away. What training changes is who sets the scales.
# In the untrained MLP a channel's $\gamma$ depends about as much on the style as on the channel
# (channel share near 0.5). In the paintings decoder each channel has its own set point, and the style
# moves it up or down around that point: the band is narrower than the spread of the line. In the
# sketches decoder the style barely matters: every sketch is the same ink on the same paper, so the
# sketch domain has no style to encode, and its MLP has learned to give nearly the same scales to
# every code.
#
# Why the decoder's upsampling stages normalise with MUNIT's LayerNorm rather than instance
# normalisation, which would reset every channel's statistics and undo the style AdaIN has just
# written, is shown in notebook 01, section 5 (with the differences from PyTorch's `GroupNorm` and
# `LayerNorm`). Exercise 3 measures it inside this decoder.

# %% [markdown]
# ## Summary
#
# - The decoder is residual blocks with AdaIN, then two (nearest x2 upsample, 5x5 conv, LayerNorm,
#   ReLU) stages, then a 7x7 conv and tanh: 5,754,627 parameters at the paper configuration.
# - Style enters **only** through the AdaIN layers. A 3-layer MLP (1,120,768 parameters) maps
#   the 8-d style code to 4096 numbers: for each of the 8 AdaIN layers, in module order, first
#   the 256 biases $\beta$, then the 256 scales $\gamma$, used as $\gamma\hat x + \beta$.
# - That reading order is part of the model: swapping $\beta$ and $\gamma$, reversing the layers
#   or using $1 + \gamma$ gives a different decoder.
# - The upsampling layers use MUNIT's LayerNorm (unbiased std over C, H, W, $\epsilon$ outside
#   the root, per-channel affine), which keeps the relative channel statistics AdaIN has set;
#   instance normalisation would erase them.
# - We rebuilt the MLP and the decoder from `F.conv2d`, `F.interpolate` and a few means and
#   variances, and proved them equal to `Generator.decode`.
#
# ## Exercises
#
# 1. Using `conv_params`, count the decoder and MLP parameters of the `cpu` profile
#    (`MUNITConfig.profile_named("cpu")`) by hand; check against `count_parameters`.
# 2. With the untrained `gen` of section 2, decode its `content` with the `style` of section 3 by
#    `decode_by_hand`, reading the MLP's output as $1 + \gamma$ (`one_plus_gamma` of section 6), and
#    show the images beside `gen.decode(content, style)`. Do the untrained outputs change character? Why might a
#    re-implementation choose $1+\gamma$, and why must ours not, if it is to load the official checkpoints?
# 3. Replace `layer_norm_by_hand` by `instance_norm` in the upsampling stages of
#    `decode_by_hand` and measure how much the decoded image still changes between two styles,
#    compared with the original decoder.
# 4. How many values must the MLP emit for `n_res = 6` at the paper widths? Which of the MLP's
#    weight matrices grows, and by how many parameters?
# 5. The residual blocks apply no ReLU after the second AdaIN. Add one in `decode_by_hand`:
#    what does that do to the range of values the skip connection can add?
#
# Each exercise has a check: put your answer in place of `None` and run the cell. It stays silent for
# answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
ex1_counts = None      # 1. (decoder parameters, MLP parameters) of the "cpu" profile
ex2_images = None      # 2. decode_by_hand with 1 + gamma, for gen.mlp(style) and content (a tensor)
ex3_still_differ = None  # 3. True or False: with IN in the upsampling stages, do two styles still give different images?
ex4_values = None      # 4. (MLP outputs for n_res = 6 at the paper widths, parameters the last MLP layer gains)
ex5_skip_adds = None   # 5. with a ReLU after the second AdaIN, the skip adds values that are: "any", "non-negative" or "non-positive"

answered = []
if ex1_counts is not None:
    cpu_gen = Generator(MUNITConfig.profile_named("cpu"))
    assert tuple(ex1_counts) == (count_parameters(cpu_gen.dec), count_parameters(cpu_gen.mlp)), "1: use conv_params layer by layer"
    answered.append(1)
if ex2_images is not None:
    with torch.no_grad():
        assert_close(ex2_images, decode_by_hand(one_plus_gamma(gen.mlp(style), channels), content, gen.dec))
    answered.append(2)
if ex3_still_differ is not None:
    by_layer_norm = layer_norm_by_hand  # swap the normalisation of the upsampling stages for IN, then restore it
    layer_norm_by_hand = lambda x, g, b: g.view(1, -1, 1, 1) * instance_norm(x) + b.view(1, -1, 1, 1)
    try:
        with torch.no_grad():
            two = [decode_by_hand(gen.mlp(s), content[:1], gen.dec) for s in torch.randn(2, 1, cfg.style_dim)]
    finally:
        layer_norm_by_hand = by_layer_norm
    assert ex3_still_differ == bool((two[0] - two[1]).abs().max() > 1e-3), (
        "3: decode two random styles with IN in place of the LayerNorm and compare the images")
    answered.append(3)
if ex4_values is not None:
    six = Generator(MUNITConfig(n_res=6))
    outputs_6 = six.dec.num_adain_params
    gained = (outputs_6 - 4096) * (256 + 1)  # one more row of weights and one bias per output
    assert tuple(ex4_values) == (outputs_6, gained), "4: 2 AdaIN layers per block, 2 x 256 values per layer"
    del six
    answered.append(4)
if ex5_skip_adds is not None:
    assert ex5_skip_adds == "non-negative", "5: what is the range of ReLU?"
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
# Walk the widths as section 1 did, from the profile's settings:
#
# ```python
# cpu = MUNITConfig.profile_named("cpu")  # gen_dim 32, mlp_dim 128, 3 residual blocks
# d = cpu.gen_dim * 2 ** cpu.n_downsample  # channels of the content code: 128
# decoder = cpu.n_res * 2 * conv_params(d, d, 3)  # residual blocks
# for _ in range(cpu.n_downsample):  # each upsampling stage halves the channels; LayerNorm adds 2C
#     decoder += conv_params(d, d // 2, 5) + 2 * (d // 2)
#     d //= 2
# decoder += conv_params(d, cpu.input_dim_b, 7)  # output convolution
# n_out = cpu.n_res * 2 * 2 * cpu.gen_dim * 2 ** cpu.n_downsample  # 2 AdaIN layers per block, beta and gamma
# mlp_cpu = ((cpu.style_dim + 1) * cpu.mlp_dim + (cpu.mlp_dim + 1) * cpu.mlp_dim
#            + (cpu.mlp_dim + 1) * n_out)
# ex1_counts = (decoder, mlp_cpu)
# ```
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# ```python
# with torch.no_grad():
#     ex2_images = decode_by_hand(one_plus_gamma(gen.mlp(style), channels), content, gen.dec)
#     original = gen.decode(content, style)
# print((ex2_images - original).abs().max())  # far from 0
# fig, axes = plt.subplots(2, len(original), figsize=(2 * len(original), 4))
# for col, (a, b) in enumerate(zip(original, ex2_images)):
#     axes[0, col].imshow(to_image(a)); axes[1, col].imshow(to_image(b))
# for ax in axes.flat:
#     ax.axis("off")
# axes[0, 0].set_title("gamma", fontsize=9); axes[1, 0].set_title("1 + gamma", fontsize=9)
# plt.show()
# ```
#
# With $1 + \gamma$ the untrained scales are centred on 1 instead of 0. Their spread is still about
# 1.5 (section 8), so about a quarter of the channels start flipped instead of half: the outputs
# are still noise, with the same kind of structure. The appeal of $1 + \gamma$ for a new model
# trained from scratch is that a zero output of the MLP means "keep the normalised features as they
# are", a neutral starting point. For this course it is ruled out by the official checkpoints: their MLPs were
# trained to emit the scale itself, and reading those outputs as $1 + \gamma$ adds 1 to every scale of
# every layer, a different decoder (section 6 measured how different).
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# ```python
# by_layer_norm = layer_norm_by_hand
# layer_norm_by_hand = lambda x, g, b: g.view(1, -1, 1, 1) * instance_norm(x) + b.view(1, -1, 1, 1)
# with torch.no_grad():
#     two = [decode_by_hand(gen.mlp(s), content[:1], gen.dec) for s in torch.randn(2, 1, cfg.style_dim)]
# layer_norm_by_hand = by_layer_norm
# print((two[0] - two[1]).abs().max())
# ex3_still_differ = True
# ```
#
# The images still differ. IN removes the per-channel mean and spread that AdaIN wrote, but the
# residual blocks' ReLUs and convolutions have already turned part of the style into spatial
# structure, which a per-channel normalisation cannot remove. What IN does remove, each channel's
# overall level and contrast, is exactly what carries colour and brightness to the output: MUNIT's
# LayerNorm keeps it.
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# ```python
# outputs_6 = 6 * 2 * 2 * 256                 # 6 blocks, 2 AdaIN layers each, beta and gamma of 256 channels
# ex4_values = (outputs_6, (outputs_6 - 4096) * (256 + 1))  # (6144, 526,336)
# ```
#
# Only the last linear layer grows: its weight matrix goes from 4096 × 256 to 6144 × 256, and its
# bias from 4096 to 6144 values, so it gains $2048 \times 257 = 526{,}336$ parameters.
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# In `decode_by_hand` write `h = F.relu(adain_by_hand(conv(h, second.conv, 1), g2, b2))`.
#
# ```python
# ex5_skip_adds = "non-negative"
# ```
#
# A ReLU's outputs are never negative, so each block could only *add* to its input: activations would
# drift upwards block after block, and a block could never lower a feature. Without the final ReLU
# the residual branch can push a feature either way.
# </details>

# %% [markdown]
# ## References
#
# - Huang, X., Liu, M.-Y., Belongie, S. and Kautz, J. (2018). Multimodal Unsupervised Image-to-Image
#   Translation (MUNIT). ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - Huang, X. and Belongie, S. (2017). Arbitrary Style Transfer in Real-time with Adaptive Instance
#   Normalization (AdaIN). ICCV 2017. [arXiv:1703.06868](https://arxiv.org/abs/1703.06868).
# - Ulyanov, D., Vedaldi, A. and Lempitsky, V. (2016). Instance Normalization: The Missing Ingredient
#   for Fast Stylization. arXiv preprint, 2016. [arXiv:1607.08022](https://arxiv.org/abs/1607.08022).
# - Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016). Layer Normalization. arXiv preprint, 2016.
#   [arXiv:1607.06450](https://arxiv.org/abs/1607.06450).
# - He, K., Zhang, X., Ren, S. and Sun, J. (2016). Deep Residual Learning for Image Recognition.
#   CVPR 2016. [arXiv:1512.03385](https://arxiv.org/abs/1512.03385).
# - He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving Deep into Rectifiers: Surpassing Human-Level
#   Performance on ImageNet Classification (Kaiming initialisation). ICCV 2015.
#   [arXiv:1502.01852](https://arxiv.org/abs/1502.01852).
