"""Moved: the model dispatch lives in :mod:`munit_lib.registry` (every model by name), exports in
:mod:`munit_lib.training.checkpoint`. The names notebook 10 and the OpenMoji evaluation import from
here are kept; import them from ``munit_lib.registry`` in new code.

This module is not part of the baselines package's layer: it re-exports from the registry above it,
and nothing in munit_lib below the registry imports it.
"""
from __future__ import annotations

from ..registry import load_model, model_from_checkpoint, translation_sides

__all__ = ["load_model", "model_from_checkpoint", "translation_sides"]
