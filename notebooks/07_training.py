# %% [markdown]
# # 07 · Training: the paper's procedure, the CPU path, checkpoints and exact resume
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/07_training.ipynb)
#
# Notebook 05 ran one training iteration by hand and notebook 06 gave us two unpaired domains. Now we
# train for real: `train_step` again and again, and what lets a long run survive and be read, all of it
# in `munit_lib.training.Trainer`.
#
# **What you will learn**
#
# - the paper's procedure and cost, and how the course's profiles shrink it;
# - the learning-rate schedule and the moving average (EMA) of the generators, by hand;
# - why batch $t$ is a pure function of $t$, and the **exact** resume that gives;
# - a real run of the fast shapes recipe; checkpoints, and a loss that becomes NaN;
# - loss curves read against reference levels, and what the model learns when;
# - sample grids, the command line, and several GPUs.
#
# Run it from a clone of the course, installed with `pip install -e .`.
#
# *Stored outputs: a run of the `cpu` profile, with the lesson's own 4,000-iteration run (section 3); the run was interrupted once and resumed; section 4 shows that changes nothing.*

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
import itertools
import json
import math
import shutil
import tempfile
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image
from torch.testing import assert_close
from torchvision.utils import make_grid

from munit_lib import MUNIT, Generator, MUNITConfig, MultiScaleDiscriminator, count_parameters, load_official_generators
from munit_lib import course
from munit_lib.pretrained import pretrained_path
from munit_lib.training import (GeneratorEMA, IterationBatchSampler, NonFiniteLossError, Trainer, build_datasets,
                                init_distributed, make_schedulers, read_loss_log, read_training_checkpoint)

PROFILE = course.setup()  # seeds torch with 0, pins the thread count under CI, PNG figures
ROOT = course.repository_root()  # the course's clone: configs/, runs/, data/
WORK = Path(tempfile.mkdtemp(prefix="munit07_"))       # scratch runs, deleted at the end
print("profile:", PROFILE)

# %% [markdown]
# ## 1. The paper's procedure, and what it costs
#
# Training MUNIT repeats one iteration (notebook 05, `train_step`):
#
# 1. **Discriminator update.** Draw fresh styles $s_a, s_b \sim \mathcal N(0, I)$, translate
#    $x_b \to a$ and $x_a \to b$ without gradients, and take one Adam step on both discriminators'
#    LSGAN loss: real images towards 1, translations towards 0.
# 2. **Generator update.** Draw *new* styles, compute the full objective (adversarial terms plus the
#    image, content and style reconstructions, weights 1, 10, 1, 1), and take one Adam step on both
#    generators.
#
# The paper's settings (edges2shoes): Adam, learning rate $10^{-4}$, betas $(0.5, 0.999)$, weight decay
# $10^{-4}$; the rate halved every 100,000 iterations; batch 1; **1,000,000 iterations** of random
# $256 \times 256$ crops, about 1.74 TFLOP each with `munit_lib` (2.24 in the original code). Seconds
# per iteration on a 2-core CPU, batch 1 (`benchmarks/results.md`):

# %%
# NBVAL_CHECK_OUTPUT
# Seconds per iteration of the paper's networks with munit_lib, batch 1: medians of 7 rounds on a 2-core
# AMD EPYC CPU, 2 threads (benchmarks/results.md, "Against the original implementation", 2026-11-25).
CPU_SECONDS = {256: 19.41, 128: 5.76, 64: 2.16}
PAPER_ITERATIONS = 1_000_000
for size, seconds in CPU_SECONDS.items():
    days = PAPER_ITERATIONS * seconds / 86_400
    print(f"{size:>3} x {size:<3}  {seconds:4.1f} s per iteration  ->  1M iterations take {days:5.0f} days")
print(f"the whole paper run: {1.74 * PAPER_ITERATIONS / 1e6:.2f} EFLOP (1.74 TFLOP x 1M iterations)")

# %% [markdown]
# Over half a year of CPU time: the paper configuration is a GPU job. So the course has **profiles**,
# chosen with the environment variable `MUNIT_PROFILE`: the same networks, smaller.
#
# - `ci`: tiny networks at $32 \times 32$, for the tests; `cpu` (the default): $64 \times 64$, narrower;
# - `gpu`: the paper's networks with bfloat16, channels-last and an EMA; `paper`: exactly the paper.
#
# The shipped shapes model (notebook 08) was trained with `configs/shapes_fast.yaml`, the **fast
# recipe**, which section 3 trains; `configs/shapes_cpu.yaml` is an older, slower one. Side by side
# with the profiles' own networks:

# %%
# NBVAL_CHECK_OUTPUT
columns = {"ci": MUNITConfig.profile_named("ci"), "cpu": MUNITConfig.profile_named("cpu"),
           "shapes_cpu.yaml": MUNITConfig.from_yaml(ROOT / "configs" / "shapes_cpu.yaml"),
           "shapes_fast.yaml": MUNITConfig.from_yaml(ROOT / "configs" / "shapes_fast.yaml"),
           "gpu": MUNITConfig.profile_named("gpu"), "paper": MUNITConfig.profile_named("paper")}

def parameter_counts(cfg):
    torch.manual_seed(0)
    return count_parameters(Generator(cfg)), count_parameters(MultiScaleDiscriminator(cfg))

counts = {name: parameter_counts(cfg) for name, cfg in columns.items()}
rows = [
    ("image size", lambda c: f"{c.image_size}"),
    ("generator width", lambda c: f"{c.gen_dim}"),
    ("MLP width", lambda c: f"{c.mlp_dim}"),
    ("residual blocks", lambda c: f"{c.n_res}"),
    ("D width x layers x scales", lambda c: f"{c.dis_dim}x{c.dis_n_layer}x{c.dis_num_scales}"),
    ("max_iter", lambda c: f"{c.max_iter:,}"),
    ("lr halves every", lambda c: f"{c.step_size:,}"),
    ("precision", lambda c: c.precision),
    ("channels_last", lambda c: str(c.channels_last)),
    ("EMA decay", lambda c: f"{c.ema_decay:g}"),
]
print(f"{'':26}" + "".join(f"{name:>17}" for name in columns))
for label, show in rows:
    print(f"{label:26}" + "".join(f"{show(cfg):>17}" for cfg in columns.values()))
print(f"{'parameters, one generator':26}" + "".join(f"{g:>17,}" for g, _ in counts.values()))
print(f"{'parameters, one D':26}" + "".join(f"{d:>17,}" for _, d in counts.values()))
assert counts["paper"] == (15_026_187, 8_271_171)  # the paper's numbers (notebooks 02-04)
print("this notebook's run (section 3): the shapes_fast.yaml column under every profile but ci, "
      "whose own tiny networks train 8 iterations")


# %% [markdown]
# The `cpu` column is not this lesson's run: that is the fast recipe's, a fifth of the parameters and
# of the iterations. "Scales" counts the discriminators of pix2pixHD's multi-scale design (Wang et al.,
# 2018): one per image size, full and halved, their losses added.
#
# The optimisation settings (Adam, betas, weight decay, loss weights, batch size 1) are the paper's
# in every profile; only sizes, widths, iteration counts and the step of the schedule change. The
# fast recipe changes four more things: a learning rate twice the paper's, the explicit
# style-augmented cycle loss at weight 1 (the original code's summer2winter config uses 10), an EMA
# with a shorter memory, and paintings whose textures are pinned to the shape rather than to the
# canvas (`texture_anchor: shape`, notebook 06; section 5.3 says what that changes).

# %% [markdown]
# ## 2. Three pieces of the trainer, by hand
#
# ### 2.1 The step learning-rate schedule
#
# The paper halves the learning rate every `step_size` = 100,000 iterations. After $t$ iterations
# the rate is
#
# $$\text{lr}(t) = \text{lr}_0 \cdot \gamma^{\lfloor t / \text{step\_size} \rfloor}, \qquad
# \text{lr}_0 = 10^{-4}, \; \gamma = 0.5 .$$
#
# `make_schedulers` returns one `StepLR` per optimiser, stepped after every iteration, so iteration
# $t$ (from 1) trains with $\text{lr}(t - 1)$. We check the formula against the library on the `ci`
# profile, whose rate halves every 10 iterations:

# %%
# NBVAL_CHECK_OUTPUT
def lr_by_hand(t, cfg):
    """The learning rate after t scheduler steps."""
    return cfg.lr * cfg.gamma ** (t // cfg.step_size) if cfg.lr_policy == "step" else cfg.lr

ci = MUNITConfig.profile_named("ci")
weight = torch.nn.Parameter(torch.zeros(1))
optimisers = [torch.optim.Adam([weight], lr=ci.lr), torch.optim.Adam([weight], lr=ci.lr)]
schedulers = make_schedulers(optimisers, ci)
library = []
for t in range(45):
    library.append(optimisers[0].param_groups[0]["lr"])
    for opt, sched in zip(optimisers, schedulers):
        opt.step()   # (no gradients: nothing moves) the order PyTorch expects: optimiser, then scheduler
        sched.step()
by_hand = [lr_by_hand(t, ci) for t in range(45)]
assert library == by_hand  # exactly: both compute lr_0 * gamma**k
print("ci, after t = 0, 10, 20, 30, 40 steps:", [f"{library[t]:.3g}" for t in range(0, 45, 10)])

paper = MUNITConfig.profile_named("paper")
halvings = [lr_by_hand(t, paper) for t in range(0, PAPER_ITERATIONS, paper.step_size)]
print("paper, one value per 100k iterations:", ", ".join(f"{lr:.3g}" for lr in halvings))
print(f"the last iteration of the paper trains with lr = {lr_by_hand(PAPER_ITERATIONS - 1, paper):.3g} = lr_0 / 512")

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
t = np.arange(0, PAPER_ITERATIONS, 1000)
axes[0].plot(t, [lr_by_hand(int(i), paper) for i in t], drawstyle="steps-post")
axes[0].set_title("paper: halved every 100k iterations", fontsize=10)
axes[0].set_yscale("log")
axes[1].plot(range(45), library, "o", markersize=3, label="StepLR (munit_lib)")
axes[1].plot(range(45), by_hand, drawstyle="steps-post", label="by hand")
axes[1].set_title("ci profile: halved every 10 iterations", fontsize=10)
axes[1].legend(fontsize=8)
for ax in axes:
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### 2.2 The moving average of the generators (EMA)
#
# Not in the paper, but cheap and common in GAN training since: keep a second copy of the generators
# whose weights follow the trained ones slowly,
#
# $$\theta_\text{EMA} \leftarrow d \, \theta_\text{EMA} + (1 - d) \, \theta
# \qquad \text{after every generator update,}$$
#
# with a decay $d$ close to 1. A GAN's weights oscillate around a good solution; their average usually
# translates more smoothly. The `gpu` profile uses $d = 0.999$, the fast recipe a shorter memory, the
# paper none; sample grids and exports use the averaged weights. By hand, after a fake "update":

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
model = MUNIT(ci)
ema = GeneratorEMA(model, decay=0.9)
with torch.no_grad():  # pretend an optimiser step changed every generator weight
    for p in itertools.chain(model.gen_a.parameters(), model.gen_b.parameters()):
        p.add_(0.1 * torch.randn_like(p))

d = ema.decay
expected = {}
for name in ("gen_a", "gen_b"):
    averaged = dict(getattr(ema, name).named_parameters())
    for key, theta in getattr(model, name).named_parameters():
        expected[f"{name}.{key}"] = d * averaged[key].detach() + (1 - d) * theta.detach()

ema.update(model)
for name in ("gen_a", "gen_b"):
    for key, value in getattr(ema, name).named_parameters():
        assert_close(value, expected[f"{name}.{key}"])  # lerp rounds differently from d*a + (1-d)*b
print(f"{len(expected)} parameter tensors: theta_ema = {d} * theta_ema + {1 - d:.1f} * theta  (equal to GeneratorEMA)")

# %% [markdown]
# How long is the EMA's memory? After $k$ more updates, the weights it held $k$ iterations ago count
# with $d^k$. Half of the average comes from the last $\lceil \ln 0.5 / \ln d \rceil$ iterations:

# %%
# NBVAL_CHECK_OUTPUT
FAST_EMA = MUNITConfig.from_yaml(ROOT / "configs" / "shapes_fast.yaml").ema_decay  # the fast recipe's decay
GPU_EMA = MUNITConfig.profile_named("gpu").ema_decay
for decay in sorted({0.9, 0.99, FAST_EMA, GPU_EMA, 0.9999}):
    half = math.ceil(math.log(0.5) / math.log(decay))
    note = "  (configs/shapes_fast.yaml)" if decay == FAST_EMA else "  (gpu profile)" if decay == GPU_EMA else ""
    print(f"decay {decay:<7}: the last {half:>5,} iterations carry half of the weight{note}")
assert 0.99 < FAST_EMA < GPU_EMA < 1  # the fast recipe forgets faster than the gpu profile

# %% [markdown]
# An EMA only helps a run much longer than its memory: with $d = 0.999$ a 1,000-iteration run's average
# still holds $0.999^{1000} \approx 0.37$ of the initialisation, so the fast recipe uses a shorter one.
#
# ### 2.3 Batches as a function of the iteration
#
# To resume a run *exactly*, iteration $t$ of the resumed run has to see the images that iteration $t$
# of an uninterrupted run would have seen. A shuffling `DataLoader` keeps its order in an iterator
# that no checkpoint holds, so `munit_lib` makes the batch a pure function: position $p = t B + j$ of
# a domain's stream (batch size $B$) lies in epoch $e = \lfloor p / n \rfloor$ at offset $p \bmod n$,
# and each epoch is a random permutation of the $n$ images seeded by (seed, rank, domain, epoch).
# Each image also carries its own seed for random crops and flips. By hand:

# %%
# NBVAL_CHECK_OUTPUT
PRIMES = (1_000_003, 7_919, 104_729, 15_485_863)

def mix(*parts):
    """One 62-bit seed from a few small integers."""
    value = 0x2545F4914F6CDD1D
    for prime, part in zip(PRIMES * 2, parts):
        value = (value * prime + part + 1) % 2 ** 62
    return value

def batch_by_hand(t, n, batch_size, seed, domain, rank=0):
    """(image index, augmentation seed) of each image of one domain's batch at iteration t."""
    items = []
    for j in range(batch_size):
        position = t * batch_size + j      # images this domain served before this one
        epoch, offset = divmod(position, n)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(mix(seed, rank, domain, epoch)))
        items.append((int(order[offset]), mix(seed, rank, domain, position, 1)))
    return items

n, batch_size = 5, 2
sampler = IterationBatchSampler(n, batch_size, seed=0, domain=0)
for t in range(4 * n):
    assert sampler.batch(t) == batch_by_hand(t, n, batch_size, seed=0, domain=0)
indices = [[i for i, _ in sampler.batch(t)] for t in range(10)]
print("image indices of iterations 0-9 (5 images, batches of 2):", indices)
epochs = [sorted(sum(indices, [])[e * n:(e + 1) * n]) for e in range(4)]
assert all(epoch == list(range(n)) for epoch in epochs)  # every epoch shows every image once

# %% [markdown]
# A stream that *starts* at iteration 7, as a resumed run's does, yields what the straight one yields
# from 7 on:

# %%
# NBVAL_CHECK_OUTPUT
straight_stream = [sampler.batch(t) for t in range(12)]
resumed_stream = list(itertools.islice(iter(IterationBatchSampler(n, batch_size, seed=0, domain=0, start=7)), 5))
assert resumed_stream == straight_stream[7:12]
other_domain = [IterationBatchSampler(n, batch_size, seed=0, domain=1).batch(t) for t in range(12)]
assert other_domain != straight_stream  # the two domains are shuffled independently: no hidden pairs
print("resumed stream == straight stream from iteration 7:", resumed_stream == straight_stream[7:12])

# %% [markdown]
# ## 3. Training for real: the checkpoint-or-train helper
#
# `course.load_or_train(cfg, out_dir, max_iter)` loads a finished run from `out_dir`, **continues** an
# earlier checkpoint, or trains from scratch, as `python -m munit_lib train --resume` does. What each
# profile trains here:

# %%
if PROFILE == "ci":  # tiny networks at 32 x 32, a scratch folder (CI never writes into the repository)
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:64")
    run_dir, train_iters = WORK / "train_ci", 8
else:  # cpu, gpu or paper: the fast shapes recipe from scratch, the shipped model's first iterations
    cfg = MUNITConfig.from_yaml(ROOT / "configs" / "shapes_fast.yaml")
    run_dir, train_iters = ROOT / "runs" / f"nb07_shapes_fast_{PROFILE}", cfg.max_iter
display = build_datasets(cfg, "test")  # the sample grids show test images, as the command line does
print(f"{PROFILE}: {train_iters:,} iterations at {cfg.image_size}x{cfg.image_size}, generator width {cfg.gen_dim}, "
      f"batch {cfg.batch_size}, lr {cfg.lr:g} halved every {cfg.step_size:,}")

# %% [markdown]
# How fast is one iteration on your machine? (A measurement: it varies.)

# %%
# NBVAL_IGNORE_OUTPUT
from munit_lib.bench import run_benchmark

speed = run_benchmark(cfg, iterations=2)
total = speed["seconds_per_iteration"] * train_iters
duration = f"{total:.0f} seconds" if total < 120 else f"{total / 60:,.0f} minutes" if total < 7200 else f"{total / 3600:,.1f} hours"
print(f"{speed['device']}: {speed['seconds_per_iteration']:.3f} s per iteration, "
      f"so about {duration} for {train_iters:,} iterations (plus samples and checkpoints)")

# %% [markdown]
# > **⚠️ WARNING: the next cell trains.** How long it takes depends on the profile:
# > - `ci`: 8 iterations of the tiny networks, a few seconds;
# > - `cpu`, `gpu`, `paper`: the whole fast recipe, `configs/shapes_fast.yaml` (4,000 iterations),
# >   from scratch into `runs/nb07_shapes_fast_<profile>/`, with a progress bar, for about the time
# >   the cell above predicts: 15 to 20 minutes on an idle 2-core CPU, longer on a busy one.
# >
# > Interrupt the kernel whenever you like: the trainer finishes the current iteration and saves a
# > checkpoint, and running the cell again continues from it. Run it a second time after it has
# > finished and it loads the finished run instead.

# %%
trainer = course.load_or_train(cfg, run_dir, train_iters, display=display,
                               progress=PROFILE != "ci",  # a progress bar, except in CI
                               tensorboard=None if PROFILE != "ci" else False)  # TensorBoard logs when installed
assert trainer.iteration >= train_iters
files = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file() and "tensorboard" not in p.parts)
print(f"trained to iteration {trainer.iteration}; the run folder holds:")
for name in files if len(files) <= 12 else files[:6] + ["..."] + files[-5:]:
    print("   ", name)

# %% [markdown]
# The folder holds the training state (`checkpoints/last.pt`), the config, the loss log, exported
# generators and sample grids. A run that stops saves all of them: the stored run was interrupted at
# iteration 1,135 and resumed, hence `gen_00001135.pt` and the grids numbered 1,135 (section 4 shows
# that resuming changes nothing). The last logged losses:

# %%
last = {key: values[-1] for key, values in read_loss_log(trainer.log_path).items()}
print(f"last logged iteration {int(last['iteration'])}: D {last['dis_total']:.2f}, G {last['gen_total']:.2f} "
      f"(image recon a + b {last['gen_recon_x_a'] + last['gen_recon_x_b']:.2f})")

# %% [markdown]
# The same call again loads the checkpoint at `train_iters` and returns at once:

# %%
again = course.load_or_train(cfg, run_dir, train_iters, display=display, progress=False, tensorboard=False)
same = all(torch.equal(a, b) for a, b in zip(again.model.state_dict().values(), trainer.model.state_dict().values()))
assert again.iteration == trainer.iteration and same
print(f"loaded iteration {again.iteration} from {run_dir.name}/checkpoints/last.pt; same weights: {same}")
del again

# %% [markdown]
# ## 4. Checkpoints and exact resume
#
# ### 4.1 Resume = never stopped
#
# The claim: train $N$ iterations, stop, let a *fresh* `Trainer` load the checkpoint and train $N$ more;
# the result is **bitwise** the $2N$-iteration run. That needs every piece of state in the checkpoint:
# weights, EMA, both optimisers and schedulers, the random generator, and the iteration (section
# 2.3). We test it on tiny CPU runs, with a rate that halves every 2 iterations and an EMA:

# %%
# NBVAL_CHECK_OUTPUT
demo_cfg = MUNITConfig.profile_named("ci", data_root="shapes:16", step_size=2, ema_decay=0.9, log_every=1,
                                     checkpoint_every=1000, sample_every=1000, display_size=2)
N = 3
quiet = dict(progress=False, tensorboard=False, device="cpu")  # bitwise equality is a CPU promise (see 4.2)

straight = course.load_or_train(demo_cfg, WORK / "straight", 2 * N, **quiet)  # 2N in one go

first = course.load_or_train(demo_cfg, WORK / "split", N, **quiet)             # N, then "the process dies"
shutil.copytree(WORK / "split", WORK / "forgetful")                              # (a copy, for 4.2)
torch.manual_seed(1234)  # a new process starts with another global RNG state: it should not matter
second = course.load_or_train(demo_cfg, WORK / "split", 2 * N, **quiet)        # a fresh Trainer: loads N, trains N
print(f"straight: iteration {straight.iteration}; split: {first.iteration} + resumed to {second.iteration}")


# %%
# NBVAL_CHECK_OUTPUT
def leaves(state, path=""):
    """(path, value) of every tensor and number in a nested checkpoint dict."""
    if isinstance(state, dict):
        for key, value in state.items():
            yield from leaves(value, f"{path}/{key}")
    elif isinstance(state, (list, tuple)):
        for i, value in enumerate(state):
            yield from leaves(value, f"{path}[{i}]")
    else:
        yield path, state

def identical(one, two):
    a, b = dict(leaves(one)), dict(leaves(two))
    if a.keys() != b.keys():
        return False
    return all(torch.equal(a[k], b[k]) if isinstance(a[k], torch.Tensor) else a[k] == b[k] for k in a)

one, two = straight.state_dict(), second.state_dict()
tensors = sum(isinstance(v, torch.Tensor) for _, v in leaves(one))
same = identical(one, two)
assert same
assert read_loss_log(straight.log_path) == read_loss_log(second.log_path)  # and the same log
print(f"{tensors} tensors compared (weights, EMA, Adam moments, RNG states) plus schedulers and config")
print("identical:", same)

# %% [markdown]
# ### 4.2 What breaks it
#
# Resume the same checkpoint but reset the generator of random styles, as a trainer would that did
# not save it: every later iteration draws other styles, and the weights drift apart at once.

# %%
# NBVAL_CHECK_OUTPUT
forgetful = Trainer(demo_cfg, WORK / "forgetful", **quiet)
forgetful.resume()
forgetful.style_rng.manual_seed(0)  # forget where the style stream was
forgetful.fit(2 * N)
print("identical without the saved style RNG:", identical(straight.state_dict(), forgetful.state_dict()))
assert not identical(straight.state_dict(), forgetful.state_dict())

# %% [markdown]
# (On a GPU, "identical" becomes "the same run, statistically": some CUDA kernels are not
# deterministic.)
#
# ### 4.3 What a checkpoint holds
#
# A checkpoint is a plain dictionary of tensors, numbers and strings, written to a temporary file and
# renamed into place, so a crash during the save leaves the previous one intact. It holds no pickled
# Python objects, so it loads with `torch.load(..., weights_only=True)`, which refuses to run code
# from a file:

# %%
# NBVAL_CHECK_OUTPUT
ckpt = torch.load(straight.checkpoint_path, map_location="cpu", weights_only=True)
print("keys:      ", sorted(ckpt))
print("format:    ", ckpt["format"], "| iteration:", ckpt["iteration"], "| world_size:", ckpt["world_size"])
print("model:     ", len(ckpt["model"]), "tensors, e.g.", next(iter(ckpt["model"])))
print("ema:       ", sorted(ckpt["ema"]), "decay", ckpt["ema"]["decay"])
print("opt_gen:   ", sorted(ckpt["opt_gen"]), "| per parameter:", sorted(ckpt["opt_gen"]["state"][0]))
print("sched_gen: ", {k: ckpt["sched_gen"][k] for k in ("last_epoch", "step_size", "gamma")})
assert straight.sched_gen.get_last_lr() == [demo_cfg.lr * demo_cfg.gamma ** (2 * N // demo_cfg.step_size)]
print("rng:       ", sorted(ckpt["rng"]))
assert ckpt["iteration"] == 2 * N and MUNITConfig.from_dict(ckpt["config"]) == demo_cfg
assert read_training_checkpoint(straight.checkpoint_path)["iteration"] == 2 * N  # the checked reader

# %% [markdown]
# After $2N = 6$ iterations with `step_size` 2, the schedulers have stepped 6 times and the rate has
# been halved three times: $10^{-4} / 8 = 1.25 \cdot 10^{-5}$. The generators alone (what translation
# needs) go to `gen_XXXXXXXX.pt`, in the original project's layout `{"a": ..., "b": ...}` plus our
# config; `load_official_generators` reads it:

# %%
# NBVAL_CHECK_OUTPUT
export = torch.load(straight.generators_path(), map_location="cpu", weights_only=True)
print(straight.generators_path().name, "keys:", sorted(export), "| iteration", export["iteration"])
gen_a, gen_b = load_official_generators(straight.generators_path())
for key, value in straight.ema.gen_a.state_dict().items():  # an export holds the EMA weights when there are some
    assert torch.equal(gen_a.state_dict()[key], value)
print("loaded:", type(gen_a).__name__, "x 2 with", f"{count_parameters(gen_a):,}", "parameters each")


# %% [markdown]
# ### 4.4 When a loss becomes NaN
#
# A learning rate too high or one broken image can turn a loss into NaN, and one NaN step poisons
# every weight. The trainer checks each loss *before* its backward pass and stops with
# `NonFiniteLossError`, naming the loss and the iteration; the last checkpoint is the last good state.
# We simulate a broken file: domain A serves NaN images from its fifth read on.

# %%
# NBVAL_CHECK_OUTPUT
class TurnsNaN(torch.utils.data.Dataset):
    """A domain's images for the first `good_reads` reads, NaN images after."""

    def __init__(self, dataset, good_reads):
        self.dataset, self.good_reads, self.reads = dataset, good_reads, 0

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        self.reads += 1
        x = self.dataset[i]
        return torch.full_like(x, float("nan")) if self.reads > self.good_reads else x

nan_cfg = demo_cfg.replace(checkpoint_every=2)
domain_a, domain_b = build_datasets(nan_cfg)
broken = Trainer(nan_cfg, WORK / "nan", datasets=(TurnsNaN(domain_a, good_reads=4), domain_b), **quiet)
try:
    broken.fit(8)
except NonFiniteLossError as error:
    caught = error
message = str(caught).replace(str(broken.out_dir), "<run>")
print(type(caught).__name__ + ":\n" + textwrap.fill(message, 96, initial_indent="  ", subsequent_indent="  "))
print("loss:", caught.name, "| iteration:", caught.iteration)

# %%
# NBVAL_CHECK_OUTPUT
saved = read_training_checkpoint(broken.checkpoint_path)
finite = all(torch.isfinite(v).all() for v in saved["model"].values() if v.is_floating_point())
assert saved["iteration"] == 4 and finite
print(f"last good checkpoint: iteration {saved['iteration']}, every weight finite: {finite}")

healed = course.load_or_train(nan_cfg, WORK / "nan", 8, datasets=(domain_a, domain_b), **quiet)  # data fixed: continue
assert healed.iteration == 8
print("with the data fixed, the run continues from it to iteration", healed.iteration)

# %% [markdown]
# From the command line the same error ends `python -m munit_lib train` with exit status 3.
#
# ## 5. Progress and loss curves
#
# Every `log_every` iterations the trainer appends one row to `losses.csv`: the iteration, the
# learning rate and every loss term (unweighted). `read_loss_log` reads it as `{column: values}` and
# `course.plot_losses` draws it, grouped and smoothed. Our run first, if it is long enough to show
# anything (the `ci` profile's 8 iterations only test the mechanics):

# %%
log = read_loss_log(trainer.log_path)
print("columns:", ", ".join(log))
assert log["iteration"][-1] == trainer.iteration and len(log["iteration"]) >= trainer.iteration // cfg.log_every
if len(log["iteration"]) >= 50:
    fig = course.plot_losses(log, title=f"our {PROFILE} run")
    plt.show()
else:
    print(f"our run logged {len(log['iteration'])} rows: too few for curves; below, the shipped model's whole run")

# %% [markdown]
# The shipped shapes model shows a longer run: an hour of `configs/shapes_fast.yaml` on one thread
# of a 2-core CPU (11,740 iterations, three times the recipe's 4,000). Its folder,
# `data/pretrained/shapes/`, holds the exported generators, the config, `losses.csv`, the last
# sample grids, its ground-truth scores (`scores.json`) and its scores along the way
# (`time_to_quality.jsonl`). First we check that its files agree with each other and with the recipe:

# %%
# NBVAL_CHECK_OUTPUT
SHIPPED = pretrained_path("shapes").parent
names = ["config.yaml", "generators.pt", "losses.csv", "samples_a2b.png", "samples_b2a.png", "scores.json"]
missing = [name for name in names if not (SHIPPED / name).is_file()]
assert not missing, f"{SHIPPED} lacks {missing}: clone the whole repository (see README.md)"

shipped_cfg = MUNITConfig.from_yaml(SHIPPED / "config.yaml")
recipe = MUNITConfig.from_yaml(ROOT / "configs" / "shapes_fast.yaml")
architecture = ["image_size", "style_dim", "gen_dim", "mlp_dim", "n_downsample", "n_res", "dis_dim", "dis_n_layer",
                "dis_num_scales", "gan_type", "pad_type", "lr", "batch_size", "recon_x_w", "recon_s_w", "recon_c_w",
                "recon_x_cyc_w", "ema_decay", "seed", "data_root", "texture_anchor"]
assert all(getattr(shipped_cfg, key) == getattr(recipe, key) for key in architecture)

shipped_gens = torch.load(SHIPPED / "generators.pt", map_location="cpu", weights_only=True)
shipped_a, shipped_b = load_official_generators(SHIPPED / "generators.pt")
assert all(getattr(shipped_a.cfg, key) == getattr(shipped_cfg, key) for key in architecture)

shipped_log = read_loss_log(SHIPPED / "losses.csv")
assert len(shipped_log["iteration"]) >= 2
assert 0 <= shipped_gens["iteration"] - shipped_log["iteration"][-1] < shipped_cfg.log_every  # the same moment
print(f"shipped: {len(names)} files, {int(shipped_gens['iteration']):,} iterations, "
      "consistent with configs/shapes_fast.yaml")
print(f"its EMA decay: {shipped_cfg.ema_decay:g}; lr {shipped_cfg.lr:g}; explicit cycle weight {shipped_cfg.recon_x_cyc_w:g}; "
      f"textures pinned to the {shipped_cfg.texture_anchor}")

# %% [markdown]
# ### 5.1 Reading the curves: two reference levels
#
# **The LSGAN equilibrium.** A discriminator that cannot tell real from fake does best by answering
# $D = \tfrac12$ everywhere: its loss is $(\tfrac12)^2 + (\tfrac12 - 1)^2 = \tfrac12$ per scale
# (1.0 for the shipped model's 2 scales), and the generator's adversarial term is
# $(\tfrac12 - 1)^2 = \tfrac14$ per scale. A discriminator below that level still tells some fakes apart.
#
# **The error of predicting zero.** The style reconstruction $\mathbb E\,|E^s(G(c, s)) - s|$ uses
# $s \sim \mathcal N(0, I)$. An encoder that outputs 0 scores $\mathbb E|s| = \sqrt{2/\pi} \approx
# 0.80$ per dimension. A sketch has **no style at all** (black ink on white paper), so the sketch
# style encoder can do no better than that.
#
# We mark both levels and measure the shipped run's curves over its last fifth:

# %%
# NBVAL_CHECK_OUTPUT
scales = shipped_cfg.dis_num_scales
EQUILIBRIUM_D = 2 * 0.25 * scales            # (1/2)^2 + (1/2 - 1)^2 per scale
EQUILIBRIUM_G = 0.25 * scales                # (1/2 - 1)^2 per scale
PREDICT_ZERO = math.sqrt(2 / math.pi)        # E|s| for s ~ N(0, 1)

def late_values(column, fraction=0.2):
    """A logged column over the last `fraction` of the run."""
    values = shipped_log[column]
    return np.asarray(values[int(len(values) * (1 - fraction)):])

columns = ("dis_a", "dis_b", "gen_adv_a", "gen_adv_b", "gen_recon_s_a", "gen_recon_s_b", "gen_recon_x_a", "gen_recon_x_b")
late = {key: float(late_values(key).mean()) for key in columns}
spread = {key: float(late_values(key).std()) for key in columns}  # how much a logged value moves step to step
print(f"D of sketches   (dis_a):        {late['dis_a']:.2f} ± {spread['dis_a']:.2f}   equilibrium {EQUILIBRIUM_D:.2f}")
print(f"D of paintings  (dis_b):        {late['dis_b']:.2f} ± {spread['dis_b']:.2f}")
print(f"G adversarial   (gen_adv_a/b):  {late['gen_adv_a']:.2f} / {late['gen_adv_b']:.2f}   equilibrium {EQUILIBRIUM_G:.2f}")
print(f"style recon, sketches (s_a):    {late['gen_recon_s_a']:.2f}   predict-zero level {PREDICT_ZERO:.2f}")
print(f"style recon, paintings (s_b):   {late['gen_recon_s_b']:.2f}")
assert abs(late["dis_a"] - EQUILIBRIUM_D) < 0.15 and spread["dis_a"] < 0.1  # the sketch D is fooled, steadily
assert late["dis_b"] < EQUILIBRIUM_D and spread["dis_b"] > 2 * spread["dis_a"]  # the painting D still fights
assert late["gen_adv_b"] > late["gen_adv_a"]               # ... so the painting G fools it less
assert abs(late["gen_recon_s_a"] - PREDICT_ZERO) < 0.12   # no style to read in a sketch
assert late["gen_recon_s_b"] < late["gen_recon_s_a"] - 0.1  # paintings have a style, and it is read back

# %%
# NBVAL_CHECK_OUTPUT
fig = course.plot_losses(shipped_log, title="the shipped shapes model (configs/shapes_fast.yaml)")
fig.axes[0].axhline(2 * EQUILIBRIUM_D, color="grey", linestyle="--", linewidth=1, label="dis_total if D = 1/2")
fig.axes[0].axhline(EQUILIBRIUM_G, color="grey", linestyle=":", linewidth=1, label="gen_adv_* if D = 1/2")
fig.axes[0].legend(fontsize=7)
fig.axes[-1].axhline(PREDICT_ZERO, color="grey", linestyle="--", linewidth=1, label="predict zero: sqrt(2/pi)")
fig.axes[-1].legend(fontsize=7)
plt.show()

# %% [markdown]
# The sketch discriminator sits at the equilibrium: translated sketches fool it. The painting
# discriminator is a little lower and swings more: it still catches some flaws. Adversarial terms do
# **not** go to zero, and should not. The sketch style error sits at the predict-zero level; the
# painting style error falls well below it. The alarm would be a discriminator loss dropping to zero
# while the generator's adversarial term climbs. The shipped sample grids (layout in section 6):

# %%
# NBVAL_CHECK_OUTPUT
fig, axes = plt.subplots(1, 2, figsize=(12, 6))
for ax, (name, title) in zip(axes, [("samples_a2b.png", "a2b: sketch -> painting"),
                                    ("samples_b2a.png", "b2a: painting -> sketch")]):
    with Image.open(SHIPPED / name) as picture:
        ax.imshow(np.asarray(picture.convert("RGB")))
    ax.set_title(title, fontsize=10)
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### 5.2 What the model learns, and when
#
# Losses do not say whether a translation is right; the shapes' ground truth does (notebook 06).
# The shipped run was scored at fixed minutes: content IoU both ways, the share of the 8 colours 16
# random styles reach, and example-guided colour and texture; beside them, **our own run** of
# section 3 at its end:

# %%
from munit_lib.evaluation.shapes_score import score_shapes_model

MEASURES = {"content_iou_a2b": "content IoU a->b", "content_iou_b2a": "content IoU b->a",
            "colour_coverage": "colours reached (16 styles)", "guided_colour": "guided: colour taken",
            "guided_texture": "guided: texture taken"}
along = sorted((json.loads(line) for line in (SHIPPED / "time_to_quality.jsonl").read_text().splitlines()),
               key=lambda r: r["iteration"])
N_SCORE = 20 if PROFILE == "ci" else 200  # test sketches scored (the shipped model's scores used 200)
ours_a, ours_b = load_official_generators(trainer.generators_path())  # our run's exported generators
ours = score_shapes_model(ours_a, ours_b, n=N_SCORE, num_styles=16, pair_inputs=min(50, N_SCORE))
print(f"our run: {trainer.iteration:,} iterations, scored on {N_SCORE} test sketches")
print(f"{'':30}{'ours':>8}" + "".join(f"{r['iteration']:>8,}" for r in along))
for key, title in MEASURES.items():
    print(f"{title:30}{ours[key]:8.2f}" + "".join(f"{r[key]:8.2f}" for r in along))
if PROFILE != "ci":  # the whole recipe: shapes and colours learned, as the shipped run had them by 4,000 iterations
    assert ours["content_iou_a2b"] > 0.8 and ours["guided_colour"] > 0.8, ours
start_row, end_row = along[0], along[-1]
assert end_row["content_iou_a2b"] > start_row["content_iou_a2b"] and end_row["guided_colour"] > start_row["guided_colour"]
assert end_row["guided_colour"] - end_row["guided_texture"] > 0.3  # colour is learned, texture much less

fig, ax = plt.subplots(figsize=(7.5, 3.6))
for (key, title), colour in zip(MEASURES.items(), plt.cm.tab10.colors):
    ax.plot([r["iteration"] for r in along], [r[key] for r in along], marker=".", color=colour, label=title)
    ax.plot([trainer.iteration], [ours[key]], marker="*", markersize=11, color=colour, linestyle="none")
ax.axvline(recipe.max_iter, color="grey", linewidth=0.6, linestyle="--")
ax.text(recipe.max_iter, 0.02, " the recipe's end", fontsize=8, color="grey")
ax.set_ylim(0, 1.02)
ax.set_xlabel("iteration")
ax.set_ylabel("score (1 = perfect)")
ax.set_title(f"the shipped run along the way (dots) and our {PROFILE} run at its end (stars)", fontsize=10)
ax.legend(fontsize=7, loc="lower right")
fig.tight_layout()
plt.show()

# %% [markdown]
# By the recipe's 4,000 iterations the shapes go through both ways (content IoU about 0.9) and
# example-guided translation takes the reference's colour nearly always. Texture does not follow:
# the reference's texture is taken about 4 times in 10 for the whole hour (chance 1/4).
#
# **Reading "colours reached": one draw of 16 codes.** Every test sketch gets the same 16 random
# codes, so the score hangs on how they fall. A perfect sampler, painting each of the 8 colours for
# 1/8 of $\mathcal N(0, I)$, reaches $8\,(1 - (7/8)^{16}) \approx 7.06$ of them on average (0.882),
# and all 8 in about one draw in three (the coupon collector). By simulation:

# %%
# NBVAL_CHECK_OUTPUT
from munit_lib.evaluation.shapes_score import ideal_coverage

rng = np.random.default_rng(0)
colours_of_codes = rng.integers(0, 8, size=(10_000, 16))  # 10,000 draws of 16 codes; each code's colour uniform
reached = np.array([len(set(draw)) for draw in colours_of_codes]) / 8  # share of the 8 colours, per draw
print(f"perfect sampler, one draw of 16 codes: mean share {reached.mean():.3f} "
      f"(ideal_coverage(8, 16) = {ideal_coverage(8, 16):.3f})")
for share in (1.0, 0.875, 0.75):
    print(f"  reaches {round(8 * share)} of 8 colours in {np.mean(reached == share):.0%} of draws")
assert abs(reached.mean() - ideal_coverage(8, 16)) < 0.005
assert 0.25 < np.mean(reached == 1.0) < 0.36  # all 8: about one draw in three (0.307 exactly)

# %% [markdown]
# So a score of 1.0 says the 16 codes were lucky, and 0.8 does not say a model lost colours.
# `score_shapes_model` also reports `colour_coverage_fresh`, where every sketch gets its *own* 16
# codes: averaged over 200 draws, it is what to compare with the 0.882 ceiling.

# %%
# NBVAL_CHECK_OUTPUT
fresh = json.loads((SHIPPED / "scores.json").read_text())
print(f"shipped model: colours reached {fresh['colour_coverage']:.3f} with one shared draw, "
      f"{fresh['colour_coverage_fresh']:.3f} with fresh codes per sketch (ceiling {fresh['colour_coverage_ideal']:.3f})")
assert abs(fresh["colour_coverage_fresh"] - fresh["colour_coverage_ideal"]) < 0.05  # close to a perfect sampler

# %% [markdown]
# ### 5.3 Where texture lives
#
# Why is texture the slow factor? Ask the codes. A **linear probe** (Alain and Bengio, 2016), a linear
# classifier on frozen features, reads the true texture of paintings from the style code $E^s_b(x)$
# and from the content code $E^c_b(x)$ pooled to $4 \times 4$; its held-out accuracy says how much of
# the texture each code carries. By hand on the shipped model, then the library's `factor_probes`:

# %%
from munit_lib.data import TEXTURES, ShapesDomain, tensor_to_uint8
from munit_lib.evaluation.probes import linear_probe_accuracy
from munit_lib.evaluation.shapes_score import factor_probes, model_texture_anchor

N_PROBE = 120 if PROFILE == "ci" else 600
ANCHOR = model_texture_anchor(shipped_b)  # paintings drawn as the model's training data were
train_b = ShapesDomain("b", "train", 64, N_PROBE, 0, texture_anchor=ANCHOR)
test_b = ShapesDomain("b", "test", 64, N_PROBE // 3, 0, texture_anchor=ANCHOR)
with torch.no_grad():
    codes = {}
    for split, data in (("train", train_b), ("test", test_b)):
        content, style = shipped_b.encode(data.batch(range(len(data))))       # (n, C, 16, 16), (n, 8)
        codes[split] = {"style": style, "content": torch.nn.functional.adaptive_avg_pool2d(content, 4).flatten(1)}
texture_of = {split: torch.tensor([TEXTURES.index(d.ground_truth(i).texture) for i in range(len(d))])
              for split, d in (("train", train_b), ("test", test_b))}
by_hand = {code: linear_probe_accuracy(codes["train"][code], texture_of["train"], codes["test"][code], texture_of["test"])
           for code in ("style", "content")}
library = factor_probes(shipped_b, n_train=N_PROBE, n_test=N_PROBE // 3)
assert by_hand["style"] == library["style_texture"] and by_hand["content"] == library["content_texture"]
print(f"textures pinned to the {ANCHOR}")
for code in ("style", "content"):
    print(f"{code:>7} code: colour {library[code + '_colour']:.2f} (chance 0.12), "
          f"texture {library[code + '_texture']:.2f} (chance 0.25)")

# %% [markdown]
# Colour lives in the style code; texture is read only in part from either code. One exact fact
# about the decoder says why drawing a texture from a sketch is hard. Give it a content code with no
# spatial structure (the same 64 numbers at each of the $16 \times 16$ places) and, **whatever the
# style**, it draws one colour everywhere: padding and upsampling copy values, a convolution of a flat
# map is flat, instance normalisation (Ulyanov et al., 2016) turns a flat channel into zeros (so AdaIN,
# Huang and Belongie, 2017, leaves its $\beta$), and layer normalisation (Ba et al., 2016) shifts and
# scales the whole image. Layer by layer, with the styles of 8 reference paintings:

# %%
# NBVAL_CHECK_OUTPUT
sketches_t = ShapesDomain("a", "test", 64, 8, 0)
refs = ShapesDomain("b", "test", 64, 9, 0, texture_anchor=ANCHOR).batch(range(1, 9))  # 8 reference paintings
with torch.no_grad():
    sketch_content = shipped_a.encode_content(sketches_t.batch(range(8)))                # (8, 64, 16, 16)
flat = sketch_content.mean(dim=(2, 3), keepdim=True).expand(-1, -1, 16, 16)  # (8, 64, 1, 1) -> (8, 64, 16, 16)
with torch.no_grad():
    styles8 = shipped_b.encode_style(refs)                         # (8, 8): the references' styles
    shipped_b.dec.assign_adain_params(shipped_b.mlp(styles8))     # each AdaIN layer's beta and gamma, per image
    x = flat
    for layer in shipped_b.dec.model:  # the residual blocks, (upsample, conv) twice, the last conv
        x = layer(x)
        spread = float(x.flatten(2).std(-1).max())  # the largest standard deviation of a channel over the image
        print(f"{type(layer).__name__:>12} -> {tuple(x.shape[1:])}: " + ("flat" if spread < 1e-6 else f"spread {spread:.1e}"))
    shipped_b.dec.clear_adain_params()
    assert_close(x, shipped_b.decode(flat, styles8))  # the library's decoder, the same pass
    textured = shipped_b.decode(sketch_content, styles8)  # the sketches' own content codes, for comparison
assert x.flatten(2).std(-1).max() < 1e-5 < textured.flatten(2).std(-1).max()  # flat in, flat out; a sketch is not flat

fig, axes = plt.subplots(2, 8, figsize=(10, 2.8))
for k in range(8):
    axes[0, k].imshow(tensor_to_uint8(refs[k]))
    axes[1, k].imshow(tensor_to_uint8(x[k]))
    for ax in axes[:, k]:
        ax.axis("off")
axes[0, 0].set_title("references", fontsize=8, loc="left")
axes[1, 0].set_title("decoded from a flat content code with their styles", fontsize=8, loc="left")
fig.tight_layout()
plt.show()

# %% [markdown]
# The style picks the flat image's colour, close to the reference's background, never its shape's
# colour. It cannot lay anything out: it scales and shifts, per channel, what the content code brings.
# So every band of a striped painting is laid by the content code, and a sketch's brings an outline.
#
# Two remarks, measured outside this notebook (the optional notebook A1, section 2, shows the first
# and quotes the second; `benchmarks/results.md` records both):
#
# - **Pinning the texture to the shape moves where the probes find it, not how well it transfers.**
#   After 15 minutes the content-code probe reads it 0.79 and 0.86 of the time in two canvas-pinned
#   recipes, 0.48 in the course's; guided texture (chance 0.25) is 0.39, 0.35 and 0.41.
# - **The networks draw textures only after many updates.** Shown the answer (each sketch paired with
#   its painting, an L1 loss, no discriminator), the same generators pass 0.5 guided texture only
#   after 18,000 to 31,000 updates; a 15-minute MUNIT run makes 2,855 to 5,994 iterations, depending
#   on the machine's load. A two-hour run (41,000 iterations) drew its first stripes after about
#   30,000, yet took the reference's texture only 0.41 of the time.

# %% [markdown]
# ## 6. Sample grids with fixed styles
#
# Every `sample_every` iterations the trainer writes two grids, `samples/a2b_XXXXXXXX.png` and
# `b2a_...`, with inputs and styles **fixed for the whole run**: the first `display_size` test images
# of each domain and `display_size` style codes drawn once. So grids from different iterations show
# progress on the same inputs with the same styles. Each row is one input, then its translation with
# style 1, 2, ...; a column shares one style code. `trainer.sample_grids()` returns the images:

# %%
grids = trainer.sample_grids()
k = len(trainer.display_styles)
for name, images in grids.items():
    print(f"{name}: {tuple(images.shape)} = {len(images) // (k + 1)} inputs x (1 input + {k} styles)")
inputs = trainer.display_batch(0)
assert torch.equal(grids["a2b"].view(-1, k + 1, *grids["a2b"].shape[1:])[:, 0], inputs)  # first column: inputs
assert all(torch.equal(grids[name], again) for name, again in trainer.sample_grids().items())  # fixed styles

fig, axes = plt.subplots(1, 2, figsize=(12, 6))
for ax, (name, images) in zip(axes, grids.items()):
    grid = make_grid(images, nrow=k + 1, normalize=True, value_range=(-1, 1), padding=2)  # as the PNG files
    ax.imshow(grid.permute(1, 2, 0).numpy())
    ax.set_title(f"{name} at iteration {trainer.iteration}: input | style 1 ... style {k}", fontsize=10)
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# The grids the run wrote along the way show the same inputs with the same styles at each
# `sample_every` iterations: the first input of the `a2b` grid, at every saved iteration of our run
# (in the `ci` profile there are few; in the `cpu` profile, one every 1,000 iterations, plus the one
# written at 1,135, where the stored run was interrupted and resumed, section 3):

# %%
saved = sorted((run_dir / "samples").glob("a2b_*.png"))
print(f"{len(saved)} saved a2b grids:", ", ".join(p.stem for p in saved))
assert all(p.stem[4:].isdigit() and int(p.stem[4:]) <= trainer.iteration for p in saved)
if saved:
    side = cfg.image_size + 2  # one image plus make_grid's padding
    rows = []
    for path in saved:
        with Image.open(path) as picture:
            rows.append(np.asarray(picture.convert("RGB"))[: side + 2])  # the first row: input 1, its styles
    fig, axes = plt.subplots(len(rows), 1, figsize=(7, 1.05 * len(rows) + 0.3), squeeze=False)
    for ax, path, row in zip(axes[:, 0], saved, rows):
        ax.imshow(row)
        ax.set_ylabel(f"{int(path.stem[4:]):,}", rotation=0, ha="right", va="center", fontsize=8)
        ax.set_xticks([]), ax.set_yticks([])
    axes[0, 0].set_title("a2b, first input: input | style 1 ... style k, at each saved iteration", fontsize=9)
    fig.tight_layout()
    plt.show()

# %% [markdown]
# Read the stored grids down each column (one style code): speckled, blotchy stars at 1,000
# and 1,135 iterations, an even fill that keeps its colour from 2,000 on, and never a texture.

# %% [markdown]
# ## 7. The command line
#
# Everything above, for runs that outlive a notebook:
#
# ```
# python -m munit_lib train --config configs/shapes_fast.yaml             # runs/shapes_fast/
# python -m munit_lib train --config configs/shapes_fast.yaml --resume    # continue after a stop
# python -m munit_lib train --config FILE --max-iter 5000 --set lr=2e-4   # override values
# python -m munit_lib export --checkpoint runs/shapes_fast/checkpoints/last.pt --out gen.pt
# python -m munit_lib bench --profile paper --size 128                    # time one iteration
# ```
#
# The first Ctrl-C (or a `SIGTERM` from a cluster's scheduler) lets the current iteration finish,
# saves a checkpoint and exits; a second one interrupts at once. A NaN loss exits with status 3.
#
# ## 8. Several GPUs and the `gpu` profile
#
# The paper's full run needs the edges2shoes data (`python -m munit_lib download edges2shoes`),
# `configs/edges2shoes.yaml` and days of GPU time:
#
# ```
# python -m munit_lib train --config configs/edges2shoes.yaml                 # one GPU
# torchrun --nproc_per_node=4 -m munit_lib train --config configs/edges2shoes.yaml   # four GPUs
# ```
#
# torchrun starts one process per GPU; `init_distributed` joins them, each draws its own batches (its
# rank enters the seeds of section 2.3), and `DistributedDataParallel` averages the gradients: the
# effective batch is `WORLD_SIZE x batch_size`. Only rank 0 writes files. Here, one process:

# %%
# NBVAL_CHECK_OUTPUT
print(init_distributed())

# %% [markdown]
# The `gpu` profile is the paper's configuration plus a few changes that do not alter the method:

# %%
# NBVAL_CHECK_OUTPUT
paper_values, gpu_values = MUNITConfig.profile_named("paper").to_dict(), MUNITConfig.profile_named("gpu").to_dict()
changed = {key: (paper_values[key], gpu_values[key]) for key in gpu_values
           if gpu_values[key] != paper_values[key] and key != "profile"}
for key, (before, after) in changed.items():
    print(f"{key:15} paper {before!r:>8}  ->  gpu {after!r}")
assert {"precision", "channels_last", "ema_decay"} <= set(changed)

# %% [markdown]
# bfloat16 autocast keeps float32's exponent range (no loss scaling); channels-last is the layout GPU
# convolutions prefer. In Colab, pick a GPU runtime, set `os.environ["MUNIT_PROFILE"] = "gpu"` before
# `course.setup()` and run section 3; with the run folder on Google Drive, a new session continues it.

# %%
shutil.rmtree(WORK, ignore_errors=True)  # the scratch runs of this notebook

# %% [markdown]
# ## Summary
#
# - MUNIT alternates a discriminator and a generator update, each with fresh styles, for 1M
#   iterations at $256 \times 256$: a GPU job. Profiles shrink it; the fast recipe fits a lesson.
# - The step schedule $\text{lr}_0 \gamma^{\lfloor t / \text{step} \rfloor}$ and the EMA
#   $\theta_\text{EMA} \leftarrow d\,\theta_\text{EMA} + (1 - d)\,\theta$ equal `munit_lib`'s.
# - Batches are a pure function of the iteration, so a full checkpoint resumes a run bitwise exactly;
#   a NaN loss stops the run before its update.
# - Read losses against reference levels ($\tfrac12$ per scale for a fooled LSGAN discriminator,
#   $\sqrt{2/\pi}$ for a style with nothing to read) and quality on the ground truth: content and
#   colour come early, texture late, since the style only modulates what the content code lays out.
#
# ## Exercises
#
# 1. In section 4.1, give the resumed half a different `num_workers`
#    (`demo_cfg.replace(num_workers=2)`). Is the result still identical, and which part of section 2.3
#    says why?
# 2. Resume section 4.1's run from $N$ (`first`) with one piece of its state (the optimisers, the
#    schedulers or the random generators) taken from a new `Trainer`, train to $2N$, and compare the
#    weights with the straight run's. Which lost piece moves them most?
# 3. With $d = 0.999$, after how many iterations does the initialisation weigh less than 1% in the EMA?
# 4. With 4 GPUs the effective batch is 4. Which setting of `MUNITConfig` would you change so that the
#    learning rate halves after as many *images* as in the paper, and to what value? Does the batch
#    size change what instance normalisation and AdaIN compute for one image?
# 5. Build section 5.3's decoder with zero padding (`torch.manual_seed(0)`, then
#    `Generator(shipped_b.cfg.replace(pad_type="zero"))`; random weights are enough) and decode
#    `flat` with any style. How many rows, counted from the top edge, differ from the centre row
#    down the middle column? Work it out from the decoder's layers, then measure it.
#
# Put your answers in place of `None` and run the check cell, which names the right ones and hints at
# the rest. Worked solutions are at the end.

# %%
ex1_identical = None        # 1. True or False: still identical with num_workers=2 for the resumed half?
ex2_most_important = None   # 2. "optimisers", "schedulers" or "rng": which lost piece moves the weights most?
ex3_iterations = None       # 3. the number of iterations after which the initialisation weighs under 1% (d = 0.999)
ex4_setting = None          # 4. (name of the setting, its new value)
ex4_norm_depends = None     # 4. True or False: does IN/AdaIN's output for one image depend on the batch size?
ex5_border_rows = None      # 5. how many rows from the top edge differ from the centre with zero padding


PIECES = {"optimisers": ("opt_gen", "opt_dis"), "schedulers": ("sched_gen", "sched_dis"), "rng": ("rng",)}


def drift_when_lost(piece):
    """Exercise 2, measured: resume `first` (iteration N) with `piece` as a new Trainer has it, train to 2N,
    and return the mean absolute difference of the weights from the straight run's."""
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as scratch:
        resumed = Trainer(demo_cfg, scratch, **quiet)
        state, new = copy.deepcopy(first.state_dict()), copy.deepcopy(resumed.state_dict())
        for key in PIECES.get(piece, ()):
            state[key] = new[key]  # this piece is lost: a new Trainer's
        resumed.load_state_dict(state)
        resumed.fit(2 * N)
    with torch.no_grad():
        gaps = [(a - b).abs().flatten() for a, b in zip(resumed.model.parameters(), straight.model.parameters())]
    return float(torch.cat(gaps).mean())


def zero_padded_border_rows():
    """Exercise 5, measured: rows from the top that differ from the centre row, down the middle column."""
    torch.manual_seed(0)
    zero_padded = Generator(shipped_b.cfg.replace(pad_type="zero")).eval()
    with torch.no_grad():
        picture = zero_padded.decode(flat[:1], torch.randn(1, zero_padded.style_dim))[0]  # (3, 64, 64)
    middle = picture[:, :, 32]                                                      # (3, 64): the middle column
    differs = (middle - middle[:, 32:33]).abs().amax(dim=0) > 1e-6                  # (64,): row differs from the centre
    return int(differs[:32].sum())


answered = []
if ex1_identical is not None:
    assert ex1_identical is True, "1: each image carries its own augmentation seed, whichever process loads it (2.3)"
    answered.append(1)
if ex2_most_important is not None:
    drifts = {piece: drift_when_lost(piece) for piece in PIECES}
    assert ex2_most_important == max(drifts, key=drifts.get), "2: compare drift_when_lost(piece) for each piece"
    answered.append(2)
if ex3_iterations is not None:
    assert ex3_iterations == math.ceil(math.log(0.01) / math.log(0.999)), "3: solve 0.999**k < 0.01 for k"
    answered.append(3)
if ex4_setting is not None:
    assert tuple(ex4_setting) == ("step_size", 25_000), "4: 100,000 iterations x 1 image = 25,000 iterations x 4 images"
    answered.append(4)
if ex4_norm_depends is not None:
    assert ex4_norm_depends is False, "4: IN and AdaIN normalise each image on its own (notebook 01)"
    answered.append(4)
if ex5_border_rows is not None:
    assert ex5_border_rows == zero_padded_border_rows(), ("5: add up each layer's padding in output pixels: "
                                                          "padding x (64 / the side of the map it pads)")
    answered.append(5)
if answered:
    print("correct:", sorted(set(answered)))

# %% [markdown]
# ## Solutions
#
# <details><summary>Solution to exercise 1</summary>
#
# Yes. Which image a batch holds, and the seed of its crop and flip, are
# functions of (seed, rank, domain, position) (section 2.3), computed wherever the image is loaded:
# the number of workers changes who does the work, not what it yields.
#
# ```python
# ex1_identical = True
# ```
#
# </details>
#
# <details><summary>Solution to exercise 2</summary>
#
# Lose each piece in turn; losing none gives 0, the exact resume of section 4.1:
#
# ```python
# drifts = {piece: drift_when_lost(piece) for piece in [*PIECES, "none"]}
# print({piece: f"{drift:.1e}" for piece, drift in drifts.items()})
# ex2_most_important = max(PIECES, key=drifts.get)
# ```
#
# The optimisers win, by several times. A fresh Adam has no moment estimates, so its first steps move
# every weight by about the learning rate whatever its gradient (notebook 05), and the current rate
# lives in the optimiser, so it restarts at $\text{lr}_0$ too.
#
# </details>
#
# <details><summary>Solution to exercise 3</summary>
#
# The initialisation weighs $d^k$ after $k$ updates; $0.999^k < 0.01$ gives
# $k > \ln 0.01 / \ln 0.999 \approx 4603$.
#
# ```python
# ex3_iterations = math.ceil(math.log(0.01) / math.log(0.999))  # 4603
# ```
#
# </details>
#
# <details><summary>Solution to exercise 4</summary>
#
# `step_size`, to 25,000: 100,000 iterations of 1 image are as many images as 25,000 of 4. And no: IN
# and AdaIN take their statistics over one image (notebook 01), unlike batch normalisation.
#
# ```python
# ex4_setting = ("step_size", 25_000)
# ex4_norm_depends = False
# ```
#
# </details>
#
# <details><summary>Solution to exercise 5</summary>
#
# Only zero padding differs across the image, so a row differs from the centre only within a padded
# border's reach. Add up each layer's padding in output pixels (padding x 64 / the side it pads). The shipped decoder has 2 residual blocks: 4
# convolutions with padding 1 on the $16 \times 16$ map, $4 \times 1 \times 4 = 16$ rows; the 5x5
# convolution on the $32 \times 32$ map, $2 \times 2 = 4$; the 5x5 and the 7x7 at 64 pixels, 2 and 3.
# In all $16 + 4 + 2 + 3 = 25$ rows, and the measurement agrees:
#
# ```python
# ex5_border_rows = zero_padded_border_rows()   # 25
# ```
#
# </details>
#
# ## References
#
# - X. Huang, M.-Y. Liu, S. Belongie, J. Kautz. *Multimodal Unsupervised Image-to-Image
#   Translation.* ECCV 2018. [arXiv:1804.04732](https://arxiv.org/abs/1804.04732). Original code:
#   [github.com/NVlabs/MUNIT](https://github.com/NVlabs/MUNIT).
# - X. Mao, Q. Li, H. Xie, R. Y. K. Lau, Z. Wang, S. P. Smolley. *Least Squares Generative
#   Adversarial Networks.* ICCV 2017. [arXiv:1611.04076](https://arxiv.org/abs/1611.04076).
# - D. P. Kingma, J. Ba. *Adam: A Method for Stochastic Optimization.* ICLR 2015.
#   [arXiv:1412.6980](https://arxiv.org/abs/1412.6980).
# - T. Karras, T. Aila, S. Laine, J. Lehtinen. *Progressive Growing of GANs for Improved Quality,
#   Stability, and Variation.* ICLR 2018. [arXiv:1710.10196](https://arxiv.org/abs/1710.10196); and
#   Y. Yazıcı, C.-S. Foo, S. Winkler, K.-H. Yap, G. Piliouras, V. Chandrasekhar. *The Unusual
#   Effectiveness of Averaging in GAN Training.* ICLR 2019.
#   [arXiv:1806.04498](https://arxiv.org/abs/1806.04498). The EMA of section 2.2.
# - T.-C. Wang, M.-Y. Liu, J.-Y. Zhu, A. Tao, J. Kautz, B. Catanzaro. *High-Resolution Image
#   Synthesis and Semantic Manipulation with Conditional GANs.* CVPR 2018.
#   [arXiv:1711.11585](https://arxiv.org/abs/1711.11585). pix2pixHD; the multi-scale discriminator of
#   section 1's table.
# - D. Ulyanov, A. Vedaldi, V. Lempitsky. *Instance Normalization: The Missing Ingredient for Fast
#   Stylization.* arXiv preprint, 2016. [arXiv:1607.08022](https://arxiv.org/abs/1607.08022).
#   Section 5.3.
# - X. Huang, S. Belongie. *Arbitrary Style Transfer in Real-time with Adaptive Instance
#   Normalization.* ICCV 2017. [arXiv:1703.06868](https://arxiv.org/abs/1703.06868). AdaIN, section 5.3.
# - J. L. Ba, J. R. Kiros, G. E. Hinton. *Layer Normalization.* arXiv preprint, 2016.
#   [arXiv:1607.06450](https://arxiv.org/abs/1607.06450). Section 5.3.
# - G. Alain, Y. Bengio. *Understanding intermediate layers using linear classifier probes.* ICLR 2017
#   workshop. [arXiv:1610.01644](https://arxiv.org/abs/1610.01644). Linear probes, section 5.3.
