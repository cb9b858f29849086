# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.4
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Where MUNIT comes from: UNIT, CycleGAN, BicycleGAN
#
# *Draft (helper H2): sections 1-3 ran under the CI profile (on a machine so loaded that 8
# training iterations took minutes); the BicycleGAN by-hand cell of section 4 was fixed after a
# failure (dropout: it now runs in eval mode) and not re-run; the rest of 4 and section 5 never
# ran; no outputs are stored. To finish: move this twin to `notebooks/`, run `make outputs
# NB=notebooks/10_where_munit_comes_from.py`, check the CI run stays under 2 minutes, and replace
# the short training runs by shipped baseline weights once they exist.*
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/10_where_munit_comes_from.ipynb)
#
# MUNIT's paper measures itself against four systems. Each one solved part of the problem, and
# each one's limit is a design decision in MUNIT:
#
# | system | data | latent | one input gives |
# |---|---|---|---|
# | **UNIT** (Liu et al. 2017) | unpaired | one code, *fully shared* by both domains (a VAE-GAN per domain) | one output |
# | **CycleGAN** (Zhu et al. 2017) | unpaired | none: a deterministic map per direction, tied by a cycle | one output |
# | **CycleGAN\*** (MUNIT's baseline) | unpaired | CycleGAN with noise concatenated to the input | one output, in practice |
# | **BicycleGAN** (Zhu et al. 2017) | **paired** | a code z in R^8 per image, two cycles | many outputs |
# | **MUNIT** | unpaired | a shared *content* code + a *style* code per domain | many outputs |
#
# All four are in `munit_lib.baselines`, rebuilt from their papers and the facts of their original
# code, with the originals' exact parameter counts and state-dict layouts, and they train with
# the same `Trainer` and translate with the same `Translator` as MUNIT (one config key, `model:`).
#
# **What you will learn**
#
# - UNIT's shared latent space and its VAE: the KL term built by hand, and why one shared code
#   cannot be multimodal;
# - CycleGAN's cycle, and why noise fed to it is ignored (measured);
# - BicycleGAN's two cycles (image -> z -> image and z -> image -> z), its KL and latent
#   regression built by hand, and the gradient path that keeps the regression away from the encoder;
# - the effect of the latent size nz, as the BicycleGAN paper studies it;
# - all of them beside MUNIT on the same sketches, with ground-truth scores.

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

import matplotlib.pyplot as plt
import torch
from torch.testing import assert_close

import munit_lib
from munit_lib import MUNITConfig, Translator, count_parameters
from munit_lib.baselines import (BicycleGAN, CycleGAN, MultiPatchGAN, PatchGAN, ResNetEncoder, ResnetGenerator, UNIT,
                                 UnetGenerator, UNITGenerator, cpu_config, unit_discriminator)
from munit_lib.baselines.bicyclegan import bicyclegan_gen_losses, bicyclegan_kl_loss, latent_regression_loss
from munit_lib.baselines.cyclegan import cyclegan_gen_losses
from munit_lib.baselines.runtime import translation_sides
from munit_lib.baselines.unit import unit_gen_losses, unit_kl_loss
from munit_lib.course import setup
from munit_lib.data import ShapesDomain, ShapesPairs
from munit_lib.pretrained import list_pretrained, pretrained
from munit_lib.shapes_metrics import content_iou, style_diversity
from munit_lib.training import Trainer
from munit_lib.viz import show_grid

PROFILE = setup()  # seeds torch with 0, pins the thread count under CI, PNG figures
SIZE = 64
CONFIGS = Path(munit_lib.__file__).resolve().parents[1] / "configs"  # the course's recipes

# %% [markdown]
# ## 1. The originals, layer for layer
#
# Each network is built at its paper's headline configuration and counted. The counts are those
# of the original implementations (`tests/data/baselines_keys.json` holds their state-dict keys
# and shapes, which the tests compare key by key), so released weights load into these modules.

# %%
with torch.device("meta"):  # shapes only, no memory and no initialisation: counting needs no values
    headline = {
        "UNIT generator (VAEGen)": (UNITGenerator(3, 64), 11_140_483),
        "UNIT discriminator (3 scales)": (unit_discriminator(3, 64), 8_271_171),
        "CycleGAN generator (ResNet, 9 blocks)": (ResnetGenerator(3, 3, 64, 9), 11_378_179),
        "CycleGAN discriminator (70x70 PatchGAN)": (PatchGAN(3, 64), 2_764_737),
        "BicycleGAN G (U-Net 256, z at every level)": (UnetGenerator(1, 3, 8, 8, 64), 54_792_579),
        "BicycleGAN E (ResNet)": (ResNetEncoder(3, 8, 64), 2_590_032),
        "BicycleGAN D and D2 (2 scales each)": (MultiPatchGAN(3, 64), 3_458_978),
    }
for name, (net, original) in headline.items():
    assert count_parameters(net) == original, name
    print(f"{name:45s} {count_parameters(net):>12,}")
del headline

# %% [markdown]
# (The networks were built on PyTorch's `meta` device: tensors with shapes but no storage, enough
# to count.) The U-Net is the giant: eight levels of skip connections (a 256x256 image goes down to 1x1),
# with z concatenated to the input of every level. At 64x64 it has six levels; on the CPU we also
# narrow every network to base width 16 (`cpu_config`), which is what the rest of this notebook
# trains.

# %% [markdown]
# ## 2. UNIT: one shared latent space, a VAE per domain
#
# UNIT assumes that two corresponding images share **one** latent code $z$. Each domain has an
# encoder $E$ and a decoder $G$; translation is $x_{ab} = G_b(E_a(x_a))$. The encoder outputs the
# mean $h = E(x)$ of a Gaussian posterior whose variance is fixed at 1, $q(z|x) = \mathcal N(h, I)$,
# and training decodes a sample $z = h + \epsilon$, $\epsilon \sim \mathcal N(0, I)$. The KL divergence
# to the prior $\mathcal N(0, I)$ is then
#
# $$KL\big(\mathcal N(h, I)\,\|\,\mathcal N(0, I)\big) = \tfrac12 \sum_i h_i^2,$$
#
# which the release writes as $\mathrm{mean}(h^2)$ over all elements, a constant multiple. Let us
# build it by hand.

# %%
torch.manual_seed(0)
unit = UNIT(cpu_config("unit"))
sketches = torch.stack([ShapesDomain("a", "test", SIZE, 8)[i] for i in range(8)])  # (8, 3, 64, 64)
paintings = torch.stack([ShapesDomain("b", "test", SIZE, 8)[i] for i in range(8)])

h, noise = unit.gen_a.encode(sketches[:2])
h = h.detach()  # the KL's value only: no gradient needed here
print("latent h:", tuple(h.shape), "(a spatial code, as MUNIT's content)")
kl_by_hand = (h ** 2).sum() / h.numel()  # mean of h^2 over batch, channels and pixels
assert_close(kl_by_hand, unit_kl_loss(h))
kl_true = 0.5 * (h ** 2).flatten(1).sum(1)  # the Gaussian KL per image
assert_close(kl_by_hand, 2 * kl_true.mean() / h[0].numel())
print(f"mean(h^2) = {float(kl_by_hand):.4f}; KL per image = {[round(float(k), 1) for k in kl_true]}")

# %% [markdown]
# The full objective (release, edges2shoes): LSGAN + 10 x image reconstruction + 0.01 x KL +
# 10 x cycle reconstruction (a -> b -> a through both VAEs) + 0.01 x KL of the re-encoded codes.

# %%
terms = unit_gen_losses(unit, sketches[:2], paintings[:2], rng=torch.Generator().manual_seed(0))
total_by_hand = (terms["adv_a"] + terms["adv_b"] + 10 * (terms["recon_x_a"] + terms["recon_x_b"])
                 + 0.01 * (terms["kl_a"] + terms["kl_b"]) + 10 * (terms["cyc_x_a"] + terms["cyc_x_b"])
                 + 0.01 * (terms["kl_cyc_a"] + terms["kl_cyc_b"]))
assert_close(total_by_hand, terms["total"])
print(sorted(k for k in terms if k != "total"))

# %% [markdown]
# **Why one shared code cannot be multimodal.** A translation is $G_b(E_a(x_a))$: everything $G_b$
# sees comes from $x_a$. At test time UNIT decodes the mean $h$ alone, so one sketch gives one
# painting. Decoding $h + \epsilon$ instead does not help: $\epsilon$ is white noise spread over
# every position and channel of the code, trained to be *ignored* (the reconstruction loss asks
# for $x$ whatever $\epsilon$ is), not a style the painting can take. MUNIT's answer is to split the
# code: the shared part (content) keeps the geometry, and a separate style code, drawn from a prior
# of its own domain, carries what the sketch does not determine.

# %% [markdown]
# ## 3. CycleGAN, and why noise is ignored
#
# CycleGAN has two deterministic generators $G_{ab}$ and $G_{ba}$ and two PatchGAN discriminators.
# The cycle $G_{ba}(G_{ab}(x_a)) \approx x_a$ forces the translation to keep the input's
# content. Identity terms $G_{ab}(x_b) \approx x_b$ (weight 0.5 x 10) apply when both domains have
# the same number of channels. Built by hand:

# %%
torch.manual_seed(0)
cyclegan = CycleGAN(cpu_config("cyclegan"))
with torch.no_grad():  # values only
    terms = cyclegan_gen_losses(cyclegan, sketches[:2], paintings[:2])
    x_aba = cyclegan.gen_a(cyclegan.gen_b(sketches[:2]))  # A -> B -> A
    cycle_by_hand = (x_aba - sketches[:2]).abs().mean()
    identity_by_hand = (cyclegan.gen_b(paintings[:2]) - paintings[:2]).abs().mean()  # G_ab leaves B alone
assert_close(cycle_by_hand, terms["cyc_a"])
assert_close(identity_by_hand, terms["idt_b"])
print(f"cycle A->B->A {float(cycle_by_hand):.3f}, identity on B {float(identity_by_hand):.3f} (untrained)")

# %% [markdown]
# **CycleGAN\*** concatenates a noise vector $z \sim \mathcal N(0, I)$ (8 numbers, tiled over the
# image) to the generator's input. Nothing in the objective rewards using it, and the cycle
# *penalises* it: $x_{aba}$ must equal $x_a$ whatever noise was drawn on the way, so any
# dependence on $z$ costs reconstruction error. We train a small CycleGAN\* and measure how much
# its outputs move when only the noise changes, compared with how much they move between inputs.

# %%
RUNS = tempfile.mkdtemp(prefix="munit10_")
ITERS = 8 if PROFILE == "ci" else 1500  # CI: a smoke run; on a laptop: a few minutes per model


def train(model: str, **changes) -> Trainer:
    """A small baseline trained on the shapes data (aligned pairs for BicycleGAN)."""
    cfg = MUNITConfig.from_yaml(CONFIGS / f"shapes_fast_{model}.yaml").replace(
        data_root="shapes:32" if PROFILE == "ci" else "shapes:4000", max_iter=ITERS, sample_every=10 ** 6,
        checkpoint_every=10 ** 6, **({"gen_dim": 8, "dis_dim": 8} if PROFILE == "ci" else {}), **changes)
    trainer = Trainer(cfg, f"{RUNS}/{model}_{len(os.listdir(RUNS))}", progress=False, tensorboard=False)
    trainer.fit()
    return trainer


noisy = train("cyclegan_noise")
noisy_translator = Translator(*translation_sides(noisy.model))

# %% [markdown]
# (`translation_sides` wraps each domain of a baseline in the `Generator` interface the
# `Translator` expects: the "content" of an image-to-image network is the image itself, and the
# "style" is its noise or latent code.)

# %%
outputs = noisy_translator.translate_random(sketches, "a2b", num_styles=8, seed=1)  # (8 inputs, 8 noises, 3, H, W)
spread_noise = outputs.std(dim=1).mean()  # how much one input's outputs differ across noises
spread_inputs = outputs.std(dim=0).mean()  # how much outputs differ across inputs, same noise
print(f"pixel std across noises {float(spread_noise):.4f} vs across inputs {float(spread_inputs):.4f}")

# %% [markdown]
# In MUNIT's Table 1 CycleGAN\*'s outputs for one input are barely more diverse than plain
# CycleGAN's (LPIPS 0.016 vs 0.010, against MUNIT's 0.109). The ratio above is the same
# measurement in pixels: a longer run drives the noise spread towards zero.

# %% [markdown]
# ## 4. BicycleGAN: two cycles and paired data
#
# BicycleGAN learns from **pairs** $(a, b)$ (here: a sketch and its painting, drawn from the same
# ground truth, `ShapesPairs`). A generator $G(a, z)$ takes a latent $z \in \mathbb R^{nz}$; an
# encoder $E(b) = (\mu, \log\sigma^2)$ reads it from an image. Two cycles make $z$ meaningful:
#
# - **cVAE-GAN** (image -> z -> image): $z = \mu + \sigma \odot \epsilon$ from $E(b_1)$;
#   $G(a_1, z)$ must equal $b_1$ (L1, weight 10) and fool $D$; a KL (weight 0.01) keeps the codes
#   near $\mathcal N(0, I)$;
# - **cLR-GAN** (z -> image -> z): $z \sim \mathcal N(0, I)$; $G(a_1, z)$ must fool $D_2$, and $E$ must
#   read $z$ back: the latent regression $|\mu(E(G(a_1, z))) - z|_1$ (weight 0.5).
#
# The KL as BicycleGAN writes it, a **sum** over the batch and the nz dimensions:
#
# $$KL = -\tfrac12 \sum \big(1 + \log\sigma^2 - \mu^2 - \sigma^2\big)$$

# %%
torch.manual_seed(0)
bicycle = BicycleGAN(cpu_config("bicyclegan"))
pairs = ShapesPairs("test", SIZE, 8)
pair_a = torch.stack([pairs[i][0] for i in range(8)])  # sketches
pair_b = torch.stack([pairs[i][1] for i in range(8)])  # their paintings, aligned
bicycle.eval()  # no dropout: the two passes below must see the same network
with torch.no_grad():  # values only
    mu, logvar = bicycle.enc(pair_b[:1])
    kl_by_hand = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum()
    z = torch.randn(1, 8, generator=torch.Generator().manual_seed(3))
    mu_back = bicycle.enc(bicycle.gen(pair_a[:1], z))[0]
    regression_by_hand = (mu_back - z).abs().mean()
assert_close(kl_by_hand, bicyclegan_kl_loss(mu, logvar))
assert_close(regression_by_hand, latent_regression_loss(mu_back, z))
bicycle.train()
print(f"KL {float(kl_by_hand):.4f}, latent regression {float(regression_by_hand):.4f} (untrained)")

# %% [markdown]
# **The latent regression updates G only.** If the encoder could lower $|\mu(E(G(a, z))) - z|$
# itself, it would learn to read back whatever G draws, however poorly G uses z. The original
# switches E's gradients off for this term; E still passes the gradient through to G. We check
# which networks the term reaches:

# %%
terms = bicyclegan_gen_losses(bicycle, pair_a[:2], pair_b[:2])
bicycle.zero_grad(set_to_none=True)
terms["z_l1"].backward(retain_graph=True)
reached = {name: any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in net.parameters())
           for name, net in (("G", bicycle.gen), ("E", bicycle.enc), ("D", bicycle.dis), ("D2", bicycle.dis2))}
print("latent regression reaches:", reached)
assert reached == {"G": True, "E": False, "D": False, "D2": False}
bicycle.zero_grad(set_to_none=True)

# %% [markdown]
# ### The latent size nz
#
# The BicycleGAN paper trains with nz = 2, 8, 16, 256 and finds 8 a good balance: a small code
# carries little of the target's variation (less diversity), a large one is hard to cover by the
# prior (random z land where the encoder never put a code, and outputs get worse). We train a small
# model per nz and measure both sides: reconstruction with the encoded z of the true painting
# (L1, lower is better) and the spread of outputs over random z (diversity).

# %%
sweep = {}
for nz in (2, 8, 32) if PROFILE != "ci" else (2, 32):
    trainer = train("bicyclegan", style_dim=nz)
    model = trainer.model.eval()
    with torch.no_grad():
        recon = (model.gen(pair_a, model.enc(pair_b)[0]) - pair_b).abs().mean()
        outs = torch.stack([model.gen(pair_a, model.random_z(8, generator=torch.Generator().manual_seed(k)))
                            for k in range(6)], dim=1)  # (8 inputs, 6 codes, 3, H, W)
    sweep[nz] = (float(recon), float(outs.std(dim=1).mean()), count_parameters(model.gen))
    print(f"nz {nz:3d}: G {sweep[nz][2]:>9,} parameters, L1 with encoded z {sweep[nz][0]:.3f}, "
          f"spread over random z {sweep[nz][1]:.4f}")

# %% [markdown]
# Only the first conv of each U-Net level grows with nz (nz more input channels at every level).
# In CI these models train for a few dozen iterations and the numbers say little; with the laptop
# settings (`ITERS` above) the trade-off appears.

# %% [markdown]
# ## 5. All of them beside MUNIT, on the same sketches
#
# The same four test sketches, three codes each (random styles for MUNIT, noises for CycleGAN\*,
# random z for BicycleGAN; UNIT and CycleGAN ignore them). MUNIT is the course's shipped shapes
# model when it is there; the baselines are the short runs of this notebook (shipped baseline
# weights would replace them).

# %%
models = {"UNIT": train("unit"), "CycleGAN": train("cyclegan"), "CycleGAN*": noisy,
          "BicycleGAN": train("bicyclegan")}
translators = {name: Translator(*translation_sides(t.model)) for name, t in models.items()}
available = {entry["name"] for entry in list_pretrained() if entry["available"]}
if "shapes" in available:
    translators["MUNIT"] = pretrained("shapes")
inputs = sketches[:4]
rows, names = [], []
for name, translator in translators.items():
    out = translator.translate_random(inputs, "a2b", num_styles=3, seed=2)  # (4, 3, 3, H, W)
    for i in range(len(inputs)):
        rows.append([inputs[i]] + [out[i, k] for k in range(3)])
        names.append(name if i == 0 else "")
show_grid(rows, row_titles=names, col_titles=["sketch", "code 1", "code 2", "code 3"], size=1.1)
plt.show()

# %% [markdown]
# And the ground truth, per model: does the painting keep the sketch's shape (content IoU), and how
# many of the 8 colours do 8 codes reach for one sketch (colour coverage)?

# %%
print(f"{'model':12s} {'content IoU':>12s} {'colours / 8 codes':>18s}")
for name, translator in translators.items():
    out = translator.translate_random(sketches, "a2b", num_styles=8, seed=4)  # (8, 8, 3, H, W)
    iou = content_iou(sketches.repeat_interleave(8, 0), "a", out.flatten(0, 1), "b")["mean"]
    colours = sum(style_diversity(out[i])["n_colours"] for i in range(len(sketches))) / len(sketches)
    print(f"{name:12s} {iou:12.3f} {colours:18.2f}")

# %% [markdown]
# ## Summary
#
# - **UNIT**: one latent space shared by both domains, a VAE per domain with unit variance
#   (KL = mean(h^2) in the code, a scaled Gaussian KL). A translation is a function of the input:
#   unimodal. The PyTorch release shares no layers (the paper's code shares the top ones); the
#   losses alone tie the latent spaces.
# - **CycleGAN**: two deterministic maps and a cycle; one output per input. **CycleGAN\***'s noise
#   is ignored: the objective gives no reason to use it, and the cycle punishes it.
# - **BicycleGAN**: multimodal, but from *paired* data. Its two cycles make z both encodable
#   (cVAE-GAN: KL + L1) and decodable (cLR-GAN: latent regression, which reaches G only).
#   The latent size trades diversity against how well the prior covers the codes.
# - **MUNIT** keeps CycleGAN's unpaired data and cycle idea (in the latent space), UNIT's shared
#   space (for content only) and BicycleGAN's low-dimensional code with a prior (for style), and
#   needs no pairs.
#
# ## Exercises
#
# 1. UNIT's KL by the paper's book: replace `mean(h^2)` by the per-image Gaussian KL
#    $\frac12\sum h^2$ averaged over the batch. By what factor does that change the weight at 64x64
#    with gen_dim 16? Which `recon_kl_w` gives the same gradient as the release's 0.01?
# 2. Train CycleGAN\* with the cycle weight at 0 (build `CycleGAN(CycleGANConfig(..., lambda_cycle=0))`
#    and call `baseline_train_step` in a loop). Does the noise spread grow? What happens to the content?
# 3. Let the latent regression reach E too (remove `frozen(model.enc)` in a copy of
#    `bicyclegan_gen_losses`). Predict, then measure, what happens to the spread over random z.
# 4. Write `ShapesPairs` pairs to disk with `write_pix2pix_pairs` and read them back with
#    `split_side_by_side(..., keep_all=True)`: check that file i of `trainA` and `trainB` is pair i.
# 5. BicycleGAN at 8 levels cannot take 64x64 images. Compute by hand the map size after each level
#    at 64 and find where it fails; then count the parameters of a 6-level U-Net at ngf 64
#    (29,493,635) from the widths alone.
