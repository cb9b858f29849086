"""Loading the original project's generator checkpoints ({'a': state_dict, 'b': state_dict})."""
from __future__ import annotations

import os
import re

import pytest
import torch

from munit_lib import Generator, MUNITConfig, load_official_generators
from munit_lib.official import infer_config
from munit_test_helpers import random_images


def save_pair(path, gen_a, gen_b, transform=lambda sd: sd):
    """Write a file laid out like the original's gen_XXXXXXXX.pt."""
    torch.save({"a": transform(dict(gen_a.state_dict())), "b": transform(dict(gen_b.state_dict()))}, path)
    return path


def assert_same_outputs(source: Generator, loaded: Generator, size: int, seed: int) -> None:
    """The loaded generator reconstructs and translates exactly as the one that was saved."""
    x = random_images((2, source.input_dim, size, size), seed)
    style = torch.randn(2, source.style_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        c_src, s_src = source.encode(x)
        c_new, s_new = loaded.encode(x)
        torch.testing.assert_close(c_new, c_src, rtol=0, atol=0)
        torch.testing.assert_close(s_new, s_src, rtol=0, atol=0)
        torch.testing.assert_close(loaded.decode(c_new, style), source.decode(c_src, style), rtol=0, atol=0)


@pytest.fixture(scope="module")
def ci_pair(ci_cfg):
    torch.manual_seed(10)
    return Generator(ci_cfg).eval(), Generator(ci_cfg).eval()


@pytest.fixture(scope="module")
def ci_file(ci_pair, tmp_path_factory):
    return save_pair(tmp_path_factory.mktemp("ci") / "gen_00000020.pt", *ci_pair)


# --------------------------------------------------------------------------- round trips
def test_paper_generators_round_trip(paper_generator, paper_cfg, tmp_path):
    """Paper-size generators saved in the official layout load back with identical outputs."""
    torch.manual_seed(11)
    other = Generator(paper_cfg).eval()
    path = save_pair(tmp_path / "gen_01000000.pt", paper_generator, other)
    gen_a, gen_b = load_official_generators(path)
    assert not gen_a.training and not gen_b.training
    assert_same_outputs(paper_generator, gen_a, 64, 0)
    assert_same_outputs(other, gen_b, 64, 1)  # 'b' goes to the second generator, not swapped


@pytest.mark.parametrize("explicit_cfg", [False, True], ids=["inferred-cfg", "given-cfg"])
def test_ci_generators_round_trip(ci_pair, ci_file, ci_cfg, explicit_cfg):
    """ci-profile generators load back (config inferred or given) with identical outputs."""
    gen_a, gen_b = load_official_generators(ci_file, cfg=ci_cfg if explicit_cfg else None)
    assert_same_outputs(ci_pair[0], gen_a, 32, 2)
    assert_same_outputs(ci_pair[1], gen_b, 32, 3)


def test_old_pytorch_instance_norm_statistics_are_dropped(ci_pair, tmp_path):
    """Extra enc_content ...norm.running_mean/running_var keys (PyTorch 0.3 files) load fine."""
    def add_stats(sd):
        convs = [k for k in sd if k.startswith("enc_content.") and k.endswith(".conv.weight")]
        for k in convs:
            channels = sd[k].shape[0]
            sd[k.replace(".conv.weight", ".norm.running_mean")] = torch.full((channels,), 0.3)
            sd[k.replace(".conv.weight", ".norm.running_var")] = torch.full((channels,), 2.0)
        assert "enc_content.model.0.norm.running_mean" in sd
        return sd
    path = save_pair(tmp_path / "old.pt", *ci_pair, transform=add_stats)
    gen_a, gen_b = load_official_generators(path)
    assert_same_outputs(ci_pair[0], gen_a, 32, 4)
    assert_same_outputs(ci_pair[1], gen_b, 32, 5)


def test_data_parallel_prefix_is_accepted(ci_pair, tmp_path):
    """State dicts saved from nn.DataParallel ('module.' prefix) load too."""
    path = save_pair(tmp_path / "dp.pt", *ci_pair, transform=lambda sd: {f"module.{k}": v for k, v in sd.items()})
    gen_a, _ = load_official_generators(path)
    assert_same_outputs(ci_pair[0], gen_a, 32, 6)


def test_channel_counts_are_read_from_the_file(ci_cfg, tmp_path):
    """A one-channel domain a and a three-channel domain b are rebuilt with those channel counts."""
    torch.manual_seed(12)
    gray, rgb = Generator(ci_cfg, input_dim=1).eval(), Generator(ci_cfg, input_dim=3).eval()
    path = save_pair(tmp_path / "gray.pt", gray, rgb)
    for cfg in (None, ci_cfg):
        gen_a, gen_b = load_official_generators(path, cfg=cfg)
        assert (gen_a.input_dim, gen_b.input_dim) == (1, 3)
        assert_same_outputs(gray, gen_a, 32, 7)


# --------------------------------------------------------------------------- inference of the architecture
def test_infer_config_recovers_architecture(tmp_path):
    """infer_config reads gen_dim, n_res, mlp_dim, style_dim, n_downsample and MLP depth off a state dict."""
    cfg = MUNITConfig.profile_named("ci", style_dim=5, n_res=2, mlp_layers=4)
    torch.manual_seed(13)
    gen = Generator(cfg).eval()
    inferred = infer_config(gen.state_dict())
    got = {k: getattr(inferred, k) for k in ("gen_dim", "n_res", "mlp_dim", "style_dim", "n_downsample",
                                             "mlp_layers", "style_downsample", "input_dim_a")}
    assert got == {"gen_dim": 8, "n_res": 2, "mlp_dim": 32, "style_dim": 5, "n_downsample": 2,
                   "mlp_layers": 4, "style_downsample": 4, "input_dim_a": 3}
    path = save_pair(tmp_path / "gen.pt", gen, gen)
    gen_a, _ = load_official_generators(path)
    assert gen_a.style_dim == 5
    assert_same_outputs(gen, gen_a, 32, 8)


def test_infer_config_rejects_a_non_generator_state_dict():
    """infer_config raises ValueError for a state dict that is not a MUNIT generator's."""
    with pytest.raises(ValueError, match="not a MUNIT generator"):
        infer_config({"weight": torch.zeros(3)})


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("label, key, edit", [
    ("missing", "dec.model.2.norm.gamma", lambda sd: {k: v for k, v in sd.items() if k != "dec.model.2.norm.gamma"}),
    ("unexpected", "dec.model.2.norm.delta", lambda sd: {**sd, "dec.model.2.norm.delta": torch.zeros(16)}),
    ("mis-shaped", "mlp.model.1.fc.bias", lambda sd: {**sd, "mlp.model.1.fc.bias": torch.zeros(33)}),
], ids=["missing", "unexpected", "mis-shaped"])
@pytest.mark.parametrize("explicit_cfg", [False, True], ids=["inferred-cfg", "given-cfg"])
def test_bad_key_raises_value_error_naming_it(ci_pair, ci_cfg, tmp_path, label, key, edit, explicit_cfg):
    """A missing, unknown or mis-shaped key raises ValueError naming the kind of problem and the key."""
    path = tmp_path / "bad.pt"
    torch.save({"a": edit(dict(ci_pair[0].state_dict())), "b": dict(ci_pair[1].state_dict())}, path)
    with pytest.raises(ValueError) as info:
        load_official_generators(path, cfg=ci_cfg if explicit_cfg else None)
    message = str(info.value)
    assert label in message and key in message


def test_file_without_a_and_b_raises(ci_pair, tmp_path):
    """A file that is not {'a': ..., 'b': ...} raises ValueError saying so."""
    path = tmp_path / "gen.pt"
    torch.save({"gen": dict(ci_pair[0].state_dict())}, path)
    with pytest.raises(ValueError, match="'a' and 'b'"):
        load_official_generators(path)


def test_non_checkpoint_file_raises_value_error_naming_the_path(tmp_path):
    """A file of arbitrary bytes raises ValueError that names the file."""
    path = tmp_path / "not_a_checkpoint.pt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_official_generators(path)


def test_missing_file_raises_file_not_found(tmp_path):
    """A path that does not exist raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        load_official_generators(tmp_path / "nowhere.pt")


class _MakesDirectoryWhenUnpickled:
    """An object whose unpickling runs code: os.mkdir(path)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return os.mkdir, (self.path,)


def test_loading_never_unpickles_code(ci_pair, tmp_path):
    """A checkpoint holding a code-running pickle is refused (ValueError) and its code never runs."""
    marker = tmp_path / "code_ran"
    path = tmp_path / "evil.pt"
    torch.save({"a": _MakesDirectoryWhenUnpickled(str(marker)), "b": dict(ci_pair[1].state_dict())}, path)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_official_generators(path)
    assert not marker.exists()
    # control: the payload does run under an unrestricted load, so the check above is meaningful
    control = tmp_path / "control_ran"
    control_path = tmp_path / "control.pt"
    torch.save({"a": _MakesDirectoryWhenUnpickled(str(control))}, control_path)
    torch.load(control_path, weights_only=False)
    assert control.is_dir()


def test_explicit_config_that_does_not_match_the_file_raises(ci_file):
    """Loading a ci file with the paper config raises ValueError listing missing / mis-shaped keys."""
    with pytest.raises(ValueError, match="missing|mis-shaped"):
        load_official_generators(ci_file, cfg=MUNITConfig())
