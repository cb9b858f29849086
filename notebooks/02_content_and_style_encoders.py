# %% [markdown]
# # 02 · The content encoder and the style encoder
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/02_content_and_style_encoders.ipynb)
#
# Every MUNIT generator starts with two encoders that read the same image. The **content encoder**
# $E^c$ turns it into a spatial map, the content code $c$, meant to be shared by both domains. The
# **style encoder** $E^s$ turns it into 8 numbers, the style code $s$, specific to the domain. The two
# are built from the same convolutions; the one real difference is that the content encoder is full
# of instance normalisation and the style encoder has none. This notebook builds both by hand, proves
# them equal to `munit_lib`, and measures what that one difference does.
#
# **What you will learn**
#
# - the layers of both encoders at the paper configuration, and the shape of the tensor after each one;
# - how to build them from `torch.nn` primitives, copy weights in and out of the library's layout
#   (the official key names), and prove the outputs identical;
# - where the parameter counts of the paper come from (5,385,856 and 2,764,936);
# - why instance normalisation belongs in the content encoder and not in the style encoder, shown
#   with an exact invariance and a measurement.
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
from torch.testing import assert_close

from munit_lib import ContentEncoder, MUNITConfig, StyleEncoder, count_parameters, init_weights
from munit_lib.course import setup
from munit_lib.viz import to_image

PROFILE = setup()  # seeds torch, pins the thread count under CI, PNG figures


# %% [markdown]
# ## 1. A test image
#
# We draw our inputs with torch: a red disc and a blue square on a soft gradient, in $[-1, 1]$ as
# the networks expect. The positions of the shapes are arguments, so we can later move them.

# %%
# NBVAL_CHECK_OUTPUT
def scene(size=64, disc=(0.35, 0.4), square=(0.72, 0.7), seed=0):
    # (1, 3, size, size) in [-1, 1]: a disc and a square on a gradient, with a little noise
    yy, xx = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    img = torch.stack([0.35 + 0.3 * xx, 0.45 + 0.2 * yy, 0.4 - 0.1 * xx])  # (3, size, size)
    in_disc = ((xx - disc[0]) ** 2 + (yy - disc[1]) ** 2 < 0.04).float()
    in_square = ((xx - square[0]).abs() < 0.12) & ((yy - square[1]).abs() < 0.12)
    img = img * (1 - in_disc) + in_disc * torch.tensor([0.85, 0.25, 0.2]).view(3, 1, 1)
    img = torch.where(in_square, torch.tensor([0.2, 0.4, 0.8]).view(3, 1, 1), img)
    img = img + 0.02 * torch.randn(3, size, size, generator=torch.Generator().manual_seed(seed))
    return (img.clamp(0, 1) * 2 - 1).unsqueeze(0)


x = scene()
print("image:", tuple(x.shape))


# %% [markdown]
# ## 2. The content encoder, layer by layer
#
# | block | operation | channels (paper) | size |
# |---|---|---|---|
# | 0 | reflect pad 3, 7×7 conv, IN, ReLU | 64 | $H$ |
# | 1 | reflect pad 1, 4×4 conv stride 2, IN, ReLU | 128 | $H/2$ |
# | 2 | reflect pad 1, 4×4 conv stride 2, IN, ReLU | 256 | $H/4$ |
# | 3–6 | residual block: 3×3 conv, IN, ReLU, 3×3 conv, IN, plus the input | 256 | $H/4$ |
#
# (IN is instance normalisation, Ulyanov et al., 2016, built in notebook 01.) A residual block
# (He et al., 2016) computes
# $$ y = x + \mathrm{IN}\big(\mathrm{conv}_2(\mathrm{ReLU}(\mathrm{IN}(\mathrm{conv}_1(x))))\big), $$
# with the ReLU after the first convolution only and an identity skip. Every convolution is preceded
# by **reflection padding** (the border is mirrored rather than filled with zeros), sized so that a
# stride-1 convolution keeps the size: $p = (k - 1)/2$. For the stride-2 4×4 convolutions, padding 1
# gives $\lfloor (H + 2 - 4)/2 \rfloor + 1 = H/2$.
#
# We build it from `nn.ReflectionPad2d`, `nn.Conv2d`, `nn.InstanceNorm2d` and `nn.ReLU`. A `norm`
# switch lets us take IN out later, for an experiment.

# %%
def conv_block(c_in, c_out, kernel, stride, pad, norm=True, relu=True):
    # reflect pad -> conv -> [IN] -> [ReLU]
    layers = [nn.ReflectionPad2d(pad), nn.Conv2d(c_in, c_out, kernel, stride)]
    if norm:
        layers.append(nn.InstanceNorm2d(c_out))  # affine=False: IN has no parameters in MUNIT
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    def __init__(self, channels, norm=True):
        super().__init__()
        self.body = nn.Sequential(conv_block(channels, channels, 3, 1, 1, norm),
                                  conv_block(channels, channels, 3, 1, 1, norm, relu=False))  # no ReLU after the 2nd conv

    def forward(self, x):
        return x + self.body(x)  # identity skip


def content_encoder_by_hand(input_dim=3, dim=64, n_downsample=2, n_res=4, norm=True):
    layers = [conv_block(input_dim, dim, 7, 1, 3, norm)]
    for _ in range(n_downsample):  # halve the size, double the channels
        layers.append(conv_block(dim, 2 * dim, 4, 2, 1, norm))
        dim *= 2
    layers += [ResidualBlock(dim, norm) for _ in range(n_res)]
    return nn.Sequential(*layers)


# %% [markdown]
# ### Proving it equal to `munit_lib.ContentEncoder`
#
# A small configuration keeps this fast: base width 16 and 2 residual blocks instead of 64 and 4. We
# initialise the library's encoder as MUNIT does (Kaiming-normal weights, He et al., 2015; zero
# biases), then copy every convolution into our own network. Both list their `Conv2d` modules in the
# same order, which is all we need to pair them.

# %%
# NBVAL_CHECK_OUTPUT
small = MUNITConfig(gen_dim=16, n_res=2)
lib_content = init_weights(ContentEncoder(small.n_downsample, small.n_res, small.input_dim_a, small.gen_dim))
my_content = content_encoder_by_hand(small.input_dim_a, small.gen_dim, small.n_downsample, small.n_res)


def convs(module):
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)]


def copy_conv_weights(source, target):
    # pair the convolutions in module order and copy weight and bias
    pairs = list(zip(convs(source), convs(target)))
    assert len(pairs) == len(convs(source)) == len(convs(target))
    for src, dst in pairs:
        dst.load_state_dict(src.state_dict())
    return len(pairs)


print("convolutions copied:", copy_conv_weights(lib_content, my_content))
with torch.no_grad():
    c_lib, c_mine = lib_content(x), my_content(x)
assert_close(c_mine, c_lib)
assert count_parameters(my_content) == count_parameters(lib_content)
print("content code:", tuple(c_mine.shape), "| parameters:", f"{count_parameters(my_content):,}")

# %% [markdown]
# The library's module names follow the original implementation, so that its released checkpoints
# load key for key. Here is that layout: `model.3.model.0.model.1.conv.weight` reads "block 3 (the
# residual blocks), first residual block, its second conv block, the convolution's weight". IN has
# no parameters, so it has no keys.

# %%
# NBVAL_CHECK_OUTPUT
for key, value in lib_content.state_dict().items():
    if key.startswith(("model.0.", "model.3.model.0.")):
        print(f"{key:40s} {tuple(value.shape)}")

# %% [markdown]
# ### Shapes and parameters at the paper configuration
#
# Now the full-size encoder (width 64, 4 residual blocks) on a 256×256 image, the paper's crop. A
# loop over the blocks prints the shape after each one and its parameter count. A $k \times k$
# convolution from $C_{in}$ to $C_{out}$ channels has $C_{in} C_{out} k^2 + C_{out}$ parameters.

# %%
# NBVAL_CHECK_OUTPUT
paper = MUNITConfig()
paper_content = content_encoder_by_hand(paper.input_dim_a, paper.gen_dim, paper.n_downsample, paper.n_res)
names = ["7x7 conv, IN, ReLU", "4x4 conv s2, IN, ReLU", "4x4 conv s2, IN, ReLU"] + ["residual block"] * paper.n_res

h = scene(256)
print(f"{'block':<26}{'output shape':<22}{'parameters':>12}")
print(f"{'input':<26}{str(tuple(h.shape)):<22}")
with torch.no_grad():
    for i, (name, block) in enumerate(zip(names, paper_content)):
        h = block(h)
        print(f"{i} {name:<24}{str(tuple(h.shape)):<22}{count_parameters(block):>12,}")
print(f"{'total':<48}{count_parameters(paper_content):>12,}")
assert count_parameters(paper_content) == 5_385_856  # the paper's content encoder
assert count_parameters(paper_content) == count_parameters(ContentEncoder(2, 4, 3, 64))
assert h.shape == (1, 256, 64, 64)


# %% [markdown]
# The content code of a 256×256 image is a 256×64×64 tensor: 1,048,576 numbers, more than the
# 196,608 of the image itself. It is a map, with a feature vector for every 4×4 patch: it keeps
# *where* things are.
#
# Where do the parameters sit? Each residual block has two 3×3 convolutions at 256 channels,
# $2 \times (256 \cdot 256 \cdot 9 + 256) = 1{,}180{,}160$ parameters, while the three convolutions
# before them work at fewer channels. We add them up.

# %%
# NBVAL_CHECK_OUTPUT
in_res = sum(count_parameters(block) for block in paper_content[3:])  # blocks 3-6
share = in_res / count_parameters(paper_content)
print(f"residual blocks: {in_res:,} of {count_parameters(paper_content):,} parameters ({share:.1%})")
assert in_res == paper.n_res * 2 * (256 * 256 * 9 + 256)
assert round(share, 3) == 0.876

# %% [markdown]
# Nearly nine parameters in ten, 87.6%, sit in the four residual blocks; the 7×7 convolution and
# the two downsampling convolutions hold the other 12%. The residual block comes from image
# classification (He et al., 2016); the layout of convolutions, downsampling, residual blocks and
# upsampling goes back to Johnson et al.'s (2016) fast style-transfer network, which CycleGAN
# (Zhu et al., 2017) adopted too.
#
# ## 3. The style encoder, layer by layer
#
# | block | operation | channels (paper) | size |
# |---|---|---|---|
# | 0 | reflect pad 3, 7×7 conv, ReLU | 64 | $H$ |
# | 1 | reflect pad 1, 4×4 conv stride 2, ReLU | 128 | $H/2$ |
# | 2 | reflect pad 1, 4×4 conv stride 2, ReLU | 256 | $H/4$ |
# | 3 | reflect pad 1, 4×4 conv stride 2, ReLU | 256 | $H/8$ |
# | 4 | reflect pad 1, 4×4 conv stride 2, ReLU | 256 | $H/16$ |
# | 5 | global average pool | 256 | 1 |
# | 6 | 1×1 conv | 8 | 1 |
#
# It always downsamples 4 times (whatever the content encoder does), and it has **no
# normalisation at all**. The global average pool, $\bar f_k = \frac{1}{H'W'}\sum_{h,w} f_{khw}$,
# throws away all spatial position; the 1×1 convolution is then a linear map $s = W \bar f + b$ to
# the 8-dimensional style code.

# %%
def style_encoder_by_hand(input_dim=3, dim=64, style_dim=8, n_downsample=4, norm=False):
    widths = [dim * min(2 ** i, 4) for i in range(n_downsample + 1)]  # 64, 128, 256, 256, 256
    layers = [conv_block(input_dim, widths[0], 7, 1, 3, norm)]
    for c_in, c_out in zip(widths[:-1], widths[1:]):
        layers.append(conv_block(c_in, c_out, 4, 2, 1, norm))
    layers.append(nn.AdaptiveAvgPool2d(1))  # (B, 256, H/16, W/16) -> (B, 256, 1, 1)
    layers.append(nn.Conv2d(widths[-1], style_dim, 1))  # (B, 256, 1, 1) -> (B, style_dim, 1, 1)
    return nn.Sequential(*layers)


# %% [markdown]
# This time we go the other way: we load **our** weights into the library's module with
# `load_state_dict`, renaming our keys to the official ones. Both state dicts list the same tensors
# in the same order, so zipping the two lists of keys gives the renaming. Why the orders match:
# `state_dict()` lists parameters in the order the submodules were registered (depth first, a
# convolution's weight before its bias), and both modules register the same convolutions in the
# order the forward pass uses them. If they did not, `load_state_dict` would fail on a shape, or,
# where two layers have the same shape, the `assert_close` on the outputs below would.

# %%
# NBVAL_CHECK_OUTPUT
my_style = style_encoder_by_hand(small.input_dim_a, small.gen_dim, small.style_dim, small.style_downsample)
init_weights(my_style)  # Kaiming-normal, as MUNIT initialises its generators
lib_style = StyleEncoder(small.style_downsample, small.input_dim_a, small.gen_dim, small.style_dim)

mine_sd, lib_keys = my_style.state_dict(), list(lib_style.state_dict())
renamed = {official: tensor for official, tensor in zip(lib_keys, mine_sd.values())}
for (ours, tensor), official in list(zip(mine_sd.items(), lib_keys))[:4]:
    print(f"{ours:16s} -> {official:24s} {tuple(tensor.shape)}")
lib_style.load_state_dict(renamed)  # strict: every key present, every shape right

with torch.no_grad():
    s_lib, s_mine = lib_style(x), my_style(x)
assert_close(s_mine, s_lib)
print("style code:", tuple(s_mine.shape), "| parameters:", f"{count_parameters(my_style):,}")

# %%
# NBVAL_CHECK_OUTPUT
paper_style = style_encoder_by_hand(paper.input_dim_a, paper.gen_dim, paper.style_dim, paper.style_downsample)
names = ["7x7 conv, ReLU"] + ["4x4 conv s2, ReLU"] * 4 + ["global average pool", "1x1 conv"]

h = scene(256)
print(f"{'block':<26}{'output shape':<22}{'parameters':>12}")
print(f"{'input':<26}{str(tuple(h.shape)):<22}")
with torch.no_grad():
    for i, (name, block) in enumerate(zip(names, paper_style)):
        h = block(h)
        print(f"{i} {name:<24}{str(tuple(h.shape)):<22}{count_parameters(block):>12,}")
print(f"{'total':<48}{count_parameters(paper_style):>12,}")
assert count_parameters(paper_style) == 2_764_936  # the paper's style encoder
assert count_parameters(paper_style) == count_parameters(StyleEncoder(4, 3, 64, 8))
assert h.shape == (1, 8, 1, 1)

# %% [markdown]
# Thanks to the global pool, the style code has the same shape for any input size the network
# accepts (at least 16×16 here), and the generator flattens it to `(B, 8)`.

# %%
# NBVAL_CHECK_OUTPUT
with torch.no_grad():
    for size in (32, 64, 96):
        print(f"{size}x{size} image -> style code {tuple(my_style(scene(size)).shape)}")

# %% [markdown]
# ## 4. Why IN in the content encoder, and none in the style encoder
#
# Notebook 01 showed that instance normalisation erases the mean and standard deviation of every
# channel, the statistics that carry global style: colour, brightness, contrast. The two encoders want
# opposite things from them:
#
# - The content code should be **shared by the two domains**: a shoe drawn as an edge map and the same
#   shoe photographed should give (nearly) the same $c$. Their global statistics differ completely,
#   so removing them at every layer helps the content encoder ignore style.
# - The style code must **capture** exactly those statistics, so that the decoder can put them back
#   with AdaIN. The paper: IN is left out of the style encoder because it "removes the original
#   feature mean and variance that represent important style information".
#
# **An exact invariance.** Change an image's contrast and brightness globally,
# $x' = a\,x + b$, with one number $a > 0$ and a shift $b_k$ that may differ per colour channel. The
# first convolution is linear, so each output channel becomes
# $$ (W * x')_j = a\,(W * x)_j + \Big(\textstyle\sum_k b_k \sum W_{jk}\Big) $$
# (reflection padding copies pixels, so the shifted border stays shifted): the same map, scaled by
# $a$ and shifted by a constant per channel. IN removes exactly that, so after the first IN the
# content encoder cannot tell $x'$ from $x$ (up to the tiny $\epsilon$), and neither can anything
# after it. A per-channel *gain* $a_k$ is different: the 7×7 convolution mixes the colour channels,
# so the first IN removes it only in part.
#
# We measure this on the encoders at the paper configuration, freshly initialised (the invariance is
# a property of the architecture, not of training). To see what each design choice does, we also
# build two variants with the same weights: the content encoder *without* IN and the style encoder
# *with* IN. The measure is the relative change of a code, $\lVert f(x') - f(x) \rVert / \lVert f(x) \rVert$.

# %%
encoders = {
    "content, IN (MUNIT)": init_weights(ContentEncoder(2, 4, 3, 64)),
    "style, no norm (MUNIT)": init_weights(StyleEncoder(4, 3, 64, 8)),
}
no_in_content = content_encoder_by_hand(norm=False)  # paper widths, IN removed
in_style = style_encoder_by_hand(norm=True)  # paper widths, IN added
copy_conv_weights(encoders["content, IN (MUNIT)"], no_in_content)
copy_conv_weights(encoders["style, no norm (MUNIT)"], in_style)
encoders["content, no IN"] = no_in_content
encoders["style, with IN"] = in_style

rgb = lambda *v: torch.tensor(v).view(1, 3, 1, 1)  # one value per colour channel
transforms = {
    "contrast x0.5": lambda img: 0.5 * img,
    "brightness +0.3": lambda img: img + 0.3,
    "colour cast": lambda img: img + rgb(0.3, -0.1, -0.3),
    "channel gains": lambda img: img * rgb(1.0, 0.7, 0.5),
    "shapes moved": lambda img: scene(disc=(0.6, 0.3), square=(0.3, 0.72)),
}
x = scene()
changed = {name: f(x) for name, f in transforms.items()}

# %%
# NBVAL_CHECK_OUTPUT
batch = torch.cat([x] + list(changed.values()))  # (6, 3, 64, 64): the original, then each edit
change = {}
for enc, f in encoders.items():
    with torch.no_grad():
        codes = f(batch).flatten(1)  # one row per image; IN works per sample, so batching is safe
    distance = (codes[1:] - codes[0]).norm(dim=1) / codes[0].norm()  # relative change of each edit
    change[enc] = dict(zip(transforms, distance.tolist()))

print(f"{'relative change':<24}" + "".join(f"{t:>17}" for t in transforms))
for enc in encoders:
    print(f"{enc:<24}" + "".join(f"{change[enc][t]:>17.3f}" for t in transforms))

# %%
# NBVAL_CHECK_OUTPUT
global_edits = ["contrast x0.5", "brightness +0.3", "colour cast"]
for t in global_edits:
    assert change["content, IN (MUNIT)"][t] < 1e-3  # removed by the first IN, exactly up to epsilon
    assert change["content, no IN"][t] > 0.1  # without IN the content code follows the edit
    assert change["style, no norm (MUNIT)"][t] > 0.1  # the style code sees the edit ...
    assert change["style, with IN"][t] < 1e-3  # ... and would be blind to it with IN
assert change["content, IN (MUNIT)"]["shapes moved"] > 0.5  # content cares where things are
print("IN makes the content code blind to global contrast, brightness and colour cast; the style code sees them")

# %%
# NBVAL_CHECK_OUTPUT
fig = plt.figure(figsize=(12, 6.2))
panels = [("original", x)] + list(changed.items())
for i, (name, img) in enumerate(panels):
    ax = fig.add_subplot(2, len(panels), i + 1)
    ax.imshow(to_image(img))
    ax.set_title(name, fontsize=9)
    ax.axis("off")

positions = torch.arange(len(transforms)).float()
for j, (kind, color_pair) in enumerate([("content", ("tab:blue", "lightsteelblue")),
                                        ("style", ("tab:orange", "navajowhite"))]):
    ax = fig.add_subplot(2, 2, 3 + j)
    names = [enc for enc in encoders if enc.startswith(kind)]
    for k, (enc, color) in enumerate(zip(names, color_pair)):
        values = [change[enc][t] for t in transforms]
        bars = ax.bar(positions + (k - 0.5) * 0.38, values, width=0.38, color=color, label=enc)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)  # write the value, so that zero bars show too
    ax.set_xticks(positions.tolist(), list(transforms), rotation=20, fontsize=8)
    ax.set_ylabel("relative change of the code")
    ax.set_title(f"{kind} code")
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Read the figure one column at a time.
#
# - **Contrast, brightness, colour cast**: MUNIT's content code does not move at all (the bars are
#   zero), while the same network without IN moves with the edit. MUNIT's style code moves; with IN
#   it would not, and an 8-number code that cannot see brightness or contrast cannot carry them to
#   the decoder.
# - **Channel gains** are not removed, as predicted: the first convolution mixes the colour channels
#   before IN can act, so the gains change the *pattern* of each feature map, not only its scale and
#   offset, and IN cannot undo that. Here the change is even larger with IN than without. The
#   measure is relative to the code's size, and IN rescales every channel to standard deviation 1:
#   channels that respond weakly to this image, and whose pattern the gains alter the most relative
#   to their size, weigh as much as the strong ones after IN, while without IN they stay small and
#   hardly count in the norm. Architecture alone does not make a content
#   code domain-invariant; training (the losses of notebook 05) has to do the rest.
# - **Shapes moved**: a change of layout, not of style. The content code changes completely. The style
#   code changes much less than the content code (its global pool forgets positions), though not by
#   zero: untrained weights respond to everything; training shapes what the style code attends to.
#
# ## 5. What a content code looks like
#
# A content code is a stack of feature maps at a quarter of the image's resolution. Even with
# untrained weights it is plainly a picture of the *layout*: edges and regions of the input, with
# their colours normalised away. Below: the input (128×128), eight of the 64 channels after the
# first block (full resolution), and eight of the 256 channels of the content code (32×32).

# %%
# NBVAL_CHECK_OUTPUT
content_net = encoders["content, IN (MUNIT)"]
image = scene(128)
with torch.no_grad():
    first = content_net.model[0](image)  # (1, 64, 128, 128)
    code = content_net(image)  # (1, 256, 32, 32)
print("after the first block:", tuple(first.shape), "| content code:", tuple(code.shape))
assert code.shape[2:] == (image.shape[2] // 4, image.shape[3] // 4)

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(2, 9, figsize=(14, 3.4))
for row, (maps, label) in enumerate([(first, "block 0, 128x128"), (code, "content code, 32x32")]):
    axes[row, 0].imshow(to_image(image))
    axes[row, 0].set_title("input", fontsize=9)
    for k in range(8):
        axes[row, k + 1].imshow(maps[0, k].numpy(), cmap="viridis")
        axes[row, k + 1].set_title(f"{label.split(',')[0]} ch {k}", fontsize=8)
    axes[row, 0].set_ylabel(label, fontsize=9)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Summary
#
# - **Content encoder** (5,385,856 parameters at the paper configuration): 7×7 conv 64, two stride-2
#   4×4 convs to 128 and 256, four residual blocks, all with instance normalisation and reflection
#   padding. A 256×256 image becomes a 256×64×64 map: the content code keeps the layout.
# - **Style encoder** (2,764,936 parameters): the same kind of convolutions, 4 downsamplings, a global
#   average pool and a 1×1 conv to 8 numbers, with no normalisation at all. The pool forgets where
#   things are.
# - We built both from `torch.nn` primitives and proved them equal to `munit_lib.ContentEncoder` and
#   `munit_lib.StyleEncoder`, copying weights into ours and loading ours into the library's layout,
#   whose key names are the official ones.
# - IN makes the content code exactly blind to a global contrast change and to any per-channel
#   brightness shift, while the style encoder, without IN, sees them; with IN it would not. What IN
#   cannot remove exactly (per-channel gains), training must.
#
# Next, notebook 03 builds the decoder, where the style code comes back in through AdaIN.
#
# ## Exercises
#
# 1. Set `n_downsample=3` in `content_encoder_by_hand`. What is the shape of the content code of a
#    256×256 image, and how many parameters does the encoder have? Does the style encoder change?
# 2. Invert the image, $x' = -x$ (that is $a = -1$). Is the content code still invariant? Work out
#    what IN does to $-y$ and what the following ReLU does with it.
# 3. Replace `nn.ReflectionPad2d` by `nn.ZeroPad2d` in your content encoder and measure the change of
#    the content code under "brightness +0.3" again. Why is the invariance no longer exact?
# 4. Derive the parameter counts 5,385,856 and 2,764,936 on paper, using $C_{in} C_{out} k^2 + C_{out}$
#    per convolution.
# 5. A colour matrix acts as $x' = Mx$ at every pixel. Show that $W * (Mx) = a\,(W * x)$ holds for
#    *every* filter bank $W$ only when $M = aI$: the architecture alone removes no colour mixing.
#    Then build a hue rotation (a 3×3 rotation $M$ about the grey axis $(1, 1, 1)/\sqrt 3$, by
#    60°) and measure how much it moves MUNIT's content code, and the code without IN.
#
# Each exercise has a check: put your answer in place of `None` and run the cell. It stays silent for
# answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
ex1_code_shape = None   # 1. shape of the content code of a (1, 3, 256, 256) image with n_downsample=3 (a tuple)
ex1_params = None       # 1. its number of parameters
ex2_invariant = None    # 2. True or False: is the content code invariant under x' = -x?
ex3_change = None       # 3. relative change of the zero-padded content code under "brightness +0.3"
ex4_conv_params = None  # 4. a function (c_in, c_out, k) -> parameters of one convolution with bias
ex5_M = None            # 5. your 3x3 hue-rotation matrix (a tensor)


def relative_change(f, img, edited):
    with torch.no_grad():
        a, b = f(img).flatten(1), f(edited).flatten(1)
    return ((b - a).norm() / a.norm()).item()


answered = []
if ex1_code_shape is not None or ex1_params is not None:
    deeper = content_encoder_by_hand(n_downsample=3)
    with torch.no_grad():
        shape = tuple(deeper(torch.zeros(1, 3, 256, 256)).shape)
    assert ex1_code_shape is None or tuple(ex1_code_shape) == shape, "1: run the encoder on a 256x256 image"
    assert ex1_params is None or ex1_params == count_parameters(deeper), "1: count_parameters(your encoder)"
    answered.append(1)
if ex2_invariant is not None:
    net = encoders["content, IN (MUNIT)"]
    assert ex2_invariant == (relative_change(net, x, -x) < 1e-3), "2: IN(-y) = -IN(y), then ReLU keeps the positive part"
    answered.append(2)
if ex3_change is not None:
    zero_padded = init_weights(content_encoder_by_hand())
    for parent in zero_padded.modules():  # swap every reflection pad for a zero pad of the same size
        for name, child in parent.named_children():
            if isinstance(child, nn.ReflectionPad2d):
                setattr(parent, name, nn.ZeroPad2d(child.padding))
    truth = relative_change(zero_padded, x, transforms["brightness +0.3"](x))
    assert truth / 2 < ex3_change < 2 * truth, (
        "3: measure the zero-padded encoder; with zero padding the border is not shifted with the image")
    answered.append(3)
if ex4_conv_params is not None:
    for net in (encoders["content, IN (MUNIT)"], encoders["style, no norm (MUNIT)"]):
        by_formula = sum(ex4_conv_params(m.in_channels, m.out_channels, m.kernel_size[0])
                         for m in net.modules() if isinstance(m, nn.Conv2d))
        assert by_formula == count_parameters(net), f"4: your formula gives {by_formula:,}, not {count_parameters(net):,}"
    answered.append(4)
if ex5_M is not None:
    M = torch.as_tensor(ex5_M, dtype=torch.float32)
    grey = torch.ones(3) / 3 ** 0.5
    assert_close(M @ M.T, torch.eye(3), atol=1e-4, rtol=0)  # a rotation keeps lengths ...
    assert_close(M @ grey, grey, atol=1e-4, rtol=0)  # ... and the grey axis
    assert abs(torch.trace(M).item() - (1 + 2 * 0.5)) < 1e-3, "5: a rotation by 60 degrees has trace 1 + 2 cos 60"
    hue = lambda img: torch.einsum("ij,bjhw->bihw", M, img)  # M at every pixel
    for enc in ["content, IN (MUNIT)", "content, no IN"]:
        print(f"5: hue rotation moves '{enc}' by {relative_change(encoders[enc], x, hue(x)):.3f}")
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
# deeper = content_encoder_by_hand(n_downsample=3)
# with torch.no_grad():
#     ex1_code_shape = tuple(deeper(torch.zeros(1, 3, 256, 256)).shape)  # (1, 512, 32, 32)
# ex1_params = count_parameters(deeper)                                   # 21,641,344
# ```
#
# A third stride-2 convolution halves the size again and doubles the channels to 512, so the four
# residual blocks now work at 512 channels: each has $2(512 \cdot 512 \cdot 9 + 512) = 4{,}719{,}616$
# parameters, four times as many as at 256 (and the new downsampling convolution adds 2,097,664).
# The style encoder does not change: it always downsamples
# four times, whatever the content encoder does.
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# ```python
# net = encoders["content, IN (MUNIT)"]
# print(relative_change(net, x, -x))  # far from 0
# ex2_invariant = False
# ```
#
# The first convolution gives $W * (-x) = -(W * x)$ plus the bias, and IN removes the bias and the
# sign of the scale is kept: $\mathrm{IN}(-y) = -\mathrm{IN}(y)$. The ReLU then keeps the *negative*
# half of the original map instead of the positive one: a different feature map, so the code changes.
# IN removes $a > 0$ exactly, not $a = -1$.
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# ```python
# zero_padded = init_weights(content_encoder_by_hand())
# for parent in zero_padded.modules():
#     for name, child in parent.named_children():
#         if isinstance(child, nn.ReflectionPad2d):
#             setattr(parent, name, nn.ZeroPad2d(child.padding))
# ex3_change = relative_change(zero_padded, x, transforms["brightness +0.3"](x))  # about 0.3
# ```
#
# With zero padding the border of $x + 0.3$ is still 0, not 0.3: the shifted image sits in an
# unshifted frame. Near the border the first convolution's output is no longer the old output plus
# one constant per channel, so IN cannot remove the change, and the difference spreads inwards with
# every convolution: about 30% of the code's norm, where reflection padding gave 0.
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# ```python
# ex4_conv_params = lambda c_in, c_out, k: c_in * c_out * k * k + c_out
# content = (ex4_conv_params(3, 64, 7) + ex4_conv_params(64, 128, 4) + ex4_conv_params(128, 256, 4)
#            + 4 * 2 * ex4_conv_params(256, 256, 3))
# style = (ex4_conv_params(3, 64, 7) + ex4_conv_params(64, 128, 4) + ex4_conv_params(128, 256, 4)
#          + 2 * ex4_conv_params(256, 256, 4) + ex4_conv_params(256, 8, 1))
# assert (content, style) == (5_385_856, 2_764_936)
# ```
#
# Content: $9{,}472 + 131{,}200 + 524{,}544 + 8 \times 590{,}080 = 5{,}385{,}856$.
# Style: $9{,}472 + 131{,}200 + 524{,}544 + 2 \times 1{,}048{,}832 + 2{,}056 = 2{,}764{,}936$.
# The IN layers and the pool add nothing.
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# $W * (Mx) = (WM) * x$, where $WM$ is the filter bank whose colour weights are mixed by $M$. For this
# to equal $a\,(W * x)$ for every $W$ and every $x$ we need $WM = aW$ for every $W$; taking for $W$ a
# filter that reads one colour channel $k$ alone shows that column $k$ of $M$ is $a$ times the $k$-th
# unit vector, so $M = aI$. Any other colour mixing reaches the features, and only training can teach
# the content encoder to ignore it.
#
# A rotation by $\theta$ about the unit axis $u$ (Rodrigues' formula):
#
# ```python
# import math
# u = torch.ones(3) / 3 ** 0.5
# K = torch.tensor([[0.0, -u[2], u[1]], [u[2], 0.0, -u[0]], [-u[1], u[0], 0.0]])  # K v = u x v
# theta = math.radians(60)
# ex5_M = torch.eye(3) + math.sin(theta) * K + (1 - math.cos(theta)) * (K @ K)
# ```
#
# The check prints how far it moves each content code: both change by a large fraction of their
# norm, MUNIT's (with IN) even more than the one without. IN gives no protection against a hue
# change.
# </details>

# %% [markdown]
# ## References
#
# - Huang, X., Liu, M.-Y., Belongie, S. and Kautz, J. (2018). Multimodal Unsupervised Image-to-Image
#   Translation (MUNIT). ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - Ulyanov, D., Vedaldi, A. and Lempitsky, V. (2016). Instance Normalization: The Missing Ingredient
#   for Fast Stylization. arXiv preprint, 2016. [arXiv:1607.08022](https://arxiv.org/abs/1607.08022).
# - He, K., Zhang, X., Ren, S. and Sun, J. (2016). Deep Residual Learning for Image Recognition.
#   CVPR 2016. [arXiv:1512.03385](https://arxiv.org/abs/1512.03385).
# - He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving Deep into Rectifiers: Surpassing Human-Level
#   Performance on ImageNet Classification (Kaiming initialisation). ICCV 2015.
#   [arXiv:1502.01852](https://arxiv.org/abs/1502.01852).
# - Johnson, J., Alahi, A. and Fei-Fei, L. (2016). Perceptual Losses for Real-Time Style Transfer and
#   Super-Resolution. ECCV 2016. [arXiv:1603.08155](https://arxiv.org/abs/1603.08155).
# - Zhu, J.-Y., Park, T., Isola, P. and Efros, A. A. (2017). Unpaired Image-to-Image Translation using
#   Cycle-Consistent Adversarial Networks (CycleGAN). ICCV 2017.
#   [arXiv:1703.10593](https://arxiv.org/abs/1703.10593).
