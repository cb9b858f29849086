# %% [markdown]
# # 00 · MUNIT: overview and set-up
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/00_overview_and_setup.ipynb)
#
# This course rebuilds **MUNIT**, *Multimodal Unsupervised Image-to-Image Translation* (Huang, Liu,
# Belongie and Kautz, ECCV 2018, [arXiv:1804.04732](https://arxiv.org/abs/1804.04732)), one piece per
# notebook. Every piece is written by hand first, then proved equal to the tested package
# `munit_lib`, which the later notebooks use to train and analyse real models.
#
# **What you will learn**
#
# - what you will have built by the end: a model that paints a sketch in many styles (below);
# - what *unpaired* and *multimodal* image-to-image translation mean, and why a one-to-one mapping is not enough;
# - MUNIT's central assumption: a **content** space shared by two domains and a **style** space for each;
# - how the series is organised, notebook by notebook;
# - how to check your environment, and a first contact with `munit_lib`: the four networks of a
#   generator, their parameter counts at the paper configuration, and the shapes of content and style codes.
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
import sys

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyBboxPatch

import munit_lib
from munit_lib import MUNIT, PROFILES, Generator, MUNITConfig, count_parameters
from munit_lib.course import setup
from munit_lib.data import ShapesDomain
from munit_lib.pretrained import pretrained
from munit_lib.viz import show_grid, to_image

PROFILE = setup()  # seeds everything, pins the thread count under CI, PNG figures

# %% [markdown]
# ## Where we are going
#
# This is what the course builds. The repository ships a MUNIT trained on two toy domains: **A**,
# black-on-white sketches of shapes, and **B**, the same kinds of shapes painted in a colour and a
# texture (notebook 06 makes these domains; notebook 07 trains the model). Give it a sketch it has
# never seen and a few random *style codes*, and it paints that sketch once per style: same shape,
# different paint. By notebook 08 you will know every layer this took, and will have trained one.

# %%
# NBVAL_CHECK_OUTPUT
shipped = pretrained("shapes")  # the shipped weights under data/, never downloaded
sketches = torch.stack([ShapesDomain("a", "test", size=shipped.image_size, n=4)[i] for i in range(4)])  # (4, 3, 64, 64)
paintings = shipped.translate_random(sketches, "a2b", num_styles=6, seed=0)  # (4, 6, 3, 64, 64)
print("sketches", tuple(sketches.shape), "-> paintings", tuple(paintings.shape), "(4 sketches x 6 styles)")
# the six paintings of one sketch differ from each other (several answers per input) ...
spread = paintings.std(dim=1).mean().item()
assert spread > 0.05, f"the six styles give near-identical paintings (spread {spread:.3f})"
fig = show_grid([[sketches[i]] + list(paintings[i]) for i in range(4)],
                col_titles=["sketch (A)"] + [f"style {k + 1}" for k in range(6)])
fig.suptitle("The shipped model: one sketch, six random styles", fontsize=10, y=1.02)
plt.show()


# %% [markdown]
# ## 1. The problem: unpaired, multimodal translation
#
# Image-to-image translation maps an image of one domain $\mathcal X_1$ (edge maps of shoes, summer
# landscapes, cats) to an image of another domain $\mathcal X_2$ (photos of shoes, winter
# landscapes, dogs). Two things make MUNIT's version of the problem hard:
#
# - **Unpaired data.** We have a set of images of each domain, but no pairs: no edge map comes with
#   *its* photo. We can learn the two marginal distributions $p(x_1)$ and $p(x_2)$, never the joint
#   one directly.
# - **Many right answers.** One edge map of a shoe fits a black leather shoe, a red canvas shoe, a
#   white trainer... The conditional distribution $p(x_2 \mid x_1)$ is *multimodal*. Earlier
#   unpaired methods, CycleGAN (Zhu et al., 2017) and UNIT (Liu et al., 2017), learn a deterministic
#   function $x_2 = f(x_1)$, so they return one answer per input. MUNIT returns a **distribution** of
#   answers: it samples. (BicycleGAN, Zhu et al., 2017, samples too, but learns from *paired* data;
#   DRIT, Lee et al., 2018, is a contemporary of MUNIT with the same content/attribute split.)
#
# ## 2. The partially shared latent space
#
# MUNIT assumes that every image is made of two parts:
#
# - a **content code** $c \in \mathcal C$, the structure that survives translation (the shape of the
#   shoe, the layout of the scene), from a space **shared** by both domains;
# - a **style code** $s_i \in \mathcal S_i$, what varies *within* a domain (colour, material,
#   texture), from a space **specific** to domain $i$, with a simple prior $s_i \sim \mathcal N(0, I)$.
#
# An image is generated as $x_1 = G_1^*(c, s_1)$ or $x_2 = G_2^*(c, s_2)$. MUNIT learns, for each
# domain $i$, a content encoder $E_i^c$, a style encoder $E_i^s$ and a decoder $G_i$ that together
# form an auto-encoder:
#
# $$ G_i\big(E_i^c(x_i),\, E_i^s(x_i)\big) \approx x_i . $$
#
# Translation **swaps the style**: keep the content of $x_1$ and decode it with a style of domain 2,
#
# $$ x_{1\to 2} = G_2\big(E_1^c(x_1),\, s_2\big), \qquad s_2 \sim \mathcal N(0, I). $$
#
# A new $s_2$ gives a new translation (multimodal); $s_2 = E_2^s(x_2)$ for an example image $x_2$ copies its
# style (example-guided translation). Training asks, besides realistic outputs, that the codes can be
# read back: $E_2^c(x_{1\to 2}) \approx c_1$ and $E_2^s(x_{1\to 2}) \approx s_2$.

# %%
# NBVAL_CHECK_OUTPUT
def box(ax, x, y, text, color, w=1.3, h=0.9):
    # a rounded box centred on (x, y)
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                facecolor=color, edgecolor="black", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def arrow(ax, start, end, style="-|>"):
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle=style, color="black", lw=1.2,
                                                          shrinkA=22, shrinkB=22))


IMAGE, NET, CONTENT, STYLE = "whitesmoke", "lightgray", "lightsteelblue", "navajowhite"
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
for ax in axes:
    ax.set_xlim(-0.2, 10.2)
    ax.set_ylim(0, 6)
    ax.axis("off")

# (a) the auto-encoder of domain 1
ax = axes[0]
box(ax, 0.8, 3, "$x_1$", IMAGE)
box(ax, 3.0, 4.5, "$E_1^c$", NET), box(ax, 3.0, 1.5, "$E_1^s$", NET)
box(ax, 5.3, 4.5, "$c_1$", CONTENT), box(ax, 5.3, 1.5, "$s_1$", STYLE)
box(ax, 7.4, 3, "$G_1$", NET)
box(ax, 9.4, 3, r"$\hat{x}_1$", IMAGE)
for start, end in [((0.8, 3), (3.0, 4.5)), ((0.8, 3), (3.0, 1.5)), ((3.0, 4.5), (5.3, 4.5)),
                   ((3.0, 1.5), (5.3, 1.5)), ((5.3, 4.5), (7.4, 3)), ((5.3, 1.5), (7.4, 3)), ((7.4, 3), (9.4, 3))]:
    arrow(ax, start, end)
ax.set_title("(a) within a domain: encode, decode, reconstruct", fontsize=11)
ax.text(5, 0.2, r"$G_1(E_1^c(x_1), E_1^s(x_1)) \approx x_1$", ha="center", fontsize=11)

# (b) translation from domain 1 to domain 2: the content of x_1 with a style of domain 2
ax = axes[1]
box(ax, 0.8, 4.5, "$x_1$", IMAGE)
box(ax, 3.0, 4.5, "$E_1^c$", NET)
box(ax, 5.3, 4.5, "$c_1$", CONTENT)
box(ax, 5.3, 1.5, "$s_2$", STYLE)
box(ax, 3.0, 1.5, r"$\mathcal{N}(0, I)$", "white")  # the prior we sample s_2 from
box(ax, 7.4, 3, "$G_2$", NET)
box(ax, 9.4, 3, r"$x_{1 \to 2}$", IMAGE)
for start, end in [((0.8, 4.5), (3.0, 4.5)), ((3.0, 4.5), (5.3, 4.5)), ((5.3, 4.5), (7.4, 3)), ((3.0, 1.5), (5.3, 1.5)),
                   ((5.3, 1.5), (7.4, 3)), ((7.4, 3), (9.4, 3))]:
    arrow(ax, start, end)
ax.set_title("(b) across domains: swap the style", fontsize=11)
ax.text(5, 0.2, "content code: shared by both domains; style code: specific to each", ha="center", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Notation: 1 and 2 in the paper, `a` and `b` in the code
#
# The paper numbers the domains 1 and 2; `munit_lib` (like the original code) calls them `a` and `b`.
# They are the same thing: **domain 1 is `a`, domain 2 is `b`**, so $E_1^c$ is `gen_a.enc_content`
# and $x_{1\to 2}$ is a translation `"a2b"`. Throughout the course, equations use 1/2 when they quote
# the paper and $a$/$b$ when they sit next to code; in the shapes domains `a` is always the
# sketches and `b` the paintings.
#
# | paper | `munit_lib` |
# |---|---|
# | $E_1^c$, $E_1^s$ | `model.gen_a.enc_content`, `model.gen_a.enc_style` |
# | $G_1$ | `model.gen_a.dec` together with `model.gen_a.mlp` (style code → AdaIN parameters) |
# | $D_1$ | `model.dis_a` |
# | $(c_1, s_1) = (E_1^c(x_1), E_1^s(x_1))$ | `c1, s1 = model.gen_a.encode(x1)` |
# | $x_{1\to 2} = G_2(c_1, s_2)$ | `model.gen_b.decode(c1, s2)` |
#
# The training objective (notebook 05) adds, for both domains, an adversarial loss that makes
# translations look real and three reconstruction losses weighted by $\lambda_x, \lambda_c, \lambda_s$
# (10, 1, 1 in the paper):
#
# $$ \min_{E_1, E_2, G_1, G_2} \max_{D_1, D_2}\;
# \mathcal L^{x_1}_{\text{GAN}} + \mathcal L^{x_2}_{\text{GAN}}
# + \lambda_x\big(\mathcal L^{x_1}_{\text{recon}} + \mathcal L^{x_2}_{\text{recon}}\big)
# + \lambda_c\big(\mathcal L^{c_1}_{\text{recon}} + \mathcal L^{c_2}_{\text{recon}}\big)
# + \lambda_s\big(\mathcal L^{s_1}_{\text{recon}} + \mathcal L^{s_2}_{\text{recon}}\big). $$
#
# ## 3. The road map
#
# | nb | topic |
# |---|---|
# | 00 | overview and set-up: the problem, the partially shared latent space, the roadmap, environment check |
# | 01 | instance normalisation and AdaIN, from scratch, proven equal to munit_lib |
# | 02 | content encoder and style encoder: why IN in one and none in the other |
# | 03 | decoder: AdaIN residual blocks, the MLP that emits AdaIN parameters, LayerNorm upsampling |
# | 04 | multi-scale PatchGAN discriminator and adversarial losses (LSGAN, non-saturating, hinge) |
# | 05 | bidirectional reconstruction losses, the full objective, one training step by hand |
# | 06 | data: two unpaired domains; the synthetic shapes domains with ground truth; real folders |
# | 07 | training: the fast shapes recipe trained in the lesson on a CPU, checkpoints and exact resume, curves; the GPU run described, not run |
# | 08 | multimodal translation: random styles, example-guided, interpolation, widget explorer |
# | 09 | the theory measured: the paper's propositions and style-augmented cycle consistency, on trained models |
# | 10 | where MUNIT comes from: UNIT, CycleGAN and CycleGAN\*, BicycleGAN, trained on the shapes beside MUNIT |
# | 11 | evaluation: diversity (LPIPS), inception-style scores, the paper's table on the shapes ground truth |
# | 12 | real artwork: OpenMoji line art to colour, the capstone: data, training, translation, the explorer, ground-truth measures beside BicycleGAN and CycleGAN, the 256-px run on a GPU |
#
# Notebooks 01–05 build the model piece by piece and run in seconds on a laptop CPU; 06–08 make the
# data, train the model and use it; 09–11 measure it against the paper's claims, its predecessors
# and its metrics. Notebook 07 trains a small model on a CPU in the lesson; the paper's full run is a
# GPU job that it describes but does not run. Notebook 12 moves from toy shapes to real artwork
# (OpenMoji line art to colour), and its GPU configuration holds a run at 256×256.
#
# ## 4. Environment check
#
# The versions differ from machine to machine, so this is the one cell whose output the tests do not
# compare.

# %%
# NBVAL_IGNORE_OUTPUT
print("python   ", sys.version.split()[0])
print("torch    ", torch.__version__)
print("munit_lib", munit_lib.__version__)
print("CUDA GPU ", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (the CPU is enough for notebooks 00-05)")
print("threads  ", torch.get_num_threads())

# %%
# NBVAL_CHECK_OUTPUT
assert sys.version_info >= (3, 9), "the course needs Python 3.9 or newer"
assert tuple(int(part) for part in torch.__version__.split(".")[:2]) >= (2, 1), "the course needs torch 2.1 or newer"
print("environment OK")

# %% [markdown]
# `setup()` read the environment variable `MUNIT_PROFILE` and returned a **profile** name in
# `PROFILE`: `cpu` on a laptop (the default), `ci` in the automated tests, `gpu` or `paper` where a GPU
# can train the full model. A profile is a set of changes to the paper configuration; the later
# notebooks pick their model size and training length from it. Here are all of them side by side
# (type `PROFILE` in a cell to see yours):

# %%
# NBVAL_CHECK_OUTPUT
columns = ["image_size", "gen_dim", "mlp_dim", "n_res", "dis_dim", "dis_num_scales", "max_iter"]
print(f"{'profile':<8}" + "".join(f"{c:>15}" for c in columns) + f"{'generator params':>18}")
for name in PROFILES:
    cfg = MUNITConfig.profile_named(name)
    values = "".join(f"{getattr(cfg, c):>15,}" for c in columns)
    print(f"{name:<8}{values}{count_parameters(Generator(cfg)):>18,}")

# %% [markdown]
# ## 5. First contact with `munit_lib`
#
# `MUNITConfig()` holds the paper's defaults (the official edges2shoes configuration): an 8-number
# style code, base width 64, two downsamplings, four residual blocks, a three-scale discriminator
# trained with the least-squares GAN loss (LSGAN, Mao et al., 2017). `MUNIT(cfg)` builds the whole
# model, two generators and two discriminators, initialised as in the original code
# ([github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT)).

# %%
# NBVAL_CHECK_OUTPUT
cfg = MUNITConfig()
for key in ["style_dim", "gen_dim", "mlp_dim", "n_downsample", "n_res", "dis_dim", "dis_n_layer",
            "dis_num_scales", "gan_type", "image_size"]:
    print(f"{key:<15}{getattr(cfg, key)}")
model = MUNIT(cfg)
print([name for name, _ in model.named_children()])

# %% [markdown]
# A generator is the four networks of one domain; a discriminator is three copies of the same
# PatchGAN (Isola et al., 2017), one per image scale, as in pix2pixHD (Wang et al., 2018). A faithful implementation reproduces the original's parameter counts
# exactly: any missing bias or wrong width would show here.

# %%
# NBVAL_CHECK_OUTPUT
gen, dis = model.gen_a, model.dis_a
parts = {
    "style encoder": count_parameters(gen.enc_style),
    "content encoder": count_parameters(gen.enc_content),
    "decoder": count_parameters(gen.dec),
    "MLP": count_parameters(gen.mlp),
}
for i, net in enumerate(dis.cnns):
    parts[f"discriminator, scale {i + 1}"] = count_parameters(net)
for name, n in parts.items():
    print(f"{name:<26}{n:>12,}")
print(f"{'one generator':<26}{count_parameters(gen):>12,}")
print(f"{'one discriminator':<26}{count_parameters(dis):>12,}")
print(f"{'whole model (2 + 2)':<26}{count_parameters(model):>12,}")

assert count_parameters(gen) == 15_026_187
assert count_parameters(dis) == 8_271_171
assert parts["style encoder"] == 2_764_936
assert parts["content encoder"] == 5_385_856
assert parts["decoder"] == 5_754_627
assert parts["MLP"] == 1_120_768
assert sum(parts[k] for k in ["style encoder", "content encoder", "decoder", "MLP"]) == count_parameters(gen)

# %%
# NBVAL_CHECK_OUTPUT
fig, ax = plt.subplots(figsize=(8, 3.6))
names = list(parts)
colors = ["tab:orange", "tab:blue", "tab:green", "tab:olive"] + ["tab:gray"] * (len(names) - 4)
bars = ax.barh(names[::-1], [parts[n] / 1e6 for n in names[::-1]], color=colors[::-1])
ax.bar_label(bars, fmt="%.2f M", fontsize=8, padding=3)
ax.set_xlabel("parameters (millions)")
ax.set_xlim(0, 7)
ax.set_title("One generator (coloured) and one discriminator (grey)")
fig.tight_layout()
plt.show()

# %% [markdown]
# The decoder and the content encoder hold most of a generator; the MLP that turns 8 numbers into
# the decoder's 4,096 AdaIN parameters is over a million parameters on its own. The style encoder is
# about half the size of the content encoder, yet all it keeps of an image is 8 numbers: the style code.
#
# ### Encode, decode, translate
#
# Now a small image through the untrained model. We draw it with torch (a disc and a square) in
# $[-1, 1]$, the range the networks use. Height and width must be multiples of
# `cfg.size_multiple` = 4 (two downsamplings) and at least `cfg.generator_min_size` = 16 (the style
# encoder downsamples four times).

# %%
# NBVAL_CHECK_OUTPUT
yy, xx = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
disc = ((xx - 0.35) ** 2 + (yy - 0.4) ** 2 < 0.05).float()
square = (((xx - 0.72).abs() < 0.13) & ((yy - 0.7).abs() < 0.13)).float()
rgb = torch.stack([0.3 + 0.6 * disc, 0.4 + 0.2 * yy, 0.3 + 0.6 * square])  # (3, 64, 64) in [0, 1]
x_a = (rgb * 2 - 1).unsqueeze(0)  # (1, 3, 64, 64) in [-1, 1]
print("size multiple:", cfg.size_multiple, "| smallest side:", cfg.generator_min_size)

with torch.no_grad():
    content, style = model.gen_a.encode(x_a)  # E_1^c(x_1), E_1^s(x_1)
    recon = model.gen_a.decode(content, style)  # G_1(c_1, s_1)
print("image         ", tuple(x_a.shape))
print("content code  ", tuple(content.shape), "  256 channels at a quarter of the resolution")
print("style code    ", tuple(style.shape), "          8 numbers")
print("reconstruction", tuple(recon.shape))
assert content.shape == (1, 256, 16, 16) and style.shape == (1, 8) and recon.shape == x_a.shape

# %% [markdown]
# Translation decodes the same content code with the *other* generator and style codes drawn from
# $\mathcal N(0, I)$, here from a seeded `torch.Generator` so that the result is reproducible.

# %%
# NBVAL_CHECK_OUTPUT
rng = torch.Generator().manual_seed(0)
styles_b = model.random_style(4, generator=rng)  # (4, 8): four draws of s_2 ~ N(0, I)
with torch.no_grad():
    translations = model.gen_b.decode(content.expand(4, -1, -1, -1), styles_b)  # one content, four styles
print("style codes  ", tuple(styles_b.shape))
print("translations ", tuple(translations.shape))

# (the values lie in (-1, 1) by construction: the decoder ends with tanh)
gaps = [(translations[i] - translations[j]).abs().mean().item() for i in range(4) for j in range(i + 1, 4)]
assert min(gaps) > 1e-3  # different style codes give different images
# model.translate does the same in one call (equal up to float rounding: a batch of 1, not of 4)
with torch.no_grad():
    torch.testing.assert_close(model.translate(x_a, "a2b", style=styles_b[:1]), translations[:1])

# %%
# NBVAL_CHECK_OUTPUT
panels = [(x_a, "input $x_1$"), (recon, r"$G_1(c_1, s_1)$")] + \
         [(translations[i:i + 1], f"$G_2(c_1, s_2^{{({i + 1})}})$") for i in range(4)]
fig, axes = plt.subplots(1, len(panels), figsize=(12, 2.4))
for ax, (img, title) in zip(axes, panels):
    ax.imshow(to_image(img))
    ax.set_title(title, fontsize=10)
    ax.axis("off")
fig.suptitle("An untrained MUNIT: shapes of the codes are right, the images are not (yet)", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# Untrained, the decoder produces coloured noise with at most a faint trace of the input's layout,
# and each style code gives a different mixture of colours. Training (notebook 07) turns this into
# translations like the ones at the top of this notebook.
#
# ## Summary
#
# - MUNIT translates between two domains from **unpaired** data and returns **many** translations per
#   input by sampling a style code.
# - It assumes a **partially shared latent space**: a content code shared by both domains, a style
#   code specific to each with prior $\mathcal N(0, I)$. Each domain has an auto-encoder
#   ($E_i^c, E_i^s, G_i$); translation is $x_{1\to2} = G_2(E_1^c(x_1), s_2)$.
# - At the paper configuration one generator has 15,026,187 parameters (style encoder 2,764,936,
#   content encoder 5,385,856, decoder 5,754,627, MLP 1,120,768) and one discriminator 8,271,171;
#   `munit_lib` reproduces them exactly.
# - A 64×64 image gives a 256×16×16 content code and an 8-number style code.
#
# ## Exercises
#
# 1. Check the MLP's 1,120,768 parameters by hand: it has three linear layers, 8 → 256 → 256 → 4096,
#    each with a bias.
# 2. Build `MUNIT(MUNITConfig.profile_named("cpu"))`. How many parameters does its generator have,
#    and what are the shapes of the content and style codes of a 64×64 image?
# 3. Encode a 96×96 image and then a 90×90 one. What happens, and which setting of the configuration
#    explains it?
# 4. Example-guided translation: draw a second image `x_b`, take its style with
#    `model.gen_b.encode(x_b)`, and decode the content of `x_a` with it. Which line of section 2 did you
#    implement?
# 5. Decode one content code with the style codes $s$, $2s$ and $4s$. The prior is $\mathcal N(0, I)$:
#    how likely is a code like $4s$ under it, and why might a trained decoder behave badly there?
#
# Each exercise has a check below: put your answer in place of `None` and run the cell. It stays
# silent for answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
mlp_by_hand = None           # 1. the MLP's parameter count, computed from the layer sizes
cpu_generator_params = None  # 2. parameters of one generator of the "cpu" profile
cpu_code_shapes = None       # 2. (content code shape, style code shape) of a (1, 3, 64, 64) image, as tuples
size_setting = None          # 3. the name (a string) of the MUNITConfig property the sizes must be multiples of
guided, x_b = None, None     # 4. your example-guided translation of x_a, and the image x_b you took the style of
log_ratio = None             # 5. log N(4s; 0, I) - log N(s; 0, I) for s = styles_b[0] (a number)

answered = []
if mlp_by_hand is not None:
    assert mlp_by_hand == count_parameters(model.gen_a.mlp), "1: each linear layer has in*out weights and out biases"
    answered.append(1)
if cpu_generator_params is not None or cpu_code_shapes is not None:
    cpu_model = MUNIT(MUNITConfig.profile_named("cpu"))
    with torch.no_grad():
        c_cpu, s_cpu = cpu_model.gen_a.encode(torch.zeros(1, 3, 64, 64))
    if cpu_generator_params is not None:
        assert cpu_generator_params == count_parameters(cpu_model.gen_a), "2: count_parameters(cpu_model.gen_a)"
    if cpu_code_shapes is not None:
        assert tuple(map(tuple, cpu_code_shapes)) == (tuple(c_cpu.shape), tuple(s_cpu.shape)), "2: encode a 64x64 image"
    answered.append(2)
if size_setting is not None:
    assert size_setting == "size_multiple", (
        f"3: not {size_setting!r}. Which number is 96 a multiple of and 90 not? See the text before section 5's first image")
    answered.append(3)
if guided is not None:
    with torch.no_grad():
        torch.testing.assert_close(guided, model.gen_b.decode(content, model.gen_b.encode(x_b)[1]))
    answered.append(4)
if log_ratio is not None:
    prior = torch.distributions.Normal(0.0, 1.0)  # N(0, I) is a product of 8 independent N(0, 1)
    s = styles_b[0]
    expected = (prior.log_prob(4 * s).sum() - prior.log_prob(s).sum()).item()  # = -(16 - 1) |s|^2 / 2
    assert abs(log_ratio - expected) < 1e-3 * max(1.0, abs(expected)), "5: log N(z; 0, I) = -|z|^2 / 2 + const"
    answered.append(5)
if answered:
    print("correct:", answered)

# %% [markdown]
# ## Solutions
#
# Try each exercise first; then open its solution. Each one fills in the answers the check cell
# above expects.
#
# <details><summary>Solution to exercise 1</summary>
#
# A linear layer from $n$ to $m$ features has $n m$ weights and $m$ biases:
#
# ```python
# mlp_by_hand = (8 * 256 + 256) + (256 * 256 + 256) + (256 * 4096 + 4096)  # 2,304 + 65,792 + 1,052,672
# assert mlp_by_hand == 1_120_768
# ```
#
# Almost all of it is the last layer, which emits the decoder's 4,096 AdaIN parameters.
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# ```python
# cpu_model = MUNIT(MUNITConfig.profile_named("cpu"))
# cpu_generator_params = count_parameters(cpu_model.gen_a)  # 3,110,923
# with torch.no_grad():
#     c_cpu, s_cpu = cpu_model.gen_a.encode(torch.zeros(1, 3, 64, 64))
# cpu_code_shapes = (tuple(c_cpu.shape), tuple(s_cpu.shape))  # ((1, 128, 16, 16), (1, 8))
# ```
#
# The `cpu` profile halves the base width (32 instead of 64), so the content code has 128 channels
# instead of 256; the two downsamplings still give a quarter of the resolution, and the style code
# keeps its 8 numbers.
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# ```python
# with torch.no_grad():
#     c96, s96 = model.gen_a.encode(torch.zeros(1, 3, 96, 96))  # content (1, 256, 24, 24)
#     try:
#         model.gen_a.encode(torch.zeros(1, 3, 90, 90))
#     except ValueError as error:
#         print(error)  # ... height and width must be at least 16 and multiples of 4 ...
# size_setting = "size_multiple"
# ```
#
# Two stride-2 convolutions divide each side by 4, and the decoder's two upsamplings multiply it by 4
# again: only a side that is a multiple of `cfg.size_multiple` = 4 comes back at its own size. 90 is
# not, so `encode` refuses it and says why.
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# ```python
# x_b = torch.rand(1, 3, 64, 64) * 2 - 1                     # any image in [-1, 1]
# with torch.no_grad():
#     _, style_of_b = model.gen_b.encode(x_b)                  # s_2 = E_2^s(x_2)
#     guided = model.gen_b.decode(content, style_of_b)         # G_2(c_1, E_2^s(x_2))
# ```
#
# This is the example-guided translation of section 2: $s_2 = E_2^s(x_2)$ instead of a draw from the
# prior.
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# ```python
# s = styles_b[0]
# with torch.no_grad():
#     scaled = model.gen_b.decode(content.expand(3, -1, -1, -1), torch.stack([s, 2 * s, 4 * s]))
# log_ratio = (-(4 * s).pow(2).sum() / 2 + s.pow(2).sum() / 2).item()  # = -15 |s|^2 / 2
# ```
#
# The normalising constants cancel, so the log-density ratio is $-(16 - 1)\,|s|^2 / 2$. For an
# 8-dimensional code $|s|^2$ is about 8, so $4s$ is roughly $e^{-60}$ times less likely than $s$: the
# prior (and so training) essentially never produces such a code. A trained decoder has only learned
# what to do with codes near the prior's typical set; far outside it the MLP extrapolates, the AdaIN
# scales grow, and the output saturates or turns to artefacts.
# </details>

# %% [markdown]
# ## References
#
# - Huang, X., Liu, M.-Y., Belongie, S. and Kautz, J. (2018). Multimodal Unsupervised Image-to-Image
#   Translation. ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - Liu, M.-Y., Breuel, T. and Kautz, J. (2017). Unsupervised Image-to-Image Translation Networks
#   (UNIT). NeurIPS 2017. [arXiv:1703.00848](https://arxiv.org/abs/1703.00848).
# - Zhu, J.-Y., Park, T., Isola, P. and Efros, A. A. (2017). Unpaired Image-to-Image Translation using
#   Cycle-Consistent Adversarial Networks (CycleGAN). ICCV 2017.
#   [arXiv:1703.10593](https://arxiv.org/abs/1703.10593).
# - Zhu, J.-Y., Zhang, R., Pathak, D., Darrell, T., Efros, A. A., Wang, O. and Shechtman, E. (2017).
#   Toward Multimodal Image-to-Image Translation (BicycleGAN). NeurIPS 2017.
#   [arXiv:1711.11586](https://arxiv.org/abs/1711.11586).
# - Lee, H.-Y., Tseng, H.-Y., Huang, J.-B., Singh, M. and Yang, M.-H. (2018). Diverse Image-to-Image
#   Translation via Disentangled Representations (DRIT). ECCV 2018.
#   [arXiv:1808.00948](https://arxiv.org/abs/1808.00948).
# - Isola, P., Zhu, J.-Y., Zhou, T. and Efros, A. A. (2017). Image-to-Image Translation with
#   Conditional Adversarial Networks (pix2pix, the PatchGAN discriminator). CVPR 2017.
#   [arXiv:1611.07004](https://arxiv.org/abs/1611.07004).
# - Wang, T.-C., Liu, M.-Y., Zhu, J.-Y., Tao, A., Kautz, J. and Catanzaro, B. (2018). High-Resolution
#   Image Synthesis and Semantic Manipulation with Conditional GANs (pix2pixHD, the multi-scale
#   discriminator). CVPR 2018. [arXiv:1711.11585](https://arxiv.org/abs/1711.11585).
# - Mao, X., Li, Q., Xie, H., Lau, R. Y. K., Wang, Z. and Smolley, S. P. (2017). Least Squares
#   Generative Adversarial Networks (LSGAN). ICCV 2017. [arXiv:1611.04076](https://arxiv.org/abs/1611.04076).
