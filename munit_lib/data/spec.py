"""The data's description: where a model's training data are read from and how they are drawn.

A run's data are more than its ``data_root`` (a folder, or ``shapes:N`` for the synthetic shapes):
the shapes paintings can pin their texture patterns to the image's corner or to each shape
(``texture_anchor``, see :func:`munit_lib.data.shapes.render_painting`), and a model can only be
scored fairly on paintings drawn the way its own were. :class:`DataSpec` is that description. The
trainer builds it from the config (``data_root`` and the YAML key ``texture_anchor``), draws its
data from it, and records it in every checkpoint and export it writes, as a ``"data"`` entry beside
``"config"``; the loaders (``official.generators_from_checkpoint``, ``registry.load_generators``)
attach the file's record to the generators they return (``gen.data_record``), the trainer its own,
and scoring and the notebooks read the anchor from there (:func:`trained_on`), never from the
model's config.

A file written before the record (every shipped model under ``data/pretrained/``) carries the
anchor in its ``config`` only: ``official.checkpoint_data_record`` reads it there, so those files
describe their data exactly as before.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..official import checkpoint_data_record
from .shapes import check_texture_anchor

__all__ = ["DataSpec", "trained_on"]


@dataclass(frozen=True)
class DataSpec:
    """``root``: the config's ``data_root`` (a folder, ``shapes`` or ``shapes:N``);
    ``texture_anchor``: where the shapes paintings pin their patterns (``"canvas"``, the default,
    or ``"shape"``); folders of real images ignore it."""

    root: str = ""
    texture_anchor: str = "canvas"

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", str(self.root).strip())
        check_texture_anchor(self.texture_anchor)

    def to_dict(self) -> dict:
        """The record a checkpoint keeps under ``"data"``."""
        return {"root": self.root, "texture_anchor": self.texture_anchor}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> "DataSpec":
        return cls(str(record.get("root", "")), str(record.get("texture_anchor", "canvas")))

    @classmethod
    def from_config(cls, cfg: Any) -> "DataSpec":
        """The data a config asks for: its ``data_root``, drawn as its ``texture_anchor`` says."""
        return cls(str(getattr(cfg, "data_root", "") or ""), str(getattr(cfg, "texture_anchor", "canvas")))

    @classmethod
    def from_checkpoint(cls, data: Any) -> "DataSpec":
        """The data a checkpoint or export (a dict as read from the file) was trained on: its
        ``"data"`` record; for a file written before the record, its config's ``data_root`` and
        ``texture_anchor``; for a file with neither (the original project's), the default."""
        return cls.from_dict(checkpoint_data_record(data))


def trained_on(model: Any) -> DataSpec:
    """The data description a model carries (``model.data_record``, the record the loaders read
    from its file and the trainer writes), or the default (canvas-anchored) one for a model that
    carries none (built in memory, or the original project's files)."""
    record = getattr(model, "data_record", None)
    return DataSpec.from_dict(record) if isinstance(record, Mapping) else DataSpec()
