"""The style explorer (munit_lib.widgets), driven headlessly: the logic without widgets, then the
ipywidgets UI by setting widget values and reading the Image widget's bytes."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import numpy as np
import pytest
import torch
from PIL import Image

from munit_lib import Generator, MUNITConfig, init_weights
from munit_lib.translate import Translator, interpolate_at, random_styles
from munit_lib.widgets import StyleExplorerState, uploaded_files
from munit_test_helpers import random_images


@pytest.fixture(scope="module")
def translator() -> Translator:
    cfg = MUNITConfig.profile_named("ci")
    torch.manual_seed(0)
    return Translator(init_weights(Generator(cfg, 3)), init_weights(Generator(cfg, 3)))


@pytest.fixture(scope="module")
def contents() -> dict:
    return {"a": random_images((3, 3, 32, 32), 1), "b": random_images((2, 3, 32, 32), 2)}


def png_file(tmp_path, seed: int = 0, size: int = 32):
    array = np.random.default_rng(seed).integers(0, 256, size=(size, size, 3), dtype=np.uint8)
    path = tmp_path / f"image{seed}.png"
    Image.fromarray(array).save(path)
    return path


# ----------------------------------------------------------------------------- the logic
def test_render_shows_input_and_translation(translator, contents):
    state = StyleExplorerState(translator, contents)
    frame = state.render()
    assert frame.dtype == np.uint8 and frame.shape == (32, 32 + 2 + 32, 3)
    with torch.no_grad():
        expected = translator.gen_b.decode(translator.gen_a.encode(contents["a"][:1])[0], state.style[None])[0]
    out = torch.from_numpy(frame[:, -32:].astype(np.float32)).permute(2, 0, 1) / 127.5 - 1
    assert (out - expected).abs().max() <= 1 / 127.5 + 1e-6
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(state.render_png()))), frame)
    assert Image.open(io.BytesIO(state.render_png(scale=3))).size == (3 * 66, 3 * 32)
    state.show_input = False
    assert state.render().shape == (32, 32, 3)


def test_one_style_value_changes_the_frame_and_back(translator, contents):
    state = StyleExplorerState(translator, contents)
    before = state.render()
    old = float(state.style[2])
    state.set_style_value(2, 2.5)
    assert state.style[2] == 2.5 and not np.array_equal(state.render(), before)
    state.set_style_value(2, old)
    assert np.array_equal(state.render(), before)
    with pytest.raises(IndexError, match="0..7"):
        state.set_style_value(8, 0.0)


def test_same_seed_same_frames(translator, contents):
    one, two = StyleExplorerState(translator, contents, seed=3), StyleExplorerState(translator, contents, seed=3)
    assert np.array_equal(one.render(), two.render())
    for state in (one, two):
        state.randomize_style()
        state.randomize_style(seed=11)
    assert np.array_equal(one.render(), two.render())
    assert torch.equal(one.style, random_styles(1, 8, 11)[0])
    other = StyleExplorerState(translator, contents, seed=4)
    assert not np.array_equal(one.render(), other.render())


def test_content_and_direction(translator, contents):
    state = StyleExplorerState(translator, contents)
    first = state.render()
    state.set_content(2)
    assert not np.array_equal(state.render(), first)
    state.set_direction("b2a")  # domain b has 2 images: the index is clamped
    assert state.index == 1 and state.render().shape == (32, 66, 3)
    with pytest.raises(IndexError, match="0..1"):
        state.set_content(5)
    with pytest.raises(ValueError, match="'a2b'"):
        state.set_direction("sideways")


def test_interpolation_between_stored_styles(translator, contents):
    state = StyleExplorerState(translator, contents)
    with pytest.raises(ValueError, match="store style A and B"):
        state.set_interpolation(0.5)
    state.store_style_a()
    a = state.style.clone()
    state.randomize_style(seed=9)
    state.store_style_b()
    b = state.style.clone()
    state.set_interpolation(0.0)
    assert torch.equal(state.style, a)
    state.set_interpolation(1.0)
    assert torch.equal(state.style, b)
    state.set_interpolation(0.25, mode="slerp")
    assert torch.allclose(state.style, interpolate_at(a, b, [0.25], "slerp")[0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        state.set_interpolation(1.5)


def test_reference_and_user_files(translator, contents, tmp_path):
    state = StyleExplorerState(translator, contents)
    ref = random_images((3, 32, 32), 5)
    state.use_reference(ref)
    assert torch.allclose(state.style, translator.encode_style(ref, "a2b")[0])
    path = png_file(tmp_path, 1)
    index = state.load_content_file(path)
    assert index == 3 and state.index == 3 and state.content_names[3] == path.name
    index = state.load_content_file(path.read_bytes(), "again.png")  # an upload
    assert index == 4 and torch.equal(state.contents[4], state.contents[3])
    state.use_reference(png_file(tmp_path, 2).read_bytes(), "style.png")
    assert state.render().shape == (32, 66, 3)


def test_attempt_records_errors_instead_of_raising(translator, contents, tmp_path):
    state = StyleExplorerState(translator, contents)
    assert not state.attempt(state.load_content_file, tmp_path / "missing.png")
    assert "FileNotFoundError" in state.last_error and "missing.png" in state.last_error
    assert not state.attempt(state.load_content_file, b"not an image", "notes.png")
    assert "ImageLoadError" in state.last_error and "notes.png" in state.last_error
    assert not state.attempt(state.use_reference, torch.zeros(4, 32, 32))
    assert "4 channels" in state.last_error
    assert state.attempt(state.set_content, 1) and state.last_error == ""
    assert state.attempt(state.load_content_file, random_images((3, 40, 37), 6))  # fitted, with a note
    assert "40x37 -> 40x36" in state.last_note
    empty = StyleExplorerState(translator, None)
    with pytest.raises(ValueError, match="no content image for domain a"):
        empty.render()


def test_uploaded_files_reads_both_ipywidgets_formats():
    v7 = {"a.png": {"metadata": {"name": "a.png"}, "content": b"123"}}
    v8 = ({"name": "b.png", "type": "image/png", "size": 3, "content": memoryview(b"456"), "last_modified": 0},)
    assert uploaded_files(v7) == [("a.png", b"123")]
    assert uploaded_files(v8) == [("b.png", b"456")]
    assert uploaded_files(()) == [] and uploaded_files({}) == []


def test_state_time_update_runs(translator, contents):
    state = StyleExplorerState(translator, contents)
    style = state.style.clone()
    assert state.time_update(3) > 0  # no claim about speed here
    assert torch.equal(state.style, style)


# ----------------------------------------------------------------------------- the widgets
@pytest.fixture
def explorer(translator, contents):
    pytest.importorskip("ipywidgets")
    from munit_lib.widgets import StyleExplorer

    return StyleExplorer(translator, contents, seed=0)


def test_slider_updates_the_image_in_place(explorer, capsys):
    first = explorer.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and explorer.error.value == ""
    image_widget = explorer.image
    explorer.sliders[0].value = 2.0
    assert explorer.image is image_widget and explorer.image.value != first
    assert float(explorer.state.style[0]) == 2.0
    explorer.sliders[0].value = -1.0
    explorer.random_button.click()
    assert explorer.sliders[3].value == pytest.approx(max(-3.0, min(3.0, float(explorer.state.style[3]))))
    assert capsys.readouterr() == ("", "")  # callbacks never print


def test_same_seed_same_image(explorer, translator, contents):
    from munit_lib.widgets import StyleExplorer

    other = StyleExplorer(translator, contents, seed=0)
    assert other.image.value == explorer.image.value
    for e in (explorer, other):
        e.sliders[1].value = 1.25
        e.content.value = 2
    assert other.image.value == explorer.image.value


def test_errors_show_in_the_label_and_are_not_raised(explorer, tmp_path, capsys):
    before = explorer.image.value
    explorer.interpolation.value = 0.5  # nothing stored yet
    assert "store style A and B" in explorer.error.value and explorer.image.value == before
    explorer.path.value = str(tmp_path / "missing.png")
    explorer.add_content_button.click()
    assert "missing.png" in explorer.error.value
    explorer.path.value = ""
    explorer.reference_button.click()
    assert "type the path" in explorer.error.value
    explorer.sliders[0].value = 0.5  # a good update clears the label
    assert explorer.error.value == ""
    assert capsys.readouterr() == ("", "")


def test_store_and_interpolate(explorer):
    explorer.store_a_button.click()
    a_image = explorer.image.value
    explorer.random_button.click()
    explorer.store_b_button.click()
    b_image = explorer.image.value
    explorer.interpolation.value = 1.0
    assert explorer.image.value == b_image and explorer.error.value == ""
    explorer.interpolation.value = 0.0
    assert explorer.image.value == a_image
    explorer.mode.value = "slerp"
    assert explorer.state.interpolation_mode == "slerp" and explorer.error.value == ""


def test_direction_content_and_files(explorer, tmp_path):
    explorer.direction.value = "b2a"
    assert [value for _, value in explorer.content.options] == [0, 1] and explorer.error.value == ""
    explorer.path.value = str(png_file(tmp_path, 3))
    explorer.add_content_button.click()
    assert explorer.content.value == 2 and explorer.error.value == ""
    before = explorer.image.value
    explorer.path.value = str(png_file(tmp_path, 4))
    explorer.reference_button.click()
    assert explorer.error.value == "" and explorer.image.value != before


def test_direction_without_content_explains(translator, contents):
    pytest.importorskip("ipywidgets")
    from munit_lib.widgets import StyleExplorer

    explorer = StyleExplorer(translator, contents["a"])
    explorer.direction.value = "b2a"
    assert "no content image for domain b" in explorer.error.value


def upload(widget, name: str, data: bytes) -> None:
    """What the browser does when a file is chosen, in ipywidgets 8 or 7."""
    import ipywidgets

    if int(ipywidgets.__version__.split(".")[0]) >= 8:
        widget.value = ({"name": name, "type": "image/png", "size": len(data), "content": memoryview(data),
                         "last_modified": datetime.now(timezone.utc)},)
    else:  # 7: the front end sends metadata and data, then bumps a counter that fills the value
        widget.metadata, widget.data = [{"name": name, "type": "image/png", "size": len(data)}], [data]
        widget._counter += 1


def test_uploads(explorer, tmp_path):
    data = png_file(tmp_path, 5).read_bytes()
    upload(explorer.upload_content, "mine.png", data)
    assert explorer.error.value == "" and explorer.state.content_names[-1] == "mine.png"
    assert explorer.content.value == len(explorer.state.contents) - 1
    assert not explorer.upload_content.value  # cleared for the next upload
    upload(explorer.upload_content, "mine.png", data)  # the same file again is taken again
    assert explorer.state.content_names[-2:] == ["mine.png", "mine.png"]
    upload(explorer.upload_reference, "bad.png", b"bad")
    assert "bad.png" in explorer.error.value


def test_widget_time_update_restores(explorer):
    image, value = explorer.image.value, explorer.sliders[0].value
    assert explorer.time_update(3) > 0
    assert explorer.sliders[0].value == value and explorer.image.value == image


def test_path_box_is_emptied_after_use_and_the_label_names_the_file(explorer, tmp_path):
    """A path typed in the box is used once: the box empties, the label says which file it was."""
    explorer.path.value = str(tmp_path / "missing.png")
    explorer.add_content_button.click()
    assert explorer.path.value == "" and "missing.png" in explorer.error.value
    explorer.path.value = str(png_file(tmp_path, 3))
    explorer.add_content_button.click()
    assert explorer.path.value == "" and explorer.error.value == "" and "3" in explorer.status.value


def test_layout_keeps_the_picture_and_labels_whole(explorer):
    """The picture is not stretched to the slider column, and buttons are as wide as their labels."""
    row = explorer.widget.children[0]
    assert row.children[0] is explorer.image and row.layout.align_items == "flex-start"
    assert explorer.image.layout.object_fit == "contain"
    for button in (explorer.add_content_button, explorer.reference_button, explorer.upload_content):
        assert button.layout.width == "auto"
