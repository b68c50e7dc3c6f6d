"""The bugs a lecturer hit the day before teaching (issue #15), each through the handlers the page calls."""

import re

import gradio as gr
import numpy as np
import pytest
import torch

import app
from explorer import derived
from explorer.ui import common
from explorer.ui.tabs import arithmetic, interpolation, training
from explorer.ui.tabs.manifold import plane
from explorer.ui.tabs.stylemix import noise
from explorer.ui.tabs.toylab import handlers, presets
from trainers.toy2d import ToyLab, ToyLabConfig

STYLEGAN = "stylegan-fashion-mnist"


def test_the_noise_check_applies_to_each_slider_not_their_product(default_zoo):
    """Global strength 4.6 with row 0 at 5: each slider is within its 0–5 range, so the panel renders."""
    num_ws = default_zoo.load(STYLEGAN).num_ws
    rows = [5.0] + [1.0] * (num_ws - 1)
    picture, heat, caption = noise.noise_panel(default_zoo, STYLEGAN, 6, "random", 0, 4.6, rows)
    assert picture.size == heat.size and "4.6" in caption
    noise.noise_std(default_zoo, STYLEGAN, 6, "random", 0, 4.6, rows)  # the std map follows the release
    with pytest.raises(gr.Error, match="per-row noise strengths must be between 0 and 5"):
        noise.noise_panel(default_zoo, STYLEGAN, 6, "random", 0, 1.0, [5.5] + [1.0] * (num_ws - 1))
    with pytest.raises(gr.Error, match="global noise strength must be between 0 and 5"):
        noise.noise_image(default_zoo, STYLEGAN, 6, "random", 0, 6.0, [1.0] * num_ws)


@pytest.mark.parametrize("value", [None, "", "abc", 1.5, -3])
def test_seed_messages_speak_the_users_language(default_zoo, value):
    with pytest.raises(gr.Error) as caught:
        interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", value, 2, 0.5, "linear (lerp)")
    message = str(caught.value.message)
    assert message.startswith("Seed A must be a whole number from 0 to 2147483647")
    assert "TypeError" not in message and "int()" not in message


def test_a_group_of_words_is_named_as_not_a_seed(default_zoo):
    with pytest.raises(gr.Error) as caught:
        arithmetic.arithmetic(default_zoo, "dcgan-fashion-mnist", "cat, dog", "1", "2", "z space", 0.25, 0)
    message = str(caught.value.message)
    assert "group A: 'cat' is not a seed" in message and "invalid literal" not in message


def test_switching_models_gives_each_its_own_groups_and_only_its_spaces(default_zoo):
    radio, a, b, c = arithmetic.switch_model(default_zoo, STYLEGAN)
    assert [value for _, value in radio.choices] == list(arithmetic.SPACES) and radio.value == "z space"
    assert (a, b, c) == derived.arithmetic_groups(default_zoo, STYLEGAN)
    radio, a, b, c = arithmetic.switch_model(default_zoo, "dcgan-fashion-mnist")
    assert [value for _, value in radio.choices] == ["z space"] and radio.value == "z space"  # no w for a DCGAN
    assert (
        (a, b, c)
        == derived.arithmetic_groups(default_zoo, "dcgan-fashion-mnist")
        != (derived.arithmetic_groups(default_zoo, STYLEGAN))
    )


@pytest.mark.parametrize("name", ["dcgan-fashion-mnist", STYLEGAN])
def test_the_default_arithmetic_example_gives_a_dress(default_zoo, name):
    """pullover − T-shirt + dress: the decoded default result is classified as a dress."""
    model, classifier = default_zoo.load(name), default_zoo.reference_classifier()
    a, b, c = ([int(s) for s in group.split(",")] for group in arithmetic.default_groups(default_zoo, name))
    with torch.inference_mode():
        result = model.latents_of(a).mean(0) - model.latents_of(b).mean(0) + model.latents_of(c).mean(0)
        probabilities = torch.softmax(classifier(model.generate(result[None])), dim=1)[0]
    assert classifier.class_names[int(probabilities.argmax())] == "Dress" and probabilities[3] > 0.9


def test_a_file_that_is_not_an_image_is_a_message_and_keeps_the_outputs(default_zoo, tmp_path):
    fake = tmp_path / "fake.png"
    fake.write_text("this is not a picture")
    outputs = plane.encode_upload(default_zoo, "vae2d-fashion-mnist", str(fake), 3.0, "linear")
    seen, reconstruction, landed, scatter = outputs
    assert seen == gr.skip() and reconstruction == gr.skip() and scatter == gr.skip()  # the previous ones stay
    assert landed == "fake.png is not an image: upload a PNG, JPEG or WebP picture"
    picture = np.zeros((28, 28), np.uint8)
    picture[4:24, 8:20] = 220
    from PIL import Image

    good = tmp_path / "garment.png"
    Image.fromarray(picture).save(good)
    seen, reconstruction, landed, scatter = plane.encode_upload(default_zoo, "vae2d-fashion-mnist", str(good))
    assert seen.size == reconstruction.size and landed.startswith("μ = (")


def test_the_gan_lab_opens_on_its_preset_and_selecting_one_applies_it():
    """What the controls show is the lab's real state: the default preset's settings, not ToyLabConfig()."""
    opened = presets.initial_settings()
    assert opened == {k: v for k, v in presets.preset_values(presets.DEFAULT_PRESET).items() if k != "optimal"}
    assert presets.config_from(opened) != ToyLabConfig()  # the preset differs from the bare defaults
    lab, _, _, text = handlers.advance(None, "both", 1, False, False, opened)
    assert isinstance(lab, ToyLab) and lab.config == presets.config_from(opened)
    selected = handlers.select_preset("WGAN-GP fixes it", True)
    assert selected["settings"]["loss"] == "wgan-gp" and selected["lab"].step_count == 0
    assert selected["lab"].config.loss == "wgan-gp"


@pytest.mark.slow  # two training runs and two encodings of the 10 000 test images
def test_saving_under_a_taken_name_asks_and_a_replaced_model_shows_its_own_scatter(
    default_zoo, tmp_path, fashion_small, monkeypatch
):
    """Save to zoo refuses to overwrite silently; with "replace" ticked, the VAE tab's scatter is the new model's."""
    from explorer.zoo import Zoo
    from trainers import job as job_module

    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    zoo = Zoo(device="cpu")
    job = job_module.TrainingJob(runs=tmp_path / "runs")
    spec = dict(family="VAE", data="fashion-mnist", loss="ELBO", g_lr=1e-3, d_lr=1e-3, beta1=0.9, beta2=0.999)
    spec |= dict(batch_size=32, d_steps=1, label_smoothing=0.0, ema_beta=0.0, steps=5, sample_every=5)
    spec |= dict(eval_every=0, eval_samples=200)
    scatters = []
    for seed in (0, 1):
        training.run.start_run(job, {**spec, "seed": seed})
        job.wait(120)
        assert job.snapshot().status == "finished"
        if seed == 1:
            with pytest.raises(gr.Error, match="Replace a saved run"):
                common.user_errors(training.run.save_run)(job, zoo, "my-vae", (), False)
        training.run.save_run(job, zoo, "my-vae", (), replace=seed == 1)
        _, figure, _ = plane.render_plane(zoo, "my-vae", 5, 3.0, "linear", True)
        scatters.append(np.concatenate([np.asarray(trace.x, dtype=float) for trace in figure.data]))
    assert scatters[0].shape == scatters[1].shape and not np.allclose(scatters[0], scatters[1])


def test_the_scatter_spans_the_data_on_equal_axes(default_zoo):
    _, figure, _ = plane.render_plane(default_zoo, "vae2d-fashion-mnist", 9, 3.0, "linear", True)
    x, y = figure.layout.xaxis.range, figure.layout.yaxis.range
    assert tuple(x) == tuple(y) and 3.0 <= x[1] < 10  # the data's reach (|μ| ≲ 5), not ±30


def test_every_button_has_a_word_not_only_a_symbol(default_zoo):
    """Where no emoji font is installed (a projector's PC, this CI), a symbol-only label shows as an empty box."""
    demo = app.build_app(default_zoo)
    labels = [b.value for b in demo.blocks.values() if isinstance(b, gr.Button | gr.UploadButton)]
    assert len(labels) > 20
    assert [label for label in labels if not re.search(r"[A-Za-z]{2,}", str(label))] == []
