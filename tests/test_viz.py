"""One conversion from network images to pictures and one grid (on torchvision's make_grid),
used by the trainer's samples, translate / demo, save_translations and the style explorer."""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from munit_lib.data.transforms import image_to_tensor, tensor_to_uint8
from munit_lib.viz import image_grid, save_png, to_image, to_uint8, to_unit
from munit_test_helpers import random_images


def test_to_uint8_inverts_image_to_tensor_and_is_the_one_conversion():
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    x = image_to_tensor(pixels)  # (3, 5, 7) in [-1, 1]
    assert np.array_equal(to_uint8(x), pixels) and np.array_equal(tensor_to_uint8(x), pixels)
    np.testing.assert_allclose(to_image(x[None]), pixels / 255.0, atol=1e-6)
    assert float(to_unit(torch.tensor([-3.0, 0.0, 3.0])).sum()) == 1.5  # clamped: 0, 0.5, 1


def test_image_grid_is_make_grid_of_the_pictures_with_gray_shown_in_rgb():
    colour = random_images((2, 3, 3, 8, 8), 1)  # (rows, columns, C, H, W)
    grid = image_grid(colour, padding=2, pad_value=1.0)
    expected = make_grid(((colour.clamp(-1, 1) + 1) / 2).flatten(0, 1), nrow=3, padding=2, pad_value=1.0)
    assert torch.equal(grid, expected)
    gray = random_images((1, 8, 8), 2)
    mixed = image_grid([[gray, colour[0, 0]]], padding=2)
    assert mixed.shape == (3, 12, 22)  # one row of two 8x8 cells, a 2-pixel border
    assert torch.equal(mixed[0, 2:10, 2:10], mixed[2, 2:10, 2:10])  # the gray cell: the same in R, G, B
    assert image_grid([[gray, colour[0, 0]]], padding=2, border=False).shape == (3, 8, 18)


def test_translate_outputs_and_cli_grids_are_the_same_picture(tmp_path):
    """save_translations and the command line's write_grid draw the same grid, pixel for pixel."""
    from munit_lib.cli.translate import write_grid
    from munit_lib.translate import save_translations

    inputs, outputs = random_images((2, 1, 8, 8), 3), random_images((2, 3, 3, 8, 8), 4)  # gray inputs
    one = save_translations(outputs, tmp_path / "a", inputs=inputs)[-1]
    two = write_grid(inputs, outputs, tmp_path / "b" / "grid.png")
    picture = np.asarray(Image.open(one))
    assert np.array_equal(picture, np.asarray(Image.open(two)))
    expected = image_grid([[x, *row] for x, row in zip(inputs, outputs)])
    assert np.array_equal(picture, (expected * 255 + 0.5).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy())
    assert save_png(to_unit(outputs[0, 0]), tmp_path / "one.png").is_file()
