"""Shared fixtures for munit_lib's unit tests.

Forward/backward work uses the tiny ``ci`` profile; the paper configuration is built only where
its exact parameter counts and state-dict layout are checked (and for one small forward).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from munit_lib import MUNIT, Generator, MUNITConfig, MultiScaleDiscriminator
from munit_test_helpers import random_images

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
ROOT = TESTS.parent

# The unit tests run many small tensors, where a second intra-op thread saves little and, on a busy
# 2-core machine, costs a lot (threads wait on each other at every parallel region). One thread keeps
# the suite's time short and steady. This touches only this process: notebook kernels pin their own.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def official_keys() -> dict:
    """The original implementation's state-dict layout at the paper configuration."""
    with open(DATA / "official_munit_keys.json", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="session")
def ci_cfg() -> MUNITConfig:
    return MUNITConfig.profile_named("ci")


@pytest.fixture(scope="session")
def paper_cfg() -> MUNITConfig:
    return MUNITConfig()


@pytest.fixture(scope="session")
def paper_generator(paper_cfg) -> Generator:
    torch.manual_seed(0)
    return Generator(paper_cfg).eval()


@pytest.fixture(scope="session")
def paper_discriminator(paper_cfg) -> MultiScaleDiscriminator:
    torch.manual_seed(0)
    return MultiScaleDiscriminator(paper_cfg).eval()


@pytest.fixture(scope="module")
def ci_model(ci_cfg) -> MUNIT:
    """A ci-profile MUNIT model; tests that use it must not change its parameters."""
    torch.manual_seed(0)
    return MUNIT(ci_cfg)


@pytest.fixture
def ci_images(ci_cfg):
    """A batch of two images per domain at the ci crop size."""
    s = ci_cfg.image_size
    return random_images((2, ci_cfg.input_dim_a, s, s), 1), random_images((2, ci_cfg.input_dim_b, s, s), 2)
