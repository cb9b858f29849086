"""The style explorer: move through MUNIT's style space with sliders and see the translation change.

Two layers, so that the logic is testable without a browser:

* ``StyleExplorerState`` holds everything the explorer knows (a ``Translator``, the content
  images of each domain, the chosen image and direction, the current style code, two stored
  styles A and B) and renders the current translation to pixels. It needs no ipywidgets.
* ``StyleExplorer`` builds the ipywidgets user interface around a state: an ``Image`` widget
  updated in place, one slider per style coordinate, buttons, an interpolation slider, a path box
  and file uploads, and a label that shows errors. Its callbacks never print or plot (nbval would
  see that as output): every callback is wrapped so that an exception or warning ends up in a
  label, never in the cell's output.

What one frame is: with content ``c = E^c_source(x)`` of the chosen image (computed once and
cached) and the current style ``s`` (``style_dim`` numbers), the picture is
``x_out = G_target(c, s)``, shown beside the input. Moving slider ``i`` changes ``s[i]`` only.

Works with ipywidgets 7.7 and 8 (only API common to both is used).
"""
from __future__ import annotations

import functools
import html
import io
import statistics
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import torch
from PIL import Image

from .translate import Translator, check_direction, check_styles, interpolate_at, random_styles

__all__ = ["StyleExplorerState", "StyleExplorer", "uploaded_files"]

BytesLike = (bytes, bytearray, memoryview)


def _decode_upload(data: Any, name: str, channels: int) -> Image.Image:
    """Image file bytes (an upload) -> PIL image, through ``load_image`` so that uploads get the
    same conversions as files on disk. Undecodable bytes raise ``ImageLoadError`` naming the upload."""
    from .data.folders import ImageLoadError, load_image

    try:
        return load_image(io.BytesIO(bytes(data)), channels)  # decoded from memory, no temporary file
    except ImageLoadError as error:
        raise ImageLoadError(f"cannot read the uploaded file {name!r} as an image: "
                             f"{str(error).split(': ', 1)[-1]}") from None


def uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """A ``FileUpload`` widget's value as ``[(name, bytes), ...]``, for ipywidgets 7 and 8.

    ipywidgets 7: ``{name: {"metadata": {...}, "content": bytes}}``;
    ipywidgets 8: ``({"name": ..., "type": ..., "size": ..., "content": memoryview, ...}, ...)``.
    """
    if not value:
        return []
    if isinstance(value, dict):  # ipywidgets 7
        items = [(str(name), entry.get("content") if isinstance(entry, dict) else None)
                 for name, entry in value.items()]
    else:  # ipywidgets 8
        items = [(str(entry.get("name", f"upload {i}")), entry.get("content")) for i, entry in enumerate(value)]
    return [(name, bytes(content)) for name, content in items if content is not None]


# ----------------------------------------------------------------------------- logic
class StyleExplorerState:
    """The explorer's logic, without any widget.

    ``contents``: the content images, as anything ``Translator`` reads (a batch, a list of
    tensors or paths, a folder), for the source domain of ``direction``; or a dict
    ``{"a": images_a, "b": images_b}`` to have content for both directions. Images are fitted to
    the generators (see ``Translator.prepare_each``).

    Methods that change the state raise on bad input (``ValueError``, ``IndexError``,
    ``ImageLoadError``, ...); ``attempt(method, *args)`` runs one and records the outcome in
    ``last_error`` (empty when it succeeded) and ``last_note`` (warnings it raised), as the widget
    callbacks do. Everything random is seeded: two states built alike render alike.
    """

    def __init__(self, translator: Translator, contents: Any = None, direction: str = "a2b", seed: int = 0,
                 show_input: bool = True, interpolation_mode: str = "linear") -> None:
        if not isinstance(translator, Translator):
            raise TypeError(f"StyleExplorerState needs a munit_lib Translator, got {type(translator).__name__}")
        self.translator = translator
        self.direction = check_direction(direction)
        self.images: dict[str, list[torch.Tensor]] = {"a": [], "b": []}  # per source domain, (C, H, W) each
        self.names: dict[str, list[str]] = {"a": [], "b": []}
        if isinstance(contents, dict):
            unknown = set(contents) - {"a", "b"}
            if unknown:
                raise ValueError(f"contents as a dict takes the keys 'a' and 'b' (one list of images per domain); "
                                 f"got {sorted(unknown)}")
            for domain, images in contents.items():
                self._add(domain, images)
        elif contents is not None:
            self._add(self.source_domain, contents)
        self.index = 0
        self.show_input = bool(show_input)
        self.interpolation_mode = interpolation_mode
        self.style = random_styles(1, translator.style_dim, seed)[0]  # (d,), on the CPU
        self._next_seed = int(seed) + 1
        self.style_a: Optional[torch.Tensor] = None
        self.style_b: Optional[torch.Tensor] = None
        self.interpolation_t: Optional[float] = None
        self.last_error = ""
        self.last_note = ""
        self._content_cache: dict[tuple[str, int], torch.Tensor] = {}

    # ---------------------------------------------------------------- facts
    @property
    def style_dim(self) -> int:
        return self.translator.style_dim

    @property
    def source_domain(self) -> str:
        return self.translator.domains(self.direction)[0]

    @property
    def contents(self) -> list[torch.Tensor]:
        """The content images of the current direction's source domain, ``(C, H, W)`` each."""
        return self.images[self.source_domain]

    @property
    def content_names(self) -> list[str]:
        return self.names[self.source_domain]

    def _add(self, domain: str, images: Any) -> int:
        """Append images to a domain's contents; returns the index of the first one added."""
        found, names = self.translator.prepare_each(images, domain, "content image")
        start = len(self.images[domain])
        self.images[domain] += [x.detach() for x in found]
        self.names[domain] += names
        return start

    # ---------------------------------------------------------------- actions
    def set_content(self, index: int) -> None:
        """Show content image ``index`` of the current source domain."""
        n = len(self.contents)
        if not isinstance(index, (int, np.integer)) or not 0 <= int(index) < n:
            raise IndexError(f"content index {index!r} is out of range: domain {self.source_domain} has {n} "
                             f"content image(s)" + (", indices 0.." + str(n - 1) if n else ""))
        self.index = int(index)

    def load_content_file(self, path_or_bytes: Any, name: str = "upload") -> int:
        """Add a user's image (a path, a PIL image, a tensor, or image-file bytes from an upload,
        named ``name``) to the current source domain's contents and select it; returns its index.
        (A folder or a batch adds every image and selects the first.)"""
        upload = isinstance(path_or_bytes, BytesLike)
        if upload:
            path_or_bytes = _decode_upload(path_or_bytes, name, self.translator.channels(self.source_domain))
        self.index = self._add(self.source_domain, path_or_bytes)
        if upload:
            self.names[self.source_domain][self.index] = name  # the upload's own name, not "PIL image"
        return self.index

    def set_direction(self, direction: str) -> None:
        """``"a2b"`` or ``"b2a"``; the content index is kept when the other domain has that many images."""
        self.direction = check_direction(direction)
        self.index = min(self.index, max(len(self.contents) - 1, 0))

    def set_style_value(self, dim: int, value: float) -> None:
        """Set style coordinate ``dim`` to ``value`` (the other coordinates are unchanged)."""
        if not isinstance(dim, (int, np.integer)) or not 0 <= int(dim) < self.style_dim:
            raise IndexError(f"style coordinate {dim!r} is out of range: the style code has {self.style_dim} "
                             f"coordinates, 0..{self.style_dim - 1}")
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"style values must be finite, got {value}")
        self.style = self.style.clone()
        self.style[int(dim)] = value

    def set_style(self, style: Any) -> None:
        """Replace the whole style code (length ``style_dim``)."""
        styles = check_styles(style, self.style_dim)
        if styles.shape[0] != 1:
            raise ValueError(f"set_style takes one style code, got {styles.shape[0]}")
        self.style = styles[0].detach().float().cpu().clone()

    def randomize_style(self, seed: Optional[int] = None) -> torch.Tensor:
        """Draw a new style from N(0, I) with ``seed`` (default: the next of a seeded sequence)."""
        if seed is None:
            seed, self._next_seed = self._next_seed, self._next_seed + 1
        self.style = random_styles(1, self.style_dim, int(seed))[0]
        return self.style

    def use_reference(self, image_or_path: Any, name: str = "upload") -> torch.Tensor:
        """Take the style of a reference image of the TARGET domain: ``s = E^s_target(reference)``.

        The reference may be a path, a PIL image, a tensor or image-file bytes (named ``name``)."""
        target = self.translator.domains(self.direction)[1]
        if isinstance(image_or_path, BytesLike):
            image_or_path = _decode_upload(image_or_path, name, self.translator.channels(target))
        codes = self.translator.encode_style(image_or_path, self.direction)  # (R, d)
        if codes.shape[0] != 1:
            raise ValueError(f"use_reference takes one reference image, got {codes.shape[0]}")
        self.style = codes[0].detach().float().cpu()
        return self.style

    def store_style_a(self) -> None:
        """Remember the current style as interpolation end A (t = 0)."""
        self.style_a = self.style.clone()

    def store_style_b(self) -> None:
        """Remember the current style as interpolation end B (t = 1)."""
        self.style_b = self.style.clone()

    def set_interpolation(self, t: float, mode: Optional[str] = None) -> None:
        """Set the style to the point ``t`` in [0, 1] between stored styles A and B
        (``interpolation_mode`` "linear" or "slerp"; ``t = 0`` gives exactly A, ``t = 1`` exactly B)."""
        if self.style_a is None or self.style_b is None:
            missing = " and ".join(n for n, s in (("A", self.style_a), ("B", self.style_b)) if s is None)
            raise ValueError(f"store style {missing} first (buttons Store A / Store B, or store_style_a() / "
                             "store_style_b()), then interpolate between them")
        t = float(t)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"the interpolation position t must be in [0, 1], got {t}")
        if mode is not None:
            self.interpolation_mode = mode
        if t == 0.0:
            self.style = self.style_a.clone()
        elif t == 1.0:
            self.style = self.style_b.clone()
        else:
            self.style = interpolate_at(self.style_a, self.style_b, [t], self.interpolation_mode)[0]
        self.interpolation_t = t

    # ---------------------------------------------------------------- rendering
    def _content_code(self) -> torch.Tensor:
        key = (self.source_domain, self.index)
        if key not in self._content_cache:
            content = self.translator.encode_content(self.contents[self.index].unsqueeze(0), self.direction)
            self._content_cache[key] = content  # (1, C', h, w)
        return self._content_cache[key]

    @torch.no_grad()
    def render_tensor(self) -> torch.Tensor:
        """The current translation ``G_target(E^c_source(x), s)`` as a float image (C, H, W) in [-1, 1]."""
        if not self.contents:
            domain = self.source_domain
            raise ValueError(f"no content image for domain {domain} (direction {self.direction}): load one "
                             f"(load_content_file(path), or the path box) or pass contents={{'{domain}': images}}")
        # the Translator's decoder path: (1, C', h, w) with (1, d) -> (1, 1, C, H, W) -> (C, H, W)
        return self.translator.decode(self._content_code(), self.style[None], self.direction)[0, 0]

    def render(self) -> np.ndarray:
        """The current frame as a uint8 array (H, W, 3): the input (when ``show_input``), then the translation."""
        from .viz import image_grid

        out = self.render_tensor()
        panels = [self.contents[self.index], out] if self.show_input else [out]
        gap = max(2, max(p.shape[1] for p in panels) // 16)  # a white bar between panels, none around
        frame = image_grid([panels], padding=gap, pad_value=1.0, border=False)  # (3, H, W_total) in [0, 1]
        return (frame * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()  # -> (H, W_total, 3)

    def render_png(self, scale: int = 1) -> bytes:
        """The current frame as PNG bytes, enlarged ``scale`` times (nearest neighbour, crisp pixels)."""
        image = Image.fromarray(self.render())
        if int(scale) > 1:
            image = image.resize((image.width * int(scale), image.height * int(scale)), Image.NEAREST)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    # ---------------------------------------------------------------- errors and timing
    def attempt(self, method: Callable, *args: Any, **kwargs: Any) -> bool:
        """Run ``method(*args, **kwargs)``; record any exception in ``last_error`` (else clear it)
        and any warnings in ``last_note``. Returns whether it succeeded. Never raises ``Exception``."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                method(*args, **kwargs)
                self.last_error = ""
                ok = True
            except Exception as error:  # shown to the user instead of raised
                self.last_error = f"{type(error).__name__}: {error}"
                ok = False
        self.last_note = " ".join(str(w.message) for w in caught)
        return ok

    def time_update(self, n: int = 20) -> float:
        """Median seconds for one update (change one style value, render the PNG); the style is restored."""
        saved = self.style.clone()
        times = []
        try:
            for i in range(max(1, int(n))):
                start = time.perf_counter()
                self.set_style_value(0, float(saved[0]) + (0.1 if i % 2 == 0 else -0.1))
                self.render_png()
                times.append(time.perf_counter() - start)
        finally:
            self.style = saved
        return statistics.median(times)


# ----------------------------------------------------------------------------- widgets
class StyleExplorer:
    """The ipywidgets user interface of a ``StyleExplorerState``.

    ``StyleExplorer(translator, contents)`` (or ``StyleExplorer(state)``); display
    ``explorer.widget`` (or the explorer itself). ``explorer.state`` is the logic; the widgets are
    attributes (``image``, ``sliders``, ``content``, ``direction``, ``random_button``,
    ``store_a_button``, ``store_b_button``, ``interpolation``, ``mode``, ``path``,
    ``add_content_button``, ``reference_button``, ``upload_content``, ``upload_reference``,
    ``error``, ``status``) so that a notebook can drive them headlessly: set
    ``explorer.sliders[0].value = 1.5`` and ``explorer.image.value`` holds the new PNG.

    ``slider_range``: style sliders span [-slider_range, slider_range] (3 by default: 99.7% of
    N(0, 1)); ``scale``: display enlargement (default: about 160 px high);
    ``continuous_update``: render while a slider is dragged (smooth on small models, slow on big ones).
    """

    def __init__(self, state_or_translator: Any, contents: Any = None, direction: str = "a2b", seed: int = 0,
                 scale: Optional[int] = None, slider_range: float = 3.0, continuous_update: bool = False) -> None:
        import ipywidgets as W

        if isinstance(state_or_translator, StyleExplorerState):
            if contents is not None:
                raise ValueError("pass contents when building from a Translator; a state already holds its contents")
            self.state = state_or_translator
        else:
            self.state = StyleExplorerState(state_or_translator, contents, direction, seed)
        self.scale = scale
        self._syncing = False  # True while the explorer itself sets widget values
        r = float(slider_range)
        state = self.state

        # the picture keeps its own size and aspect ratio (a flex row would stretch it to the
        # height of the slider column beside it)
        self.image = W.Image(value=b"", format="png", layout=W.Layout(object_fit="contain", flex="0 0 auto"))
        self.error = W.HTML(value="")
        self.status = W.HTML(value="")
        self._shown_options = self._content_options()
        self.content = W.Dropdown(options=self._shown_options, description="content")
        self.direction = W.ToggleButtons(options=["a2b", "b2a"], value=state.direction, description="direction")
        self.sliders = [W.FloatSlider(value=self._clamp(float(v), r), min=-r, max=r, step=0.05,
                                      description=f"s[{i}]", continuous_update=continuous_update,
                                      readout_format=".2f")
                        for i, v in enumerate(state.style.tolist())]
        self.random_button = W.Button(description="Random", tooltip="draw a style from N(0, I)")
        self.store_a_button = W.Button(description="Store A", tooltip="remember this style as A")
        self.store_b_button = W.Button(description="Store B", tooltip="remember this style as B")
        self.interpolation = W.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, description="A → B",
                                           continuous_update=continuous_update, readout_format=".2f")
        self.mode = W.Dropdown(options=["linear", "slerp"], value=state.interpolation_mode, description="path")
        self.path = W.Text(value="", placeholder="path to an image file", description="image")
        self.add_content_button = W.Button(description="Add as content")
        self.reference_button = W.Button(description="Use as style")
        self.upload_content = W.FileUpload(accept="image/*", multiple=False, description="Upload content")
        self.upload_reference = W.FileUpload(accept="image/*", multiple=False, description="Upload style")
        for button in (self.random_button, self.store_a_button, self.store_b_button, self.add_content_button,
                       self.reference_button, self.upload_content, self.upload_reference):
            button.layout.width = "auto"  # as wide as its label: the default fixed width cuts long labels
            button.layout.min_width = "fit-content"

        # every callback goes through _guard: errors land in the label, never in the output
        self.content.observe(self._guard(self._on_content), names="value")
        self.direction.observe(self._guard(self._on_direction), names="value")
        for i, slider in enumerate(self.sliders):
            slider.observe(self._guard(functools.partial(self._on_slider, i)), names="value")
        self.random_button.on_click(self._guard(self._on_random))
        self.store_a_button.on_click(self._guard(self._on_store_a))
        self.store_b_button.on_click(self._guard(self._on_store_b))
        self.interpolation.observe(self._guard(self._on_interpolation), names="value")
        self.mode.observe(self._guard(self._on_mode), names="value")
        self.add_content_button.on_click(self._guard(self._on_add_content))
        self.reference_button.on_click(self._guard(self._on_reference))
        self.upload_content.observe(self._guard(self._on_upload_content), names="value")
        self.upload_reference.observe(self._guard(self._on_upload_reference), names="value")

        self.widget = W.VBox([
            W.HBox([self.image, W.VBox(self.sliders)], layout=W.Layout(align_items="flex-start")),
            W.HBox([self.content, self.direction]),
            W.HBox([self.random_button, self.store_a_button, self.store_b_button, self.interpolation, self.mode]),
            W.HBox([self.path, self.add_content_button, self.reference_button]),
            W.HBox([self.upload_content, self.upload_reference]),
            self.status,
            self.error,
        ])
        self._guard(self.refresh)()

    # ---------------------------------------------------------------- display
    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def refresh(self) -> None:
        """Render the state into the ``Image`` widget (in place)."""
        if not self.state.contents:
            self.image.value = b""
            self.state.render_tensor()  # raises the explanation, shown in the error label
        height = self.state.contents[self.state.index].shape[1]
        scale = self.scale or max(1, 160 // max(1, height))
        self.image.value = self.state.render_png(scale)

    # ---------------------------------------------------------------- plumbing
    @staticmethod
    def _clamp(value: float, r: float) -> float:
        return min(max(value, -r), r)

    def _content_options(self) -> list[tuple[str, int]]:
        return [(f"{i}: {name}", i) for i, name in enumerate(self.state.content_names)]

    def _guard(self, handler: Callable) -> Callable:
        """Wrap a callback: skip it while the explorer syncs widgets itself, and show its exception
        and warnings in the labels (``state.last_error`` / ``state.last_note``) instead of raising."""
        @functools.wraps(handler)
        def wrapper(*args: Any) -> None:
            if self._syncing:
                return
            self.state.attempt(handler, *args)
            error, note = self.state.last_error, self.state.last_note
            self.error.value = (f"<span style='color:#b00020'><b>Error</b> {html.escape(error)}</span>"
                                if error else "")
            if note:
                self.status.value = f"<span style='color:#8a6d00'>{html.escape(note)}</span>"
        return wrapper

    def _set_status(self, text: str) -> None:
        self.status.value = html.escape(text)

    def _sync(self) -> None:
        """Show the state in the widgets (sliders, content list, direction) without triggering callbacks."""
        self._syncing = True
        try:
            for slider, value in zip(self.sliders, self.state.style.tolist()):
                slider.value = self._clamp(float(value), slider.max)
            options = self._content_options()
            if options != self._shown_options:
                self.content.options = options
                self._shown_options = options
            wanted = self.state.index if options else None
            if self.content.value != wanted:
                self.content.value = wanted
            if self.direction.value != self.state.direction:
                self.direction.value = self.state.direction
        finally:
            self._syncing = False
        outside = [f"s[{i}]={v:.2f}" for i, v in enumerate(self.state.style.tolist()) if abs(v) > self.sliders[i].max]
        if outside:
            self._set_status("beyond the sliders' range (shown at the end): " + ", ".join(outside))

    # ---------------------------------------------------------------- callbacks
    def _on_content(self, change: dict) -> None:
        if change["new"] is None:
            return
        self.state.set_content(change["new"])
        self.refresh()

    def _on_direction(self, change: dict) -> None:
        self.state.set_direction(change["new"])
        self._sync()
        self.refresh()

    def _on_slider(self, dim: int, change: dict) -> None:
        self.state.set_style_value(dim, change["new"])
        self.refresh()

    def _on_random(self, _button: Any = None) -> None:
        self.state.randomize_style()
        self._set_status("random style from N(0, I)")
        self._sync()
        self.refresh()

    def _on_store_a(self, _button: Any = None) -> None:
        self.state.store_style_a()
        self._set_status("stored the current style as A")

    def _on_store_b(self, _button: Any = None) -> None:
        self.state.store_style_b()
        self._set_status("stored the current style as B")

    def _on_interpolation(self, change: dict) -> None:
        self.state.set_interpolation(change["new"])
        self._set_status(f"style at t={change['new']:.2f} on the {self.state.interpolation_mode} path from A to B")
        self._sync()
        self.refresh()

    def _on_mode(self, change: dict) -> None:
        self.state.interpolation_mode = change["new"]
        if self.state.style_a is not None and self.state.style_b is not None:
            self._on_interpolation({"new": self.interpolation.value})

    def _path(self) -> str:
        """The path typed in the box. The box is emptied once read (the status or error label names
        the file), so that a path typed by a script, such as a temporary file, does not linger."""
        path = self.path.value.strip()
        self.path.value = ""
        if not path:
            raise ValueError("type the path of an image file in the box first")
        return path

    def _on_add_content(self, _button: Any = None) -> None:
        index = self.state.load_content_file(self._path())
        self._set_status(f"added content image {index}: {self.state.content_names[index]}")
        self._sync()
        self.refresh()

    def _on_reference(self, _button: Any = None) -> None:
        path = self._path()
        self.state.use_reference(path)
        self._set_status(f"style of the reference {Path(path).name}")
        self._sync()
        self.refresh()

    def _take_upload(self, widget: Any, change: dict) -> list[tuple[str, bytes]]:
        files = uploaded_files(change["new"])
        if files:  # clear the widget so that the same file can be uploaded again
            self._syncing = True
            try:  # set_trait: ipywidgets 7 marks value read-only; its empty value is {}, 8's is ()
                widget.set_trait("value", {} if isinstance(widget.value, dict) else ())
            finally:
                self._syncing = False
        return files

    def _on_upload_content(self, change: dict) -> None:
        for name, data in self._take_upload(self.upload_content, change):
            index = self.state.load_content_file(data, name)
            self._set_status(f"added content image {index}: {name}")
        self._sync()
        self.refresh()

    def _on_upload_reference(self, change: dict) -> None:
        files = self._take_upload(self.upload_reference, change)
        if files:
            name, data = files[-1]
            self.state.use_reference(data, name)
            self._set_status(f"style of the reference {name}")
            self._sync()
            self.refresh()

    # ---------------------------------------------------------------- timing
    def time_update(self, n: int = 20) -> float:
        """Median seconds for one slider update through the widgets (callback, render, ``Image``
        refresh). The slider and the style are restored afterwards."""
        self.state.render_tensor()  # an explorer that cannot render has nothing to time: raise why
        slider = self.sliders[0]
        saved_value, saved_style = slider.value, self.state.style.clone()
        step = 0.1 if saved_value + 0.1 <= slider.max else -0.1
        times = []
        try:
            for i in range(max(1, int(n))):
                start = time.perf_counter()
                slider.value = saved_value + (step if i % 2 == 0 else 0.0)
                times.append(time.perf_counter() - start)
        finally:
            self._syncing = True
            slider.value = saved_value
            self._syncing = False
            self.state.style = saved_style
            self._guard(self.refresh)()
        return statistics.median(times)
