"""ProGAN (Karras et al. 2018): the growing networks, the fade-in, the schedule, the trainer, the tab's view."""

import dataclasses
import json
import re

import gradio as gr
import pytest
import torch
import torch.nn.functional as F

from explorer.models.progan import (
    ProGANConfig,
    ProGANDiscriminator,
    ProGANGenerator,
    phase_starts,
    side,
    stage_at,
)
from explorer.models.registry import family_of
from explorer.ui.tabs import training
from explorer.ui.tabs.training import growing
from explorer.zoo import Zoo, load_folder
from trainers import job as job_module
from trainers import registry
from trainers.__main__ import main as cli
from trainers.job import TrainingJob
from trainers.progan import ProGANTrainConfig, real_at, train_progan

TINY = ProGANConfig(latent_dim=16, width=16)


def test_the_fade_in_starts_at_the_upsampled_lower_resolution_and_ends_at_the_new_block():
    torch.manual_seed(0)
    g = ProGANGenerator(TINY).eval()
    z = g.sample_latent(5, seed=1)
    with torch.inference_mode():
        for level in range(1, TINY.max_level + 1):
            lower = g.synthesize(z, level - 1)
            assert lower.shape == (5, 1, side(level - 1), side(level - 1))
            at_zero, at_one = g.synthesize(z, level, 0.0), g.synthesize(z, level, 1.0)
            assert torch.equal(at_zero, F.interpolate(lower, scale_factor=2, mode="nearest"))
            assert not torch.allclose(at_zero, at_one)  # the new block draws something else
            # α = 1 is the new block alone: toRGB_ℓ(block_ℓ(h_{ℓ−1})), whatever the lower toRGB holds
            with torch.no_grad():
                g.to_image[level - 1].weight.add_(1.0)
            assert torch.equal(g.synthesize(z, level, 1.0), at_one)
            assert torch.allclose(
                g.synthesize(z, level, 0.25), 0.75 * g.synthesize(z, level, 0.0) + 0.25 * at_one, atol=1e-6
            )
    with pytest.raises(ValueError, match="level must be in"):
        g.synthesize(z, 4)
    with pytest.raises(ValueError, match="α must be in"):
        g.synthesize(z, 1, 1.5)


def test_the_generator_renders_the_stage_it_grew_to_at_full_size():
    g = ProGANGenerator(TINY).eval()
    assert family_of(g).name == "progan" and (g.level, g.alpha) == (3, 1.0)
    g.grow_to(2, 1.0)  # stopped at 16²: 2×2 blocks of equal pixels at 32²
    images = g.generate(g.sample_latent(3, seed=0))
    assert images.shape == (3, 1, 32, 32) and images.abs().max() <= 1
    assert torch.equal(images, F.interpolate(images[..., ::2, ::2], scale_factor=2, mode="nearest"))
    assert "stage" in g.state_dict()  # saved with the weights


def test_the_discriminator_reads_each_stage_and_only_the_stage_s_blocks_learn():
    d = ProGANDiscriminator(TINY)
    for level in range(TINY.max_level + 1):
        scores = d(torch.randn(8, 1, side(level), side(level)), level, 0.5)
        assert scores.shape == (8,)
    d.zero_grad()
    d(torch.randn(8, 1, 8, 8), 1, 1.0).sum().backward()
    assert d.from_image[1].weight.grad is not None and d.blocks[0].conv0.weight.grad is not None
    assert d.from_image[3].weight.grad is None and d.blocks[2].conv0.weight.grad is None  # 32² not grown yet


def test_the_schedule_stabilises_4x4_then_fades_in_and_stabilises_each_level():
    p = 100
    assert stage_at(0, p, 3) == (0, 1.0) and stage_at(99, p, 3) == (0, 1.0)
    assert stage_at(100, p, 3) == (1, 0.0) and stage_at(150, p, 3) == (1, 0.5) and stage_at(200, p, 3) == (1, 1.0)
    assert stage_at(350, p, 3) == (2, 0.5) and stage_at(500, p, 3) == (3, 0.0) and stage_at(600, p, 3) == (3, 1.0)
    assert stage_at(10**6, p, 3) == (3, 1.0)  # the last level stays
    assert [label for _, label in phase_starts(p, 3)] == [
        "4²",
        "8² fade-in",
        "8²",
        "16² fade-in",
        "16²",
        "32² fade-in",
        "32²",
    ]
    assert [images for images, _ in phase_starts(p, 3)] == [0, 100, 200, 300, 400, 500, 600]


def test_real_images_are_pooled_to_the_stage_and_blended_during_a_fade(fashion_small):
    x = fashion_small.images[:4]
    assert torch.equal(real_at(x, 3, 1.0), x)
    assert torch.allclose(real_at(x, 1, 1.0), F.avg_pool2d(x, 4))
    lower = F.interpolate(F.avg_pool2d(x, 8), scale_factor=2, mode="nearest")
    assert torch.allclose(real_at(x, 1, 0.0), lower, atol=1e-6)


@pytest.fixture(scope="module")
def tiny_progan(tmp_path_factory, fashion_small):
    """A ProGAN folder written by the real CLI: 16 steps of 16 images, 32 images per phase (grows to 32²)."""
    out = tmp_path_factory.mktemp("progan") / "tiny-progan"
    log = out.parent / "events.jsonl"
    args = "progan --steps 16 --batch-size 16 --phase-images 32 --latent-dim 16 --width 16 --fid-samples 0"
    assert cli([*args.split(), "--sample-every", "4", "--save-every", "8", "--out", str(out), "--jsonl", str(log)]) == 0
    return out, [json.loads(line) for line in log.read_text().splitlines()]


def test_the_cli_grows_the_run_and_the_saved_model_reloads_at_its_last_stage(tiny_progan):
    out, records = tiny_progan
    steps = [r["metrics"] for r in records if r["event"] == "step"]
    stages = [(m["resolution"], m["alpha"]) for m in steps]
    assert stages[:3] == [(4.0, 1.0), (4.0, 1.0), (8.0, 0.0)] and stages[-1] == (32.0, 1.0)
    assert [int(s) for s in dict.fromkeys(r for r, _ in stages)] == [4, 8, 16, 32]
    assert all(torch.isfinite(torch.tensor([m["d_loss"], m["g_loss"]])).all() for m in steps)
    model = load_folder(out, device="cpu")
    assert isinstance(model, ProGANGenerator) and (model.level, model.alpha) == (3, 1.0)
    card = (out / "README.md").read_text()
    assert "8² fade-in from image 32" in card and "generates at the stage it reached: 32²" in card


def test_a_run_stopped_before_the_last_level_saves_the_stage_it_reached(tmp_path, fashion_small):
    config = ProGANTrainConfig(
        steps=5, batch_size=16, phase_images=32, fid_samples=0, sample_every=5, model=TINY
    )  # images 0 … 79: 4², 8² fade-in, 8² (stabilising at step 5)
    events = list(train_progan(config, tmp_path / "p", data=fashion_small, device="cpu"))
    assert type(events[-1]).__name__ == "Finished"
    model = load_folder(tmp_path / "p", device="cpu")
    assert (model.level, model.alpha) == (1, 1.0)
    images = model.generate(model.sample_latent(2, seed=0))
    assert torch.equal(images, F.interpolate(images[..., ::4, ::4], scale_factor=4, mode="nearest"))  # 8² shown


def test_the_ema_s_half_life_is_a_tenth_of_a_phase_unless_given():
    auto = ProGANTrainConfig(steps=1, batch_size=64, phase_images=3200)  # 50 steps per phase: half-life 5 steps
    assert auto.ema == pytest.approx(0.5 ** (1 / 5)) and auto.ema**5 == pytest.approx(0.5)
    assert ProGANTrainConfig(steps=1, ema_beta=0.999).ema == 0.999
    with pytest.raises(ValueError, match="ema_beta"):
        ProGANTrainConfig(steps=1, ema_beta=1.0)


def test_progan_refuses_several_processes_with_a_reason():
    task = registry.get("progan")
    assert "WGAN-GP + drift" in task.objectives() and "phase_images" in task.options()
    from trainers.progan import ProGANTask

    with pytest.raises(ValueError, match="one process"):
        ProGANTask(ProGANTrainConfig(steps=1, model=TINY), torch.device("cpu")).parallel(lambda m: m)


def test_the_training_tab_marks_each_phase_and_names_the_stage_of_each_grid(tmp_path, fashion_small, monkeypatch):
    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    trainer = registry.get("progan")
    small = dataclasses.replace(trainer, app_options={"phase_images": 32}, app_model={"width": 8, "latent_dim": 16})
    monkeypatch.setitem(registry.TRAINERS, "progan", small)
    job = TrainingJob(runs=tmp_path / "runs")
    values = dict(training_controls(), family=trainer.label, loss="WGAN-GP + drift")
    training.run.start_run(job, values)
    job.wait(300)
    h = job.snapshot()
    assert h.status == "finished", h.message
    assert h.metrics["resolution"][-1] == 32.0
    phases = training.views.growth_phases(h.steps, h.metrics["resolution"], h.metrics["alpha"])
    assert [label for _, label, _ in phases] == ["4²", "8² fade-in", "8²", "16² fade-in", "16²", "32² fade-in", "32²"]
    assert [step for step, _, _ in phases] == [1, 3, 5, 7, 9, 11, 13]  # 2 steps of 16 images per phase
    losses, outputs, _, _ = training.views.figures(h)
    for figure in (losses, outputs):
        texts = [a.text for a in figure.layout.annotations]
        assert texts == [label for _, label, _ in phases]
        assert len(figure.layout.shapes) == 6 + 3  # a line at each phase after the first, each fade shaded
    assert outputs.layout.title.text.startswith("Critic values")  # WGAN-GP's critic, not probabilities
    first, caption = training.views.grid_at(h, 0)
    assert first is not None and caption.endswith("step 4 (8², fade-in α = 0.50)")
    assert training.views.grid_at(h, len(h.grids) - 1)[1].endswith("(32²)")


def training_controls() -> dict:
    from tests.test_training_tab import controls

    return controls("DCGAN", "non-saturating", steps=16, sample_every=4, eval_every=0)


def test_the_growing_view_draws_every_resolution_and_scrubs_the_fade(tiny_progan):
    out, _ = tiny_progan
    zoo = Zoo(device="cpu")
    zoo.add_folder(out, "tiny-progan")
    assert "tiny-progan" in growing.model_names(zoo)
    every, fade, text = growing.render(zoo, "tiny-progan", "0, 1, 2", "16²", 0.25)
    tile = growing.TILE // 32 * 32 + 2  # tiles of 96 px and the grid's padding
    assert every.width >= 4 * tile and fade.width >= 3 * tile and every.height > 3 * 96
    assert "Fading in 16²" in text and "reached 32² at α = 1.00" in text
    numbers = [float(n) for n in re.findall(r"image\| = ([0-9.]+)", text)]
    assert numbers[0] / numbers[1] == pytest.approx(0.25 / 0.75, rel=1e-3)  # the blend is linear in α
    with pytest.raises(Exception, match="one of 8², 16², 32²"):
        growing.render(zoo, "tiny-progan", "0", "64²", 0.5)
    with pytest.raises(Exception, match="α must be between 0 and 1"):
        growing.render_fade(zoo, "tiny-progan", "0", "8²", 2.0)
    with pytest.raises(Exception, match="not a seed"):
        growing.render(zoo, "tiny-progan", "zero", "8²", 0.5)


def test_a_run_saved_in_train_one_live_reaches_the_growing_section_s_model_list(default_zoo):
    """Save (section *Train one live*) is followed by a refresh of the ProGAN section's dropdown, its one output: the
    update is a dict (a list for one output would be taken for the dropdown's value)."""
    with gr.Blocks() as demo:
        parts = training.build(default_zoo)
    dropdown = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "grow-model")
    assert [lst.dropdown for lst in parts.model_lists] == [dropdown]  # the app's loader refreshes it too
    refresh = [f for f in demo.fns.values() if f.outputs == [dropdown] and f.fn is not None]
    assert len(refresh) == 1
    update = refresh[0].fn()
    assert list(update) == [dropdown]
    assert list(update[dropdown].constructor_args["choices"]) == growing.model_names(default_zoo)


def test_the_committed_progan_grew_to_32_and_its_card_says_how(default_zoo):
    model = default_zoo.load("progan-fashion-mnist")
    assert isinstance(model, ProGANGenerator) and (model.level, model.alpha) == (3, 1.0)
    card = (default_zoo.entry("progan-fashion-mnist").folder / "README.md").read_text()
    fid = float(re.search(r"\*\*this model\*\* \| \*\*([\d.]+)\*\*", card).group(1))
    ceiling = float(re.search(r"ceiling: the same generator untrained \| ([\d.]+)", card).group(1))
    assert "python -m trainers progan" in card and fid < ceiling / 2
    every, fade, text = growing.render(default_zoo, "progan-fashion-mnist", "0, 1", "32²", 0.5)
    assert "reached 32² at α = 1.00" in text and every.height > 2 * 96
