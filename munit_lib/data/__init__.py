"""Data for MUNIT: two unpaired image domains.

* ``shapes``: synthetic sketches (A) and paintings (B) with full ground truth, in memory
  (``ShapesDomain``) or on disk in the original layout (``make_shapes_dataset``); aligned
  sketch/painting pairs for supervised baselines (``ShapesPairs``, ``write_pix2pix_pairs``).
* ``folders``: real domains from folders or file lists, pix2pix pairs split into unpaired
  folders, and ``UnpairedLoader``, which draws one batch from each domain, in epochs.
* ``batches``: ``batch_stream``, the one stream of unpaired batches (a pure function of the
  iteration: the trainer reads it, ``UnpairedLoader`` is a view of it).
* ``spec``: ``DataSpec``, the data's description (``data_root`` and, for the shapes, where the
  paintings pin their textures), recorded in every checkpoint beside the config.
* ``transforms``: the paper's resize / crop / flip / [-1, 1] pipeline.
* ``download``: edges2shoes, edges2handbags, AFHQ (explicit calls only; resumable, verified).
"""
from .batches import IterationBatchSampler, SeededItems, batch_stream
from .download import (DATASETS, ChecksumError, UnsafeArchiveError, download_afhq, download_edges2handbags,
                       download_edges2shoes, download_file, extract_archive, sha256_file)
from .folders import (IMG_EXTENSIONS, ImageFolderDomain, ImageLoadError, UnpairedLoader, list_images, load_image,
                      read_file_list, split_side_by_side, unpaired_domains, unpaired_loader)
from .shapes import (BACKGROUNDS, KINDS, PALETTE, TEXTURE_ANCHORS, TEXTURES, ShapeGeometry, ShapeRecord, ShapesDomain, ShapesPairs,
                     ShapeStyle, load_ground_truth, make_shapes_dataset, render_painting, render_sketch,
                     sample_geometry, sample_style, write_pix2pix_pairs)
from .spec import DataSpec, trained_on
from .transforms import image_to_tensor, tensor_to_uint8, test_transform, train_transform

__all__ = [
    # shapes
    "KINDS", "PALETTE", "TEXTURES", "TEXTURE_ANCHORS", "BACKGROUNDS", "ShapeGeometry", "ShapeStyle", "ShapeRecord", "ShapesDomain",
    "sample_geometry", "sample_style", "render_sketch", "render_painting", "make_shapes_dataset",
    "load_ground_truth", "ShapesPairs", "write_pix2pix_pairs",
    # the data's description (recorded in checkpoints)
    "DataSpec", "trained_on",
    # folders
    "IMG_EXTENSIONS", "ImageFolderDomain", "ImageLoadError", "list_images", "read_file_list", "load_image",
    "unpaired_domains", "split_side_by_side", "UnpairedLoader", "unpaired_loader",
    # batches
    "batch_stream", "IterationBatchSampler", "SeededItems",
    # transforms
    "train_transform", "test_transform", "image_to_tensor", "tensor_to_uint8",
    # downloads
    "DATASETS", "download_file", "extract_archive", "sha256_file", "ChecksumError", "UnsafeArchiveError",
    "download_edges2shoes", "download_edges2handbags", "download_afhq",
]
