# %% [markdown]
# # 07 · Training: the paper's procedure, the CPU path, checkpoints and exact resume
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/munit-course/munit-course/blob/main/notebooks/07_training.ipynb)
#
# Notebook 05 ran one training iteration by hand and notebook 06 gave us two unpaired domains. Now
# we train for real. A MUNIT run in the paper lasts a million iterations, so the interesting part is
# not the loop itself (it is `train_step` from notebook 05, called again and again) but everything
# around it that lets a run survive for days: a learning-rate schedule, checkpoints you can trust,
# resuming exactly where a run stopped, a clear stop when a loss blows up, logs and curves, and
# sample grids you can compare across time. `munit_lib.training.Trainer` does all of this; here we
# take it apart.
#
# **What you will learn**
#
# - the paper's training procedure and its cost: why the paper configuration is a GPU job, and how
#   the course's profiles (`ci`, `cpu`, `gpu`, `paper`) shrink it;
# - the step learning-rate schedule and the moving average (EMA) of the generators, built by hand
#   and proved equal to `munit_lib`;
# - why batch $t$ must be a pure function of the iteration $t$, and how that makes an **exact**
#   resume possible;
# - the checkpoint-or-train helper `course.load_or_train`, and a real training run in your profile;
# - what a checkpoint holds, how it loads safely (`weights_only=True`), and a resumed run that is
#   bitwise identical to an uninterrupted one;
# - what happens when a loss becomes NaN;
# - reading `losses.csv`: the curves of our run and of the shipped shapes model;
# - the sample grids with fixed styles, and how to train on several GPUs.
#
# The notebook reads the repository's `configs/` and `data/pretrained/` folders, so run it from a
# clone with `munit_lib` installed from that clone (`pip install -e .`).

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
import itertools
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

import munit_lib
from munit_lib import MUNIT, Generator, MUNITConfig, MultiScaleDiscriminator, count_parameters, load_official_generators
from munit_lib import course
from munit_lib.bench import run_benchmark
from munit_lib.pretrained import pretrained_path
from munit_lib.training import (GeneratorEMA, IterationBatchSampler, NonFiniteLossError, Trainer, build_datasets,
                                init_distributed, make_schedulers, read_loss_log, read_training_checkpoint)

PROFILE = course.setup()  # seeds torch with 0, pins the thread count under CI, PNG figures
ROOT = Path(munit_lib.__file__).resolve().parents[1]  # the repository: configs/, runs/, data/
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
# The settings of the paper (its official edges2shoes configuration): Adam with learning rate
# $10^{-4}$, betas $(0.5, 0.999)$ and weight decay $10^{-4}$, one optimiser for both generators and
# one for both discriminators; the learning rate halved every 100,000 iterations; batch size 1;
# **1,000,000 iterations** of random $256 \times 256$ crops.
#
# How long is that? One iteration at $256 \times 256$ costs 2.24 TFLOP (forward and backward through
# all four networks) in the original implementation; `munit_lib` does the same iteration in 1.74 TFLOP
# (it skips work whose result is thrown away and upsamples at the low resolution, see
# `benchmarks/results.md`), which changes the picture little. The original, measured on a 2-core CPU
# like the one the course's CI uses:

# %%
# Seconds per iteration of the paper's networks on a 2-core CPU (GUIDE, section 3: medians of
# several runs of the original implementation, batch 1, 2 threads).
CPU_SECONDS = {256: 17.0, 128: 4.2, 64: 1.4}
PAPER_ITERATIONS = 1_000_000
for size, seconds in CPU_SECONDS.items():
    days = PAPER_ITERATIONS * seconds / 86_400
    print(f"{size:>3} x {size:<3}  {seconds:4.1f} s per iteration  ->  1M iterations take {days:5.0f} days")
print(f"the whole paper run: {2.24 * PAPER_ITERATIONS / 1e6:.2f} EFLOP (2.24 TFLOP x 1M iterations)")

# %% [markdown]
# Half a year of CPU time: the paper configuration is a GPU job (on one modern GPU, 2.24 EFLOP is of
# the order of a day). So the course has **profiles**, chosen with the environment variable
# `MUNIT_PROFILE`: the same networks with smaller images and widths, and fewer iterations.
#
# - `ci`: tiny networks at $32 \times 32$; a few real training steps run in seconds (the tests use it);
# - `cpu` (the default): $64 \times 64$ and narrower networks, for a laptop;
# - `gpu`: the paper's networks with GPU conveniences (bfloat16, channels-last, EMA);
# - `paper`: exactly the paper.
#
# The shipped shapes model was trained with `configs/shapes_cpu.yaml`, a CPU configuration still
# narrower than the `cpu` profile. Side by side:

# %%
columns = {"ci": MUNITConfig.profile_named("ci"), "cpu": MUNITConfig.profile_named("cpu"),
           "shapes_cpu.yaml": MUNITConfig.from_yaml(ROOT / "configs" / "shapes_cpu.yaml"),
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


# %% [markdown]
# The optimisation settings (Adam, betas, weight decay, loss weights, batch size 1) are the paper's
# in every profile; only sizes, widths, iteration counts and the step of the schedule change.

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
# `make_schedulers` returns one `torch.optim.lr_scheduler.StepLR` per optimiser, and the trainer
# calls `scheduler.step()` once after every iteration. So iteration $t$ (counting from 1) trains with
# $\text{lr}(t - 1)$, and the `lr` column of `losses.csv`, written after that step, shows the rate of
# the *next* iteration. We check the formula against the library on the `ci` profile, whose rate
# halves every 10 iterations:

# %%
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
# with a decay $d$ close to 1. A GAN's weights keep oscillating around a good solution; their average
# usually translates more smoothly than any single iterate. The `gpu` profile and the shipped shapes
# model use $d = 0.999$ (the paper profile has none); the trainer's sample grids and generator exports
# use the averaged weights when there are some. By hand, after a fake "update" of the weights:

# %%
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
for decay in (0.9, 0.99, 0.999, 0.9999):
    half = math.ceil(math.log(0.5) / math.log(decay))
    print(f"decay {decay:<7}: the last {half:>5,} iterations carry half of the weight")

# %% [markdown]
# So with $d = 0.999$ the EMA of a 1,000-iteration run still remembers its random initialisation
# ($0.999^{1000} \approx 0.37$): an EMA only helps a run that is much longer than its memory.
#
# ### 2.3 Batches as a function of the iteration
#
# To resume a run *exactly*, iteration $t$ of the resumed run must see the images that iteration $t$
# of an uninterrupted run would have seen. A shuffling `DataLoader` cannot promise that: its order
# lives in the state of an iterator that no checkpoint holds. `munit_lib` makes the batch a pure
# function instead: position $p = t B + j$ of a domain's stream (batch size $B$, $j$-th image of the
# batch) lies in epoch $e = \lfloor p / n \rfloor$ at offset $p \bmod n$, and each epoch is a random
# permutation of the $n$ images drawn from a generator seeded by (seed, rank, domain, epoch). Each
# image also carries its own seed for random crops and flips. The exact way the four integers are
# mixed into one seed does not matter; here is the library's:

# %%
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
# A stream that *starts* at iteration 7, as a resumed run's does, yields exactly what the straight
# stream yields from iteration 7 on, without replaying iterations 0-6:

# %%
straight_stream = [sampler.batch(t) for t in range(12)]
resumed_stream = list(itertools.islice(iter(IterationBatchSampler(n, batch_size, seed=0, domain=0, start=7)), 5))
assert resumed_stream == straight_stream[7:12]
other_domain = [IterationBatchSampler(n, batch_size, seed=0, domain=1).batch(t) for t in range(12)]
assert other_domain != straight_stream  # the two domains are shuffled independently: no hidden pairs
print("resumed stream == straight stream from iteration 7:", resumed_stream == straight_stream[7:12])

# %% [markdown]
# The process's rank (which GPU, section 8) enters the seed too, so that under
# `DistributedDataParallel` every process draws different images, and a checkpoint only needs to
# store the iteration number for the data.
#
# ## 3. Training for real: the checkpoint-or-train helper
#
# `course.load_or_train(cfg, out_dir, max_iter)` looks in `out_dir` before it trains:
#
# - a checkpoint at iteration `max_iter` or later: load it and train nothing;
# - a checkpoint at an earlier iteration: load it and **continue** to `max_iter`;
# - no checkpoint: train from scratch.
#
# So you may run the training cell again and again: it costs only what is missing. (It is what
# `python -m munit_lib train --config FILE --resume` does from a terminal.) The run folder holds
# `config.yaml`, `checkpoints/last.pt`, `losses.csv`, `samples/` and `gen_XXXXXXXX.pt`, the
# generators alone.
#
# What each profile trains here:

# %%
if PROFILE == "ci":  # tiny networks at 32 x 32, a scratch folder (CI never writes into the repository)
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:64")
    run_dir, train_iters = WORK / "train_ci", 8
elif PROFILE == "cpu":  # the shipped model's recipe, for its first 1,000 iterations
    cfg = MUNITConfig.from_yaml(ROOT / "configs" / "shapes_cpu.yaml").replace(log_every=10, sample_every=250)
    run_dir, train_iters = ROOT / "runs" / "nb07_shapes_cpu", 1_000
else:  # gpu or paper: the paper's configuration on edges2shoes (downloaded once, about 2 GB)
    from munit_lib.data import download_edges2shoes
    cfg = MUNITConfig.from_yaml(ROOT / "configs" / "edges2shoes.yaml").replace(
        data_root=str(download_edges2shoes(ROOT / "data")))
    if PROFILE == "paper":  # the original's arithmetic: float32 in the usual memory layout
        cfg = cfg.replace(precision="fp32", channels_last=False)
    run_dir, train_iters = ROOT / "runs" / f"nb07_edges2shoes_{PROFILE}", cfg.max_iter
display = build_datasets(cfg, "test")  # the sample grids show test images, as the command line does
print(f"{PROFILE}: {train_iters:,} iterations at {cfg.image_size}x{cfg.image_size}, generator width {cfg.gen_dim}, "
      f"batch {cfg.batch_size}, lr {cfg.lr:g} halved every {cfg.step_size:,}")

# %% [markdown]
# How fast is one iteration of this configuration on your machine? (A measurement, so its printed
# numbers change from run to run.)

# %%
# NBVAL_IGNORE_OUTPUT
speed = run_benchmark(cfg, iterations=2)
total = speed["seconds_per_iteration"] * train_iters
duration = f"{total:.0f} seconds" if total < 120 else f"{total / 60:,.0f} minutes" if total < 7200 else f"{total / 3600:,.1f} hours"
print(f"{speed['device']}: {speed['seconds_per_iteration']:.3f} s per iteration, "
      f"so about {duration} for {train_iters:,} iterations (plus samples and checkpoints)")

# %% [markdown]
# > **⚠️ WARNING: the next cell trains.** How long it takes depends on the profile:
# > - `ci`: 8 iterations of the tiny networks, a few seconds;
# > - `cpu`: 1,000 iterations of `configs/shapes_cpu.yaml` at $64 \times 64$, roughly 5-10 minutes on
# >   an otherwise idle 2-core CPU (see the measurement above), into `runs/nb07_shapes_cpu/`;
# > - `gpu` / `paper`: the paper's million iterations at $256 \times 256$ on edges2shoes: of the order
# >   of a day on one modern GPU, days on older ones. Interrupt the kernel whenever you like: the
# >   trainer finishes the current iteration and saves a checkpoint, and running the cell again
# >   continues from it. For a real run prefer the command line in a terminal (section 8).
# >
# > Run it a second time and it loads the finished run instead.

# %%
trainer = course.load_or_train(cfg, run_dir, train_iters, display=display,
                               progress=PROFILE != "ci",  # a progress bar, except in CI
                               tensorboard=None if PROFILE != "ci" else False)  # TensorBoard logs when installed
assert trainer.iteration >= train_iters
files = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file() and "tensorboard" not in p.parts)
print(f"trained to iteration {trainer.iteration}; the run folder holds:")
for name in files if len(files) <= 12 else files[:6] + ["..."] + files[-5:]:
    print("   ", name)

# %%
last = {key: values[-1] for key, values in read_loss_log(trainer.log_path).items()}
print(f"last logged iteration {int(last['iteration'])}: D {last['dis_total']:.2f}, G {last['gen_total']:.2f} "
      f"(image recon a + b {last['gen_recon_x_a'] + last['gen_recon_x_b']:.2f})")

# %% [markdown]
# Run the same call again: there is a checkpoint at `train_iters` already, so it loads and returns
# at once with the same weights.

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
# The claim: train $N$ iterations, stop, start a *fresh* `Trainer` (as a new Python process would)
# that loads the checkpoint and trains $N$ more; the result is **bitwise** identical to $2N$
# iterations in one go, on the same machine. This needs every source of randomness and every
# piece of state in the checkpoint: weights, the EMA, both Adam optimisers (their moment estimates),
# both schedulers, the generator of random styles, and the data position (the iteration, thanks to
# section 2.3).
#
# We test it on tiny runs on the CPU in scratch folders, whatever the profile, with a rate that halves
# every 2 iterations (so the schedulers must resume correctly too) and an EMA:

# %%
demo_cfg = MUNITConfig.profile_named("ci", data_root="shapes:16", step_size=2, ema_decay=0.9, log_every=1,
                                     checkpoint_every=1000, sample_every=1000, display_size=2)
N = 3
quiet = dict(progress=False, tensorboard=False, device="cpu")  # bitwise equality is a CPU promise (see 4.2)

straight = course.load_or_train(demo_cfg, WORK / "straight", 2 * N, **quiet)  # 2N in one go

first = course.load_or_train(demo_cfg, WORK / "split", N, **quiet)             # N, then "the process dies"
shutil.copytree(WORK / "split", WORK / "forgetful")                              # (a copy, for 4.2)
torch.manual_seed(1234)  # a new process starts with another global RNG state: it must not matter
second = course.load_or_train(demo_cfg, WORK / "split", 2 * N, **quiet)        # a fresh Trainer: loads N, trains N
print(f"straight: iteration {straight.iteration}; split: {first.iteration} + resumed to {second.iteration}")


# %%
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
forgetful = Trainer(demo_cfg, WORK / "forgetful", **quiet)
forgetful.resume()
forgetful.style_rng.manual_seed(0)  # forget where the style stream was
forgetful.fit(2 * N)
print("identical without the saved style RNG:", identical(straight.state_dict(), forgetful.state_dict()))
assert not identical(straight.state_dict(), forgetful.state_dict())

# %% [markdown]
# (On a GPU, "identical" becomes "the same run, statistically": some CUDA kernels are not
# deterministic, so two runs differ in the last bits whether or not they were interrupted.)
#
# ### 4.3 What a checkpoint holds
#
# A checkpoint is a plain dictionary of tensors, numbers and strings, written to a temporary file and
# renamed into place (a crash during the save leaves the previous checkpoint intact). Because it holds
# no pickled Python objects, it loads with `torch.load(..., weights_only=True)`, which refuses to run
# code from a file: safe to open a checkpoint somebody sent you.

# %%
ckpt = torch.load(straight.checkpoint_path, map_location="cpu", weights_only=True)
print("keys:      ", sorted(ckpt))
print("format:    ", ckpt["format"], "| iteration:", ckpt["iteration"], "| world_size:", ckpt["world_size"])
print("model:     ", len(ckpt["model"]), "tensors, e.g.", next(iter(ckpt["model"])))
print("ema:       ", sorted(ckpt["ema"]), "decay", ckpt["ema"]["decay"])
print("opt_gen:   ", sorted(ckpt["opt_gen"]), "| per parameter:", sorted(ckpt["opt_gen"]["state"][0]))
print("sched_gen: ", {k: ckpt["sched_gen"][k] for k in ("last_epoch", "step_size", "gamma", "_last_lr")})
print("rng:       ", sorted(ckpt["rng"]))
assert ckpt["iteration"] == 2 * N and MUNITConfig.from_dict(ckpt["config"]) == demo_cfg
assert read_training_checkpoint(straight.checkpoint_path)["iteration"] == 2 * N  # the checked reader

# %% [markdown]
# After $2N = 6$ iterations with `step_size` 2, the schedulers have stepped 6 times and the rate has
# been halved three times: $10^{-4} / 8 = 1.25 \cdot 10^{-5}$. The generators alone (what translation
# needs, about a fifth of a checkpoint at the paper's sizes) go to `gen_XXXXXXXX.pt`, in the
# original project's layout `{"a": ..., "b": ...}` plus our config; `load_official_generators`
# reads it:

# %%
export = torch.load(straight.generators_path(), map_location="cpu", weights_only=True)
print(straight.generators_path().name, "keys:", sorted(export), "| iteration", export["iteration"])
gen_a, gen_b = load_official_generators(straight.generators_path())
for key, value in straight.ema.gen_a.state_dict().items():  # an export holds the EMA weights when there are some
    assert torch.equal(gen_a.state_dict()[key], value)
print("loaded:", type(gen_a).__name__, "x 2 with", f"{count_parameters(gen_a):,}", "parameters each")


# %% [markdown]
# ### 4.4 When a loss becomes NaN
#
# A learning rate too high, bfloat16 overflow, or one broken image can turn a loss into NaN; one
# NaN gradient step then poisons every weight, and every later checkpoint. The trainer checks each
# loss *before* its backward pass and stops with `NonFiniteLossError`, naming the loss and the
# iteration. Since nothing was saved after the bad step, the last checkpoint on disk is the last
# good state.
#
# We simulate a broken file: a wrapper around domain A serves NaN images from its fifth read on, in
# a run that saves a checkpoint every 2 iterations.

# %%
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
saved = read_training_checkpoint(broken.checkpoint_path)
finite = all(torch.isfinite(v).all() for v in saved["model"].values() if v.is_floating_point())
assert saved["iteration"] == 4 and finite
print(f"last good checkpoint: iteration {saved['iteration']}, every weight finite: {finite}")

healed = course.load_or_train(nan_cfg, WORK / "nan", 8, datasets=(domain_a, domain_b), **quiet)  # data fixed: continue
assert healed.iteration == 8
print("with the data fixed, the run continues from it to iteration", healed.iteration)

# %% [markdown]
# From the command line the same error ends `python -m munit_lib train` with exit status 3 and the
# one-line message, and `--resume` continues once you have fixed the cause.
#
# ## 5. Progress and loss curves
#
# Every `log_every` iterations the trainer appends one row to `losses.csv`: the iteration, the
# learning rate and every loss term (unweighted), `dis_*` from the discriminator step and `gen_*`
# from the generator step. `read_loss_log` reads it as `{column: values}` and `course.plot_losses`
# draws it, grouped: adversarial terms, image reconstruction, latent reconstruction. Long logs are
# smoothed by a moving average over the faint raw curve. Our run first:

# %%
log = read_loss_log(trainer.log_path)
print("columns:", ", ".join(log))
assert log["iteration"][-1] == trainer.iteration and len(log["iteration"]) >= trainer.iteration // cfg.log_every
fig = course.plot_losses(log, title=f"our {PROFILE} run")
plt.show()

# %% [markdown]
# A handful of iterations shows little beyond the image reconstruction starting to fall. The
# shipped shapes model shows a whole run. The course ships it under `data/pretrained/shapes/`,
# trained on a 2-core CPU with
#
# ```
# python -m munit_lib train --config configs/shapes_cpu.yaml --out runs/shapes_cpu
# ```
#
# and published as `generators.pt` (its exported generators), `config.yaml`, `losses.csv`, the last
# sample grids `samples_a2b.png` and `samples_b2a.png`, `scores.json` (its ground-truth scores,
# notebook 10) and a `README.md` with the details of the run. We check that it was trained with the
# architecture of `configs/shapes_cpu.yaml` and that its files agree with each other:

# %%
SHIPPED = pretrained_path("shapes").parent
names = ["config.yaml", "generators.pt", "losses.csv", "samples_a2b.png", "samples_b2a.png"]
missing = [name for name in names if not (SHIPPED / name).is_file()]
assert not missing, f"{SHIPPED} lacks {missing}: clone the whole repository (see README.md)"

shipped_cfg = MUNITConfig.from_yaml(SHIPPED / "config.yaml")
recipe = MUNITConfig.from_yaml(ROOT / "configs" / "shapes_cpu.yaml")
architecture = ["image_size", "style_dim", "gen_dim", "mlp_dim", "n_downsample", "n_res", "dis_dim", "dis_n_layer",
                "dis_num_scales", "gan_type", "lr", "recon_x_w", "recon_s_w", "recon_c_w", "seed"]
assert all(getattr(shipped_cfg, key) == getattr(recipe, key) for key in architecture)

shipped_gens = torch.load(SHIPPED / "generators.pt", map_location="cpu", weights_only=True)
shipped_a, shipped_b = load_official_generators(SHIPPED / "generators.pt")
assert all(getattr(shipped_a.cfg, key) == getattr(shipped_cfg, key) for key in architecture)

shipped_log = read_loss_log(SHIPPED / "losses.csv")
assert len(shipped_log["iteration"]) >= 2
assert 0 <= shipped_gens["iteration"] - shipped_log["iteration"][-1] < shipped_cfg.log_every  # the same moment
print("shipped:", ", ".join(names), "- consistent with configs/shapes_cpu.yaml")

# %% [markdown]
# With LSGAN there is a reference level for the adversarial curves. If a discriminator cannot tell
# real from fake at all, its best answer is $D = \tfrac12$ everywhere: its loss is
# $\tfrac14 + \tfrac14 = \tfrac12$ per scale and domain, and a generator's adversarial loss
# $(\tfrac12 - 1)^2 = \tfrac14$ per scale. The dashed lines mark these levels for the shipped
# model's 2-scale discriminators (`dis_total` sums both domains):

# %%
fig = course.plot_losses(shipped_log, title="the shipped shapes model (configs/shapes_cpu.yaml)")
scales = shipped_cfg.dis_num_scales
fig.axes[0].axhline(2 * 0.5 * scales, color="grey", linestyle="--", linewidth=1, label="dis_total if D = 1/2")
fig.axes[0].axhline(0.25 * scales, color="grey", linestyle=":", linewidth=1, label="gen_adv_* if D = 1/2")
fig.axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# How to read them: the image reconstruction falls fast, then slowly for the rest of the run; the
# content reconstruction falls as the two generators agree on a shared content space; the style
# reconstruction stays noisy (each step reads back new random styles). The adversarial terms do
# **not** converge to zero: generator and discriminators play against each other, and in a healthy
# run they hover around the reference levels. A discriminator loss that drops to zero while the
# generators' adversarial loss climbs means the discriminators have won, and the translations will
# not improve any more.
#
# The shipped sample grids, written at the end of training (section 6 explains the layout):

# %%
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
# ## 6. Sample grids with fixed styles
#
# Loss curves of a GAN say little about what the images look like, so every `sample_every`
# iterations the trainer writes two grids, `samples/a2b_XXXXXXXX.png` and `b2a_...`. Their inputs and
# styles are **fixed for the whole run**: the first `display_size` images of each domain (here from
# the test split), and `display_size` style codes drawn once from $\mathcal N(0, I)$ with the run's
# seed. Comparing the grids of iterations 1,000 and 20,000 therefore shows the model's progress on
# the same inputs with the same styles, rather than new random draws.
#
# Each row is one input: first the input itself, then its translation with style 1, 2, ... The
# same column uses the same style code in every row: a column should share its "look" (a colour, a
# texture) across different shapes, and a row should keep its shape across styles. With the EMA on,
# the grids use the averaged generators. `trainer.sample_grids()` returns the images before they are
# written:

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
# After a few iterations the translations are still close to noise; with the `cpu` profile after
# 1,000 iterations the shapes come through and the columns begin to differ in colour. The shipped
# grids above show where a full CPU run gets.
#
# ## 7. The command line
#
# Everything above, for runs that outlive a notebook:
#
# ```
# python -m munit_lib train --config configs/shapes_cpu.yaml              # runs/shapes_cpu/
# python -m munit_lib train --config configs/shapes_cpu.yaml --resume     # continue after a stop
# python -m munit_lib train --config FILE --max-iter 5000 --set lr=2e-4   # override values
# python -m munit_lib export --checkpoint runs/shapes_cpu/checkpoints/last.pt --out gen.pt
# python -m munit_lib bench --profile paper --size 128                    # time one iteration
# ```
#
# The first Ctrl-C (or a `SIGTERM` from a cluster's scheduler) lets the current iteration finish,
# saves a checkpoint and exits; a second one interrupts at once. A NaN loss exits with status 3.
#
# ## 8. Several GPUs, mixed precision and the rest of the `gpu` profile
#
# On a machine with several GPUs, `torchrun` starts one process per GPU:
#
# ```
# torchrun --nproc_per_node=4 -m munit_lib train --config configs/edges2shoes.yaml
# ```
#
# where `configs/edges2shoes.yaml` is the paper's configuration with our GPU options (its comments
# say how to download the data; `configs/shapes_gpu.yaml` is a much shorter GPU run on the shapes
# domains at $128 \times 128$). torchrun sets `RANK`, `LOCAL_RANK` and `WORLD_SIZE` in each process; `init_distributed` reads them
# and joins the process group (NCCL on GPUs, gloo on CPUs). Each process holds a full MUNIT and
# draws its own batches (its rank enters the batch seeds of section 2.3), and
# `DistributedDataParallel` averages the gradients of the discriminators in the D step and of the
# generators in the G step, so every replica takes the same update. The effective batch size is
# `WORLD_SIZE x batch_size`: with 4 GPUs and the paper's batch of 1, an iteration sees 4 images per
# domain, and 250,000 iterations see as many images as the paper's million (whether the learning
# rate and its schedule should change with it is yours to decide: the trainer keeps them). Only
# rank 0 writes checkpoints, logs and samples; resume with the same number of processes, since the
# batches depend on the ranks. In this notebook there is one process:

# %%
print(init_distributed())

# %% [markdown]
# The `gpu` profile is the paper's configuration plus four changes that do not alter the method:

# %%
paper_values, gpu_values = MUNITConfig.profile_named("paper").to_dict(), MUNITConfig.profile_named("gpu").to_dict()
for key in gpu_values:
    if gpu_values[key] != paper_values[key] and key != "profile":
        print(f"{key:15} paper {paper_values[key]!r:>8}  ->  gpu {gpu_values[key]!r}")

# %% [markdown]
# - **bfloat16 autocast** (`precision: bf16`): the forward passes run in bfloat16 on tensor cores,
#   weights and optimiser states stay in float32. bfloat16 has float32's exponent range, so unlike
#   float16 it needs no loss scaling; the NaN check of section 4.4 still guards the run. (On a CPU,
#   keep `fp32`: bfloat16 is slow there and the trainer warns.)
# - **channels-last** memory layout (`channels_last: true`): images and weights stored as NHWC,
#   the layout GPU convolution kernels prefer. Exports are written back in the usual layout.
# - **EMA** of the generators with decay 0.999 (section 2.2).
# - **Samples every 5,000 iterations** instead of 1,000: at GPU speed, 1,000 iterations pass fast.
#
# TensorBoard is optional: when the `tensorboard` package is installed the trainer also writes the
# losses and the first row of each sample grid to `RUN/tensorboard/`
# (`tensorboard --logdir runs/NAME/tensorboard`); `losses.csv` is always written and needs nothing.
#
# In Colab, choose a GPU runtime, set `import os; os.environ["MUNIT_PROFILE"] = "gpu"` before
# `course.setup()`, and run the training cell of section 3; when the session ends, run it again in
# a new session with the same run folder (on a mounted Google Drive, say) and it continues.

# %%
shutil.rmtree(WORK, ignore_errors=True)  # the scratch runs of this notebook

# %% [markdown]
# ## Summary
#
# - MUNIT trains by alternating a discriminator update and a generator update, each with fresh
#   styles from $\mathcal N(0, I)$, with Adam (lr $10^{-4}$, betas $(0.5, 0.999)$, weight decay
#   $10^{-4}$), the learning rate halved every 100k iterations, batch 1, for 1M iterations at
#   $256 \times 256$: about 2.24 EFLOP, half a year on a 2-core CPU, so a GPU job. The profiles
#   `ci`, `cpu`, `gpu`, `paper` keep the method and shrink sizes, widths and iteration counts.
# - The step schedule is $\text{lr}_0 \gamma^{\lfloor t / \text{step} \rfloor}$, and the EMA is
#   $\theta_\text{EMA} \leftarrow d\,\theta_\text{EMA} + (1 - d)\,\theta$; both equal
#   `munit_lib`'s.
# - Batch $t$ is a pure function of $t$ (and seed, rank, domain), so a checkpoint that stores
#   weights, EMA, optimisers, schedulers, RNG states and the iteration gives an exact resume: $N$ +
#   resume + $N$ equals $2N$ bitwise on a CPU.
# - Checkpoints are plain dictionaries, written atomically, loaded with `weights_only=True`; a NaN
#   loss stops the run before its update, and the last checkpoint stays good.
# - `course.load_or_train` trains only what is missing; `read_loss_log` and `course.plot_losses` read
#   and draw `losses.csv`; sample grids with fixed inputs and styles show progress on the same
#   pictures; `torchrun` scales the same trainer to several GPUs.
#
# ## Exercises
#
# 1. In section 4.1, give the second half a different `num_workers` (e.g.
#    `demo_cfg.replace(num_workers=2)` for the resumed run only). Is the result still identical?
#    Which part of section 2.3 makes the answer independent of worker processes?
# 2. Write a "weights only" resume: load just `ckpt["model"]` into a fresh `Trainer` (keep its new
#    optimisers), train $N$ more, and measure the largest weight difference to the straight run.
#    Which piece of state matters most? (Hint: notebook 05, Adam's first step.)
# 3. With $d = 0.999$, after how many iterations does the initialisation weigh less than 1% in the
#    EMA? Implement a warm-up, $d_t = \min(d, (1 + t) / (10 + t))$, in a copy of `GeneratorEMA` and
#    compare its weights with the plain EMA's after 50 iterations of a tiny run.
# 4. Train the `cpu` profile of this notebook (`MUNIT_PROFILE=cpu`) and plot its first 1,000
#    iterations over the shipped model's first 1,000 (`course.plot_losses` with a mapping of panels,
#    or two figures). They used the same configuration, seed and batches: should the curves be
#    identical? Find out, and explain what differs.
# 5. With 4 GPUs the effective batch is 4. Some practitioners scale the learning rate with the batch
#    (linear scaling), others keep it. Which settings of `MUNITConfig` would you change to see the
#    same number of images per learning-rate halving as the paper? Does the batch size change what
#    instance normalisation and AdaIN compute (notebook 01), as it would for batch normalisation?
