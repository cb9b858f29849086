"""The fast shapes recipe's pieces: in-memory shapes batches, the wall-clock budget of
``Trainer.fit``, the coverage references of the shapes scores, the recipe's config, and the
time-to-quality benchmark's output (what it writes, not how fast anything is)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from munit_lib import MUNITConfig
from munit_lib.data import ShapesDomain
from munit_lib.shapes_metrics import ideal_style_coverage, style_diversity
from munit_lib.training import IterationBatchSampler, Trainer, batch_stream
from munit_lib.data.batches import SeededItems

ROOT = Path(__file__).resolve().parents[1]


def test_in_memory_shapes_batches_equal_the_data_loader_path():
    a, b = ShapesDomain("a", "train", 32, 12, 0), ShapesDomain("b", "train", 32, 12, 0)
    fast = batch_stream([a, b], batch_size=3, seed=5, start=2)
    loaders = [DataLoader(SeededItems(d), batch_sampler=IterationBatchSampler(len(d), 3, 5, k, 0, 2))
               for k, d in enumerate((a, b))]
    # ten iterations, crossing epochs (12 images / 3 per batch = 4 iterations per epoch)
    for _, (fa, fb), (la, lb) in zip(range(10), fast, zip(*loaders)):
        assert fa.shape == fb.shape == (3, 3, 32, 32)
        assert torch.equal(fa, la) and torch.equal(fb, lb)  # same images, same order, both domains
    assert not torch.equal(fa, fb)  # and the two domains are not the same images


def test_shapes_batch_equals_stacked_items():
    d = ShapesDomain("b", "test", 32, 6, 1)
    assert torch.equal(d.batch([4, 0, 4]), torch.stack([d[4], d[0], d[4]]))


def test_fit_stops_at_its_wall_clock_budget_and_can_go_on(tmp_path):
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:8", log_every=1, sample_every=1000,
                                    checkpoint_every=1000, display_size=2)
    trainer = Trainer(cfg, tmp_path / "run", progress=False, tensorboard=False)
    trainer.fit(max_iter=10 ** 6, max_seconds=0.0)  # no time at all: no iteration, but the state is saved
    assert trainer.iteration == 0 and trainer.checkpoint_path.exists()
    trainer.fit(max_iter=10 ** 6, max_seconds=1.0)
    first = trainer.iteration
    assert 0 < first < 10 ** 6
    trainer.fit(max_iter=first + 2)  # no budget: up to max_iter, continuing where it stopped
    assert trainer.iteration == first + 2


@pytest.mark.parametrize("styles, expected", [(1, 1 / 32), (16, 1 - (31 / 32) ** 16), (64, 1 - (31 / 32) ** 64)])
def test_ideal_style_coverage_is_the_expected_share_of_pairs(styles, expected):
    assert ideal_style_coverage(styles) == pytest.approx(expected)


def test_ideal_style_coverage_matches_sampling_real_paintings():
    """Real test paintings are draws from the data's style distribution: 16 of them reach, on
    average, the share of the 32 pairs that ``ideal_style_coverage(16)`` predicts."""
    paintings = ShapesDomain("b", "test", 32, 320, 3)
    x = torch.stack([paintings[i] for i in range(320)])
    reached = [style_diversity(x[i:i + 16])["style_coverage"] for i in range(0, 320, 16)]  # 20 groups
    mean = sum(reached) / len(reached)
    assert abs(mean - ideal_style_coverage(16)) < 0.05  # sd of one group's share ~0.05; of 20: ~0.012
    assert max(reached) <= 0.5  # 16 outputs cannot reach more than 16 of the 32 pairs


def test_the_fast_recipe_is_the_papers_family_narrowed():
    fast = MUNITConfig.from_yaml(ROOT / "configs" / "shapes_fast.yaml")
    paper = MUNITConfig()
    # the same kinds of networks and losses: only sizes, schedule and loss weights change
    for key in ("gan_type", "activ", "pad_type", "dis_norm", "dis_activ", "style_dim", "n_downsample"):
        assert getattr(fast, key) == getattr(paper, key), key
    assert fast.image_size == 64 and fast.recon_x_cyc_w > 0 and fast.batch_size >= 1


def test_time_to_quality_writes_one_json_line_per_checkpoint(tmp_path):
    out = tmp_path / "ttq.jsonl"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "time_to_quality.py"), "--config",
           str(ROOT / "configs" / "shapes_fast.yaml"), "--at", "0.5,1.0", "--out", str(out), "--run-dir",
           str(tmp_path / "run"), "--seed", "3", "--threads", "1", "--n", "4", "--styles", "2", "--pair-styles", "4",
           "--pair-inputs", "2", "--probe-images", "24", "--set", "image_size=32", "new_size=32", "gen_dim=8", "mlp_dim=16", "n_res=1",
           "dis_dim=8", "dis_num_scales=1", "data_root=shapes:8", "batch_size=2", "log_every=1"]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert again.returncode != 0 and "already holds a run" in again.stderr  # never mixes two runs silently
    resumed = [c if c != "0.5,1.0" else "1.0,1.5" for c in cmd] + ["--resume"]
    subprocess.run(resumed, check=True, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3  # 0.5 and 1.0, then only 1.5: the resumed run skips marks it has passed
    assert [r["wall_s"] >= m for r, m in zip(rows, (0.5, 1.0, 1.5))] == [True, True, True]
    assert rows[0]["iteration"] <= rows[1]["iteration"] <= rows[2]["iteration"]
    assert {r["seed"] for r in rows} == {3} and {r["score_seed"] for r in rows} == {0}  # training vs scoring seed
    for row in rows:
        for key in ("content_iou_a2b", "content_iou_b2a", "colour_coverage", "colour_coverage_fresh", "pair_coverage",
                    "pair_coverage_fresh", "guided_colour", "guided_texture", "probe_style_texture",
                    "probe_content_texture", "machine", "date", "meets_must"):
            assert key in row, key
        assert 0.0 <= row["content_iou_a2b"] <= 1.0
    table = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "time_to_quality.py"), "--report", str(out)],
                           check=True, capture_output=True, text=True, timeout=120).stdout
    assert table.count("\n| ") == 1 + 3  # the header, then one row per score
    assert f"{rows[0]['label']}**, seed {rows[0]['seed']}" in table


def _load_benchmark(name: str):
    """``benchmarks/<name>.py`` as a module (the scripts there are not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_texture_readout_reads_a_training_checkpoint_and_its_discriminator(tmp_path, capsys):
    """benchmarks/texture_readout.py on a tiny run: the guided confusion adds up to the sketches, and a
    training checkpoint (which holds the discriminators) adds the painting discriminator's outputs."""
    readout = _load_benchmark("texture_readout")
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:8", log_every=1, sample_every=1000,
                                    checkpoint_every=1000, display_size=2, texture_anchor="shape")
    trainer = Trainer(cfg, tmp_path / "run", progress=False, tensorboard=False)
    trainer.fit(max_iter=2)
    n = 8
    assert readout.main(["--checkpoint", str(trainer.checkpoint_path), "--n", str(n), "--threads", "1"]) == 0
    text = capsys.readouterr().out
    assert "texture_anchor shape" in text and "guided texture:" in text
    lines = text.splitlines()
    top = lines.index("guided: reference texture (rows) -> output texture (columns)") + 2  # past the column names
    matrix = [line.split() for line in lines[top:top + 4]]  # one row per reference texture
    assert [row[0] for row in matrix] == ["solid", "stripes", "dots", "checks"]
    assert sum(int(c) for row in matrix for c in row[1:6]) == n  # every sketch counted once
    d_rows = lines[lines.index("painting discriminator's mean output (1 real, 0 fake), one number per scale") + 2:]
    scales = cfg.dis_num_scales
    # one row per texture: its name, then one number per scale for the real references and for the
    # outputs ("n/a" twice for a texture no reference has)
    assert len(d_rows) == 4 and all(len(row.split()) in (3, 1 + 2 * scales) for row in d_rows)
    assert any(len(row.split()) == 1 + 2 * scales for row in d_rows)
    export = trainer.export_generators(tmp_path / "generators.pt")
    assert readout.main(["--checkpoint", str(export), "--n", str(n), "--threads", "1"]) == 0
    assert "discriminator" not in capsys.readouterr().out  # an export has no discriminators to read


def test_sketch_guides_mark_the_pattern_grid_and_leave_the_readers_unchanged():
    """benchmarks/sketch_guides_ttq.py (an experiment): guide dots sit at the shape-pinned pattern
    grid inside the shape, the rest of the sketch is the bare sketch, and the mask reader reads the
    guided sketch exactly as the bare one."""
    import numpy as np

    from munit_lib.data import shapes
    from munit_lib.shapes_metrics import sketch_mask

    guides = _load_benchmark("sketch_guides_ttq")  # importing it patches nothing: only install() does
    assert shapes.render_sketch.__name__ == "render_sketch"
    size, p = 64, shapes.texture_period(64)
    for seed in range(12):
        geom = shapes.sample_geometry(seed)
        bare, bare_mask = shapes.render_sketch(geom, size)
        guided, mask = guides.render_sketch_with_guides(geom, size)
        assert np.array_equal(mask, bare_mask)
        changed = np.any(guided != bare, axis=-1)
        assert changed.any() and not (changed & ~mask).any()  # dots, and only inside the shape
        # grey dots under the ink: a pixel darkens by at most paper - grey (a full dot), never to ink
        darkening = bare.astype(int) - guided.astype(int)
        assert darkening.min() >= 0 and darkening.max() <= shapes.SKETCH_PAPER[0] - guides.GUIDE_GREY + 1
        nodes = [(x, y) for x, y in guides.guide_nodes(geom, size)
                 if 0 <= x < size and 0 <= y < size and mask[int(y), int(x)]]
        assert (geom.cx * size, geom.cy * size) in nodes  # the centre is a node
        for x, y in nodes:  # every node deep enough inside the outline carries a dot
            if bare[int(y), int(x)].min() == 255:
                assert changed[int(y), int(x)]
        offsets = np.array(nodes) - (geom.cx * size, geom.cy * size)  # (n, 2): whole periods from the centre
        assert np.allclose(offsets / p, np.round(offsets / p))
        assert torch.equal(sketch_mask(guided), sketch_mask(bare))


@pytest.mark.parametrize("flag, script_doc", [("--paired", "Capacity or signal"), (None, "Time to quality"),
                                              ("--readout", "What a shapes model draws for each texture")])
def test_sketch_guides_runs_the_script_its_flag_names(flag, script_doc):
    """sketch_guides_ttq.py hands every other argument to the script its flag names, with the
    guided sketches installed: here --help, which prints that script's own description."""
    args = [sys.executable, str(ROOT / "benchmarks" / "sketch_guides_ttq.py")] + ([flag] if flag else []) + ["--help"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout
    assert script_doc in out and "--readout" not in out and "--paired" not in out


def test_paired_upper_bound_scores_the_texture_asked_for(monkeypatch):
    """benchmarks/paired_upper_bound.py's score: a 'generator' that returns its style reference
    exactly takes every texture, own and guided. Guided asks for the *next* painting's texture, so
    a score that compared with the sketch's own painting would fall below 1 here."""
    from munit_lib.data.shapes import ShapesPairs

    bound = _load_benchmark("paired_upper_bound")
    pairs = ShapesPairs("test", 64, 12, 0, texture_anchor="shape")
    sketches, paintings = bound.stack_pairs(pairs, range(12))  # (12, 3, 64, 64) each
    textures = [pairs.ground_truth(i)[1].style.texture for i in range(12)]
    assert len(set(textures)) > 1  # otherwise own and next would agree by chance
    model = bound.MUNIT(MUNITConfig.profile_named("ci", image_size=64, new_size=64))
    monkeypatch.setattr(bound, "translate", lambda m, s, refs: refs.clone())
    scores = bound.score(model, sketches, paintings, textures)
    assert scores["l1_test"] == 0.0 and scores["texture_own"] == 1.0 and scores["texture_guided"] == 1.0
    assert all(scores[f"taken_{t}"] in (1.0, None) for t in ("solid", "stripes", "dots", "checks"))
    # and the draw of a sketch's own painting in place of the next one is caught
    monkeypatch.setattr(bound, "translate", lambda m, s, refs: paintings.clone())
    assert bound.score(model, sketches, paintings, textures)["texture_guided"] < 1.0


def test_paired_upper_bound_trains_on_the_answer_and_writes_a_line_per_mark(tmp_path):
    """A tiny run: one JSON line per scoring mark, the clock and the iterations growing, and the
    paired L1 of the test pairs below the untrained generators'."""
    bound = _load_benchmark("paired_upper_bound")
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:16", texture_anchor="shape", image_size=32, new_size=32)
    config = tmp_path / "tiny.yaml"
    cfg.to_yaml(config)
    out, samples = tmp_path / "bound.jsonl", tmp_path / "samples.png"
    assert bound.main(["--config", str(config), "--seconds", "4", "--every", "2", "--n", "8", "--threads", "1",
                       "--out", str(out), "--samples", str(samples), "--label", "tiny", "--probe-n", "16"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and rows[0]["label"] == "tiny" and rows[0]["oracle_style"] is False
    assert all(0.0 <= r["style_texture"] <= 1.0 for r in rows)  # the style code's texture probe, at each mark
    assert rows[0]["wall_s"] < rows[1]["wall_s"] and 0 < rows[0]["iteration"] < rows[1]["iteration"]
    torch.manual_seed(cfg.seed)
    from munit_lib.data.shapes import ShapesPairs

    test = ShapesPairs("test", 32, 8, 0, texture_anchor="shape")
    sketches, paintings = bound.stack_pairs(test, range(8))
    untrained = bound.score(bound.MUNIT(cfg), sketches, paintings,
                            [test.ground_truth(i)[1].style.texture for i in range(8)])
    assert rows[-1]["l1_test"] < untrained["l1_test"]
    from PIL import Image

    assert Image.open(samples).size[1] > 3 * 32  # three rows: sketches, paintings, outputs


def test_oracle_style_codes_are_the_ground_truth_factors():
    """OracleStyle reads each pair's colour, texture and background, and gives paintings that share
    all three the same code and paintings that differ in texture alone different codes."""
    from munit_lib.data.shapes import TEXTURES, ShapesPairs

    bound = _load_benchmark("paired_upper_bound")
    pairs = ShapesPairs("train", 32, 40, 0, texture_anchor="shape")
    labels = bound.OracleStyle.labels(pairs, range(40))  # (40, 3)
    assert labels.shape == (40, 3)
    for i in range(40):
        style = pairs.ground_truth(i)[1].style
        assert TEXTURES[labels[i, 1]] == style.texture
        assert list(bound.PALETTE)[labels[i, 0]] == style.colour
    oracle = bound.OracleStyle(8)
    one = torch.tensor([[2, 1, 3]])
    assert oracle(one).shape == (1, 8)
    assert torch.equal(oracle(one), oracle(one.clone()))
    assert not torch.allclose(oracle(one), oracle(torch.tensor([[2, 2, 3]])))


def test_paired_upper_bound_with_the_oracle_style_trains_the_codes(tmp_path):
    """--oracle-style: the lines say so, carry no style-encoder probe, and the generators learn
    from the learned codes (the test L1 falls below the first mark's)."""
    bound = _load_benchmark("paired_upper_bound")
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:16", texture_anchor="shape", image_size=32, new_size=32)
    config = tmp_path / "tiny.yaml"
    cfg.to_yaml(config)
    out = tmp_path / "oracle.jsonl"
    assert bound.main(["--config", str(config), "--seconds", "6", "--every", "1", "--n", "8", "--threads", "1",
                       "--out", str(out), "--oracle-style"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 6 and all(r["oracle_style"] is True and "style_texture" not in r for r in rows)
    assert rows[-1]["l1_test"] < rows[0]["l1_test"]


def test_paired_upper_bound_builds_the_style_encoders_asked_for():
    """build(): every generator parameter is trained exactly once; the style encoders, at the width
    asked for, sit in their own group at the scaled learning rate; the oracle's codes are trained
    with the rest."""
    bound = _load_benchmark("paired_upper_bound")
    cfg = MUNITConfig.profile_named("ci", image_size=32, new_size=32)
    model, oracle, opt = bound.build(cfg, 1e-3, style_encoder_dim=12, style_lr_scale=5.0, oracle_style=True)
    rest, style = opt.param_groups
    assert rest["lr"] == 1e-3 and style["lr"] == pytest.approx(5e-3)
    for g in (model.gen_a, model.gen_b):
        assert g.enc_style.model[0].conv.out_channels == 12  # the first convolution, 12 wide
        assert g.encode_style(torch.zeros(1, 3, 32, 32)).shape == (1, cfg.style_dim)
    trained = [id(q) for group in opt.param_groups for q in group["params"]]
    expected = [q for g in (model.gen_a, model.gen_b) for q in g.parameters()] + list(oracle.parameters())
    assert sorted(trained) == sorted(id(q) for q in expected)  # each once, none of the discriminators'
    assert {id(q) for q in style["params"]} == {id(q) for g in (model.gen_a, model.gen_b)
                                                for q in g.enc_style.parameters()}
    plain, none, _ = bound.build(cfg, 1e-3)
    assert none is None and plain.gen_b.enc_style.model[0].conv.out_channels == cfg.gen_dim


@pytest.mark.parametrize("extra", [["--style-encoder-dim", "0"], ["--style-lr-scale", "-1"],
                                   ["--oracle-style", "--style-encoder-dim", "32"],
                                   ["--oracle-style", "--style-lr-scale", "5"], ["--probe-n", "-1"]])
def test_paired_upper_bound_refuses_options_that_cannot_hold(tmp_path, capsys, extra):
    """Nonsense widths, scales and probe sizes, and style-encoder options beside the oracle that
    replaces the style encoders, are refused before any training, naming the option."""
    bound = _load_benchmark("paired_upper_bound")
    with pytest.raises(SystemExit) as stop:
        bound.main(["--config", str(ROOT / "configs" / "shapes_fast.yaml"), "--out", str(tmp_path / "bound.jsonl")]
                   + extra)
    assert stop.value.code == 2
    named = next(a for a in extra if a.startswith("--") and a != "--oracle-style")
    assert named in capsys.readouterr().err
    assert not (tmp_path / "bound.jsonl").exists()


def test_paired_upper_bound_refuses_folder_data_by_name(tmp_path, capsys):
    """The bound draws its pairs in memory: a config whose data_root is a folder is refused with
    the config named and the value it gave, before any training."""
    bound = _load_benchmark("paired_upper_bound")
    config = tmp_path / "folder.yaml"
    MUNITConfig.profile_named("ci", data_root=str(tmp_path / "shapes")).to_yaml(config)
    with pytest.raises(SystemExit) as stop:
        bound.main(["--config", str(config), "--out", str(tmp_path / "bound.jsonl")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "data_root must be the in-memory shapes data" in err and str(tmp_path / "shapes") in err
    assert not (tmp_path / "bound.jsonl").exists()
