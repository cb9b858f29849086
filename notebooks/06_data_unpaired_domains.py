# %% [markdown]
# # 06 · Data: two unpaired domains
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/06_data_unpaired_domains.ipynb)
#
# Notebooks 01-05 built MUNIT's networks and losses on random tensors. Before we train (notebook 07)
# we need what MUNIT learns from: **two sets of images, one per domain, with no pairs between them**.
#
# **What you will learn**
#
# - why MUNIT needs only two *unpaired* domains, and the original folder layout;
# - the synthetic shapes domains, whose every factor is known: one sketch, 128 correct paintings;
# - the paper's image pipeline, built by hand and proved equal to `munit_lib.data`;
# - a dataset on disk, unpaired batches, and paired files made unpaired;
# - the ground-truth measures that later notebooks score models with.
#
# Reference material (odd image files, error messages, downloads, the shuffling in detail) is in the
# optional notebook `A1_appendix_data_and_texture`.
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
import tempfile
from pathlib import Path

import numpy as np
import torch
import matplotlib.pyplot as plt
from PIL import Image
from torch.testing import assert_close

from munit_lib.course import setup
from munit_lib.data import (BACKGROUNDS, KINDS, PALETTE, TEXTURES, ShapesDomain, UnpairedLoader, image_to_tensor,
                            list_images, load_image, make_shapes_dataset, read_file_list, render_painting,
                            render_sketch, sample_style, split_side_by_side, tensor_to_uint8, test_transform,
                            train_transform, unpaired_domains)
from munit_lib.data.shapes import SHADE_FACTOR  # a texture's ink is the fill colour times this
from munit_lib.evaluation.shapes import (classify_colour, classify_texture, content_iou, example_guided_fidelity,
                                         mask_iou, shape_mask, style_diversity)

PROFILE = setup()  # seeds torch with 0, pins the thread count under CI, PNG figures
SIZE = 64  # pixels: every image in this notebook is 64x64, small enough for a laptop (and CI)

# %% [markdown]
# ## 1. Two domains, no pairs
#
# A *paired* method such as pix2pix learns from examples $(x_a, x_b)$ of the same object in both
# domains; such pairs are expensive or impossible to collect. MUNIT needs only two *sets* of images:
# every reconstruction loss (notebook 05) compares an image or a code with a reconstruction **of
# itself**, and the adversarial losses compare distributions. So an iteration draws one batch from
# each domain, independently. The original project reads a dataset as four folders under one root
# (or as lists of files); so does `munit_lib.data`:
#
# ```
# datasets/edges2shoes/
#     trainA/    edge maps for training            testA/    edge maps for testing
#     trainB/    shoe photos for training          testB/    shoe photos for testing
# ```
#
# Nothing pairs `trainA/7.png` with `trainB/7.png`. Real data cannot tell us whether a translation
# kept its input's content: for that we need domains whose every factor is known.
#
# ## 2. The synthetic shapes domains
#
# `munit_lib.data.shapes` draws two toy domains that mimic edges2shoes at a scale a CPU can train on:
#
# - **Domain A, sketches**: the dark outline of one shape on white paper, like an edge map.
# - **Domain B, paintings**: a shape filled with a **style** of three factors: a fill colour, a
#   texture in a darker shade of it, and a light background.
#
# Both share the **content**: the shape's kind, centre, scale and rotation. The style exists only in B,
# as a shoe's colour exists only in its photo:

# %%
# NBVAL_CHECK_OUTPUT
print(f"kinds ({len(KINDS)}):       ", ", ".join(KINDS))
print(f"colours ({len(PALETTE)}):     ", ", ".join(PALETTE))
print(f"textures ({len(TEXTURES)}):    ", ", ".join(TEXTURES))
print(f"backgrounds ({len(BACKGROUNDS)}): ", ", ".join(BACKGROUNDS))
n_styles = len(PALETTE) * len(TEXTURES) * len(BACKGROUNDS)
print("paintings per sketch:", n_styles)
assert len(KINDS) >= 5 and n_styles == 128

# %% [markdown]
# `ShapesDomain` is a PyTorch `Dataset` that draws them on demand: item `i` is a float tensor
# `(3, 64, 64)` in $[-1, 1]$, `image(i)` the same picture as `uint8`. Each image has its own random
# stream, seeded by `(seed, split, domain, index)`, so item 5 is the same on every machine.

# %%
# NBVAL_CHECK_OUTPUT
sketches = ShapesDomain("a", "train", size=SIZE, n=16, seed=0)
paintings = ShapesDomain("b", "train", size=SIZE, n=16, seed=0)
print(sketches)
print(paintings)
print("item:", tuple(sketches[0].shape), sketches[0].dtype, f"| range {sketches[0].min():.3f} to {sketches[0].max():.3f}")
print("image(0):", sketches.image(0).shape, sketches.image(0).dtype)

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(4, 8, figsize=(12, 6.6))
for i in range(16):
    a, b = sketches.ground_truth(i), paintings.ground_truth(i)
    ax_a, ax_b = axes[2 * (i // 8), i % 8], axes[2 * (i // 8) + 1, i % 8]
    ax_a.imshow(sketches.image(i))
    ax_a.set_title(f"A{i}: {a.kind}", fontsize=8)
    ax_b.imshow(paintings.image(i))
    ax_b.set_title(f"B{i}: {b.kind}\n{b.colour}, {b.texture}", fontsize=8)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("domain A (sketches, rows 1 and 3) and domain B (paintings, rows 2 and 4)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Sketch $i$ and painting $i$ are **not** a pair:

# %%
# NBVAL_CHECK_OUTPUT
kinds_a = [sketches.ground_truth(i).kind for i in range(16)]
kinds_b = [paintings.ground_truth(i).kind for i in range(16)]
print("kinds in A:", kinds_a[:8])
print("kinds in B:", kinds_b[:8])
print("same kind at the same index:", sum(ka == kb for ka, kb in zip(kinds_a, kinds_b)), "of 16")
assert kinds_a != kinds_b  # independent streams: the kinds do not line up

# %% [markdown]
# ### Ground truth
#
# `ground_truth(i)` returns a `ShapeRecord`: the geometry (kind, centre `cx, cy` and scale as fractions
# of the image size, rotation in degrees) and, for paintings, the style. `record.mask()` re-draws the
# shape's region: a pixel belongs to it when the shape covers at least half of it (images are drawn at
# 4× and averaged down, so edges are anti-aliased).

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'item':<5}{'kind':<10}{'cx':>6}{'cy':>6}{'scale':>7}{'rot':>7}  {'colour':<8}{'texture':<9}{'background':<11}{'mask px':>8}")
for name, domain in (("A", sketches), ("B", paintings)):
    for i in range(3):
        r = domain.ground_truth(i)
        style = f"{r.colour:<8}{r.texture:<9}{r.background:<11}" if r.style else f"{'-':<8}{'-':<9}{'-':<11}"
        print(f"{name}{i:<4}{r.kind:<10}{r.center[0]:>6.3f}{r.center[1]:>6.3f}{r.scale:>7.3f}{r.rotation:>7.1f}  "
              f"{style}{int(r.mask().sum()):>8}")

record = paintings.ground_truth(0)
print()
print("as stored in ground_truth.json, for", record.file)
print({key: round(value, 3) if isinstance(value, float) else value for key, value in record.to_dict().items()})
image, mask = render_painting(record.geometry, record.style, SIZE)  # what the dataset draws
assert np.array_equal(image, paintings.image(0)) and np.array_equal(mask, record.mask())

# %% [markdown]
# ### One sketch, many paintings
#
# A sketch fixes the content and says nothing about colour, texture or background: every one of the
# 128 styles gives a **correct** painting of it. A model with one output per sketch (pix2pix,
# CycleGAN) reaches one of them at best; MUNIT samples a style code $s \sim \mathcal{N}(0, I)$ and
# should reach them all. Eight *ideal translations* of sketch 0:

# %%
# NBVAL_CHECK_OUTPUT
geometry = sketches.ground_truth(0).geometry
sketch, sketch_mask_gt = render_sketch(geometry, SIZE)
rng = np.random.default_rng(6)
styles = [sample_style(rng) for _ in range(8)]
renders = [render_painting(geometry, style, SIZE) for style in styles]

for style, (_, m) in zip(styles, renders):
    assert np.array_equal(m, sketch_mask_gt)  # the content is the sketch's, exactly
    print(f"{style.colour:<7} {style.texture:<8} on {style.background}")

fig, axes = plt.subplots(1, 9, figsize=(13.5, 1.9))
axes[0].imshow(sketch)
axes[0].set_title(f"sketch: {geometry.kind}", fontsize=8)
for ax, style, (img, _) in zip(axes[1:], styles, renders):
    ax.imshow(img)
    ax.set_title(f"{style.colour}, {style.texture}", fontsize=8)
for ax in axes:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Where a texture is pinned
#
# A texture is a pattern with a period $p$ (12 px at 64 px): stripes are dark where
# $\left((y - y_0) / p\right) \bmod 1 \ge \tfrac12$. By default the origin is the image's corner
# ($y_0 = 0$, `texture_anchor="canvas"`): a stripe falls on the same rows in every painting. With
# `texture_anchor="shape"` it is the shape's centre ($y_0 = c_y \cdot$ size): the pattern moves with the
# shape, as a real object's texture does. By hand, against `render_painting`:

# %%
# NBVAL_CHECK_OUTPUT
from munit_lib.data import ShapeStyle
from munit_lib.data.shapes import SUPERSAMPLE, texture_period

geometry = sketches.ground_truth(1).geometry
period, big = texture_period(SIZE), SIZE * SUPERSAMPLE
rows = (np.arange(big) + 0.5) / SUPERSAMPLE  # the supersampled rows' centres, in output pixels
stripes = {"canvas": ((rows - 0.0) / period) % 1.0 >= 0.5,  # (big,): is this row dark?
           "shape": ((rows - geometry.cy * SIZE) / period) % 1.0 >= 0.5}
blue = ShapeStyle("blue", "stripes", "white")
for anchor, dark_rows in stripes.items():
    # by hand: the fill colour, its darker shade on dark rows, then the 4x4 box filter down
    image, mask = render_painting(geometry, blue, SIZE, texture_anchor=anchor)
    dark = np.repeat(dark_rows.reshape(SIZE, SUPERSAMPLE).mean(1)[:, None], SIZE, 1)  # (64, 64) dark share
    colour, ink = np.array(PALETTE["blue"], float), np.round(SHADE_FACTOR * np.array(PALETTE["blue"], float))
    padded = np.pad(mask, 1)  # (66, 66): a pixel is well inside when its 4 neighbours are in the shape too
    inside = mask & padded[2:, 1:-1] & padded[:-2, 1:-1] & padded[1:-1, 2:] & padded[1:-1, :-2]
    expected = (1 - dark[..., None]) * colour + dark[..., None] * ink  # (64, 64, 3)
    assert np.abs(image[inside] - expected[inside]).max() <= 1, anchor  # equal up to rounding
    origin = 0.0 if anchor == "canvas" else geometry.cy * SIZE
    first = rows[dark_rows & (rows >= origin)][0] - 0.5 / SUPERSAMPLE  # the top edge of the first dark band
    print(f"{anchor:>6}-pinned: origin at row {origin:5.2f}; the first dark band from row {first:5.2f} "
          f"(origin + p/2 = {origin + period / 2:5.2f}, on the 1/4-pixel grid it is drawn on)")

# %% [markdown]
# The same shape at three places: pinned to the canvas (top) the stripes stay on the same rows;
# pinned to the shape (bottom) the shape carries them along:

# %%
# NBVAL_CHECK_OUTPUT
from dataclasses import replace

places = [replace(geometry, cx=0.3, cy=0.3), replace(geometry, cx=0.5, cy=0.45), replace(geometry, cx=0.7, cy=0.62)]
fig, axes = plt.subplots(2, 3, figsize=(6.6, 4.6))
for row, anchor in enumerate(("canvas", "shape")):
    for ax, where in zip(axes[row], places):
        ax.imshow(render_painting(where, blue, SIZE, texture_anchor=anchor)[0])
        for y in range(0, SIZE, period):  # the canvas's period grid
            ax.axhline(y - 0.5, color="grey", linewidth=0.5)
        ax.set_title(f"{anchor}-pinned, centre y {where.cy * SIZE:.0f}", fontsize=8)
        ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# A style code of 8 numbers can say "stripes" but not "on rows 0-5, 12-17, ...", so canvas-pinned
# stripes end up in the content code (notebook 07, section 5.3). The fast recipe of notebook 07 trains
# on shape-pinned data; the models that notebooks 09-11 compare were trained on the canvas-pinned default.
#
# ## 3. From pixels to tensors, by hand
#
# The generators end in $\tanh$, so images are fed in the same range, $x = 2p/255 - 1 \in [-1, 1]$
# for an 8-bit value $p$, channels first: `image_to_tensor`; `tensor_to_uint8` goes back.

# %%
# NBVAL_CHECK_OUTPUT
pixels = paintings.image(3)  # uint8 (64, 64, 3)
by_hand = torch.from_numpy(pixels).permute(2, 0, 1).float() * (2 / 255) - 1  # (H, W, C) -> (C, H, W)
assert_close(by_hand, image_to_tensor(pixels))
assert_close(by_hand, paintings[3])  # the dataset's item
assert np.array_equal(tensor_to_uint8(by_hand), pixels)  # and back, exactly
print("tensor:", tuple(by_hand.shape), f"| min {by_hand.min():.4f} | max {by_hand.max():.4f}")


# %% [markdown]
# ### The paper's transform
#
# For edges2shoes: resize so that the **short side** is `new_size` = 256, take a random $256 \times 256$
# crop, flip left-right with probability 1/2, scale to $[-1, 1]$. At test time `munit_lib` takes the
# *centre* crop and no flip, so an evaluation sees the same pixels on every run. We rebuild both in
# small (a 96 × 64 image, `new_size = 48`, `crop = 40`), drawing the random choices from torch's
# generator in torchvision's order, so under one seed the two agree:

# %%
# NBVAL_CHECK_OUTPUT
def paper_transform_by_hand(img, new_size, crop, train, log=None):
    w, h = img.size
    # 1. resize: the short side becomes new_size, the long side keeps the aspect ratio (rounded down)
    if w <= h:
        new_w, new_h = new_size, int(new_size * h / w)
    else:
        new_w, new_h = int(new_size * w / h), new_size
    img = img.resize((new_w, new_h), Image.Resampling.BILINEAR)
    # 2. crop: a random corner (training) or the centre (testing)
    if train:
        top = int(torch.randint(0, new_h - crop + 1, (1,)))
        left = int(torch.randint(0, new_w - crop + 1, (1,)))
    else:
        top, left = round((new_h - crop) / 2), round((new_w - crop) / 2)
    img = img.crop((left, top, left + crop, top + crop))
    # 3. flip left-right with probability 1/2 (training only)
    flip = train and bool(torch.rand(1) < 0.5)
    if flip:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if log is not None:
        log.append((top, left, flip))
    # 4. to (C, H, W) in [-1, 1]
    return torch.from_numpy(np.array(img)).permute(2, 0, 1).float() * (2 / 255) - 1


wide = Image.fromarray(np.concatenate([paintings.image(0), paintings.image(1)[:, :32]], axis=1))  # 96 x 64
print("input:", wide.size, "(width, height)")

library = train_transform(new_size=48, crop=40)
crops, choices = [], []
for seed in range(6):
    torch.manual_seed(seed)
    ours = paper_transform_by_hand(wide, 48, 40, train=True, log=choices)
    torch.manual_seed(seed)
    theirs = library(wide)
    assert_close(ours, theirs)
    crops.append(theirs)
    top, left, flip = choices[-1]
    print(f"seed {seed}: resized to 72x48, crop at top={top} left={left}, {'flipped' if flip else 'not flipped'}")
centre = test_transform(new_size=48, crop=40)(wide)
assert_close(paper_transform_by_hand(wide, 48, 40, train=False), centre)
print("train_transform and test_transform equal the hand-built pipeline")
print("output:", tuple(centre.shape), "in [-1, 1]:", bool(centre.min() >= -1 and centre.max() <= 1))

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 8, figsize=(14, 2.2), gridspec_kw={"width_ratios": [1.5] + [1] * 7})
axes[0].imshow(wide)
axes[0].set_title("input 96x64", fontsize=8)
axes[1].imshow(tensor_to_uint8(centre))
axes[1].set_title("test: centre 40x40", fontsize=8)
for k, ax in enumerate(axes[2:]):
    ax.imshow(tensor_to_uint8(crops[k]))
    ax.set_title(f"train, seed {k}", fontsize=8)
for ax in axes:
    ax.set_xticks([]), ax.set_yticks([])  # keep the frame: the images have white borders
fig.tight_layout()
plt.show()

# %% [markdown]
# On the square shapes images only the flip acts; on real photos the crop does most of the work.
#
# ## 4. On disk, in the original layout
#
# `make_shapes_dataset` writes both domains as PNG files in the original layout, with their records in
# `ground_truth.json`; `unpaired_domains(root, split)` reads them back through the paper's pipeline
# (random crop and flip for `"train"`, centre crop for `"test"`). `UnpairedLoader` draws one batch
# from each domain, each **shuffled on its own**, as the trainer of notebook 07 does: a sketch meets a
# different painting every time.

# %%
# NBVAL_CHECK_OUTPUT
tmp = tempfile.TemporaryDirectory(prefix="munit_nb06_")
TMP = Path(tmp.name)
root = make_shapes_dataset(TMP / "shapes64", size=SIZE, n_train=24, n_test=8, seed=0, progress=False)
for entry in sorted(root.iterdir()):
    print(f"{entry.name}/: {len(list(entry.iterdir()))} PNG files" if entry.is_dir() else entry.name)

train_a, train_b = unpaired_domains(root, "train", new_size=SIZE, crop=SIZE)
test_a, test_b = unpaired_domains(root, "test", new_size=SIZE, crop=SIZE)
for domain, on_disk in (("a", test_a), ("b", test_b)):  # test: no flip, and no crop at this size
    in_memory = ShapesDomain(domain, "test", size=SIZE, n=8, seed=0)
    assert len(on_disk) == len(in_memory) and all(torch.equal(on_disk[i], in_memory[i]) for i in range(8))
print("read back: every test image equals its ShapesDomain item")

x_a, x_b = next(iter(UnpairedLoader(train_a, train_b, batch_size=4, seed=0)))
print("one batch of each domain:", tuple(x_a.shape), tuple(x_b.shape))
fig, axes = plt.subplots(2, 4, figsize=(6.4, 3.4))
for k in range(4):
    axes[0, k].imshow(tensor_to_uint8(x_a[k]))
    axes[1, k].imshow(tensor_to_uint8(x_b[k]))
for ax in axes.flat:
    ax.axis("off")
axes[0, 0].set_title("x_a: a batch of A", fontsize=9, loc="left")
axes[1, 0].set_title("x_b: a batch of B", fontsize=9, loc="left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5. Paired datasets, made unpaired
#
# The paper's edges2shoes and edges2handbags come from pix2pix: each file holds a *pair*, the edge
# map left and the photo right. `split_side_by_side` cuts every file in two, as the original project
# did, writing the halves to `{split}A/` and `{split}B/` under the same name. Since each domain is
# shuffled on its own, training never shows a pair together. Eight "edges2shapes" files, each a sketch
# and a painting of the **same** geometry:

# %%
# NBVAL_CHECK_OUTPUT
pairs = TMP / "edges2shapes" / "train"
pairs.mkdir(parents=True)
source = ShapesDomain("b", "train", size=SIZE, n=8, seed=1)
for i in range(8):
    record = source.ground_truth(i)
    left, _ = render_sketch(record.geometry, SIZE)
    right, _ = render_painting(record.geometry, record.style, SIZE)
    Image.fromarray(np.concatenate([left, right], axis=1)).save(pairs / f"{i}_AB.png")  # edges | photo

folder_a, folder_b = split_side_by_side(pairs, TMP / "edges2shapes_unpaired", "train", progress=False)
names = [p.name for p in list_images(pairs)]
for name in names:  # A is the left half, B the right half, pixel for pixel
    whole = np.asarray(Image.open(pairs / name))
    assert np.array_equal(np.asarray(load_image(folder_a / name)), whole[:, :SIZE])
    assert np.array_equal(np.asarray(load_image(folder_b / name)), whole[:, SIZE:])
print(f"{len(names)} files of {Image.open(pairs / names[0]).size} -> "
      f"trainA/: {len(list_images(folder_a))} of {load_image(folder_a / names[0]).size}, "
      f"trainB/: {len(list_images(folder_b))} of {load_image(folder_b / names[0]).size}")

fig, axes = plt.subplots(1, 3, figsize=(8, 2.2), gridspec_kw={"width_ratios": [2, 1, 1]})
for ax, (img, title) in zip(axes, [(Image.open(pairs / names[0]), f"{names[0]} (edges | photo)"),
                                   (load_image(folder_a / names[0]), f"trainA/{names[0]}"),
                                   (load_image(folder_b / names[0]), f"trainB/{names[0]}")]):
    ax.imshow(img)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([]), ax.set_yticks([])
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6. Scoring translations with the ground truth
#
# Did a translation keep its input's shape? Does one sketch give many styles? Does example-guided
# translation copy the reference's style? An output comes with no record, so
# `munit_lib.evaluation.shapes` reads the factors back **from pixels alone**:
#
# - `shape_mask(image, domain)`: in a sketch, the outline and what it encloses (a flood fill from the
#   border finds the paper); in a painting, the pixels far from the background (the border's median);
# - `classify_colour(image)`: each shape pixel votes for the nearest palette colour or its shade;
# - `classify_texture(image)`: how the dark pixels are arranged: none (solid), constant along rows
#   (stripes), alternating along rows and columns (checks), or in between (dots).
#
# First we check them on 64 real test images per domain, where the answer is known:

# %%
# NBVAL_CHECK_OUTPUT
N = 64
test_sketches = ShapesDomain("a", "test", size=SIZE, n=N)
test_paintings = ShapesDomain("b", "test", size=SIZE, n=N)
x_a = torch.stack([test_sketches[i] for i in range(N)])  # (64, 3, 64, 64)
x_b = torch.stack([test_paintings[i] for i in range(N)])
truth_a = [test_sketches.ground_truth(i) for i in range(N)]
truth_b = [test_paintings.ground_truth(i) for i in range(N)]

read_a, read_b = shape_mask(x_a, "a"), shape_mask(x_b, "b")  # (64, 64, 64) bool
iou_a = np.mean(mask_iou(read_a, np.stack([r.mask() for r in truth_a])))
iou_b = np.mean(mask_iou(read_b, np.stack([r.mask() for r in truth_b])))
colours, textures = classify_colour(x_b), classify_texture(x_b)
colour_acc = np.mean([c == r.colour for c, r in zip(colours, truth_b)])
texture_acc = np.mean([t == r.texture for t, r in zip(textures, truth_b)])

print(f"mask IoU with the ground truth, sketches:  {iou_a:.3f}")
print(f"mask IoU with the ground truth, paintings: {iou_b:.3f}")
print(f"colour read correctly:  {colour_acc:.3f}")
print(f"texture read correctly: {texture_acc:.3f}")
assert min(iou_a, iou_b, colour_acc, texture_acc) >= 0.95

# %%
# NBVAL_CHECK_OUTPUT
k = 0
fig, axes = plt.subplots(1, 6, figsize=(12, 2.3))
panels = [(test_sketches.image(k), f"sketch: {truth_a[k].kind}"), (read_a[k], "read mask"),
          (truth_a[k].mask(), "true mask"),
          (test_paintings.image(k), f"painting: {colours[k]}, {textures[k]}"), (read_b[k], "read mask"),
          (truth_b[k].mask(), "true mask")]
for ax, (img, title) in zip(axes, panels):
    ax.imshow(img, cmap="gray")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([]), ax.set_yticks([])
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Two readers by hand
#
# A **painting mask**: the background colour is the median of the one-pixel frame, and a pixel is in
# the shape when its RGB distance to it is more than half a typical shape pixel's. The **colour**:
# each pixel in the mask votes for the nearest of the 8 palette colours and their 8 darker shades
# (`SHADE_FACTOR` times the colour); a shade votes for its colour.

# %%
# NBVAL_CHECK_OUTPUT
def painting_mask_by_hand(images):
    """images (B, 3, H, W) in [-1, 1] -> (B, H, W) bool: pixels far from the border's median colour."""
    x = (images + 1) / 2  # [0, 1]
    frame = torch.cat([x[..., 0, :], x[..., -1, :], x[..., 1:-1, 0], x[..., 1:-1, -1]], dim=-1)  # (B, 3, 2H+2W-4)
    background = frame.median(dim=-1).values  # (B, 3)
    distance = (x - background[..., None, None]).norm(dim=1)  # (B, H, W)
    flat = distance.flatten(1)  # (B, H*W)
    clear = torch.where(flat > 0.35 * flat.quantile(0.99, dim=1, keepdim=True), flat, torch.nan)  # clearly shape
    typical = clear.nanquantile(0.25, dim=1)  # (B,): a typical shape pixel's distance (the lighter fill)
    return distance >= typical[:, None, None] / 2


def colour_by_hand(images, masks):
    """The palette colour of each painting: a majority vote of its mask's pixels."""
    names = list(PALETTE)
    fills = torch.tensor([PALETTE[c] for c in names], dtype=torch.float32) / 255  # (8, 3)
    references = torch.cat([fills, SHADE_FACTOR * fills])  # (16, 3): the colours, then their shades
    x = ((images + 1) / 2).permute(0, 2, 3, 1)  # (B, 3, H, W) -> (B, H, W, 3)
    nearest = torch.cdist(x.reshape(len(x), -1, 3), references.expand(len(x), -1, -1)).argmin(-1)  # (B, H*W)
    votes = [torch.bincount(n[m.flatten()] % len(names), minlength=len(names)) for n, m in zip(nearest, masks)]
    return [names[int(v.argmax())] for v in votes]


masks_mine = painting_mask_by_hand(x_b)
colours_mine = colour_by_hand(x_b, masks_mine)
agree_mask = np.mean(mask_iou(masks_mine, read_b))
agree_colour = np.mean([a == b for a, b in zip(colours_mine, colours)])
truth_colour = np.mean([c == r.colour for c, r in zip(colours_mine, truth_b)])
print(f"mask IoU, by hand vs munit_lib:  {agree_mask:.3f}")
print(f"colour, by hand vs munit_lib:    {agree_colour:.3f} agree; vs the ground truth {truth_colour:.3f}")
assert agree_mask >= 0.95 and agree_colour >= 0.95 and truth_colour >= 0.95

# %% [markdown]
# (The library's reader votes only with the mask's interior, one pixel in from the edge.)
#
# The **texture**: knowing the colour, a shape pixel is *dark* when it is nearer the shade than the
# colour. With $f$ the dark fraction of the shape and $f_r$ that of row $r$ ($n_r$ shape pixels, $n$ in
# all), the share of the dark map's variance that the rows explain is
#
# $$ s_\text{rows} = \frac{\sum_r n_r (f_r - f)^2}{n f (1 - f)}, $$
#
# and $s_\text{cols}$ likewise; $s = \max(s_\text{rows}, s_\text{cols})$. Solid paint has almost no dark
# pixels ($f < 0.08$); stripes are constant along each row ($s \approx 1$); checks alternate along rows
# *and* columns ($s \approx 0$); dots lie in between.

# %%
# NBVAL_CHECK_OUTPUT
def texture_by_hand(images, masks, colour_names):
    """solid / stripes / dots / checks of each painting, from its mask and its colour."""
    x = (images + 1) / 2  # (B, 3, H, W) in [0, 1]
    out = []
    for image, mask, name in zip(x, masks, colour_names):
        fill = torch.tensor(PALETTE[name], dtype=torch.float32)[:, None, None] / 255  # (3, 1, 1)
        dark = ((image - SHADE_FACTOR * fill).norm(dim=0) < (image - fill).norm(dim=0)) & mask  # (H, W)
        m, d = mask.float(), dark.float()
        n, f = m.sum(), d.sum() / m.sum()
        shares = []
        for axis in (1, 0):  # rows (sum along each row), then columns
            n_r = m.sum(axis)
            f_r = d.sum(axis) / n_r.clamp(min=1)
            shares.append(float((n_r * (f_r - f) ** 2).sum() / (n * f * (1 - f)).clamp(min=1e-12)))
        share = max(shares)
        out.append("solid" if f < 0.08 else "stripes" if share > 0.8 else "dots" if share > 0.22 else "checks")
    return out


textures_mine = texture_by_hand(x_b, masks_mine, colours_mine)
agree_texture = np.mean([a == b for a, b in zip(textures_mine, textures)])
truth_texture = np.mean([t == r.texture for t, r in zip(textures_mine, truth_b)])
print(f"texture, by hand vs munit_lib:   {agree_texture:.3f} agree; vs the ground truth {truth_texture:.3f}")
assert agree_texture >= 0.9 and truth_texture >= 0.9

# %% [markdown]
# ### Content IoU: did the translation keep the shape?
#
# $$ \text{content IoU} = \frac{|M(x) \cap M(\hat x)|}{|M(x) \cup M(\hat x)|}, $$
#
# with $M(x)$ the region read from the source and $M(\hat x)$ the one read from its translation, each
# with its own domain's reader. We check it with "models" that need no training: an **oracle** (each
# sketch's own geometry painted with a random style, and the other way), a model that **ignores its
# input**, the oracle **shifted** by 8 pixels, and a blank canvas.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
oracle_b = torch.stack([image_to_tensor(render_painting(r.geometry, sample_style(rng), SIZE)[0]) for r in truth_a])
oracle_a = torch.stack([image_to_tensor(render_sketch(r.geometry, SIZE)[0]) for r in truth_b])
ignores_input = torch.stack([ShapesDomain("b", "train", size=SIZE, n=N)[i] for i in range(N)])
shifted = torch.roll(oracle_b, shifts=(8, 8), dims=(2, 3))
blank = torch.ones_like(oracle_b)  # white

scores = {
    "oracle A -> B": content_iou(x_a, "a", oracle_b, "b")["mean"],
    "oracle B -> A": content_iou(x_b, "b", oracle_a, "a")["mean"],
    "ignores its input": content_iou(x_a, "a", ignores_input, "b")["mean"],
    "oracle, shifted 8 px": content_iou(x_a, "a", shifted, "b")["mean"],
    "blank canvas": content_iou(x_a, "a", blank, "b")["mean"],
}
for name, value in scores.items():
    print(f"{name:<22} content IoU {value:.3f}")
assert scores["oracle A -> B"] > 0.95 and scores["oracle B -> A"] > 0.95
assert scores["ignores its input"] < 0.5 and scores["oracle, shifted 8 px"] < 0.6 and scores["blank canvas"] == 0

# %% [markdown]
# A model that paints well but ignores its input is caught, which the discriminator cannot do.
#
# ### Style diversity: one input, how many styles?
#
# `style_diversity` translates one sketch with many random styles and counts the distinct colours (of
# 8), textures (of 4) and pairs (of 32) reached. The oracle against a **mode-collapsed** model, one
# that gives every output the same style (what a deterministic model such as CycleGAN is at best):

# %%
# NBVAL_CHECK_OUTPUT
geometry = truth_a[0].geometry
rng = np.random.default_rng(1)
multimodal = [image_to_tensor(render_painting(geometry, sample_style(rng), SIZE)[0]) for _ in range(32)]
one_style = sample_style(2)
collapsed = [image_to_tensor(render_painting(geometry, one_style, SIZE)[0]) for _ in range(32)]

for name, outputs in (("oracle, random styles", multimodal), ("mode collapse", collapsed)):
    d = style_diversity(torch.stack(outputs))
    print(f"{name:<22} colours {d['n_colours']}/8  textures {d['n_textures']}/4  "
          f"colour-texture pairs {d['n_styles']}/32 (coverage {d['style_coverage']:.2f})")
    if name == "mode collapse":
        assert d["n_colours"] == d["n_textures"] == d["n_styles"] == 1
    else:
        assert d["n_colours"] >= 7 and d["n_textures"] == 4 and d["n_styles"] >= 15

expected = 32 * (1 - (31 / 32) ** 32)  # distinct pairs that 32 draws of 32 equally likely pairs reach, on average
simulated = np.mean([len({(st.colour, st.texture) for st in (sample_style(rng) for _ in range(32))})
                     for rng in (np.random.default_rng(seed) for seed in range(200))])
print(f"distinct pairs that 32 random styles reach on average: {expected:.1f} (simulated: {simulated:.1f})")
assert abs(simulated - expected) < 0.5

# %% [markdown]
# Random draws repeat: $n$ draws from $m$ equally likely styles reach $m\,(1 - (1 - 1/m)^n)$ on
# average, here $32\,(1 - (31/32)^{32}) \approx 20.4$ (printed above): the ceiling to compare with.
#
# ### Example-guided fidelity: does the output take the reference's style?
#
# Encode a reference painting with $E^s_b$, decode the sketch's content with it: the output should
# have the reference's colour and texture. `example_guided_fidelity(outputs, references)` returns the
# fraction of pairs that agree. A model that ignores the reference agrees by chance only (1/8 for the
# colour, 1/4 for the texture):

# %%
# NBVAL_CHECK_OUTPUT
references = x_b  # painting i is the style reference for sketch i
guided = torch.stack([image_to_tensor(render_painting(ra.geometry, rb.style, SIZE)[0])
                      for ra, rb in zip(truth_a, truth_b)])
rng = np.random.default_rng(3)
unguided = torch.stack([image_to_tensor(render_painting(ra.geometry, sample_style(rng), SIZE)[0]) for ra in truth_a])

for name, outputs in (("oracle, reference's style", guided), ("ignores the reference", unguided)):
    f = example_guided_fidelity(outputs, references)
    print(f"{name:<26} colour {f['colour']:.3f}  texture {f['texture']:.3f}  both {f['both']:.3f}  (n={f['n']})")
    if name.startswith("oracle"):
        assert f["both"] >= 0.95
    else:
        assert f["colour"] < 0.3 and f["both"] < 0.15

# %% [markdown]
# On real data the paper has to use proxies (LPIPS for diversity, human preference for quality); on the
# shapes, notebooks 07-11 score models with these exact measures.
#
# ## Summary
#
# - MUNIT learns from two **unpaired** sets of images, read from `trainA/ trainB/ testA/ testB/`
#   under one root (or from image lists), as the original project does.
# - The **shapes domains**: sketches (an outline of one of 6 kinds) and paintings (8 colours × 4
#   textures × 4 backgrounds). Content is shared, style lives only in B, every image has a
#   ground-truth record, and one sketch has 128 correct paintings.
# - The paper's pipeline (short side to `new_size`, random `crop`, flip, $2p/255 - 1$) equals
#   `train_transform` and `test_transform`; `UnpairedLoader` shuffles each domain on its own.
# - `split_side_by_side` turns pix2pix pairs into two folders whose pairs training never shows together.
# - The readers agree with the ground truth on at least 95% of test images, so **content IoU**,
#   **style diversity** and **example-guided fidelity** can be trusted on a model's outputs.
#
# ## Exercises
#
# 1. Move the flip in `paper_transform_by_hand` before the crop. Is the result still equal to
#    `train_transform` for every seed? Is it the same *distribution* of outputs?
# 2. Split the 8 edges2shapes files again with `split_side_by_side(..., disjoint=True, seed=0)`. How
#    many files does `trainA/` get, and how many pairs survive (files with both halves in the result)?
# 3. Make the paintings at 32 px (`ShapesDomain(..., size=32)`) and measure the three readers'
#    agreement again. Which agrees least? (`texture_period` scales with the size; what does not?)
# 4. A model outputs the right shape, $k$ times bigger about its centre. What content IoU does that
#    give for a circle? Write it as a function of $k \ge 1$.
# 5. An image list (`trainA.txt`, one path per line) names a file that is not there. Does reading it
#    with `read_file_list` skip the file or raise an error?
#
# Put your answer in place of `None` and run the cell: it stays silent for answers you have not
# given, says which ones are right, and fails with a hint otherwise. Worked solutions are at the end.

# %%
ex1_answers = None        # 1. (still equal for every seed?, still the same distribution?) as two booleans
ex2_disjoint = None       # 2. (files in trainA/, pairs that survive) after a disjoint split of the 8 files
ex3_first_reader = None   # 3. the reader that suffers first at 32 px: "mask", "colour" or "texture"
ex4_circle_iou = None     # 4. a function k -> content IoU of a circle scaled by k >= 1 about its centre
ex5_missing_file = None   # 5. what reading a list with a missing file does: "skips it" or "raises"

answered = []
if ex1_answers is not None:
    assert tuple(ex1_answers) == (False, True), "1: same random draws, used in another order; same laws for each"
    answered.append(1)
if ex2_disjoint is not None:
    half_a, half_b = split_side_by_side(pairs, TMP / "disjoint", "train", disjoint=True, seed=0, progress=False)
    kept = {p.name for p in list_images(half_a)} & {p.name for p in list_images(half_b)}
    assert tuple(ex2_disjoint) == (len(list_images(half_a)), len(kept)), "2: list the two folders and compare their names"
    answered.append(2)
if ex3_first_reader is not None:
    small = ShapesDomain("b", "test", size=32, n=N)
    x32 = torch.stack([small[i] for i in range(N)])
    truth32 = [small.ground_truth(i) for i in range(N)]
    scores = {"mask": np.mean(mask_iou(shape_mask(x32, "b"), np.stack([r.mask() for r in truth32]))),
              "colour": np.mean([c == r.colour for c, r in zip(classify_colour(x32), truth32)]),
              "texture": np.mean([t == r.texture for t, r in zip(classify_texture(x32), truth32)])}
    assert ex3_first_reader == min(scores, key=scores.get), f"3: measured at 32 px: {scores}"
    answered.append(3)
if ex4_circle_iou is not None:
    for k in (1.0, 1.2, 1.5, 2.0):
        assert abs(ex4_circle_iou(k) - 1 / k ** 2) < 1e-6, "4: the small disc lies inside the large one"
    answered.append(4)
if ex5_missing_file is not None:
    listing = TMP / "missing_list.txt"
    listing.write_text("no_such_image.png\n", encoding="utf-8")
    try:
        read_file_list(listing)
        truth = "skips it"
    except FileNotFoundError:
        truth = "raises"
    assert ex5_missing_file == truth, "5: try it with a list that names a file that is not there"
    answered.append(5)
if answered:
    print("correct:", answered)

# %%
# NBVAL_CHECK_OUTPUT
tmp.cleanup()  # delete every file this notebook wrote
assert not TMP.exists()
print("temporary files removed")

# %% [markdown]
# ## Solutions
#
# <details><summary>Solution to exercise 1</summary>
#
# No, yes. The same random numbers are drawn, but the first now decides the flip
# instead of the crop's corner, so a given seed gives another output. Each choice keeps its law and
# they stay independent, so the distribution is the same.
#
# ```python
# ex1_answers = (False, True)
# ```
#
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# 4 files, and no pair: the files are shuffled, A takes the left halves of one half of them and B
# the right halves of the other, so no pair survives, at the price of half the data in each domain.
# The default split keeps all 8 in both, as the preparation behind the paper's numbers did.
#
# ```python
# ex2_disjoint = (4, 0)
# ```
#
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# The mask reader. The texture period halves with the size (6 px at 32), so texture and
# colour are still read; the anti-aliased edge stays one pixel wide, a larger share of a smaller shape.
#
# ```python
# ex3_first_reader = "mask"
# ```
#
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# The scaled circle contains the original: IoU $= \pi r^2 / (\pi k^2 r^2) = 1/k^2$.
#
# ```python
# ex4_circle_iou = lambda k: 1 / k ** 2
# ```
#
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# It raises `FileNotFoundError`, naming the missing file.
#
# ```python
# ex5_missing_file = "raises"
# ```
#
# </details>
#
# ## References
#
# - X. Huang, M.-Y. Liu, S. Belongie, J. Kautz. *Multimodal Unsupervised Image-to-Image Translation.*
#   ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - P. Isola, J.-Y. Zhu, T. Zhou, A. A. Efros. *Image-to-Image Translation with Conditional
#   Adversarial Networks* (pix2pix). CVPR 2017. [arXiv:1611.07004](https://arxiv.org/abs/1611.07004).
#   Paired translation; the side-by-side files of section 5.
# - J.-Y. Zhu, T. Park, P. Isola, A. A. Efros. *Unpaired Image-to-Image Translation using
#   Cycle-Consistent Adversarial Networks* (CycleGAN). ICCV 2017.
#   [arXiv:1703.10593](https://arxiv.org/abs/1703.10593).
# - M.-Y. Liu, T. Breuel, J. Kautz. *Unsupervised Image-to-Image Translation Networks* (UNIT).
#   NeurIPS 2017. [arXiv:1703.00848](https://arxiv.org/abs/1703.00848).
