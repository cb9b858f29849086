# %% [markdown]
# # 05 · Reconstruction losses, the full objective and one training step by hand
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/05_reconstruction_losses_and_training_step.ipynb)
#
# Notebooks 01-04 built every network of MUNIT. This one puts them to work. MUNIT has no paired
# examples, so apart from the adversarial losses of notebook 04 it learns only from
# **reconstruction**: an image must survive encoding and decoding, and a content or style code
# must survive decoding and encoding. The paper calls this *bidirectional* reconstruction.
#
# **What you will learn**
#
# - the three reconstruction losses (image, content, style), their weights 10, 1, 1, and the
#   optional style-augmented cycle loss;
# - the domain-invariant perceptual loss, and why `munit_lib` will not run it without VGG
#   weights that you supply;
# - the full objective (paper eq. 5) and one complete training iteration, discriminator update
#   then generator update, done by hand and proved equal to `munit_lib.training.train_step`
#   down to every updated parameter;
# - what Adam's first step does to every weight;
# - which sub-network each loss term trains;
# - a 40-step training run on two tiny synthetic domains.
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
import copy
import math

import torch
import matplotlib.pyplot as plt
from torch.testing import assert_close

from munit_lib import MUNIT, MUNITConfig, count_parameters
from munit_lib.losses import PerceptualLoss, recon_loss
from munit_lib.training import gen_losses, make_optimizers, train_step
from munit_lib.viz import to_image
from munit_lib.course import setup
from munit_lib.data import ShapesDomain

PROFILE = setup()  # seeds torch with 0, pins the thread count under CI, PNG figures


# %% [markdown]
# ## 1. Two tiny domains that share their content
#
# To train anything on a laptop in seconds we need small images, and to see MUNIT's idea at work
# the two domains must share a content and differ in style. We take the course's shapes domains
# (notebook 06 builds them and their ground truth) at 32x32: domain A, **sketches** of shapes (a
# black outline on white); domain B, **paintings** of the same kinds of shapes (filled with a colour
# and a texture). The content, what shape is where and how large, is common to both; the style,
# outline or paint, belongs to each domain. A batch is drawn from 500 images of each domain with a
# seeded generator, so every run sees the same batches.

# %%
# NBVAL_CHECK_OUTPUT
SKETCHES = ShapesDomain("a", "train", size=32, n=500)  # domain A
PAINTINGS = ShapesDomain("b", "train", size=32, n=500)  # domain B


def random_batch(domain, n, gen):
    """n images drawn at random (with replacement) from a ShapesDomain: (n, 3, 32, 32) in [-1, 1]."""
    index = torch.randint(len(domain), (n,), generator=gen)
    return torch.stack([domain[int(i)] for i in index])


def sketches(n, gen):
    return random_batch(SKETCHES, n, gen)


def paintings(n, gen):
    return random_batch(PAINTINGS, n, gen)

preview = torch.Generator().manual_seed(0)
examples = torch.cat([sketches(4, preview), paintings(4, preview)])  # (8, 3, 32, 32)
print("examples:", tuple(examples.shape))
fig, axes = plt.subplots(2, 4, figsize=(6, 3.2))
for ax, img in zip(axes.flat, examples):
    ax.imshow(to_image(img))
    ax.axis("off")
axes[0, 0].set_title("domain A: sketches", fontsize=9, loc="left")
axes[1, 0].set_title("domain B: paintings", fontsize=9, loc="left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. The model and its optimisers
#
# To follow every number of a training step by hand, we want a network small enough that this
# whole lesson runs in seconds: the course's smallest settings, the profile named `ci`. It keeps the
# paper's architecture at a tiny size (generator width 8, one residual block, two discriminator
# scales of three layers) and 32x32 images. The optimisers are
# the paper's: **one** Adam (Kingma & Ba, 2015) for both generators, **one** for both
# discriminators, learning rate $10^{-4}$, betas $(0.5, 0.999)$, weight decay $10^{-4}$.

# %%
# NBVAL_CHECK_OUTPUT
cfg = MUNITConfig.profile_named("ci")
model = MUNIT(cfg)  # gen_a, gen_b (Kaiming init), dis_a, dis_b (N(0, 0.02) init)
opt_gen, opt_dis = make_optimizers(model)

for name in ("gen_a", "gen_b", "dis_a", "dis_b"):
    print(f"{name}: {count_parameters(getattr(model, name)):,} parameters")
settings = opt_gen.defaults
print(f"Adam: lr {settings['lr']}, betas {settings['betas']}, weight decay {settings['weight_decay']}")
print(f"loss weights: gan {cfg.gan_w}, image {cfg.recon_x_w}, content {cfg.recon_c_w}, "
      f"style {cfg.recon_s_w}, cycle {cfg.recon_x_cyc_w}, perceptual {cfg.vgg_w}")
assert (settings["lr"], settings["betas"], settings["weight_decay"]) == (1e-4, (0.5, 0.999), 1e-4)


# %% [markdown]
# ## 3. The reconstruction losses
#
# Every reconstruction term is an L1 distance, implemented (as in the original code,
# [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT)) as the
# **mean** absolute difference over all elements. With $E^c, E^s$ the content and style encoders
# and $G$ the decoders:
#
# $$\mathcal L^{x_a}_{recon} = \mathbb E\,\big\|G_a(E^c_a(x_a), E^s_a(x_a)) - x_a\big\|_1 \qquad
# \text{(image: encode, decode, compare; weight } \lambda_x = 10)$$
#
# $$\mathcal L^{c_a}_{recon} = \mathbb E\,\big\|E^c_b(G_b(c_a, s_b)) - c_a\big\|_1, \qquad
# \mathcal L^{s_b}_{recon} = \mathbb E\,\big\|E^s_b(G_b(c_a, s_b)) - s_b\big\|_1$$
#
# (latent: translate $a \to b$ with a random style $s_b \sim \mathcal N(0, I)$, encode the
# translation, compare with the content it came from and the style it was given; weights
# $\lambda_c = \lambda_s = 1$), and the same with $a$ and $b$ exchanged. The style term is what
# makes random styles meaningful: a style drawn from the prior must be readable back from the
# image it produced. First, the L1 mean on numbers we can check by eye:

# %%
# NBVAL_CHECK_OUTPUT
def l1(prediction, target):
    return (prediction - target).abs().mean()  # mean absolute error over every element

a = torch.zeros(2, 3)
b = torch.tensor([[1.0, -2.0, 3.0], [0.0, 0.0, 0.0]])
print(f"l1 = {l1(a, b).item():.4f}, munit_lib recon_loss = {recon_loss(a, b).item():.4f}")  # (1 + 2 + 3) / 6
assert l1(a, b).item() == recon_loss(a, b).item() == 1.0


# %% [markdown]
# **Style-augmented cycle consistency** (optional, weight $\lambda_{cyc} = 0$ in the paper's
# edges2shoes configuration, 10 in some others), MUNIT's form of CycleGAN's cycle consistency
# (Zhu et al., 2017): translate $a \to b$ with a random style, come back with the image's **own**
# encoded style, and compare with the original:
#
# $$x_{aba} = G_a\big(E^c_b(G_b(c_a, s_b)),\ E^s_a(x_a)\big), \qquad
# \mathcal L^{x_a}_{cyc} = \mathbb E\,\|x_{aba} - x_a\|_1 .$$
#
# Now all the generator's terms in one function. It uses the networks of `model` (proven equal
# to hand-built versions in notebooks 02-04) and computes every loss itself. The adversarial
# terms are the LSGAN losses of notebook 04.

# %%
def lsgan_dis(fake_maps, real_maps):
    return sum(torch.mean(f ** 2) + torch.mean((r - 1) ** 2) for f, r in zip(fake_maps, real_maps))

def lsgan_gen(fake_maps):
    return sum(torch.mean((f - 1) ** 2) for f in fake_maps)

def generator_terms(model, x_a, x_b, s_a, s_b, cycle=False):
    """Every term of the generators' objective, given random styles s_a, s_b (B, style_dim)."""
    c_a, s_a_own = model.gen_a.encode(x_a)            # content (B, 32, 8, 8), style (B, 8)
    c_b, s_b_own = model.gen_b.encode(x_b)
    x_a_recon = model.gen_a.decode(c_a, s_a_own)      # within-domain reconstruction
    x_b_recon = model.gen_b.decode(c_b, s_b_own)
    x_ba = model.gen_a.decode(c_b, s_a)               # b -> a with a random style
    x_ab = model.gen_b.decode(c_a, s_b)               # a -> b with a random style
    c_b_recon, s_a_recon = model.gen_a.encode(x_ba)   # encode the translations again
    c_a_recon, s_b_recon = model.gen_b.encode(x_ab)
    terms = {
        "adv_a": lsgan_gen(model.dis_a(x_ba)), "adv_b": lsgan_gen(model.dis_b(x_ab)),
        "recon_x_a": l1(x_a_recon, x_a), "recon_x_b": l1(x_b_recon, x_b),
        "recon_s_a": l1(s_a_recon, s_a), "recon_s_b": l1(s_b_recon, s_b),
        "recon_c_a": l1(c_a_recon, c_a), "recon_c_b": l1(c_b_recon, c_b),
    }
    if cycle:  # back to the source domain with the image's own style
        terms["cyc_x_a"] = l1(model.gen_a.decode(c_a_recon, s_a_own), x_a)
        terms["cyc_x_b"] = l1(model.gen_b.decode(c_b_recon, s_b_own), x_b)
    return terms

def generator_total(terms, cfg):
    """Paper eq. 5, generator side (plus the cycle term when present)."""
    total = (cfg.gan_w * (terms["adv_a"] + terms["adv_b"])
             + cfg.recon_x_w * (terms["recon_x_a"] + terms["recon_x_b"])
             + cfg.recon_s_w * (terms["recon_s_a"] + terms["recon_s_b"])
             + cfg.recon_c_w * (terms["recon_c_a"] + terms["recon_c_b"]))
    if "cyc_x_a" in terms:
        total = total + cfg.recon_x_cyc_w * (terms["cyc_x_a"] + terms["cyc_x_b"])
    return total


# %% [markdown]
# Check every term against `munit_lib.training.gen_losses`, passing the same styles. The library
# computes the cycle terms only when their weight is positive, so we compare with a copy of the
# model whose configuration sets $\lambda_{cyc} = 10$.

# %%
# NBVAL_CHECK_OUTPUT
data = torch.Generator().manual_seed(1)
x_a, x_b = sketches(cfg.batch_size, data), paintings(cfg.batch_size, data)  # the paper's batch size: 1
check_styles = torch.Generator().manual_seed(2)
s_a, s_b = (torch.randn(cfg.batch_size, cfg.style_dim, generator=check_styles) for _ in range(2))

cycle_model = MUNIT(cfg.replace(recon_x_cyc_w=10.0))
cycle_model.load_state_dict(model.state_dict())  # same weights, cycle weight 10

with torch.no_grad():  # we only compare values here; no graph needed
    ours = generator_terms(model, x_a, x_b, s_a, s_b, cycle=True)
    theirs = gen_losses(cycle_model, x_a, x_b, s_a=s_a, s_b=s_b)
for name, value in ours.items():
    assert_close(value, theirs[name])
    print(f"{name:10s} {value.item():.4f}")
assert_close(generator_total(ours, cycle_model.cfg), theirs["total"])

# %% [markdown]
# ## 4. The perceptual loss (explained, not run)
#
# For large images (512x512 in the paper) MUNIT adds a *domain-invariant perceptual loss*, a variant
# of the perceptual loss of Johnson et al. (2016): pass the translation and its source through VGG16
# (Simonyan & Zisserman, 2015), instance-normalise the features (which removes
# domain-specific feature statistics, notebook 01) and compare them:
#
# $$\mathcal L_{vgg} = \mathrm{MSE}\Big(\mathrm{IN}\big(\phi(G_b(c_a, s_b))\big),\ \mathrm{IN}\big(\phi(x_a)\big)\Big),$$
#
# with $\phi$ the VGG16 features up to `relu5_3` (the official code; the paper's text says
# `relu4_3`). Its weight is 0 at the paper's edges2shoes settings. It needs ImageNet-trained
# VGG16 weights, which `munit_lib` never downloads for you: you fetch them yourself
# (`torchvision.models.VGG16_Weights`) and pass the file to `PerceptualLoss(weights_path=...)`.
# Without them the loss refuses to run, rather than silently compare random features:

# %%
# NBVAL_CHECK_OUTPUT
perceptual = PerceptualLoss(layer=cfg.vgg_layer)  # builds VGG16 with random weights, downloads nothing
try:
    perceptual(x_a, x_b)
except RuntimeError as error:
    print("RuntimeError:", str(error).split(":")[0])

try:  # asking for it in the objective without providing one is an error too
    gen_losses(MUNIT(cfg.replace(vgg_w=1.0)), x_a, x_b, s_a=s_a, s_b=s_b)
except ValueError as error:
    print("ValueError:", str(error).split(":")[0])
del perceptual

# %% [markdown]
# ## 5. The full objective
#
# $$\min_{E_a, E_b, G_a, G_b}\ \max_{D_a, D_b}\ \
# \mathcal L^{a}_{GAN} + \mathcal L^{b}_{GAN}
# + \lambda_x\big(\mathcal L^{x_a}_{recon} + \mathcal L^{x_b}_{recon}\big)
# + \lambda_c\big(\mathcal L^{c_a}_{recon} + \mathcal L^{c_b}_{recon}\big)
# + \lambda_s\big(\mathcal L^{s_a}_{recon} + \mathcal L^{s_b}_{recon}\big)$$
#
# with $\lambda_x = 10$, $\lambda_c = \lambda_s = 1$ (paper eq. 5). The min-max is played by
# alternating two updates per iteration, each with **fresh** random styles:
#
# 1. **discriminator step**: translate with the generators frozen (no gradient through them),
#    then lower $\mathcal L_{D_a} + \mathcal L_{D_b}$ (LSGAN, Mao et al., 2017; notebook 04);
# 2. **generator step**: compute every term above with the updated discriminators, lower the
#    weighted sum; only the encoders and decoders move.
#
# ## 6. One training iteration by hand
#
# We copy the model together with its optimisers; the library will train the copy with
# `train_step`, we train the original by hand. `train_step` draws its styles with
# `model.random_style(batch, rng)`, i.e. `torch.randn(B, style_dim, generator=rng)`, four times:
# $s_a, s_b$ for the discriminator step, then $s_a, s_b$ for the generator step. We draw ours
# the same way from a generator seeded identically.

# %%
# NBVAL_CHECK_OUTPUT
lib_model, lib_opt_gen, lib_opt_dis = copy.deepcopy((model, opt_gen, opt_dis))  # optimisers follow their copies
before = {name: p.detach().clone() for name, p in model.named_parameters()}

styles = torch.Generator().manual_seed(7)
B, S = cfg.batch_size, cfg.style_dim
s_a_dis, s_b_dis = torch.randn(B, S, generator=styles), torch.randn(B, S, generator=styles)
s_a_gen, s_b_gen = torch.randn(B, S, generator=styles), torch.randn(B, S, generator=styles)
print("style codes:", tuple(s_a_dis.shape))

# %% [markdown]
# **Step 1, the discriminators.** The translations are made under `torch.no_grad()`: they are
# constants for this step, so not a single gradient reaches a generator.

# %%
# NBVAL_CHECK_OUTPUT
mine = {}
opt_dis.zero_grad(set_to_none=True)
with torch.no_grad():
    c_a, _ = model.gen_a.encode(x_a)
    c_b, _ = model.gen_b.encode(x_b)
    x_ba = model.gen_a.decode(c_b, s_a_dis)   # fakes for D_a
    x_ab = model.gen_b.decode(c_a, s_b_dis)   # fakes for D_b
mine["dis_a"] = lsgan_dis(model.dis_a(x_ba), model.dis_a(x_a))
mine["dis_b"] = lsgan_dis(model.dis_b(x_ab), model.dis_b(x_b))
mine["dis_total"] = cfg.gan_w * (mine["dis_a"] + mine["dis_b"])
mine["dis_total"].backward()
assert all(p.grad is None for p in list(model.gen_a.parameters()) + list(model.gen_b.parameters()))
opt_dis.step()
print(f"discriminator loss: {mine['dis_total'].item():.4f}")

# %% [markdown]
# **Step 2, the generators**, with the discriminators just updated. The backward pass also
# leaves gradients on the discriminators' weights (the adversarial terms go through them), but
# `opt_gen` only holds the generators' parameters, and the next discriminator step starts with
# `zero_grad`.

# %%
# NBVAL_CHECK_OUTPUT
opt_gen.zero_grad(set_to_none=True)
terms = generator_terms(model, x_a, x_b, s_a_gen, s_b_gen)
total = generator_total(terms, cfg)
total.backward()
opt_gen.step()
mine.update({f"gen_{name}": value for name, value in terms.items()})
mine["gen_total"] = total
print(f"generator loss: {total.item():.3f}")

# %% [markdown]
# **The library does the same iteration** on the copy, with a style generator seeded as ours.
# Every loss and every parameter of all four networks must agree.

# %%
# NBVAL_CHECK_OUTPUT
lib = train_step(lib_model, lib_opt_gen, lib_opt_dis, x_a, x_b, rng=torch.Generator().manual_seed(7))
assert set(lib) == set(mine)

print(f"{'term':14s} {'by hand':>9s} {'munit_lib':>10s}")
for name, value in mine.items():
    assert math.isclose(value.item(), lib[name], rel_tol=1e-5, abs_tol=1e-6)
    print(f"{name:14s} {value.item():9.3f} {lib[name]:10.3f}")

changed = 0
for (name, p), (lib_name, q) in zip(model.named_parameters(), lib_model.named_parameters()):
    assert name == lib_name
    assert_close(p, q)                         # identical after the update
    changed += int(not torch.equal(p, before[name]))
print(f"{changed} of {len(before)} parameter tensors moved; all equal to munit_lib's")

# %% [markdown]
# ### What Adam's first step does
#
# With zero moment estimates, Adam's bias correction makes the first update
# $\Delta\theta = -\eta\, g / (|g| + \epsilon)$ with $g = \nabla_\theta \mathcal L + \lambda\theta$
# (PyTorch's `weight_decay` adds $\lambda\theta$ to the gradient): almost exactly
# $\eta = 10^{-4}$ against the sign of the gradient, **whatever the loss scale**. Let us verify it
# on the output convolution of $G_a$'s decoder. (`opt_gen.step()` leaves the gradients in place.)

# %%
# NBVAL_CHECK_OUTPUT
name = "gen_a.dec.model.5.conv.weight"   # the decoder's final 7x7 convolution
p = dict(model.named_parameters())[name]
lr, (beta1, beta2), wd = cfg.lr, (cfg.beta1, cfg.beta2), cfg.weight_decay

g = p.grad + wd * before[name]                        # L2 weight decay joins the gradient
m_hat = ((1 - beta1) * g) / (1 - beta1)               # first moment, bias-corrected
v_hat = ((1 - beta2) * g ** 2) / (1 - beta2)          # second moment, bias-corrected
expected = before[name] - lr * m_hat / (v_hat.sqrt() + 1e-8)
assert_close(p.detach(), expected)

step = (p.detach() - before[name]).abs() / lr         # size of each weight's move, in units of lr
print(f"{name}: {p.numel()} weights, median |move| / lr = {step.median().item():.2f}")

# %% [markdown]
# ## 7. Which networks does each loss term train?
#
# Each term depends only on the networks its computation passes through. Predict first: the
# style term $\mathcal L^{s_a}_{recon} = \|E^s_a(G_a(c_b, s_a)) - s_a\|_1$ passes through $G_b$'s
# content encoder (to get $c_b$), $G_a$'s MLP and decoder (to paint $x_{ba}$) and $G_a$'s style
# encoder (to read the style back). Then measure: for each term, which sub-networks receive a
# non-zero gradient.

# %%
# NBVAL_CHECK_OUTPUT
parts = {f"{g}.{sub}": getattr(getattr(model, g), sub)
         for g in ("gen_a", "gen_b") for sub in ("enc_content", "enc_style", "mlp", "dec")}
parts.update({"dis_a": model.dis_a, "dis_b": model.dis_b})
all_params = [p for part in parts.values() for p in part.parameters()]

terms = generator_terms(model, x_a, x_b, s_a_gen, s_b_gen, cycle=True)
reached = {}  # term -> set of sub-networks with a non-zero gradient
for term, value in terms.items():
    grads = iter(torch.autograd.grad(value, all_params, retain_graph=True, allow_unused=True))
    reached[term] = set()
    for part_name, part in parts.items():
        part_grads = [next(grads) for _ in part.parameters()]  # same order as all_params
        if any(gr is not None and gr.abs().sum() > 0 for gr in part_grads):
            reached[term].add(part_name)

short = [t.replace("recon_", "").replace("cyc_x", "cyc") for t in terms]
print(f"{'sub-network':18s}" + "".join(f"{s:>6s}" for s in short))
for part_name in parts:
    print(f"{part_name:18s}" + "".join(f"{'x' if part_name in reached[t] else '.':>6s}" for t in terms))

# %%
# The prediction for the style term, and two more, written out and checked
assert reached["recon_s_a"] == {"gen_b.enc_content", "gen_a.mlp", "gen_a.dec", "gen_a.enc_style"}
assert reached["recon_c_a"] == {"gen_a.enc_content", "gen_b.mlp", "gen_b.dec", "gen_b.enc_content"}
assert reached["adv_b"] == {"gen_a.enc_content", "gen_b.mlp", "gen_b.dec", "dis_b"}
assert reached["recon_x_a"] == {"gen_a.enc_content", "gen_a.enc_style", "gen_a.mlp", "gen_a.dec"}

# %% [markdown]
# Things worth noticing in the table:
#
# - The image terms stay inside one domain: $\mathcal L^{x_a}$ trains exactly $G_a$'s four parts.
# - Every term built on the translation $b \to a$ (`adv_a`, `s_a`, `c_b`) runs through $G_b$'s
#   content encoder and $G_a$'s MLP and decoder: this is how the two domains' content codes are
#   pushed into one shared space.
# - $\mathcal L^{c_a}$ reaches $G_a$'s content encoder along two routes: through the translation
#   ($c_a$ is the decoder's input) and through the target, which is **not detached** (as in the
#   original code): the content code is also pulled toward what $G_b$ can preserve. Exercise 2
#   separates the two routes.
# - The style encoders get gradients from the image term (their own domain), the style term
#   (reading back random styles) and the cycle term, never from the adversarial or content terms.
# - The adversarial terms put gradients on the discriminators too; `opt_gen` ignores them.
# - The cycle term, when switched on, trains almost everything at once.
#
# ## 8. The loss terms at this step

# %%
# NBVAL_CHECK_OUTPUT
weights = {"adv": cfg.gan_w, "recon_x": cfg.recon_x_w, "recon_s": cfg.recon_s_w, "recon_c": cfg.recon_c_w}
names = [n for n in mine if n.startswith("gen_") and n != "gen_total"]
raw = [mine[n].item() for n in names]
weighted = [weights[n[4:-2]] * v for n, v in zip(names, raw)]  # 'gen_recon_x_a' -> 'recon_x'

print(f"share of the total from image reconstruction: {sum(weighted[2:4]) / sum(weighted):.2f}")
fig, ax = plt.subplots(figsize=(10, 3.6))
pos = torch.arange(len(names)).numpy()
ax.bar(pos - 0.2, raw, width=0.4, label="raw value")
ax.bar(pos + 0.2, weighted, width=0.4, label="weighted (what the total adds up)")
ax.set_xticks(pos, [n[4:] for n in names], rotation=30)
ax.set_ylabel("loss")
ax.set_title(f"Generator loss terms at the first step (total {mine['gen_total'].item():.2f})")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# With $\lambda_x = 10$, the image reconstruction dominates the objective at the start, and it is
# also the easiest term to lower. The adversarial terms start near 2 (two scales, untrained
# discriminators score everything near 0, and $(0 - 1)^2 = 1$ per scale).
#
# ## 9. A short training run
#
# Forty iterations of `train_step` on fresh batches of our two domains: batches of 4 for a
# smoother curve (the paper uses 1), the paper's learning rate, a fresh model. This takes a few
# seconds on a laptop CPU. Forty steps is nothing for a GAN: we only look at the trend of the
# reconstruction losses.

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
run_model = MUNIT(cfg)
run_gen, run_dis = make_optimizers(run_model)
batches, style_rng = torch.Generator().manual_seed(10), torch.Generator().manual_seed(11)

history = []
for step in range(40):
    losses = train_step(run_model, run_gen, run_dis, sketches(4, batches), paintings(4, batches), rng=style_rng)
    history.append(losses)

def series(key):
    return torch.tensor([h[key] for h in history])

recon_x = series("gen_recon_x_a") + series("gen_recon_x_b")
first, last = recon_x[:5].mean().item(), recon_x[-5:].mean().item()
print(f"image reconstruction (a + b): first 5 steps {first:.2f}, last 5 steps {last:.2f}")
assert last < 0.8 * first

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 3, figsize=(15, 3.6))
steps = range(1, len(history) + 1)
for key, label in [("gen_recon_x_a", "image recon, A"), ("gen_recon_x_b", "image recon, B"),
                   ("gen_recon_c_a", "content recon, A"), ("gen_recon_s_a", "style recon, A")]:
    axes[0].plot(steps, series(key).numpy(), label=label)
axes[0].set_title("reconstruction terms (unweighted)")
axes[1].plot(steps, series("dis_total").numpy(), color="tab:red", label="both discriminators (D step)")
axes[1].set_title("discriminator loss")
for key, label, style in [("gen_adv_a", "adversarial, G_a (fakes of A)", "-"),
                          ("gen_adv_b", "adversarial, G_b (fakes of B)", "--")]:
    axes[2].plot(steps, series(key).numpy(), style, label=label)
axes[2].set_title("generators' adversarial terms")
for ax in axes:
    ax.set_xlabel("iteration")
axes[0].legend(fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.25))  # below the panel, off the curves
axes[1].legend(fontsize=8, loc="upper right")
axes[2].legend(fontsize=8, loc="lower left")
fig.tight_layout()
plt.show()

# %% [markdown]
# The image reconstruction falls steadily; the style term is noisy (each step reads back a new
# random style) and the content term barely moves yet.
#
# The discriminator loss and the generators' adversarial terms fall too, together. That does not
# mean the discriminators have learned to tell real from fake: a falling LSGAN discriminator loss
# can come from scoring *everything* higher. Untrained, they score every patch near 0, so
# $\mathcal L_D \approx 0^2 + (0 - 1)^2 = 1$ per scale and domain; if all scores, real and fake
# alike, move up to 0.1, $\mathcal L_D$ drops to $0.1^2 + 0.9^2 = 0.82$ per scale, and so does the
# generators' $(d - 1)^2$. To see which happened, we look at the discriminators' scores themselves,
# on fresh real images and on fresh translations, before and after the forty steps.

# %%
# NBVAL_CHECK_OUTPUT
def mean_scores(m, n=16, seed=20):
    """Mean score (over scales, patches and n images) of each discriminator on real images and on translations."""
    data_rng, style_rng = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed + 1)
    real_a, real_b = sketches(n, data_rng), paintings(n, data_rng)
    with torch.no_grad():
        c_a, _ = m.gen_a.encode(real_a)
        c_b, _ = m.gen_b.encode(real_b)
        fake_b = m.gen_b.decode(c_a, m.random_style(n, generator=style_rng))
        fake_a = m.gen_a.decode(c_b, m.random_style(n, generator=style_rng))
        mean = lambda maps: torch.cat([d.flatten() for d in maps]).mean().item()
        return {"A": (mean(m.dis_a(real_a)), mean(m.dis_a(fake_a))),
                "B": (mean(m.dis_b(real_b)), mean(m.dis_b(fake_b)))}


torch.manual_seed(0)
start_model = MUNIT(cfg)  # the same initial weights as run_model: same seed, same construction
before, after = mean_scores(start_model), mean_scores(run_model)
print(f"{'':24s}{'real':>8s}{'fake':>8s}{'real - fake':>13s}")
for domain in "AB":
    for when, scores in [("before", before), ("after 40 steps", after)]:
        real, fake = scores[domain]
        r3 = lambda v: round(v, 3) + 0.0  # no "-0.000"
        print(f"D_{domain}, {when:17s}{r3(real):8.3f}{r3(fake):8.3f}{r3(real - fake):13.3f}")
rise = [sum(after[d]) / 2 - sum(before[d]) / 2 for d in "AB"]  # how far each D's average score moved
gap = [after[d][0] - after[d][1] for d in "AB"]  # real minus fake, after the run
# real and fake scores rose together: the rise is more than twice the gap between them
assert min(rise) > 2 * max(gap)

# %% [markdown]
# Both discriminators moved their scores up, on real images and on translations alike, by about 0.1;
# real images score only slightly above translations. The falling losses of both sides are mostly
# this common shift towards the middle of the two targets (0 and 1), a calibration, not yet a
# discrimination. Forty steps of a GAN show the reconstruction terms at work and little else.
# Notebook 07 trains for real.
#
# ## Summary
#
# - MUNIT's generators learn from bidirectional reconstruction: image ($\lambda_x = 10$),
#   content and style ($\lambda_c = \lambda_s = 1$), all L1 means, plus the LSGAN terms; the
#   style-augmented cycle and the perceptual loss are optional (weight 0 by default), and the
#   perceptual loss needs VGG16 weights you provide.
# - One iteration = a discriminator step on translations made without gradients, then a
#   generator step on the full objective, each with fresh styles from $\mathcal N(0, I)$; one
#   Adam (lr $10^{-4}$, betas $(0.5, 0.999)$, weight decay $10^{-4}$) per side.
# - Our hand-written iteration gives the same losses and the same updated parameters as
#   `munit_lib.training.train_step`.
# - Adam's first step moves every weight by about the learning rate, whatever the loss scale.
# - Each loss term trains a specific set of sub-networks; the table of section 7 shows which.
#
# ## Exercises
#
# 1. Set `recon_x_cyc_w = 10` in the configuration and repeat the training run. Does the image
#    reconstruction fall faster or slower? What does each iteration cost now (count the extra
#    decoder and encoder passes)?
# 2. Detach the content target in `generator_terms` (`l1(c_a_recon, c_a.detach())`) and redo the
#    gradient table. Which entries change? Then compare the gradient that $\mathcal L^{c_a}$ puts on
#    `gen_a.enc_content` with and without the detach.
# 3. Why must the translations of the discriminator step be made under `torch.no_grad()` (or
#    detached)? What would `opt_dis.step()` do differently if they were not, and what would
#    happen to the generators' `.grad` before `opt_gen.zero_grad`?
# 4. `generator_terms` above hard-codes the LSGAN loss (`lsgan_gen`), so changing `gan_type` in the
#    configuration would change nothing there. Give it the hinge loss of notebook 04 instead: write
#    `hinge_gen(fake_maps)` ($-\mathbb E[d]$ summed over scales), use it for the two adversarial
#    terms, and compare the first-step bar chart. Check your terms against
#    `gen_losses(MUNIT(cfg.replace(gan_type="hinge")), ...)` with the same weights and styles.
# 5. Show that Adam's first step does not depend on the loss scale: multiply `total` by 100
#    before `backward()` in a copy of section 6 and compare the updated parameters.
#
# Each exercise has a check: put your answer in place of `None` and run the cell. It stays silent for
# answers you have not given, says which ones are right, and fails with a hint otherwise.

# %%
ex1_extra_passes = None  # 1. (extra decoder passes, extra encoder passes) per generator step with the cycle term
ex2_changed = None       # 2. the gradient-table entries that change: a set of (loss term, network) pairs, or "none"
ex3_gen_grads = None     # 3. True or False: without no_grad, would the D step leave gradients on the generators?
ex4_hinge_terms = None   # 4. your generator_terms with hinge adversarial terms, on (model, x_a, x_b, s_a, s_b)
ex5_same_update = None   # 5. True or False: is Adam's first update the same with the loss multiplied by 100?

answered = []
if ex1_extra_passes is not None:
    assert tuple(ex1_extra_passes) == (2, 0), "1: see the `if cycle:` lines of generator_terms"
    answered.append(1)
if ex2_changed is not None:
    assert ex2_changed in ("none", set()), (
        "2: the table marks whether a network gets any gradient; through which other route does c_a reach the loss?")
    answered.append(2)
if ex3_gen_grads is not None:
    assert ex3_gen_grads is True, "3: backward() follows the graph into every tensor that requires grad"
    answered.append(3)
if ex4_hinge_terms is not None:
    hinge_model = MUNIT(cfg.replace(gan_type="hinge"))
    hinge_model.load_state_dict(model.state_dict())
    with torch.no_grad():
        reference = gen_losses(hinge_model, x_a, x_b, s_a=s_a, s_b=s_b)
    for name in ("adv_a", "adv_b"):
        assert_close(ex4_hinge_terms[name], reference[name])
    answered.append(4)
if ex5_same_update is not None:
    assert ex5_same_update is True, (
        "5: Adam's first step is lr * g / (|g| + eps) per weight: the scale of g cancels (up to eps and weight decay)")
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
# torch.manual_seed(0)
# cyc_model = MUNIT(cfg.replace(recon_x_cyc_w=10.0))
# cyc_gen, cyc_dis = make_optimizers(cyc_model)
# batches, style_rng = torch.Generator().manual_seed(10), torch.Generator().manual_seed(11)
# cyc_history = [train_step(cyc_model, cyc_gen, cyc_dis, sketches(4, batches), paintings(4, batches), rng=style_rng)
#                for _ in range(40)]
# cyc_recon = torch.tensor([h["gen_recon_x_a"] + h["gen_recon_x_b"] for h in cyc_history])
# print(f"image reconstruction, last 5 steps: {cyc_recon[-5:].mean():.2f} with the cycle term, "
#       f"{recon_x[-5:].mean():.2f} without")
# ex1_extra_passes = (2, 0)
# ```
#
# The cycle term decodes $x_{aba} = G_a(c_{a,recon}, s_{a,own})$ and $x_{bab}$: two more decoder
# passes (plus their share of the backward pass). It needs no new encoder pass: the content of the
# translation and the image's own style are already computed for the latent terms. Over forty steps
# the image reconstruction ends at about the same level: the cycle term asks for the same thing,
# the input image back, along a longer road.
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# ```python
# def generator_terms_detached(model, x_a, x_b, s_a, s_b, cycle=False):
#     terms = generator_terms(model, x_a, x_b, s_a, s_b, cycle)
#     c_a, _ = model.gen_a.encode(x_a)
#     c_a_recon, _ = model.gen_b.encode(model.gen_b.decode(c_a, s_b))
#     terms["recon_c_a"] = l1(c_a_recon, c_a.detach())  # the target no longer carries a gradient
#     return terms
#
# detached = generator_terms_detached(model, x_a, x_b, s_a_gen, s_b_gen, cycle=True)
# enc = list(model.gen_a.enc_content.parameters())
# both = torch.autograd.grad(terms["recon_c_a"], enc, retain_graph=True)
# one = torch.autograd.grad(detached["recon_c_a"], enc, retain_graph=True)
# print(sum(g.norm() ** 2 for g in both) ** 0.5, sum(g.norm() ** 2 for g in one) ** 0.5)
# ex2_changed = "none"
# ```
#
# No entry changes: $c_a$ is also the decoder's input, so `gen_a.enc_content` still receives a
# gradient from $\mathcal L^{c_a}$ through the translation. What changes is the gradient itself: the
# two printed norms differ, by the part that came through the target. A table of *which* networks a
# term reaches cannot show this; only the values can.
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# ```python
# ex3_gen_grads = True
# ```
#
# Without `no_grad` the translations stay connected to the generators, and `backward()` on the
# discriminator loss follows the graph into them: every generator parameter gets a `.grad`, at the
# cost of a backward pass through both generators. `opt_dis.step()` itself would do nothing
# different: it only holds the discriminators' parameters. The danger is the next step: those
# gradients point the way that helps the *discriminator* (making fakes easier to spot), and they
# would add to the generators' own gradients if `opt_gen.zero_grad` were not called first. The
# generators would be pushed partly against their own objective.
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# ```python
# def hinge_gen(fake_maps):
#     return sum(-f.mean() for f in fake_maps)  # -E[d], summed over scales
#
# def generator_terms_hinge(model, x_a, x_b, s_a, s_b, cycle=False):
#     terms = generator_terms(model, x_a, x_b, s_a, s_b, cycle)
#     c_a, _ = model.gen_a.encode(x_a)
#     c_b, _ = model.gen_b.encode(x_b)
#     terms["adv_a"] = hinge_gen(model.dis_a(model.gen_a.decode(c_b, s_a)))
#     terms["adv_b"] = hinge_gen(model.dis_b(model.gen_b.decode(c_a, s_b)))
#     return terms
#
# with torch.no_grad():
#     ex4_hinge_terms = generator_terms_hinge(model, x_a, x_b, s_a, s_b)
# ```
#
# The hinge terms start near 0 instead of near 2: an untrained discriminator scores near 0, and
# $-d$ is then about 0 where $(d - 1)^2$ is about 1 per scale. In the bar chart the adversarial
# bars all but vanish at the first step; the reconstruction terms are unchanged.
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# ```python
# torch.manual_seed(0)
# m1 = MUNIT(cfg)
# m100 = copy.deepcopy(m1)
# results = []
# for scale, m in ((1.0, m1), (100.0, m100)):
#     opt_g, _ = make_optimizers(m)
#     opt_g.zero_grad(set_to_none=True)
#     (scale * generator_total(generator_terms(m, x_a, x_b, s_a_gen, s_b_gen), cfg)).backward()
#     opt_g.step()
#     results.append(torch.cat([p.detach().flatten() for p in m.gen_a.parameters()]))
# differ = (results[0] - results[1]).abs() > 0.01 * cfg.lr  # updates that differ by more than 1% of lr
# print(f"{differ.float().mean().item():.2%} of G_a's weights move differently")
# ex5_same_update = True
# ```
#
# The first update is $-\eta\, g/(|g| + \epsilon)$ per weight: multiplying the loss by 100 multiplies
# $g$ by 100 and cancels. Two things break the tie: $\epsilon = 10^{-8}$, which matters only for
# gradients near $10^{-8}$, and the weight decay $\lambda\theta$ added to the gradient, which is
# *not* scaled by 100. For the few weights whose loss gradient is as small as $\lambda\theta$
# (about $10^{-5}$), the scaled loss wins where the unscaled one did not, and the update can even
# change sign (a difference of up to $2\eta$). For all the others the update is the same.
# </details>

# %% [markdown]
# ## References
#
# - Huang, X., Liu, M.-Y., Belongie, S. and Kautz, J. (2018). Multimodal Unsupervised Image-to-Image
#   Translation (MUNIT). ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - Mao, X., Li, Q., Xie, H., Lau, R. Y. K., Wang, Z. and Smolley, S. P. (2017). Least Squares
#   Generative Adversarial Networks (LSGAN). ICCV 2017. [arXiv:1611.04076](https://arxiv.org/abs/1611.04076).
# - Zhu, J.-Y., Park, T., Isola, P. and Efros, A. A. (2017). Unpaired Image-to-Image Translation using
#   Cycle-Consistent Adversarial Networks (CycleGAN). ICCV 2017.
#   [arXiv:1703.10593](https://arxiv.org/abs/1703.10593).
# - Johnson, J., Alahi, A. and Fei-Fei, L. (2016). Perceptual Losses for Real-Time Style Transfer and
#   Super-Resolution. ECCV 2016. [arXiv:1603.08155](https://arxiv.org/abs/1603.08155).
# - Simonyan, K. and Zisserman, A. (2015). Very Deep Convolutional Networks for Large-Scale Image
#   Recognition (VGG). ICLR 2015. [arXiv:1409.1556](https://arxiv.org/abs/1409.1556).
# - Ulyanov, D., Vedaldi, A. and Lempitsky, V. (2016). Instance Normalization: The Missing Ingredient
#   for Fast Stylization. arXiv preprint, 2016. [arXiv:1607.08022](https://arxiv.org/abs/1607.08022).
# - Kingma, D. P. and Ba, J. (2015). Adam: A Method for Stochastic Optimization. ICLR 2015.
#   [arXiv:1412.6980](https://arxiv.org/abs/1412.6980).
