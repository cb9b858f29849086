# %% [markdown]
# # 08 · Multimodal translation: one sketch, many paintings
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/08_multimodal_translation.ipynb)
#
# Notebook 07 trained MUNIT on the shapes domains. Now we use a trained model, and see what the
# split into a **content** code and a **style** code buys. A translation keeps the content of its
# input and takes its style from somewhere else: from a random draw of the prior (many outputs for
# one input: *multimodal* translation), from a reference image (*example-guided* translation), or
# from any point in between (interpolations, sweeps, sliders). Because the shapes domains come with
# ground truth (notebook 06), we can also *measure* how many styles the model reaches, whether it
# copies a reference's style and whether it keeps the input's shape.
#
# **What you will learn**
#
# - how to load the shipped shapes model as a `Translator`, and the three lines of MUNIT inference:
#   encode the content, draw a style, decode; built by hand, then proved equal to `munit_lib`;
# - random multimodal translation in both directions, reproducible with a seed;
# - example-guided translation with the style encoder of the target domain, and its fidelity;
# - linear and spherical (slerp) interpolation between two styles, and why slerp suits a Gaussian
#   prior;
# - sweeping one style coordinate to see what it controls;
# - measuring diversity and content preservation with the ground-truth readers of notebook 06;
# - the interactive style explorer (ipywidgets), and how to test it without a browser;
# - how to run the original project's released edges2shoes weights, if you download them.
#
# *Stored outputs: a run of the `cpu` profile, a laptop's default (`make outputs`); only section 6 depends on it (8 sketches, 3 in the tiny `ci` profile).*

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
import collections
import contextlib
import io
import json
import math
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display
from PIL import Image
from torch.testing import assert_close

from munit_lib import course
from munit_lib.data import ShapesDomain
from munit_lib.networks import count_parameters
from munit_lib.official import load_official_generators
from munit_lib.pretrained import data_dir, list_pretrained, pretrained, pretrained_path
from munit_lib.evaluation.shapes import classify_colour, content_iou, example_guided_fidelity, style_diversity
from munit_lib.evaluation.shapes_score import model_texture_anchor
from munit_lib.translate import (ImageResizeWarning, Translator, interpolate_styles, random_styles,
                                 save_translations, sweep_style)
from munit_lib.viz import show_grid
from munit_lib.widgets import StyleExplorer

PROFILE = course.setup()  # seeds torch with 0, pins the thread count under CI, PNG figures
plt.rcParams["image.interpolation"] = "nearest"  # 64 px images: crisp pixels (and smaller PNGs)
# Every input below is already 64x64, a size the generators take. Should one ever need resizing,
# fail loudly instead of printing a warning (delete this line to experiment with your own images).
warnings.simplefilter("error", ImageResizeWarning)

# %% [markdown]
# ## 1. The shipped model
#
# The course ships a shapes model trained with `configs/shapes_fast.yaml` (notebook 07 explains
# the run): 64 × 64 sketches (domain A) ↔ paintings (domain B), style codes of length 8.
# `pretrained("shapes")` reads it from the repository's `data/` folder, never from the network,
# and returns a `Translator`: the pair of generators $(G_a, G_b)$, in eval mode, with the
# translation methods of this notebook. `list_pretrained()` says which models are known and on disk.

# %%
# NBVAL_CHECK_OUTPUT
shipped = list_pretrained()  # every model under data/pretrained/ (notebooks 09-11 use the others)
entry = next(e for e in shipped if e["name"] == "shapes")
print(f"{len(shipped)} shipped models; here: shapes, available={entry['available']}, file data/{entry['file']}")

translator = pretrained("shapes")  # CPU by default; pretrained("shapes", device="cuda") on a GPU
gen_a, gen_b = translator.gen_a, translator.gen_b
print(translator)
print("style_dim:", translator.style_dim, "| image_size:", translator.image_size,
      "| image sides must be multiples of", translator.size_multiple)
print(f"parameters per generator: {count_parameters(gen_a):,}")
assert not gen_a.training and not gen_b.training  # eval mode

# %% [markdown]
# Our inputs come from the **test** split of the shapes domains, which the model never saw during
# training: 32 sketches and 32 paintings, as tensors in $[-1, 1]$. The paintings pin their textures
# as the model's training data did (`texture_anchor`, which its checkpoint records with its data;
# notebook 06 shows the two rules).

# %%
# NBVAL_CHECK_OUTPUT
SIZE = translator.image_size
N_TEST = 32
ANCHOR = model_texture_anchor(gen_b)  # "shape" for the shipped model: patterns move with the shape
sketches = ShapesDomain("a", "test", size=SIZE, n=N_TEST)
paintings = ShapesDomain("b", "test", size=SIZE, n=N_TEST, texture_anchor=ANCHOR)
x_a = torch.stack([sketches[i] for i in range(N_TEST)])  # (32, 3, 64, 64) sketches
x_b = torch.stack([paintings[i] for i in range(N_TEST)])  # (32, 3, 64, 64) paintings
print("sketches:", tuple(x_a.shape), "| paintings:", tuple(x_b.shape))
print("kinds of the first sketches:", [sketches.ground_truth(i).kind for i in range(4)], "| textures pinned to the", ANCHOR)

# %% [markdown]
# ## 2. Random multimodal translation
#
# MUNIT translates a sketch $x_a$ into a painting in three steps:
#
# $$ c_a = E^c_a(x_a), \qquad s_b \sim \mathcal{N}(0, I), \qquad x_{a \to b} = G_b(c_a, s_b). $$
#
# The content encoder of domain A keeps *what* and *where* (a spatial code, here
# $64 \times 16 \times 16$); the style code of domain B is drawn from the prior that training
# matched it to; the decoder of B paints that content in that style. A new draw of $s_b$ gives a
# new painting of the same sketch: one input, many outputs. The sketch's own style code
# $E^s_a(x_a)$ plays no part.
#
# We do it by hand for three sketches and eight styles. The styles come from a `torch.Generator`
# seeded with 0, not from the global random state, so that the same seed gives the same styles
# wherever it is called.

# %%
# NBVAL_CHECK_OUTPUT
x = x_a[:3]  # three sketches
N_STYLES = 8
with torch.no_grad():
    content, _ = gen_a.encode(x)  # (3, 64, 16, 16); the sketches' own style codes are not used
    generator = torch.Generator().manual_seed(0)
    styles = torch.randn(N_STYLES, translator.style_dim, generator=generator)  # (8, 8): s ~ N(0, I)
    # every sketch with every style: decode the 3 contents once per style, then stack on dim 1
    by_hand = torch.stack([gen_b.decode(content, s.expand(len(x), -1)) for s in styles], dim=1)
print("content:", tuple(content.shape), "| styles:", tuple(styles.shape), "| paintings:", tuple(by_hand.shape))

# %% [markdown]
# `Translator.translate_random` does the same, with its own seeded generator (`random_styles`),
# in chunks so that memory does not grow with inputs × styles. Its output is shaped
# `(inputs, styles, C, H, W)`: input $b$ with style $n$ is `out[b, n]`.

# %%
# NBVAL_CHECK_OUTPUT
rng_before = torch.random.get_rng_state()
out, lib_styles = translator.translate_random(x, "a2b", num_styles=N_STYLES, seed=0, return_styles=True)
assert torch.equal(lib_styles, styles) and torch.equal(random_styles(N_STYLES, 8, seed=0), styles)
assert_close(out, by_hand)
assert torch.equal(torch.random.get_rng_state(), rng_before)  # the global random state is left alone
print("translate_random equals the hand-built translation:", tuple(out.shape))

# %%
# NBVAL_CHECK_OUTPUT
rows = [[x[i]] + list(out[i]) for i in range(len(x))]
fig = show_grid(rows, row_titles=[f"sketch {i}" for i in range(len(x))],
                col_titles=["input"] + [f"style {n}" for n in range(N_STYLES)])
fig.suptitle("a2b: each sketch with 8 random styles (the same 8 in every row)", y=1.02)
plt.show()

# %% [markdown]
# Each column uses one style code for all three sketches: a style code should mean the same
# colour and texture whatever the content, and each row should keep its sketch's shape. Two
# checks that hold for any model: different styles give different paintings, and the same seed
# gives exactly the same paintings (another seed, other ones).

# %%
# NBVAL_CHECK_OUTPUT
# mean absolute difference between the paintings of every pair of styles, per sketch
pair_diffs = [(out[:, n] - out[:, m]).abs().mean(dim=(1, 2, 3)) for n in range(N_STYLES) for m in range(n)]
print("pairs of styles compared:", len(pair_diffs), "per sketch")
assert min(float(d.min()) for d in pair_diffs) > 1e-3  # no two styles give the same painting

again = translator.translate_random(x, "a2b", num_styles=N_STYLES, seed=0)
other = translator.translate_random(x[:1], "a2b", num_styles=2, seed=1)  # sketch 0, two styles of seed 1
print("same seed, same paintings:", torch.equal(again, out))
print("seed 1, other paintings:", not torch.allclose(other, out[:1, :2]))
assert torch.equal(again, out) and not torch.allclose(other, out[:1, :2])

# %% [markdown]
# ### The other direction: paintings to sketches
#
# Direction `"b2a"` swaps the roles: $c_b = E^c_b(x_b)$, $s_a \sim \mathcal{N}(0, I)$,
# $x_{b \to a} = G_a(c_b, s_a)$. In our data, domain A has no style at all: every sketch is a dark
# outline on white paper, so one painting has exactly **one** correct sketch. The adversarial loss
# pushes every output towards a real sketch, so in a good model $s_a$ changes (almost) nothing
# here. The training log says so too: the sketch domain's style reconstruction error sits at
# $\sqrt{2/\pi} \approx 0.80$, the error of an encoder that always answers 0 (notebook 07,
# section 5.1), so there is nothing of $s_a$ in the sketches to read back. The check at the end of
# this section measures it. The multimodality is in A → B, where one sketch has 128 correct
# paintings.

# %%
# NBVAL_CHECK_OUTPUT
out_ba = translator.translate_random(x_b[:3], "b2a", num_styles=4, seed=0)  # (3, 4, 3, 64, 64)
rows = [[x_b[i]] + list(out_ba[i]) for i in range(3)]
fig = show_grid(rows, row_titles=[f"painting {i}" for i in range(3)],
                col_titles=["input"] + [f"style {n}" for n in range(4)])
fig.suptitle("b2a: each painting with 4 random sketch styles", y=1.02)
plt.show()
print("b2a output:", tuple(out_ba.shape))

# %% [markdown]
# To keep translations, `save_translations` writes one PNG per image and a grid (one row per
# input, its input first):

# %%
# NBVAL_CHECK_OUTPUT
with tempfile.TemporaryDirectory() as folder:
    paths = save_translations(out, folder, inputs=x, prefix="a2b")
    print(len(paths), "files:", paths[0].name, paths[1].name, "...", paths[-2].name, paths[-1].name)
    grid = Image.open(paths[-1])
    print("grid:", grid.size, "(3 rows of input + 8 styles, 2 px gaps)")
    assert grid.size == (9 * (SIZE + 2) + 2, 3 * (SIZE + 2) + 2)

# %% [markdown]
# ### Checks that only a trained model passes
#
# Style spread in each direction: the mean, over the inputs, of the pixels' standard deviation
# across styles. A model that learned the data uses the style code a lot in A → B and little in
# B → A (sketches have no style). This cell, like the other *trained-model* cells at the end of a
# section (tagged `trained-model-check`), fails on an untrained or badly trained model.

# %% tags=["trained-model-check"]
# NBVAL_CHECK_OUTPUT
spread_ab = float(out.std(dim=1).mean())  # (3, 8, 3, 64, 64) -> spread across the 8 styles
spread_ba = float(out_ba.std(dim=1).mean())
assert spread_ab > 2 * spread_ba, "the sketches depend on the style as much as the paintings"
print("the style code changes the paintings (a2b) far more than the sketches (b2a)")

# %% [markdown]
# ## 3. Example-guided translation
#
# Instead of drawing the style, take it from a **reference** image of the target domain with that
# domain's style encoder:
#
# $$ s_{\text{ref}} = E^s_b(x_{\text{ref}}), \qquad x_{a \to b} = G_b\big(E^c_a(x_a),\, s_{\text{ref}}\big). $$
#
# Training made this work: the image reconstruction loss asks $G_b(E^c_b(x_b), E^s_b(x_b))$ to
# give back $x_b$, so $E^s_b$ must capture what the content code leaves out (the colour, the
# texture, the background), and the style reconstruction loss asks it to read back the style that
# $G_b$ was given, whatever the shape. Here are three sketches, each with the style of four
# reference paintings, by hand and with `translate_guided`.

# %%
# NBVAL_CHECK_OUTPUT
refs = x_b[:4]  # four reference paintings
with torch.no_grad():
    _, ref_styles = gen_b.encode(refs)  # (4, 8): the style code of each reference
    content, _ = gen_a.encode(x)  # (3, 64, 16, 16)
    by_hand = torch.stack([gen_b.decode(content, s.expand(len(x), -1)) for s in ref_styles], dim=1)
guided = translator.translate_guided(x, refs, "a2b")  # every sketch with every reference
assert_close(translator.encode_style(refs, "a2b"), ref_styles)
assert_close(guided, by_hand)
print("reference styles:", tuple(ref_styles.shape), "| guided:", tuple(guided.shape))
print("translate_guided equals the hand-built translation")

# %%
# NBVAL_CHECK_OUTPUT
blank = torch.ones(3, SIZE, SIZE)  # white corner
rows = [[blank] + list(refs)] + [[x[i]] + list(guided[i]) for i in range(len(x))]
fig = show_grid(rows, row_titles=["references"] + [f"sketch {i}" for i in range(len(x))],
                col_titles=[""] + [f"style of ref {r}" for r in range(len(refs))])
fig.suptitle("example-guided a2b: row = sketch (content), column = reference (style)", y=1.02)
plt.show()

# %% [markdown]
# ### Fidelity on 32 test pairs
#
# With `pairwise=True`, sketch $i$ takes the style of painting $i$ only. `example_guided_fidelity`
# (notebook 06) reads the colour and texture of each output and of its reference from the pixels
# and counts how often they agree. Chance is 1/8 for the colour, 1/4 for the texture.

# %%
# NBVAL_CHECK_OUTPUT
guided_pairs = translator.translate_guided(x_a, x_b, "a2b", pairwise=True)[:, 0]  # (32, 3, 64, 64)
fidelity = example_guided_fidelity(guided_pairs, x_b)
n = fidelity["n"]
print(f"pairs: {n}")
print(f"colour as the reference's:  {round(fidelity['colour'] * n)}/{n}  (chance: {n // 8}/{n})")
print(f"texture as the reference's: {round(fidelity['texture'] * n)}/{n}  (chance: {n // 4}/{n})")
matches = round(fidelity["texture"] * n)
luck = sum(math.comb(n, k) * 0.25 ** k * 0.75 ** (n - k) for k in range(matches, n + 1))  # binomial tail
print(f"probability of {matches} or more texture matches by luck alone: {luck:.2f}")
# the reference's colour is taken more often than its texture, and the texture not clearly more often than by chance
assert fidelity["texture"] < fidelity["colour"], "the texture follows the reference as often as the colour"
assert luck > 0.05, f"the texture follows the reference far more often than chance (p = {luck:.3f})"

# %% [markdown]
# Trained-model check: the output takes the reference's colour on nearly every pair, far above
# chance.

# %% tags=["trained-model-check"]
# NBVAL_CHECK_OUTPUT
assert fidelity["colour"] >= 0.9, f"the colour follows the reference on only {fidelity['colour']:.0%} of pairs"
print("example-guided translation follows the reference's colour")

# %% [markdown]
# The **texture** is another story: compare its count with chance (a quarter of the pairs). The
# reference's texture is taken far less often than its colour, and not clearly more often than by
# chance: the last line says how likely that many matches are by luck alone, with 32 pairs and a
# chance of 1/4 each. That is weak evidence at best that the texture comes from the reference: a model
# that ignored the reference's texture would match this often by luck about one time in twelve.
# Notebook 07 (section 5.3) measured why. Instance normalisation in the content encoder removes
# each channel's mean and variance, the global colour, but a texture is a spatial pattern and
# passes through it. When the data pin every texture to the canvas, the within-domain image
# reconstruction carries the texture through the content code, and a reference's style code has
# no texture to give. This model's data pin each texture to its shape, so the style code can say
# which pattern it is. Even so, the decoder must build that pattern inside a shape from a sketch's
# content, which holds only an outline, and that is still learned slowly. Exercise 6 shows where
# texture lives in this model.


# %% [markdown]
# ## 4. Style interpolation: linear and spherical
#
# Any vector of length 8 is a style code, so we can walk from one style $s_0$ to another $s_1$ and
# decode along the way. The straight line is
#
# $$ \text{lerp}(s_0, s_1; t) = (1 - t)\, s_0 + t\, s_1, \qquad t \in [0, 1]. $$
#
# The spherical interpolation (slerp; Shoemake, 1985, for rotations; White, 2016, for the latent
# codes of generative models) walks along the arc between the two vectors instead. With
# $\theta$ the angle between them, $\cos\theta = \frac{\langle s_0, s_1\rangle}{\lVert s_0\rVert\,\lVert s_1\rVert}$,
#
# $$ \text{slerp}(s_0, s_1; t) = \frac{\sin\big((1-t)\,\theta\big)}{\sin\theta}\, s_0
#    + \frac{\sin(t\,\theta)}{\sin\theta}\, s_1 . $$
#
# Both start at $s_0$ ($t = 0$) and end at $s_1$ ($t = 1$). We build slerp by hand and compare it
# with `interpolate_styles(..., mode="slerp")` (which falls back to the line when
# $\sin\theta \approx 0$, where the arc is not defined).

# %%
# NBVAL_CHECK_OUTPUT
def slerp(s0, s1, t):
    cos_theta = torch.dot(s0, s1) / (s0.norm() * s1.norm())
    theta = torch.arccos(cos_theta.clamp(-1, 1))  # the angle between the two codes
    return (torch.sin((1 - t) * theta) * s0 + torch.sin(t * theta) * s1) / torch.sin(theta)


STEPS = 7
# two far-apart styles from the prior: of 32 draws, among the pairs of about equal norm (within 10%),
# the one with the widest angle under 170 degrees (where the arc is still well defined), so that the
# line and the arc differ visibly (exercise 1 is about codes of different norms)
candidates = translator.random_styles(32, seed=13)  # (32, 8)
cosines = torch.nn.functional.cosine_similarity(candidates[:, None], candidates[None], dim=-1)  # (32, 32)
norms = candidates.norm(dim=1)
similar = (norms[:, None] - norms[None]).abs() < 0.1 * torch.maximum(norms[:, None], norms[None])
cosines = torch.where((cosines > math.cos(math.radians(170))) & similar, cosines, torch.ones_like(cosines))
i0, i1 = divmod(int(cosines.argmin()), len(candidates))
s0, s1 = candidates[i0], candidates[i1]
ts = torch.linspace(0, 1, STEPS)
lerp_path = torch.stack([(1 - t) * s0 + t * s1 for t in ts])  # (7, 8)
slerp_path = torch.stack([slerp(s0, s1, t) for t in ts])  # (7, 8)
assert_close(lerp_path, interpolate_styles(s0, s1, STEPS, mode="linear"))
assert_close(slerp_path, interpolate_styles(s0, s1, STEPS, mode="slerp"))
angle = torch.rad2deg(torch.arccos(torch.dot(s0, s1) / (s0.norm() * s1.norm())))
print(f"angle between s0 and s1: {float(angle):.0f} degrees")
print("interpolate_styles equals the hand-built paths:", tuple(slerp_path.shape))

# %% [markdown]
# ### Why slerp? The norms along the path
#
# In $d$ dimensions, samples of $\mathcal{N}(0, I)$ do not sit near the origin: their norm
# concentrates around $\sqrt{d}$ ($\sqrt 8 \approx 2.83$; the mean of the $\chi_8$ distribution is
# 2.74). Two independent samples are nearly orthogonal, so the middle of the straight line between
# them, $\tfrac12(s_0 + s_1) \sim \mathcal{N}(0, \tfrac12 I)$, has a norm about $1/\sqrt 2$ of
# the typical one: the line dips into codes that the prior, and so the decoder during training,
# rarely produced. Along the arc, for two such nearly orthogonal codes, slerp keeps the norm
# between the endpoints' norms (exactly constant when they are equal; for a wide angle and unequal
# norms it can overshoot a little, exercise 1). Ten thousand pairs of codes, and our pair (chosen
# far apart, about 130 degrees):

# %%
# NBVAL_CHECK_OUTPUT
pairs = random_styles(20000, 8, seed=4).view(10000, 2, 8)  # 10,000 pairs of prior samples
prior_norm = pairs[:, 0].norm(dim=1)
lerp_mid = (0.5 * (pairs[:, 0] + pairs[:, 1])).norm(dim=1)
slerp_mid = torch.stack([slerp(a, b, torch.tensor(0.5)) for a, b in pairs[:500]]).norm(dim=1)
print(f"mean norm of prior samples:      {prior_norm.mean():.2f}  (sqrt(8) = {8 ** 0.5:.2f})")
print(f"mean norm of linear midpoints:   {lerp_mid.mean():.2f}")
print(f"mean norm of slerp midpoints:    {slerp_mid.mean():.2f}")
assert lerp_mid.mean() < 0.8 * prior_norm.mean() and abs(slerp_mid.mean() - prior_norm.mean()) < 0.25

fine = torch.linspace(0, 1, 101)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(fine, interpolate_styles(s0, s1, 101, "linear").norm(dim=1), label="linear")
ax.plot(fine, interpolate_styles(s0, s1, 101, "slerp").norm(dim=1), label="slerp")
low, high = prior_norm.quantile(0.05), prior_norm.quantile(0.95)
ax.axhspan(float(low), float(high), color="gray", alpha=0.15, label="90% of prior samples")
ax.set_xlabel("t")
ax.set_ylabel("norm of the style code")
ax.set_title("norm along the path from s0 to s1")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

lo_end, hi_end = sorted([float(s0.norm()), float(s1.norm())])
assert lerp_path.norm(dim=1).min() < 0.9 * lo_end  # the line dips
# the arc keeps the norm near the endpoints' (within 5% here; with unequal norms it can leave their
# interval a little, exercise 1), while the line's midpoint has lost much of it
assert 0.95 * lo_end <= slerp_path.norm(dim=1).min() and slerp_path.norm(dim=1).max() <= 1.05 * hi_end

# %% [markdown]
# ### Interpolated translations
#
# `translate_interpolated` decodes a sketch with every style of the path. Row by row: two sketches
# (a star and a circle), each along the straight line and along the arc. Both rows of a sketch
# start and end at the same paintings; they differ in between.

# %%
# NBVAL_CHECK_OUTPUT
PICK = [0, 2]
two = x_a[PICK]  # (2, 3, 64, 64)
lerp_out = translator.translate_interpolated(two, s0, s1, STEPS, mode="linear")  # (2, 7, 3, 64, 64)
slerp_out = translator.translate_interpolated(two, s0, s1, STEPS, mode="slerp")
ends = translator.translate(two, "a2b", torch.stack([s0, s1]))  # (2, 2, 3, 64, 64)
for path in (lerp_out, slerp_out):
    assert_close(path[:, 0], ends[:, 0])  # t = 0: the translation with s0
    assert_close(path[:, -1], ends[:, 1])  # t = 1: the translation with s1
print("interpolated:", tuple(lerp_out.shape), "| endpoints equal the translations with s0 and s1")

rows = [[two[i]] + list(path[i]) for i in range(2) for path in (lerp_out, slerp_out)]
fig = show_grid(rows, row_titles=[f"sketch {i}, {mode}" for i in PICK for mode in ("linear", "slerp")],
                col_titles=["input"] + [f"t={float(t):.2f}" for t in ts])
fig.suptitle("from style s0 (t = 0) to style s1 (t = 1)", y=1.02)
plt.show()

# %% [markdown]
# ## 5. One style coordinate at a time
#
# What does each of the 8 numbers of a style code control? Start from the prior's mean, the zero
# code, and move one coordinate $k$ through $-2, -1, 0, 1, 2$ (two standard deviations of the
# prior each way) while the others stay 0: `sweep_style` builds those codes, `translate_sweep`
# decodes them. One row per coordinate. (The zero code is the prior's densest point, yet, by the
# argument of section 4, its norm is untypical; `translate_sweep(..., base=s0)` sweeps around a
# typical code instead.)

# %%
# NBVAL_CHECK_OUTPUT
VALUES = [-2.0, -1.0, 0.0, 1.0, 2.0]
base = torch.zeros(translator.style_dim)
codes = sweep_style(base, 3, VALUES)  # (5, 8)
expected = base.repeat(len(VALUES), 1)
expected[:, 3] = torch.tensor(VALUES)  # only coordinate 3 moves
assert torch.equal(codes, expected)

sketch = x_a[:1]
sweeps = [translator.translate_sweep(sketch, k, VALUES)[0] for k in range(translator.style_dim)]  # 8 x (5, 3, 64, 64)
assert_close(sweeps[3], translator.translate(sketch, "a2b", codes)[0])
for k in range(1, translator.style_dim):
    assert_close(sweeps[k][2], sweeps[0][2])  # value 0 is the zero code in every row
print("one row per coordinate:", len(sweeps), "x", tuple(sweeps[0].shape))

fig = show_grid([list(row) for row in sweeps], row_titles=[f"s[{k}]" for k in range(len(sweeps))],
                col_titles=[f"{v:g}" for v in VALUES], size=1.3)
fig.suptitle("sketch 0 with the zero style, one coordinate moved per row", y=1.02)
plt.show()

# %% [markdown]
# The readers of notebook 06 name the colour of each painting, and the mean pixel change between
# the two ends of a row says how much a coordinate matters. A coordinate need not control one
# factor alone: the decoder sees the code through an MLP, and nothing in training asks it to
# disentangle colour from texture from background.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'coord':<7}" + "".join(f"{v:>9g}" for v in VALUES))
for k, row in enumerate(sweeps):
    print(f"s[{k}]   " + "".join(f"{str(c):>9}" for c in classify_colour(row)))

change = [float((row[-1] - row[0]).abs().mean()) for row in sweeps]  # value +2 against -2
fig, ax = plt.subplots(figsize=(5, 2.6))
ax.bar([f"s[{k}]" for k in range(len(change))], change)
ax.set_ylabel("mean |x(+2) - x(-2)|")
ax.set_title("how much each style coordinate changes the painting")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6. Diversity and content, measured
#
# Pictures convince, numbers decide. For a few sketches we draw 16 random styles each and ask the
# readers of notebook 06:
#
# - **style diversity**: how many of the 8 colours, 4 textures and 32 colour-texture pairs the 16
#   paintings of one sketch reach (`style_diversity`). An ideal model reaches about
#   $32\,(1 - (31/32)^{16}) \approx 12.7$ pairs with 16 draws (draws repeat); a mode-collapsed
#   one, 1.
# - **content preservation**: the IoU between the shape read from the sketch and the shape read
#   from each painting (`content_iou`). The ideal is 1; as a baseline, we also score each painting
#   against *another* sketch, which is what a model that ignores its input would get.

# %%
N_SKETCHES = 3 if PROFILE == "ci" else 8
many = translator.translate_random(x_a[:N_SKETCHES], "a2b", num_styles=16, seed=0)  # (K, 16, 3, 64, 64)
print(f"{'sketch':<8}{'colours':>9}{'textures':>10}{'pairs':>7}{'coverage':>10}")
diversity = []
for i in range(N_SKETCHES):
    d = style_diversity(many[i])
    diversity.append(d)
    print(f"{i:<8}{d['n_colours']:>7}/8{d['n_textures']:>8}/4{d['n_styles']:>4}/32{d['style_coverage']:>10.2f}")
    assert d["n_colours"] > 1 and d["n_styles"] > 1, f"sketch {i}: its 16 styles give one colour (mode collapse)"

flat = many.flatten(0, 1)  # (K * 16, 3, 64, 64), sketch by sketch
sources = x_a[:N_SKETCHES].repeat_interleave(16, dim=0)  # the sketch of each painting
others = x_a[1:N_SKETCHES + 1].repeat_interleave(16, dim=0)  # the next sketch: a wrong source
iou_own = content_iou(sources, "a", flat, "b")["mean"]
iou_other = content_iou(others, "a", flat, "b")["mean"]
print(f"content IoU with its own sketch:     {iou_own:.2f}")
print(f"content IoU with another sketch:     {iou_other:.2f}")

# %% [markdown]
# Trained-model checks: 16 random styles reach at least 6 of the 8 colours on average (a model that
# spread its styles evenly over the colours would reach $8\,(1 - (7/8)^{16}) \approx 7.06$), and a
# painting overlaps its own sketch far better than another sketch.

# %% tags=["trained-model-check"]
mean_colours = float(np.mean([d["n_colours"] for d in diversity]))
assert mean_colours >= 6, f"16 random styles reach only {mean_colours:.1f} colours on average"
assert iou_own >= 0.8 and iou_own > iou_other + 0.3, "the paintings do not keep their sketch's shape"
print(f"diverse styles ({mean_colours:.1f} colours of 8 per sketch on average), content kept")

# %% [markdown]
# Random styles do not paint every colour equally often. The prior $\mathcal N(0, I)$ is one
# distribution over the style space, and the decoder divides that space among the colours in
# regions of different sizes: a colour whose region is small comes out rarely. The shipped model's
# `scores.json` counts the colours of 50 test sketches x 16 random styles:

# %%
# NBVAL_CHECK_OUTPUT
histogram = json.loads((pretrained_path("shapes").parent / "scores.json").read_text())["colour_histogram"]
total = sum(histogram.values())
for colour, count in sorted(histogram.items(), key=lambda kv: -kv[1]):
    print(f"{colour:>7} {count:4d}  {'#' * round(60 * count / total)}")
print(f"even split: {total / 8:.0f} each")
assert total == 50 * 16

# %% [markdown]
# ## 7. The style explorer
#
# `StyleExplorer` puts the ideas of this notebook under sliders. The picture shows the chosen input
# and its translation $G_{\text{target}}(c, s)$, with the content $c$ encoded once and the style $s$
# read from the widgets:
#
# - **content** and **direction**: which image, and `a2b` or `b2a`;
# - **s[0] … s[7]**: one slider per style coordinate (a sweep, by hand);
# - **Random**: a new style from $\mathcal{N}(0, I)$ (seeded: the sequence repeats);
# - **Store A**, **Store B**, the **A → B** slider and **path**: interpolate between two stored
#   styles, along the line or the arc;
# - **image** box with **Add as content** / **Use as style**, and the two uploads: your own sketch
#   as content, or a painting whose style to take (example-guided translation).
#
# Errors (a missing file, a file that is not an image, interpolating before storing two styles)
# appear in red under the controls; nothing is raised and nothing is printed.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = StyleExplorer(translator, contents={"a": x_a[:4], "b": x_b[:4]}, seed=0)
display(explorer.widget)

# %% [markdown]
# The widget's logic is tested here without a browser: set widget values and click buttons from
# code, as the browser would, and read the PNG bytes of the `Image` widget. Anything a callback
# printed would land in `captured`.

# %%
# NBVAL_CHECK_OUTPUT
captured = io.StringIO()
with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured), tempfile.TemporaryDirectory() as folder:
    first = explorer.image.value
    explorer.sliders[0].value = 1.5  # move one slider
    after_slider, s_0 = explorer.image.value, float(explorer.state.style[0])
    explorer.random_button.click()  # a new random style
    after_random = explorer.image.value

    # the same actions on an explorer built alike give the same bytes
    twin = StyleExplorer(translator, contents={"a": x_a[:4], "b": x_b[:4]}, seed=0)
    same_start = twin.image.value == first
    twin.sliders[0].value = 1.5
    twin.random_button.click()
    same_after = twin.image.value == after_random

    # a file that is not an image: the error goes to the label, the picture stays
    not_an_image = Path(folder) / "notes.png"
    not_an_image.write_text("these are notes, not pixels")
    explorer.path.value = str(not_an_image)
    explorer.add_content_button.click()
    file_error, after_error = explorer.error.value, explorer.image.value
    file_error_kind = explorer.state.last_error.split(":")[0]  # the exception's class name
    explorer.interpolation.value = 0.5  # no styles stored yet
    interpolation_error = explorer.error.value

    explorer.direction.value = "b2a"  # paintings to sketches; a good update clears the label
    after_direction, error_after_direction = explorer.image.value, explorer.error.value

print("PNG image:", first[:8] == b"\x89PNG\r\n\x1a\n")
print("slider changed the picture:", after_slider != first, "| s[0] =", s_0)
print("Random changed the picture:", after_random != after_slider)
print("same seed, same bytes:", same_start and same_after)
print("bad file reported in the error label as:", file_error_kind)
print("interpolation before storing styles reported:", "store style A and B" in interpolation_error)
print("direction b2a:", explorer.state.direction, "| error label empty:", error_after_direction == "")
print("callbacks printed nothing:", captured.getvalue() == "")
assert first[:8] == b"\x89PNG\r\n\x1a\n" and after_slider != first and s_0 == 1.5 and after_random != after_slider
assert same_start and same_after
assert "ImageLoadError" in file_error and "notes.png" in file_error and after_error == after_random
assert "store style A and B" in interpolation_error
assert after_direction != after_random and error_after_direction == ""
assert captured.getvalue() == ""

# %% [markdown]
# What the explorer shows is the model's translation: the right half of the state's frame is
# $G_a(E^c_b(x_b), s)$ for the current style, up to the rounding to 8-bit pixels.

# %%
# NBVAL_CHECK_OUTPUT
frame = explorer.state.render()  # (64, 64 + gap + 64, 3) uint8: input, white gap, translation
shown = torch.from_numpy(frame[:, -SIZE:].astype(np.float32)).permute(2, 0, 1) / 127.5 - 1
expected = translator.translate(x_b[explorer.state.index], "b2a", explorer.state.style)[0, 0]
assert (shown - expected.clamp(-1, 1)).abs().max() <= 1 / 127.5 + 1e-6
print("frame:", frame.shape, frame.dtype, "| right half = the translation with the current style")

# %% [markdown]
# The explorer takes any `Translator`. The course also ships a model trained on real drawings:
# OpenMoji line art to colour (notebook 12). Here it is under the same sliders, with four test
# drawings of people whose skin tone a style can change.

# %%
# NBVAL_IGNORE_OUTPUT
from munit_lib.evaluation.openmoji import load_openmoji_split

emoji = load_openmoji_split(split="test")  # line_art, colour: (310, 3, 64, 64)
emoji_explorer = StyleExplorer(pretrained("openmoji"), contents={"a": emoji.line_art[emoji.toned[::35]],
                                                                 "b": emoji.colour[emoji.toned[::35]]}, seed=0)
display(emoji_explorer.widget)

# %%
# NBVAL_CHECK_OUTPUT
with contextlib.redirect_stdout(captured):
    before = emoji_explorer.image.value
    emoji_explorer.sliders[0].value = -2.0
print("OpenMoji explorer: the slider changed the picture:", emoji_explorer.image.value != before)
assert emoji_explorer.image.value != before and captured.getvalue() == ""

# %% [markdown]
# ## 8. Optional: the original project's edges2shoes model
#
# The original MUNIT project released generators trained on the paper's datasets. If you want to
# see the real thing, with 256 × 256 edge maps and shoe photos:
#
# 1. Open the README of the original project, [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT),
#    section *Testing*, and follow its link to the pretrained models.
# 2. Download `edges2shoes.pt` (and read the license there: the original project is licensed
#    for non-commercial use only).
# 3. Put it in the course's data folder as `data/official/edges2shoes.pt`. In Colab, upload it
#    (files panel) to `/content/data/official/edges2shoes.pt` and set
#    `os.environ["MUNIT_DATA_DIR"] = "/content/data"` before running the cell below.
#
# This notebook never downloads anything. The cell below looks for the file: when it is there, it
# loads it with `load_official_generators` (which reads the architecture off the file: style
# codes of 8, 64 base channels, 4 residual blocks), and translates one edge map with four random
# styles. An edge map of yours goes to `data/official/edge.png` (or `.jpg`); otherwise a shapes
# sketch drawn at 256 px stands in, a black outline on white like the edges of edges2shoes.
# Without the file, it says so and the notebook goes on with the shapes model.

# %%
# NBVAL_CHECK_OUTPUT
OFFICIAL = data_dir() / "official" / "edges2shoes.pt"
if OFFICIAL.is_file():
    official_a, official_b = load_official_generators(OFFICIAL)
    official = Translator(official_a, official_b)
    print(official)
    mine = [p for p in (OFFICIAL.with_name("edge.png"), OFFICIAL.with_name("edge.jpg")) if p.is_file()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImageResizeWarning)  # your edge map may need resizing
        edge = official.prepare(mine[0] if mine else ShapesDomain("a", "test", size=256, n=1)[0], "a")
        shoes = official.translate_random(edge, "a2b", num_styles=4, seed=0)  # (1, 4, 3, H, W)
    fig = show_grid([[edge[0]] + list(shoes[0])], col_titles=["edges"] + [f"style {n}" for n in range(4)], size=2.4)
    plt.show()
else:
    print("The official edges2shoes weights are not here (data/official/edges2shoes.pt in the data folder).")
    print("To try them, download edges2shoes.pt as described above; this notebook goes on with the shapes model.")

# %% [markdown]
# ## Summary
#
# - MUNIT translates with three calls: $c = E^c_{\text{source}}(x)$, a style $s$, and
#   $G_{\text{target}}(c, s)$. `Translator` wraps them for both directions, on any device, with
#   seeded styles that leave the global random state alone; we built each method by hand and
#   proved it equal.
# - **Random** styles $s \sim \mathcal{N}(0, I)$ give many outputs for one input; the same seed
#   gives the same images. In our data the multimodality lives in sketches → paintings: sketches
#   have no style, so paintings → sketches should barely depend on $s_a$.
# - **Example-guided** translation takes $s = E^s_{\text{target}}(x_{\text{ref}})$ from a
#   reference; `example_guided_fidelity` counts how often the output takes the reference's colour
#   and texture.
# - **Interpolation**: the straight line between two prior samples dips to about $1/\sqrt 2$ of the
#   typical norm; **slerp** follows the arc and keeps the norm where the prior puts it.
# - **Sweeps** move one coordinate of the code; coordinates need not map to single factors.
# - **Measured**: style diversity (colours, textures and pairs reached by 16 styles) and content
#   IoU (against another sketch as the baseline) turn the pictures into numbers.
# - The **style explorer** is a thin ipywidgets layer over a testable state; its callbacks never
#   print, and errors go to a label.
# - The original project's generator files load with `load_official_generators`, when you bring
#   them.
#
# Next, notebook 09 measures what the paper proves about a trained MUNIT, and what the explicit
# style-augmented cycle loss, which this model trains with at weight 1, changes at weights 0 and 10.
#
# ## Exercises
#
# 1. Slerp between two codes of **different** norms: plot the norm along the path for an angle of
#    60°, 90° and 150°. When does it leave the interval between the endpoints' norms? (Hint: take
#    $s_1 \to 0$ in the formula.)
# 2. Translate sketch 0 with 64 random styles and build the histogram of the colours read by
#    `classify_colour`. Are the 8 colours equally likely, as in the data? Which style coordinates
#    decide the colour (hint: a logistic regression from the 64 codes to the colours)?
# 3. Example-guided translation with a reference from the **wrong** domain: pass a sketch as the
#    reference for `"a2b"` (the style encoder of B will take it). What comes out, and where in the
#    style space does $E^s_b(x_{\text{sketch}})$ land? Compare the mean norm of the codes of 8 sketches
#    with the lower edge of the grey band of section 4, the norm that 95% of prior samples exceed.
# 4. Encode the 32 test paintings with $E^s_b$ and compare the codes' mean, standard deviation and
#    norms with $\mathcal{N}(0, I)$. Is the encoder's output distributed like the prior that random
#    translation samples from? What would it mean for random translation if it were not?
# 5. Add a button to the style explorer that saves the current frame as a PNG (`state.render_png()`).
#    Test it headlessly, as in section 7, and make sure the callback prints nothing.
# 6. Where does texture live? Take two test paintings with different textures, and decode the
#    *content* of the first with the *style* of the second (`gen_b.decode(gen_b.encode_content(p1),
#    gen_b.encode_style(p2))`). Read the output's texture with `classify_texture`: is it the first
#    painting's or the second's? Repeat over the 32 test paintings (each with the next one) and count.
#
# Each exercise has a check: put your answer in place of `None` and run the cell. It stays silent for
# answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
ex1_norm_leaves = None     # 1. True or False: can slerp's norm leave the interval between the endpoints' norms?
ex2_colour_counts = None   # 2. a dict {colour: count} over sketch 0's 64 random styles (seed 0)
ex3_reference_kind = None  # 3. "prior-like" or "off-prior": mean norm of E_b^s(8 sketches) above or below the prior's 5% norm quantile
ex4_style_means = None     # 4. the (8,) mean of E_b^s over the 32 test paintings
ex5_saved_png = None       # 5. the bytes your button's callback saved, after moving s[0] to 1.5
ex6_keeps_own = None       # 6. how many of the 32 outputs keep the FIRST painting's (the content's) texture

answered = []
if ex1_norm_leaves is not None:
    assert ex1_norm_leaves is True, "1: with s1 -> 0 the path is sin((1-t) theta)/sin(theta) s0, whose norm exceeds |s0|"
    answered.append(1)
if ex2_colour_counts is not None:
    painted = translator.translate_random(x_a[:1], "a2b", num_styles=64, seed=0)[0]
    expected = dict(collections.Counter(classify_colour(painted)))
    assert dict(ex2_colour_counts) == expected, "2: classify_colour on translate_random(x_a[:1], 'a2b', 64, seed=0)"
    answered.append(2)
if ex3_reference_kind is not None:
    with torch.no_grad():
        norm = float(translator.encode_style(x_a[:8], "a2b").norm(dim=1).mean())
    edge = float(prior_norm.quantile(0.05))  # 95% of prior samples have a larger norm
    kind = "prior-like" if norm >= edge else "off-prior"
    assert ex3_reference_kind == kind, "3: compare the mean norm of E_b^s(x_a[:8]) with prior_norm.quantile(0.05)"
    answered.append(3)
if ex4_style_means is not None:
    with torch.no_grad():
        assert_close(torch.as_tensor(ex4_style_means).float(), translator.encode_style(x_b, "a2b").mean(0),
                     atol=1e-4, rtol=1e-4)
    answered.append(4)
if ex5_saved_png is not None:
    assert bytes(ex5_saved_png[:8]) == b"\x89PNG\r\n\x1a\n", "5: save what state.render_png() returns (a PNG)"
    assert bytes(ex5_saved_png) == explorer.state.render_png(), "5: save the frame the explorer shows now"
    answered.append(5)
if ex6_keeps_own is not None:
    from munit_lib.evaluation.shapes import classify_texture
    with torch.no_grad():
        swapped = gen_b.decode(gen_b.encode_content(x_b), gen_b.encode_style(x_b.roll(-1, 0)))
    own = [paintings.ground_truth(i).texture for i in range(N_TEST)]
    count = sum(t == o for t, o in zip(classify_texture(swapped), own))
    assert ex6_keeps_own == count, "6: compare classify_texture(output) with paintings.ground_truth(i).texture"
    answered.append(6)
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
# import math
# fig, ax = plt.subplots(figsize=(6, 3))
# ts = torch.linspace(0, 1, 101)
# for degrees in (60, 90, 150):
#     theta = math.radians(degrees)
#     s0 = torch.tensor([1.0, 0.0])
#     s1 = 0.5 * torch.tensor([math.cos(theta), math.sin(theta)])  # half the norm of s0
#     norms = [slerp(s0, s1, t).norm().item() for t in ts]
#     ax.plot(ts, norms, label=f"{degrees} degrees")
# ax.axhline(1.0, color="grey", lw=0.8)
# ax.legend()
# plt.show()
# ex1_norm_leaves = True
# ```
#
# With $s_1 \to 0$ the path is $\frac{\sin((1-t)\theta)}{\sin\theta}\,s_0$. For $\theta > 90°$ the
# factor passes 1 on the way (at $(1-t)\theta = 90°$ it is $1/\sin\theta$, which is 2 for
# $\theta = 150°$): the norm rises above both endpoints' norms. Slerp keeps the norm between the
# endpoints only for codes of equal norm, or small angles.
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# ```python
# painted = translator.translate_random(x_a[:1], "a2b", num_styles=64, seed=0)[0]  # (64, 3, 64, 64)
# ex2_colour_counts = dict(collections.Counter(classify_colour(painted)))
# print(ex2_colour_counts)  # 5 to 12 per colour, 8 if even
#
# codes = random_styles(64, translator.style_dim, seed=0)  # the same codes translate_random drew
# colours = classify_colour(painted)
# for colour in sorted(set(colours)):
#     mask = torch.tensor([c == colour for c in colours])
#     print(f"{colour:>7}", " ".join(f"{v:+.1f}" for v in codes[mask].mean(0).tolist()))
# ```
#
# All 8 colours appear, but not equally: the decoder gives the colours regions of different sizes
# in the style space (section 6's histogram shows the same over many sketches). The table of mean
# codes per colour shows which coordinates move most between colours; a logistic regression
# (for example `sklearn.linear_model.LogisticRegression` on `codes`, `colours`) ranks them by its
# weights. (`random_styles(64, 8, seed=0)` gives the very codes `translate_random` drew; section 2
# checked it.)
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# ```python
# with torch.no_grad():
#     wrong_domain = translator.translate_guided(x_a[:4], x_a[4:5], "a2b")[:, 0]  # a sketch as reference
#     norm = float(translator.encode_style(x_a[:8], "a2b").norm(dim=1).mean())
#     own = float(translator.encode_style(x_b, "a2b").norm(dim=1).mean())
# edge = float(prior_norm.quantile(0.05))
# print(f"|E_b^s(sketch)| = {norm:.2f}, |E_b^s(painting)| = {own:.2f}, 5% of prior norms below {edge:.2f}")
# ex3_reference_kind = "prior-like" if norm >= edge else "off-prior"
# ```
#
# The outputs are paintings: $G_b$ can only paint, and the code it gets from a sketch is just one
# more point of the style space, so it picks some colour and texture. That point is off the prior:
# the sketches' codes have a mean norm of about 1.5, below the 1.66 that 95% of prior samples exceed,
# and well below the prior's typical $\sqrt 8 \approx 2.8$. The paintings' own codes (about 1.8) are
# not much farther out: exercise 4 shows why.
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# ```python
# with torch.no_grad():
#     codes_b = translator.encode_style(x_b, "a2b")  # (32, 8)
# ex4_style_means = codes_b.mean(0)
# print("mean", [round(v, 2) for v in codes_b.mean(0).tolist()])
# print("std ", [round(v, 2) for v in codes_b.std(0).tolist()])
# print("norm", round(codes_b.norm(dim=1).mean().item(), 2), "vs sqrt(8) =", round(8 ** 0.5, 2))
# ```
#
# The means are near 0, but the standard deviations are between about 0.3 and 1, not 1, and the
# norms are about 1.8 instead of 2.8: the encoder uses a smaller region than the prior. Nothing in
# MUNIT's objective asks the encoded codes to *be* distributed like $\mathcal N(0, I)$; the style
# reconstruction term only asks that a prior sample be readable back from its translation. For
# random translation this means the prior draws codes, on average, farther out than any real
# painting's: if the decoder had not learned to handle them (through the style term and the
# adversarial loss on random-style translations), random translations would look unlike real
# paintings.
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# ```python
# import ipywidgets as widgets
#
# saved = {}
# save_button = widgets.Button(description="Save PNG")
#
# def save_frame(_):
#     saved["png"] = explorer.state.render_png()  # no print, no plot: the bytes only
#
# save_button.on_click(save_frame)
# display(save_button)
#
# captured = io.StringIO()
# with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
#     explorer.sliders[0].value = 1.5
#     save_button.click()  # as the browser would
# assert captured.getvalue() == ""
# ex5_saved_png = saved["png"]
# ```
#
# To write a file, replace the dictionary by `Path("frame.png").write_bytes(...)` inside the
# callback; any message for the user belongs in a label widget, never in `print`.
# </details>
#
# <details><summary>Solution to exercise 6</summary>
#
# ```python
# from munit_lib.evaluation.shapes import classify_texture
# with torch.no_grad():
#     swapped = gen_b.decode(gen_b.encode_content(x_b), gen_b.encode_style(x_b.roll(-1, 0)))
# read = classify_texture(swapped)
# own = [paintings.ground_truth(i).texture for i in range(N_TEST)]
# other = [paintings.ground_truth((i + 1) % N_TEST).texture for i in range(N_TEST)]
# ex6_keeps_own = sum(t == o for t, o in zip(read, own))
# print("keeps the content's texture:", ex6_keeps_own, "| takes the style's:", sum(t == o for t, o in zip(read, other)),
#       "| pairs with the same texture:", sum(a == b for a, b in zip(own, other)))
# ```
#
# Most outputs keep the texture of the painting that gave the **content** (23 of 32 for the shipped
# model; some pairs share a texture, so the two counts overlap). The texture travels mostly in the
# content code, not in the style code: this is why example-guided translation in section 3 takes
# the reference's colour but rarely its texture.
# </details>

# %% [markdown]
# ## References
#
# - Huang, X., Liu, M.-Y., Belongie, S. and Kautz, J. (2018). Multimodal Unsupervised Image-to-Image
#   Translation (MUNIT). ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code
#   and released models: [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - Shoemake, K. (1985). Animating Rotation with Quaternion Curves (slerp). SIGGRAPH 1985.
# - White, T. (2016). Sampling Generative Networks (slerp between latent codes of generative models).
#   arXiv preprint, 2016. [arXiv:1609.04468](https://arxiv.org/abs/1609.04468).
