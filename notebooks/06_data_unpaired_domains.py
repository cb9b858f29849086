# %% [markdown]
# # 06 · Data: two unpaired domains
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/06_data_unpaired_domains.ipynb)
#
# Notebooks 01-05 built MUNIT's networks and losses and ran a training step on random tensors.
# Before we train for real (notebook 07), we need what MUNIT learns from: **two sets of images,
# one per domain, with no pairs between them**. This notebook is about that data: the layout the
# original project reads, the two synthetic domains this course trains on (whose every factor is
# known, so that we can *score* a translation), the pipeline from a file to a tensor, and the real
# folders you may bring yourself.
#
# **What you will learn**
#
# - why MUNIT needs two *unpaired* domains, and the original project's folder layout
#   (`trainA/ trainB/ testA/ testB/`);
# - the synthetic shapes domains: sketches (domain A) and paintings (domain B), with their ground
#   truth, and why one sketch has 128 correct paintings: multimodality by construction;
# - the paper's image pipeline (resize the short side, random crop, flip, scale to $[-1, 1]$),
#   built by hand and proved equal to `munit_lib.data`;
# - writing a dataset to disk, reading it back as two unpaired domains, and drawing reproducible
#   batches from them;
# - real folders: splitting pix2pix pairs into unpaired halves, odd image files, and the errors you
#   get when a folder is wrong;
# - the ground-truth measures that later notebooks use to score a trained model: content IoU,
#   style diversity and example-guided fidelity.

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
import io
import tempfile
from pathlib import Path

import numpy as np
import torch
import matplotlib.pyplot as plt
from PIL import Image
from torch.testing import assert_close

from munit_lib.course import setup
from munit_lib.data import (BACKGROUNDS, DATASETS, KINDS, PALETTE, TEXTURES, ImageFolderDomain, ImageLoadError,
                            ShapesDomain, UnpairedLoader, image_to_tensor, list_images, load_ground_truth,
                            load_image, make_shapes_dataset, render_painting, render_sketch, sample_style,
                            split_side_by_side, tensor_to_uint8, test_transform, train_transform,
                            unpaired_domains, unpaired_loader, read_file_list, batch_stream)
from munit_lib.data.shapes import SHADE_FACTOR  # a texture's ink is the fill colour times this
from munit_lib.shapes_metrics import (classify_colour, classify_texture, content_iou, example_guided_fidelity,
                                      mask_iou, shape_mask, style_diversity)

PROFILE = setup()  # seeds torch with 0, pins the thread count under CI, PNG figures
SIZE = 64  # pixels: every image in this notebook is 64x64, small enough for a laptop (and CI)

# %% [markdown]
# ## 1. Two domains, no pairs
#
# A *paired* translation method such as pix2pix learns from examples $(x_a, x_b)$ of the same
# object in both domains (an edge map and the photo it was traced from) and compares its output with
# $x_b$ directly. Such pairs are expensive or impossible to collect: nobody has a photo of a
# winter scene and the same scene in summer from the same spot, or a cat and "the same" dog.
#
# MUNIT needs only two *sets* of images, $\{x_a\} \sim p(x_a)$ and $\{x_b\} \sim p(x_b)$. Look
# back at its losses (notebook 05): every reconstruction loss compares an image, or a code, with a
# reconstruction **of itself**, and the adversarial losses compare a *distribution* of translations
# with a *distribution* of real images. No loss ever needs to know which $x_b$ goes with which
# $x_a$. So a training iteration simply draws one batch from each domain, independently.
#
# The original project therefore reads a dataset as four folders under one root (its `data_root`
# option), one per domain and split:
#
# ```
# datasets/edges2shoes/
#     trainA/    edge maps for training            testA/    edge maps for testing
#     trainB/    shoe photos for training          testB/    shoe photos for testing
# ```
#
# or, instead of folders, text files listing the images of each (its `data_list_train_a` and friends).
# `munit_lib.data` reads both, in the same layout. Nothing in the layout pairs file `trainA/7.png`
# with `trainB/7.png`; even equal names mean nothing.
#
# Real data have one weakness for a course: they cannot tell us whether a translation kept the
# content of its input, or how many different styles a model produces for one input. For that we
# need domains whose every factor is known.

# %% [markdown]
# ## 2. The synthetic shapes domains
#
# `munit_lib.data.shapes` draws two toy domains that mimic edges2shoes at a scale a CPU can train on:
#
# - **Domain A, sketches**: the dark outline of one shape on white paper, like an edge map.
# - **Domain B, paintings**: a shape filled with a **style** made of three named factors: a fill
#   colour, a texture drawn in a darker shade of that colour, and a light background.
#
# Both share the **content**: which shape (its *kind*), where (centre), how big (scale) and how
# turned (rotation). The style exists only in B, as the colour and texture of a shoe exist only in
# its photo. Here are the factors:

# %%
print(f"kinds ({len(KINDS)}):       ", ", ".join(KINDS))
print(f"colours ({len(PALETTE)}):     ", ", ".join(PALETTE))
print(f"textures ({len(TEXTURES)}):    ", ", ".join(TEXTURES))
print(f"backgrounds ({len(BACKGROUNDS)}): ", ", ".join(BACKGROUNDS))
n_styles = len(PALETTE) * len(TEXTURES) * len(BACKGROUNDS)
print("paintings per sketch:", n_styles)
assert len(KINDS) >= 5 and n_styles == 128

# %% [markdown]
# `ShapesDomain` is a PyTorch `Dataset` that draws them on demand: item `i` is a float tensor
# `(3, 64, 64)` in $[-1, 1]$, and `image(i)` the same picture as a `uint8` array. Every image comes
# from its own random stream, seeded by `(seed, split, domain, index)`, so item 5 is the same on
# every machine and a dataset of 16 images is the first 16 of one of 1000.

# %%
sketches = ShapesDomain("a", "train", size=SIZE, n=16, seed=0)
paintings = ShapesDomain("b", "train", size=SIZE, n=16, seed=0)
print(sketches)
print(paintings)
print("item:", tuple(sketches[0].shape), sketches[0].dtype, f"| range {sketches[0].min():.3f} to {sketches[0].max():.3f}")
print("image(0):", sketches.image(0).shape, sketches.image(0).dtype)

# %%
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
# Sketch $i$ and painting $i$ are **not** a pair: they come from different random streams, so
# their kinds, positions and sizes have nothing to do with each other. The data are unpaired by
# construction.

# %%
kinds_a = [sketches.ground_truth(i).kind for i in range(16)]
kinds_b = [paintings.ground_truth(i).kind for i in range(16)]
print("kinds in A:", kinds_a[:8])
print("kinds in B:", kinds_b[:8])
print("same kind at the same index:", sum(ka == kb for ka, kb in zip(kinds_a, kinds_b)), "of 16")

# %% [markdown]
# ### Ground truth
#
# `ground_truth(i)` returns a `ShapeRecord`: the domain, the geometry (kind, centre `cx, cy` and
# scale as fractions of the image size, rotation in degrees) and, for paintings, the style.
# `record.mask()` re-draws the shape's region as a boolean mask: a pixel belongs to the shape when
# the shape covers at least half of it. The images are drawn at 4× the size and averaged down, so
# the edges are anti-aliased and the mask rule is exact.

# %%
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
# Here is the property that MUNIT is about. A sketch fixes the content; it says nothing about the
# colour, the texture or the background. Every one of the 128 styles gives a **correct** painting
# of it. A translation model from A to B that outputs one painting per sketch (as pix2pix or
# CycleGAN do) can at best reach one of them; MUNIT samples a style code $s \sim \mathcal{N}(0, I)$
# and should reach them all.
#
# We take the geometry of sketch 0 and paint it with eight random styles (`sample_style`). These
# are *ideal translations*: the shape is exactly the sketch's, pixel for pixel.

# %%
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
# A texture is a pattern with a period $p$ (`texture_period`: 12 px at 64 px). Stripes, for one,
# are dark where $\left((y - y_0) / p\right) \bmod 1 \ge \tfrac12$, and the data have to say where the
# pattern's origin $y_0$ lies. By default it is the image's corner ($y_0 = 0$, `texture_anchor="canvas"`):
# a stripe falls on the same rows in every painting, wherever the shape sits. With
# `texture_anchor="shape"` the origin is the shape's centre ($y_0 = c_y \cdot$ size): the pattern moves
# with the shape, as a real object's texture does. We build the shape-pinned stripes by hand and
# check them against `render_painting`:

# %%
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
# The same shape at three places, under each rule. Pinned to the canvas (top), the stripes stay on
# the same rows while the shape moves across them; pinned to the shape (bottom), the shape carries
# its stripes along:

# %%
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
# Why it matters (notebook 07, section 5.3, measures it): a decoder built of convolutions draws the
# same thing wherever a shape sits, so from a style code of 8 numbers it can say "stripes" but not
# "on rows 0-5, 12-17, ...". With canvas-pinned textures the only way to reconstruct a painting's
# exact stripes is to carry them in the content code, and the texture leaves the style.
# `ShapesDomain(..., texture_anchor="shape")` (or `texture_anchor: shape` in a config) gives the
# shape-pinned data; the course's fast recipe trains on it. Every other model of the course was
# trained on the canvas-pinned default, which stays the default.

# %% [markdown]
# ## 3. From pixels to tensors, by hand
#
# The generators end in $\tanh$, so images are fed in the same range:
# $$ x = \frac{2\,p}{255} - 1 \in [-1, 1], $$
# for an 8-bit pixel value $p$, with channels first, `(C, H, W)`. That is `image_to_tensor`;
# `tensor_to_uint8` goes back (rounded and clamped), losslessly for 8-bit images.

# %%
pixels = paintings.image(3)  # uint8 (64, 64, 3)
by_hand = torch.from_numpy(pixels).permute(2, 0, 1).float() * (2 / 255) - 1  # (H, W, C) -> (C, H, W)
assert_close(by_hand, image_to_tensor(pixels))
assert_close(by_hand, paintings[3])  # the dataset's item
assert np.array_equal(tensor_to_uint8(by_hand), pixels)  # and back, exactly
print("tensor:", tuple(by_hand.shape), f"| min {by_hand.min():.4f} | max {by_hand.max():.4f}")


# %% [markdown]
# ### The paper's transform
#
# MUNIT trains on random square patches. For edges2shoes: resize the image so that its **short
# side** is `new_size` = 256 (keeping the aspect ratio), take a random `crop` × `crop` = 256 × 256
# patch, flip it left-right with probability 1/2, and scale to $[-1, 1]$. At test time
# `munit_lib` takes the *centre* crop and no flip, so that an evaluation sees the same pixels on
# every run (the original code kept the random crop at test time as well).
#
# We rebuild both pipelines with PIL and torch, in small: a 96 × 64 image, `new_size = 48`,
# `crop = 40`. The random choices (the crop's corner, the flip) are drawn from torch's global
# generator in the same order as torchvision does, so under the same seed the two must agree.

# %%
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
# The course's shapes images are already square and at the training size, so there `new_size` and
# `crop` both equal the image size: the resize and the crop do nothing and only the flip remains
# (it keeps both domains valid: a flipped shape is still a shape). With real photos the crop
# matters: it is where most of the augmentation of the paper comes from.

# %% [markdown]
# ## 4. On disk, in the original layout
#
# `make_shapes_dataset(root, size, n_train, n_test, seed)` writes both domains as PNG files in the
# original layout, plus `ground_truth.json` with every factor of every file. It writes into a
# temporary folder beside `root` and renames it into place at the end, so an interrupted run leaves
# nothing half-written; called again with the same arguments it reuses the folder.
#
# We write a small one (24 training and 8 test images per domain) into a temporary directory, which
# we delete at the end of section 5. To keep the printed text the same on every machine we show
# paths relative to that directory.

# %%
tmp = tempfile.TemporaryDirectory(prefix="munit_nb06_")
TMP = Path(tmp.name)


def show(path):
    # a path relative to the temporary directory, or a message with it masked
    return str(path).replace(str(TMP), "<tmp>")


root = make_shapes_dataset(TMP / "shapes64", size=SIZE, n_train=24, n_test=8, seed=0, progress=False)
print(show(root))
for entry in sorted(root.iterdir()):
    if entry.is_dir():
        files = sorted(p.name for p in entry.iterdir())
        print(f"  {entry.name + '/':<8} {len(files):>3} files: {files[0]}, {files[1]}, ..., {files[-1]}")
    else:
        print(f"  {entry.name}")

# %% [markdown]
# The files are the `ShapesDomain` items, byte for byte, and the ground truth on disk is the
# records we printed above. A second dataset made with the same seed in another folder has
# identical bytes: the data are a pure function of the seed.

# %%
truth = load_ground_truth(root)
print({folder: len(records) for folder, records in truth.items()})
for split, n in (("train", 24), ("test", 8)):
    for d in ("a", "b"):
        memory = ShapesDomain(d, split, size=SIZE, n=n, seed=0)
        on_disk = ImageFolderDomain(root / f"{split}{d.upper()}")  # no transform: PIL images
        assert len(on_disk) == len(memory) == n
        for i in range(n):
            assert np.array_equal(np.asarray(on_disk[i]), memory.image(i))
            assert truth[f"{split}{d.upper()}"][f"{i:06d}.png"] == memory.ground_truth(i)
print("every file equals its ShapesDomain item, and every record its ground truth")

again = make_shapes_dataset(TMP / "shapes64_again", size=SIZE, n_train=24, n_test=8, seed=0, progress=False)
same = all((again / p.relative_to(root)).read_bytes() == p.read_bytes() for p in root.rglob("*") if p.is_file())
print("same seed, same bytes:", same)
assert same

# %% [markdown]
# ### Two unpaired domains from the folders
#
# `unpaired_domains(root, split)` returns the two domains of a root in the original layout as
# `ImageFolderDomain`s (every image under `{split}A/` and `{split}B/`, sorted; or the lists
# `{split}A.txt`, `{split}B.txt`), with the paper's pipeline attached: the training transform for
# `"train"`, the centre crop for `"test"`. Sizes come from the arguments or from a `MUNITConfig`
# (`new_size`, `image_size`, `input_dim_a`, `input_dim_b`).

# %%
train_a, train_b = unpaired_domains(root, "train", new_size=SIZE, crop=SIZE)
test_a, test_b = unpaired_domains(root, "test", new_size=SIZE, crop=SIZE)
print(show(repr(train_a)))
print(show(repr(test_b)))
print("transform:", [type(t).__name__ for t in train_a.transform.transforms])
for i in range(len(test_a)):  # test: no flip, no crop at this size, so exactly the in-memory items
    assert_close(test_a[i], ShapesDomain("a", "test", size=SIZE, n=8)[i])
print("test items equal the in-memory tensors")

# %% [markdown]
# ### Drawing batches: `UnpairedLoader`
#
# A training iteration needs one batch from A and one from B. `UnpairedLoader` gives them, each
# domain **shuffled on its own**: domain A walks one random permutation of its images after another,
# and domain B walks its own. It is a thin view of `batch_stream`, the stream the trainer of
# notebook 07 reads, so batch $t$ here is batch $t$ of a training run with the same seed: one path
# draws unpaired batches, in this notebook and in training. An epoch (`for ... in loader`) is the next
# `len(loader)` batches of that stream, enough to show the shorter domain once, as in the original
# training loop. To see the shuffling, we feed it two "datasets" that are just the numbers 0 to 11,
# so each batch shows which indices it drew.

# %%
# NBVAL_IGNORE_OUTPUT
# (the exact orders come from torch's random permutations, which may change between torch versions:
# the tests do not compare this printout; the next cell checks what must hold)
indices = UnpairedLoader(torch.arange(12), torch.arange(12), batch_size=4, seed=0)
print("batches per epoch:", len(indices))
for epoch in range(2):
    for step, (batch_a, batch_b) in enumerate(indices):
        print(f"epoch {epoch} step {step}:  A {batch_a.tolist()}  B {batch_b.tolist()}")

# %%
epochs = [[(a.tolist(), b.tolist()) for a, b in indices] for _ in range(2)]
for batches in epochs:
    order_a = [i for a, _ in batches for i in a]  # the epoch's order in domain A
    order_b = [i for _, b in batches for i in b]
    assert all(len(a) == len(b) == 4 for a, b in batches)
    assert sorted(order_a) == sorted(order_b) == list(range(12))  # every item once per epoch, in each domain
    assert order_a != order_b  # each domain shuffled on its own
assert epochs[0] != epochs[1]  # a new shuffle every epoch
print("every epoch: each item once per domain, in batches of 4; A and B in different orders; reshuffled each epoch")


# %% [markdown]
# The two domains are drawn in different orders, and each epoch reshuffles: a sketch meets a
# different painting every time, which is what "unpaired" means in practice.
#
# Everything random comes from `seed`: both shuffles **and** the augmentations (the random flips of
# `train_transform` draw from torch's global generator; each image's transforms run under a forked
# generator with a seed of its own, so the rest of your program's random state is left as it was).
# The same seed gives the same batches, flips included; `unpaired_loader(..., epochs=None)` (or
# `loader.forever()`) is the endless stream, which is what a loop that counts iterations wants, and
# it is exactly what the trainer draws (the last check below). No batch is ever short: when the batch
# size does not divide a domain, a batch ends one permutation and starts the next.

# %%
def first_batches(seed, n=4):
    return [pair for pair, _ in zip(UnpairedLoader(train_a, train_b, batch_size=4, seed=seed), range(n))]


state = torch.get_rng_state()
run1, run2, other = first_batches(0), first_batches(0), first_batches(1)
assert torch.equal(state, torch.get_rng_state())  # the global generator was not touched
x_a, x_b = run1[0]
print("one batch:", tuple(x_a.shape), tuple(x_b.shape))
print("seed 0 twice, same batches:", all(torch.equal(p, q) for r, s in zip(run1, run2) for p, q in zip(r, s)))
print("seed 1, same batches as seed 0:", all(torch.equal(p, q) for r, s in zip(run1, other) for p, q in zip(r, s)))

stream = unpaired_loader(train_a, train_b, batch_size=4, seed=0)  # forever
n_iterations = sum(1 for _, _ in zip(stream, range(15)))
print("iterations drawn from an endless loader:", n_iterations, "(6 per epoch)")

trainers = batch_stream([train_a, train_b], batch_size=4, seed=0)  # what Trainer.fit draws from
same_as_training = all(torch.equal(p, q) for r, s in zip(run1, trainers) for p, q in zip(r, s))
assert same_as_training
print("the loader's batches are the trainer's:", same_as_training)

# %%
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
# ## 5. Real folders
#
# ### Paired datasets, made unpaired
#
# The paper's main benchmarks, edges2shoes and edges2handbags, come from pix2pix, where each file
# holds a *pair* side by side: the edge map on the left, the photo on the right. To use them
# without pairs, `split_side_by_side` cuts every file in two and writes the left halves to
# `{split}A/` and the right halves to `{split}B/`. By default it does what the original project
# did: every file's halves go to both folders. All the data is used, the pairs hide in it, and the
# training loop never shows them together (each domain is shuffled on its own); this is the
# preparation behind the paper's numbers, so use it to compare with them. With `disjoint=True` it
# shuffles the files (with `seed`) and takes A's halves from one half of the files and B's from
# the other, so that no photo's own edge map is in domain A: the domains are then strictly
# unpaired, with half the data each. Below we use the disjoint option, and count the default.
#
# We make a tiny pix2pix-style dataset of our own, "edges2shapes": eight 128 × 64 files, each a
# sketch and a painting of the **same** geometry, side by side.

# %%
pairs = TMP / "edges2shapes" / "train"
pairs.mkdir(parents=True)
source = ShapesDomain("b", "train", size=SIZE, n=8, seed=1)
for i in range(8):
    record = source.ground_truth(i)
    left, _ = render_sketch(record.geometry, SIZE)
    right, _ = render_painting(record.geometry, record.style, SIZE)
    Image.fromarray(np.concatenate([left, right], axis=1)).save(pairs / f"{i}_AB.png")  # edges | photo

print("pairs:", [p.name for p in list_images(pairs)], "| size", Image.open(pairs / "0_AB.png").size)
both_a, both_b = split_side_by_side(pairs, TMP / "edges2shapes_both", "train", progress=False)  # the original's
print("default:", len(list_images(both_a)), "files in A and", len(list_images(both_b)), "in B")
folder_a, folder_b = split_side_by_side(pairs, TMP / "edges2shapes_unpaired", "train", disjoint=True, seed=0,
                                        progress=False)
names_a = [p.name for p in list_images(folder_a)]
names_b = [p.name for p in list_images(folder_b)]
print(show(folder_a), names_a)
print(show(folder_b), names_b)
assert not set(names_a) & set(names_b)  # disjoint halves: no pair survives
for name in names_a:  # A is the left half, B the right half, pixel for pixel
    assert np.array_equal(np.asarray(load_image(folder_a / name)), np.asarray(Image.open(pairs / name))[:, :SIZE])
for name in names_b:
    assert np.array_equal(np.asarray(load_image(folder_b / name)), np.asarray(Image.open(pairs / name))[:, SIZE:])

# %%
fig, axes = plt.subplots(1, 3, figsize=(8, 2.2), gridspec_kw={"width_ratios": [2, 1, 1]})
axes[0].imshow(Image.open(pairs / names_a[0]))
axes[0].set_title(f"pair {names_a[0]} (edges | photo)", fontsize=8)
axes[1].imshow(load_image(folder_a / names_a[0]))
axes[1].set_title(f"trainA/{names_a[0]}", fontsize=8)
axes[2].imshow(load_image(folder_b / names_b[0]))
axes[2].set_title(f"trainB/{names_b[0]}", fontsize=8)
for ax in axes:
    ax.set_xticks([]), ax.set_yticks([])
fig.tight_layout()
plt.show()

# %% [markdown]
# (Files of unusual kinds, and the errors for files and folders that cannot be read, are in the
# appendix at the end.)
#
# ### The paper's datasets
#
# `munit_lib.data` can download edges2shoes, edges2handbags (the pix2pix archives, then split into
# unpaired halves as above) and Animal Faces-HQ (written as image lists for a pair of its cat, dog
# and wild domains). Downloads only happen when you call them; they resume when interrupted and are
# checked with SHA-256 once a checksum is recorded. They are large (several gigabytes each), so
# this notebook never runs them. To use one:
#
# ```python
# from munit_lib.data import download_edges2shoes, unpaired_domains
# root = download_edges2shoes("data")        # data/edges2shoes_unpaired/{trainA, trainB, testA, testB}
# train_a, train_b = unpaired_domains(root, "train")   # 256x256 random crops, as in the paper
# ```
#
# The table of sources (nothing is downloaded here):

# %%
for name, source in DATASETS.items():
    print(f"{name:<15} unpacks to {source.folder + '/':<16} checksum: {source.sha256 or 'not recorded'}")
    print(f"{'':<15} {source.url}")

# %% [markdown]
# ## 6. Scoring translations with the ground truth
#
# Later notebooks train MUNIT on these domains and then ask: did a translation keep its input's
# shape? Does one sketch give many styles? Does example-guided translation copy the reference's
# style? A generator's output comes with no record, so `munit_lib.shapes_metrics` reads the factors
# back **from pixels alone**:
#
# - `shape_mask(image, domain)`: the shape's region. In a sketch, the outline and everything it
#   encloses (a flood fill from the border through the light paper finds the background); in a
#   painting, the pixels far from the background colour (the median colour of the border).
# - `classify_colour(image)`: each shape pixel votes for the nearest palette colour (or its darker
#   shade); the most voted wins.
# - `classify_texture(image)`: which shape pixels are in the darker shade, and how they are
#   arranged: none (solid), constant along rows (stripes), alternating along rows and columns
#   (checks), or in between (dots).
#
# Before we trust them on a model's outputs, we check them on real samples, where the answer is
# known: 64 test images per domain.

# %%
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
# The readers are short enough to write ourselves. A **painting mask**: the background colour is
# the median of the one-pixel frame (the shape never touches the border), and a pixel belongs to
# the shape when its RGB distance to that colour is more than half the distance a typical shape
# pixel has (a pixel half covered by the anti-aliased edge is in, as in the ground-truth masks).
# The **colour**: each pixel inside the mask votes for the nearest of the 8 palette colours and
# their 8 darker shades (the texture's ink, `SHADE_FACTOR` times the colour); a shade votes for its
# colour; the most voted colour wins.

# %%
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
# The library's reader differs in two details: it votes only with the mask's *interior* (one
# pixel in from the anti-aliased edge, whose colours are mixtures), and it allows for rounding at
# the half-coverage threshold.
#
# The **texture** takes one more idea. Knowing the colour, a shape pixel is *dark* when it is
# nearer the colour's shade than the colour itself. With $f$ the dark fraction of the shape and
# $f_r$ that of row $r$ (holding $n_r$ shape pixels, $n$ in all), the share of the dark map's
# variance that the rows explain is
#
# $$ s_	ext{rows} = rac{\sum_r n_r (f_r - f)^2}{n f (1 - f)}, $$
#
# and $s_	ext{cols}$ likewise; $s = \max(s_	ext{rows}, s_	ext{cols})$. Solid paint has almost no
# dark pixels ($f < 0.08$); horizontal stripes are constant along each row ($s pprox 1$); checks
# alternate along rows *and* columns, so neither explains much ($s pprox 0$); dots lie in between.

# %%
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
# (The library measures the dark fraction on the mask's interior, again one pixel in from the
# edge, where a mixed pixel could count as dark or not.)
#
# ### Content IoU: did the translation keep the shape?
#
# $$ \text{content IoU} = \frac{|M(x) \cap M(\hat x)|}{|M(x) \cup M(\hat x)|}, $$
#
# with $M(x)$ the region read from the source image and $M(\hat x)$ the one read from its
# translation (each with its own domain's reader, so it works for A → B and B → A), averaged over
# the pairs. An ideal translation scores 1. We check the measure with four "models" that need no
# training:
#
# - an **oracle**: paint each test sketch's own geometry with a random style (the ideal A → B);
# - the oracle the other way: draw the sketch of each test painting's geometry (the ideal B → A);
# - a model that **ignores its input** and outputs a perfect, random painting (an unpaired one);
# - the oracle's output **shifted** by 8 pixels, and a blank canvas.

# %%
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
# A model that paints beautifully but ignores its input is caught: two random shapes overlap
# little. This is the question that the discriminator alone cannot answer (its outputs look real),
# and it is exactly what the content code and the reconstruction losses are for.
#
# ### Style diversity: one input, how many styles?
#
# For one sketch, translate it many times with random style codes and read the colour and texture of
# every output. `style_diversity` counts the distinct colours (of 8), textures (of 4) and
# colour-texture pairs (of 32) they reach. We compare the oracle with a **mode-collapsed** model,
# one that gives every output the same style: a perfect but unimodal translator, which is what a
# deterministic model such as CycleGAN is at best.

# %%
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

# %% [markdown]
# Even the oracle does not reach all 32 pairs with 32 draws: random draws repeat. With $n$ draws
# out of $m$ equally likely styles, $m\,(1 - (1 - 1/m)^n)$ distinct ones are expected, here
# $32\,(1 - (31/32)^{32}) \approx 20.5$. Compare a model with that ceiling, not with 32.
#
# ### Example-guided fidelity: does the output take the reference's style?
#
# MUNIT can also translate with the style code **of a given image**: encode a reference painting
# with $E^s_b$, decode the sketch's content with it. The output should have the reference's colour
# and texture. `example_guided_fidelity(outputs, references)` reads both and returns the fraction of
# pairs that agree on the colour, on the texture, and on both. The oracle paints each sketch with
# its reference's exact style; a model that ignores the reference draws a random style and agrees by
# chance only (1/8 for the colour, 1/4 for the texture, 1/32 for both).

# %%
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
# These three measures, with the readers' agreement printed above as their ceiling, are how
# notebooks 08-10 judge a trained model: content IoU for content preservation (the paper's question
# "is the translation faithful to its input?"), style diversity for multimodality, and example-guided
# fidelity for the style encoder. On real data the paper has to use proxies (LPIPS distance for
# diversity, human preference for quality); here the answers are exact.
#
# ## Summary
#
# - MUNIT learns from two **unpaired** sets of images: every loss compares an image or code with its
#   own reconstruction, or a distribution with a distribution. The original project reads them from
#   `trainA/ trainB/ testA/ testB/` under one root (or from image lists); so does
#   `munit_lib.data.unpaired_domains`.
# - The **shapes domains** are sketches (A: an outline of one of 6 kinds) and paintings (B: a shape
#   filled with one of 8 colours × 4 textures × 4 backgrounds). Their content is shared, their style
#   lives only in B, and every image has a ground-truth record. One sketch has 128 correct
#   paintings: multimodal by construction.
# - The paper's pipeline (short side to `new_size`, random `crop`, random flip, $2p/255 - 1$) was
#   rebuilt with PIL and torch and proved equal to `train_transform` and `test_transform`.
# - `make_shapes_dataset` writes the domains in the original layout, byte-identical for a seed;
#   `UnpairedLoader` shuffles each domain on its own, and the same seed gives the same batches,
#   augmentations included: the very batches the trainer draws (`batch_stream`).
# - Real folders: `split_side_by_side` turns pix2pix pairs into two unpaired folders, every file in
#   both as the original prepares them (`disjoint=True`: from disjoint halves of the files),
#   `load_image` copes with grayscale, palette, transparent and 16-bit files, and bad files and
#   folders fail early with a message that names them.
# - The readers agree with the ground truth on at least 95% of test samples, which makes **content
#   IoU**, **style diversity** and **example-guided fidelity** trustworthy scores for the models of
#   the next notebooks.
#
# Next, notebook 07 trains MUNIT on these two domains.
#
# ## Exercises
#
# 1. Move the flip in `paper_transform_by_hand` before the crop. Is the result still equal to
#    `train_transform` for every seed? Is it still the same *distribution* of outputs? Why does the
#    order of the random draws matter for reproducibility?
# 2. `split_side_by_side(...)` keeps every file in both domains by default. Write a check that
#    finds the hidden pairs in the result (hint: `content_iou` between `trainA/x.png` and
#    `trainB/x.png`). How would a model be able to cheat if the pairs stayed?
# 3. Make the shapes domains at 32 px (`ShapesDomain(..., size=32)`) and measure the readers'
#    agreement again. Which reader suffers first, and why (hint: `texture_period`)?
# 4. A model outputs the right shape, slightly bigger. Render the oracle painting with
#    `dataclasses.replace(geometry, scale=1.2 * geometry.scale)` and compute its content IoU. What
#    IoU does a scale factor $k$ give for a circle, in theory?
# 5. Write an image list `trainA.txt` (one relative path per line) that takes only the circles and
#    squares of a shapes dataset, using `load_ground_truth`, and read it with `unpaired_domains`.
#    What does the loader do if a listed file is missing?
#
# Each exercise has a check: put your answer in place of `None` and run the cell. It stays silent for
# answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
ex1_answers = None        # 1. (still equal for every seed?, still the same distribution?) as two booleans
ex2_hidden_pairs = None   # 2. how many hidden pairs a default split of the 8 edges2shapes files holds
ex3_first_reader = None   # 3. the reader that suffers first at 32 px: "mask", "colour" or "texture"
ex4_circle_iou = None     # 4. a function k -> content IoU of a circle scaled by k >= 1 about its centre
ex5_missing_file = None   # 5. what reading a list with a missing file does: "skips it" or "raises"

answered = []
if ex1_answers is not None:
    assert tuple(ex1_answers) == (False, True), "1: same random draws, used in another order; same laws for each"
    answered.append(1)
if ex2_hidden_pairs is not None:
    kept_a, kept_b = split_side_by_side(pairs, TMP / "keep_all", "train", progress=False)
    hidden = {p.name for p in list_images(kept_a)} & {p.name for p in list_images(kept_b)}
    assert ex2_hidden_pairs == len(hidden), "2: every file gives both halves"
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

# %% [markdown]
# ## Appendix: odd files and clear errors
#
# ### Odd files
#
# Folders collected by people hold all sorts of files. `load_image` (which `ImageFolderDomain` uses)
# returns an RGB image (or grayscale with `channels=1`) whatever the file holds: grayscale images
# are repeated into three channels, palette images are expanded, transparency is composited on
# white (as on a page), 16-bit images are scaled to 8 bits, and a photo's EXIF rotation is applied.
# We write one file of each kind and load them.

# %%
odd = TMP / "odd"
odd.mkdir()
ramp = np.tile(np.linspace(0, 1, 32), (32, 1))  # (32, 32): dark on the left, light on the right
rgba = np.zeros((32, 32, 4), dtype=np.uint8)
rgba[..., 0], rgba[..., 3] = 200, 255
rgba[:, 16:, 3] = 0  # the right half is fully transparent
files = {
    "gray.png": Image.fromarray((255 * ramp).astype(np.uint8)),  # mode L
    "rgba.png": Image.fromarray(rgba),  # mode RGBA
    "palette.png": Image.fromarray(paintings.image(0)).convert("P", palette=Image.Palette.ADAPTIVE, colors=8),
    "deep.png": Image.fromarray((65535 * ramp).astype(np.uint16)),  # 16-bit grayscale
    "photo.jpg": Image.fromarray(paintings.image(1)),  # JPEG
}
print(f"{'file':<12}{'written as':<12}{'loaded as':<11}size")
loaded = {}
for name, img in files.items():
    img.save(odd / name)
    loaded[name] = load_image(odd / name)
    print(f"{name:<12}{img.mode:<12}{loaded[name].mode:<11}{loaded[name].size}")
    assert loaded[name].mode == "RGB" and loaded[name].size == img.size
print("gray.png with channels=1:", load_image(odd / "gray.png", channels=1).mode)

# the pixel values depend on Pillow's conversions (and JPEG's encoder), so we assert them instead
# of printing them: each left / right pixel, within a tolerance where a format rounds
def pixel(name, x):
    img = loaded[name]
    return np.asarray(img.getpixel((x, img.size[1] // 2)), dtype=float)

assert np.allclose(pixel("gray.png", 0), 0) and np.allclose(pixel("gray.png", 31), 255)  # grey repeated
assert np.allclose(pixel("deep.png", 0), 0) and np.allclose(pixel("deep.png", 31), 255)  # 16 bits -> 8
assert np.allclose(pixel("rgba.png", 0), (200, 0, 0)) and np.allclose(pixel("rgba.png", 31), 255)  # on white
assert np.abs(np.asarray(loaded["photo.jpg"], dtype=float) - paintings.image(1)).mean() < 8  # lossy, close
print("pixel values as expected")

# %% [markdown]
# The 16-bit ramp ends at 255 like the 8-bit one ($65535 / 257 = 255$), and the transparent half
# of the RGBA file became white. All five files are now one more domain folder:

# %%
odd_domain = ImageFolderDomain(odd, transform=test_transform(new_size=32, crop=32))
batch = torch.stack([odd_domain[i] for i in range(len(odd_domain))])
print(show(repr(odd_domain)))
print("files in order:", [p.name for p in odd_domain.paths], "| batch", tuple(batch.shape))

# %% [markdown]
# ### Clear errors
#
# What `munit_lib.data` cannot read, it says so, naming the file or folder and what it expected.
# A corrupt file raises `ImageLoadError` (a kind of `OSError`) when it is loaded; an empty or
# missing folder fails when the domain is built, before any training starts.

# %%
(odd / "corrupt.png").write_bytes(b"this is not a PNG file")
png = io.BytesIO()
Image.fromarray(paintings.image(2)).save(png, format="PNG")
(odd / "truncated.png").write_bytes(png.getvalue()[: len(png.getvalue()) // 2])  # a download cut in half
(TMP / "empty" / "trainA").mkdir(parents=True)

attempts = {
    "corrupt file": lambda: load_image(odd / "corrupt.png"),
    "truncated file": lambda: load_image(odd / "truncated.png"),
    "empty folder": lambda: ImageFolderDomain(TMP / "empty" / "trainA"),
    "missing folder": lambda: ImageFolderDomain(TMP / "no_such_folder"),
    "no test split": lambda: unpaired_domains(TMP / "edges2shapes_unpaired", "test"),
    "unknown split": lambda: unpaired_domains(root, "val"),
}
names_in_message = {  # what each message must name (the rest of its wording may change)
    "corrupt file": "corrupt.png", "truncated file": "truncated.png", "empty folder": "trainA",
    "missing folder": "no_such_folder", "no test split": "test", "unknown split": "val",
}
for what, attempt in attempts.items():
    try:
        attempt()
    except (OSError, ValueError) as err:
        # the message's wording comes partly from Pillow and may change: print its type, check its content
        assert names_in_message[what] in str(err), f"{what}: the message does not name {names_in_message[what]}"
        print(f"{what}: {type(err).__name__}, naming {names_in_message[what]!r}")
    else:
        raise AssertionError(f"{what} did not fail")
assert issubclass(ImageLoadError, OSError)

# %% [markdown]
# (The folder `odd/` now holds two broken files; `ImageFolderDomain(odd)` would still list them,
# and the first `odd_domain[i]` that reaches one raises the error above, naming it.)

# %%
tmp.cleanup()  # delete every file this notebook wrote
assert not TMP.exists()
print("temporary files removed")
