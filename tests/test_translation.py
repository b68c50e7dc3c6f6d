"""pix2pix and CycleGAN at image scale: the networks, the trainers (CLI and Training tab), the theory tab's parts,
and the committed models against what their cards state."""

import dataclasses
import json
import re

import numpy as np
import pytest
import torch

from explorer.models.registry import family_of
from explorer.models.translation import (
    CycleGAN,
    CycleGANConfig,
    Pix2PixConfig,
    Pix2PixDiscriminator,
    Pix2PixGenerator,
    cycle_error,
    edge_map,
)
from explorer.pictures import sketch_edges
from explorer.ui.tabs import training
from explorer.ui.tabs.theory import bimodal, cycle
from explorer.zoo import Zoo, load_folder
from trainers import job as job_module
from trainers import registry
from trainers.__main__ import main as cli
from trainers.job import TrainingJob
from trainers.translation import (
    CycleGANTask,
    CycleGANTrainConfig,
    cyclegan_report,
    pix2pix_report,
    train_cyclegan,
    two_domains,
)

TINY_P2P = Pix2PixConfig(width=8)
TINY_CYCLE = CycleGANConfig(width=8)


def test_edge_maps_are_binary_and_mark_only_where_the_image_changes():
    flat = torch.full((1, 1, 32, 32), 0.3)
    assert (edge_map(flat) == -1).all()  # nothing changes: no edge
    square = torch.full((1, 1, 32, 32), -1.0)
    square[..., 10:20, 10:20] = 1.0
    edges = edge_map(square)
    assert set(edges.unique().tolist()) == {-1.0, 1.0}
    on = edges[0, 0] > 0
    assert on[9:11, 12].all() and on[19:21, 12].all()  # both sides of the top and bottom borders
    assert not on[14, 14] and not on[2, 2]  # not inside, not outside


def test_the_u_net_keeps_the_size_and_the_patch_discriminator_gives_a_logit_per_patch():
    g = Pix2PixGenerator(TINY_P2P)
    assert family_of(g).name == "pix2pix"
    x = edge_map(torch.rand(3, 1, 32, 32) * 2 - 1)
    y = g(x)
    assert y.shape == (3, 1, 32, 32) and y.abs().max() <= 1
    d = Pix2PixDiscriminator(TINY_P2P, width=8)
    assert d(x, y).shape == (3, 1, 8, 8)  # an 8×8 map of patches, not one number
    assert g.training and not torch.equal(g(x), g(x))  # training: the decoder's dropout is pix2pix's noise
    assert torch.equal(g.translate(x), g.translate(x))  # the app's call: dropout off, a sketch gives one garment
    assert g.training  # and the mode it found is kept
    with pytest.raises(ValueError, match="multiple of 8"):
        Pix2PixConfig(resolution=28)


def test_cyclegan_configs_refuse_one_domain_twice_and_unknown_classes():
    with pytest.raises(ValueError, match="must differ"):
        CycleGANConfig(domain_a="Sneaker", domain_b="Sneaker")
    with pytest.raises(ValueError, match="unknown class 'Boot'"):
        CycleGANConfig(domain_b="Boot", class_names=("Sneaker", "Ankle boot"))
    model = CycleGAN(TINY_CYCLE)
    assert family_of(model).name == "cyclegan"
    x = torch.rand(2, 1, 32, 32) * 2 - 1
    there, back = model.translate(x, "a2b")
    assert there.shape == back.shape == x.shape
    assert torch.allclose(back, model.f.eval()(model.g.eval()(x)), atol=1e-6)  # F(G(x))
    with pytest.raises(ValueError, match="a2b"):
        model.translate(x, "sideways")


@pytest.fixture(scope="module")
def tiny_pix2pix(tmp_path_factory):
    """pix2pix and its L1-only baseline, each written by the real CLI (24 steps of 16 images)."""
    root = tmp_path_factory.mktemp("pix2pix")
    folders = {}
    for name, extra in (("cgan", []), ("l1", ["--gan-weight", "0"])):
        out, log = root / name, root / f"{name}.jsonl"
        args = "pix2pix --steps 24 --batch-size 16 --width 8 --d-width 8 --fid-samples 0 --sample-every 12"
        assert cli([*args.split(), *extra, "--out", str(out), "--jsonl", str(log)]) == 0
        folders[name] = (out, [json.loads(line) for line in log.read_text().splitlines()])
    return folders


def test_the_cli_trains_pix2pix_with_a_patch_discriminator_and_the_baseline_without_one(tiny_pix2pix):
    out, records = tiny_pix2pix["cgan"]
    steps = [r["metrics"] for r in records if r["event"] == "step"]
    assert len(steps) == 24 and {"d_loss", "g_loss", "l1"} <= set(steps[0])
    assert steps[-1]["l1"] < steps[0]["l1"]  # it learns the garments
    model = load_folder(out, device="cpu")
    assert isinstance(model, Pix2PixGenerator) and model.config.width == 8
    card = (out / "README.md").read_text()
    assert "cGAN loss + 100·L1" in card and "PatchGAN" in card
    assert re.search(r"L1 to the real garment .* \| 0\.\d{4} \|", card)
    out_l1, records_l1 = tiny_pix2pix["l1"]
    steps_l1 = [r["metrics"] for r in records_l1 if r["event"] == "step"]
    assert "d_loss" not in steps_l1[0] and steps_l1[-1]["l1"] < steps_l1[0]["l1"]
    assert "L1 alone" in (out_l1 / "README.md").read_text()
    from safetensors import safe_open

    with safe_open(str(out_l1 / "training_state.safetensors"), framework="pt") as f:
        assert not any(key.startswith("discriminator") for key in f.keys())  # no D at all


def test_resuming_pix2pix_needs_the_same_kind_of_run(tiny_pix2pix, tmp_path):
    import shutil

    for kind, other in (("l1", []), ("cgan", ["--gan-weight", "0"])):
        folder = tmp_path / kind
        shutil.copytree(tiny_pix2pix[kind][0], folder)
        args = "pix2pix --steps 30 --batch-size 16 --width 8 --d-width 8 --fid-samples 0 --resume".split()
        with pytest.raises(ValueError, match="resume it with --gan-weight"):
            list(registry.launch(registry.get("pix2pix"), _parse([*args, *other, "--out", str(folder)]), "test"))


def _parse(argv: list[str]):
    from trainers.__main__ import parser

    return parser().parse_args(argv)


@pytest.mark.slow
def test_cyclegan_batches_hold_only_the_two_classes_and_the_cycle_loss_is_learnt(tmp_path, fashion_small, fashion_test):
    pair = two_domains(fashion_small, TINY_CYCLE)
    names = list(fashion_small.class_names)
    assert set(pair.labels.unique().tolist()) == {names.index("Sneaker"), names.index("Ankle boot")}
    config = CycleGANTrainConfig(steps=30, batch_size=32, sample_every=15, save_every=30, model=TINY_CYCLE)
    events = list(train_cyclegan(config, tmp_path / "c", data=fashion_small, test=fashion_test, device="cpu"))
    assert type(events[-1]).__name__ == "Finished"
    steps = [e.metrics for e in events if type(e).__name__ == "Step"]
    assert steps[-1]["cycle"] < steps[0]["cycle"]
    grids = [e.images for e in events if type(e).__name__ == "Samples"]
    assert grids[-1].shape == (48, 1, 32, 32)  # a, G(a), F(G(a)), b, F(b), G(F(b)): 8 each
    model = load_folder(tmp_path / "c", device="cpu")
    report = cyclegan_report(model, fashion_test)
    assert report["n_a"] == 1000 and report["n_b"] == 1000 and 0 <= report["hit_a"] <= 1
    card = (tmp_path / "c" / "README.md").read_text()
    assert "A = Sneaker, B = Ankle boot" in card and "cycle error mean abs(a − F(G(a)))" in card
    with pytest.raises(ValueError, match="has no class 'Sneaker'"):
        mnist_like = dataclasses.replace(fashion_small, class_names=tuple(str(i) for i in range(10)))
        CycleGANTask(config, mnist_like, fashion_test, torch.device("cpu"))


@pytest.mark.slow
@pytest.mark.parametrize("family", ["pix2pix", "cyclegan"])
def test_the_training_tab_trains_each_translation_family(tmp_path, fashion_small, monkeypatch, family):
    from tests.test_training_tab import controls

    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    trainer = registry.get(family)
    small = dataclasses.replace(trainer, app_model={"width": 8}, app_options={"d_width": 8})
    monkeypatch.setitem(registry.TRAINERS, family, small)
    job = TrainingJob(runs=tmp_path / "runs")
    values = dict(
        controls("DCGAN", "non-saturating", steps=8, sample_every=4, eval_every=0),
        family=trainer.label,
        loss=trainer.objectives()[0],
    )
    training.run.start_run(job, values)
    job.wait(300)
    h = job.snapshot()
    assert h.status == "finished", h.message
    assert len(h.metrics["d_loss"]) == len(h.metrics["g_loss"]) == 8
    saved = load_folder(h.out, device="cpu")
    assert family_of(saved).name == family


# --- the theory tab's parts -------------------------------------------------------------------------------------
def _canvas(draw) -> np.ndarray:
    canvas = np.zeros((bimodal.CANVAS, bimodal.CANVAS, 4), np.uint8)  # transparent, as the sketchpad starts
    draw(canvas)
    return canvas


def test_a_sketch_is_fitted_to_the_garment_box_in_either_polarity():
    def box(canvas):  # a small black rectangle outline in the top-left corner
        canvas[20:60, 30:50, :3], canvas[20:60, 30:50, 3] = 0, 255
        canvas[26:54, 36:44, 3] = 0  # hollow

    edges = sketch_edges({"composite": _canvas(box)})
    on = edges[0, 0] > 0
    rows, cols = torch.nonzero(on, as_tuple=True)
    assert rows.min() == 2 and rows.max() == 29  # the longer side spans the 28-pixel box, centred
    assert 9 <= cols.min() and cols.max() <= 22  # the proportions kept (40 × 20 → 28 × 14)
    assert not on[16, 16]  # still hollow
    light = np.where(_canvas(box)[..., 3:] > 0, 255, 0).astype(np.uint8).repeat(3, axis=-1)  # white lines on black
    assert torch.equal(sketch_edges(light), edges)
    with pytest.raises(ValueError, match="the sketch is empty"):
        sketch_edges({"composite": _canvas(lambda c: None)})
    with pytest.raises(ValueError, match="the sketch is empty"):
        sketch_edges(None)


def test_a_loaded_edge_map_round_trips_through_the_canvas():
    square = torch.full((1, 1, 32, 32), -1.0)
    square[..., 6:26, 10:22] = 0.5
    edges = edge_map(square)
    canvas = bimodal.canvas_of(edges)
    assert canvas.shape == (bimodal.CANVAS, bimodal.CANVAS, 4)
    assert torch.equal(bimodal.edit_of({"composite": canvas}, edges), edges)
    canvas[0:8, 0:8, :3] = 0  # one dot more (one model pixel): read in place, that pixel added
    edited = bimodal.edit_of({"composite": canvas}, edges)
    assert edited[0, 0, 0, 0] == 1 and (edited != edges).sum() == 1
    blank = np.full_like(canvas, 255)
    blank[100:140, 100:110, :3] = 0  # a new drawing: not an edit of the loaded edges
    assert bimodal.edit_of({"composite": blank}, edges) is None


@pytest.fixture(scope="module")
def tiny_zoo(tiny_pix2pix, tmp_path_factory, fashion_small, fashion_test):
    zoo = Zoo(device="cpu")
    zoo.add_folder(tiny_pix2pix["cgan"][0], "tiny-pix2pix")
    zoo.add_folder(tiny_pix2pix["l1"][0], "tiny-pix2pix-l1")
    out = tmp_path_factory.mktemp("cyclegan") / "tiny-cyclegan"
    config = CycleGANTrainConfig(steps=4, batch_size=32, sample_every=4, model=TINY_CYCLE)
    list(train_cyclegan(config, out, data=fashion_small, test=fashion_test, device="cpu"))
    zoo.add_folder(out, "tiny-cyclegan")
    return zoo


def test_the_pix2pix_view_shows_both_generators_and_the_truth_until_the_sketch_is_edited(tiny_zoo):
    value, loaded = bimodal.load_test_edges(tiny_zoo, "tiny-pix2pix", 5)
    assert loaded == 5 and value["composite"].shape == (bimodal.CANVAS, bimodal.CANVAS, 4)
    picture, text = bimodal.translate_sketch(tiny_zoo, value, "tiny-pix2pix", "tiny-pix2pix-l1", loaded)
    assert picture.width >= 4 * 32 * bimodal.SCALE  # input, pix2pix, L1 only, the real garment
    assert "L1 to the real garment" in text and "Sharpness" in text
    edited = value["composite"].copy()
    edited[100:140, 100:140, :3] = 0
    picture, text = bimodal.translate_sketch(tiny_zoo, {"composite": edited}, "tiny-pix2pix", "tiny-pix2pix-l1", loaded)
    assert 3 * 32 * bimodal.SCALE <= picture.width < 4 * 32 * bimodal.SCALE and "no real garment" in text
    shown = np.asarray(picture.convert("L"))
    top = shown.shape[0] - 32 * bimodal.SCALE  # below the column labels: the input at 6× (the 2-pixel grid border)
    cell = shown[top + 2 * bimodal.SCALE + 13 * bimodal.SCALE + 3, 2 * bimodal.SCALE + 13 * bimodal.SCALE + 3]
    assert cell > 128  # the stroke at canvas pixels 100–140 is model pixels 12–17, in place (not refitted)
    with pytest.raises(Exception, match="from 0 to 9999"):
        bimodal.load_test_edges(tiny_zoo, "tiny-pix2pix", 10_000)
    with pytest.raises(Exception, match="not a pix2pix generator"):
        bimodal.translate_sketch(tiny_zoo, value, "tiny-cyclegan", "tiny-pix2pix-l1", None)


def test_the_cyclegan_view_shows_the_round_trip_and_its_error(tiny_zoo):
    model = tiny_zoo.load("tiny-cyclegan")
    assert cycle.directions(model.config) == [("Sneaker → Ankle boot", "a2b"), ("Ankle boot → Sneaker", "b2a")]
    assert cycle._domains(tiny_zoo, "tiny-cyclegan") == cycle.directions(model.config)  # read without loading
    picture, text = cycle.round_trip(tiny_zoo, "tiny-cyclegan", "b2a", 3)
    assert picture.height >= 3 * 32 * 4
    errors = [float(e) for e in re.search(r"per image ([\d., ]+);", text).group(1).split(", ")]
    assert len(errors) == cycle.ROW and "Cycle error" in text and "mean |x − G(F(x))|" in text
    with pytest.raises(Exception, match="from 0 to 992"):
        cycle.round_trip(tiny_zoo, "tiny-cyclegan", "a2b", 993)
    with pytest.raises(Exception, match="pick a direction"):
        cycle.round_trip(tiny_zoo, "tiny-cyclegan", "up", 0)


# --- the committed models ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_committed_pix2pix_wins_fid_and_its_l1_baseline_wins_l1(default_zoo, fashion_test):
    """The relation the cards state, on the first 2 000 test edge maps: L1-only is closer in L1, pix2pix is closer
    in FID (a blurry average is near every garment and looks like none)."""
    subset = dataclasses.replace(fashion_test, images=fashion_test.images[:2000], labels=fashion_test.labels[:2000])
    cgan = pix2pix_report(default_zoo.load("pix2pix-fashion-mnist"), subset, 2000)
    l1 = pix2pix_report(default_zoo.load("pix2pix-l1-fashion-mnist"), subset, 2000)
    assert l1["l1"] < cgan["l1"]
    assert cgan["fid"] < l1["fid"]


@pytest.mark.slow
def test_the_committed_cyclegan_comes_back_within_its_bound_and_crosses_over(default_zoo, fashion_test):
    report = cyclegan_report(default_zoo.load("cyclegan-fashion-mnist"), fashion_test)
    assert report["cycle_a"] < CYCLE_BOUND and report["cycle_b"] < CYCLE_BOUND
    assert report["hit_a"] > 0.8 and report["hit_b"] > 0.8  # G(sneaker) is taken for a boot, F(boot) for a sneaker
    x = fashion_test.images[fashion_test.labels == 7][:8]
    assert torch.allclose(cycle_error(x, (x - 0.1).clamp(-1, 1)), (x - (x - 0.1).clamp(-1, 1)).abs().mean((1, 2, 3)))


CYCLE_BOUND = 0.1  # mean |x − F(G(x))| on pixels in [-1, 1]; measured 0.051 (A) and 0.066 (B), the card


def test_a_folder_halved_in_place_keeps_its_card_and_samples_and_drops_its_training_state(tiny_pix2pix, tmp_path):
    import shutil

    from safetensors import safe_open

    from explorer.convert import main as convert

    folder = tmp_path / "halved"
    shutil.copytree(tiny_pix2pix["cgan"][0], folder)
    before = load_folder(folder, device="cpu")
    assert convert([str(folder), "--out", str(folder), "--fp16"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors", "samples.png"]
    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        assert all(f.get_tensor(k).dtype in (torch.float16, torch.int64) for k in f.keys())
    card = (folder / "README.md").read_text()
    assert card.count("Weights stored in fp16") == 1 and "`--resume` continues" not in card
    after = load_folder(folder, device="cpu")
    edges = edge_map(torch.rand(2, 1, 32, 32) * 2 - 1)
    assert (before.translate(edges) - after.translate(edges)).abs().max() < 0.02  # fp16 rounding only
