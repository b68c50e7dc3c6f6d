"""The Metrics tab's handlers on the committed models and the real Fashion-MNIST images."""

import math

import gradio as gr
import numpy as np
import pytest

from explorer.metrics import evaluate
from explorer.metrics.scores import inception_score
from explorer.ui.tabs import metrics

DCGAN = "dcgan-fashion-mnist"


def test_sources_are_real_images_and_the_fashion_generators(default_zoo):
    names = evaluate.source_names(default_zoo)
    assert names[:2] == [evaluate.REAL_TEST, evaluate.REAL_TRAIN]
    assert {"dcgan-fashion-mnist", "stylegan-fashion-mnist", "biggan-fashion-mnist", "vae2d-fashion-mnist"} <= set(
        names
    )
    assert "classifier-fashion-mnist" not in names
    conditional = ["biggan-fashion-mnist", "biggan-ortho-fashion-mnist", "biggan-noortho-fashion-mnist"]
    assert metrics.choices.conditional_names(default_zoo) == [*conditional, "acgan-fashion-mnist"]


def test_scores_table_for_a_model_and_for_real_images(default_zoo):
    table, figure = metrics.scores.compute_scores(default_zoo, DCGAN, 500, 0)
    assert "Inception Score" in table and "FID" in table and "precision" in table and "500 images" in table
    assert len(figure.data[0].y) == 10 and abs(sum(figure.data[0].y) - 1) < 1e-5
    model = evaluate.scores(default_zoo, DCGAN, 500, 0)
    real = evaluate.scores(default_zoo, evaluate.REAL_TEST, 500, 0)
    assert 1 < model.inception[0] < 10 and 1 < real.inception[0] < 10
    assert real.fid < model.fid and real.kid[0] < model.kid[0]  # real images are closer to the real statistics
    assert real.precision > 0.5 and real.recall > 0.5
    assert 0 < model.diversity <= 1 and 0 < model.fidelity <= 1


@pytest.mark.parametrize(
    "source, n, message",
    [
        (DCGAN, 1, "between 2 and"),
        (evaluate.REAL_TEST, 20_000, "has 10000"),
        ("no-such-model", 100, "unknown source"),
        (DCGAN, math.nan, "whole number"),
    ],
)
def test_bad_counts_and_sources_are_messages(default_zoo, source, n, message):
    with pytest.raises(gr.Error, match=message):
        metrics.scores.compute_scores(default_zoo, source, n, 0)


@pytest.mark.slow
def test_one_image_per_class_scores_a_high_is_and_a_poor_fid(default_zoo):
    picture, table = metrics.inception.one_image_per_class(default_zoo)
    assert picture.width > picture.height  # ten tiles in a row
    pictures, cheat = evaluate.one_per_class(default_zoo)
    real = evaluate.bank(default_zoo, evaluate.REAL_TEST, 10_000, 0)
    assert pictures.shape[0] == 10 and sorted(set(cheat.labels.tolist())) == list(range(10))
    cheat_is, real_is = inception_score(cheat.probabilities)[0], inception_score(real.probabilities)[0]
    assert cheat_is > 9 and cheat_is > real_is  # near the maximum 10, above the real data
    reference = evaluate.reference_stats(default_zoo)
    assert evaluate.fid_against(cheat.stats(), reference) > 10 * evaluate.fid_against(real.stats(), reference)
    assert "one image per class" in table


@pytest.mark.slow
def test_gaming_the_inception_score_climbs_past_the_real_data_on_noise(default_zoo):
    pictures, history = evaluate.game_inception_score(default_zoo, n=64, steps=60)
    real = evaluate.bank(default_zoo, evaluate.REAL_TEST, 10_000, 0)
    assert history[-1] > history[0] and history[-1] > inception_score(real.probabilities)[0]
    assert pictures.shape == (64, 1, 32, 32) and pictures.abs().max() <= 1
    with pytest.raises(gr.Error, match="steps"):
        metrics.inception.gaming(default_zoo, 0)


def test_dropping_classes_raises_fid_far_more_than_it_lowers_is(default_zoo):
    """IS falls only as p(y) loses classes (at most by the share of classes lost); FID rises steeply."""
    rows = evaluate.drop_classes(default_zoo, n=2000)
    fids, scores = [r[1] for r in rows], [r[2] for r in rows]
    assert [r[0] for r in rows] == list(range(10))
    assert fids[5] > 5 * fids[0] and fids[9] > fids[5]
    assert scores[5] < scores[0] and fids[5] / fids[0] > 3 * scores[0] / scores[5]


@pytest.mark.slow
def test_fid_falls_with_the_number_of_samples_for_real_images(default_zoo):
    # 3 000 as the largest: 155, 11.3, 3.4 (the 1/N bias; 1.3 at 10 000, which took 11 s of the test's 11.9 here)
    rows = evaluate.fid_by_sample_count(default_zoo, evaluate.REAL_TRAIN, counts=(100, 1000, 3000))
    values = [v for _, v in rows]
    assert values[0] > values[1] > values[2]


def test_frechet_1d_matches_the_general_formula():
    figure, text = metrics.frechet.frechet_1d(0.0, 1.0, 1.0, 0.5)
    assert "d² = " in text and "= 1.2500" in text and "gives 1.2500" in text
    _, negative = metrics.frechet.frechet_1d(-3.0, 1.0, 1.0, 0.5)
    assert "((−3) − 1)²" in negative  # a negative mean in parentheses, not "(−3 − 1)" or "(3 − -3)"
    assert [trace.name for trace in figure.data] == ["real N(μ_r, σ_r²)", "generated N(μ_g, σ_g²)"]
    with pytest.raises(gr.Error, match="σ"):
        metrics.frechet.frechet_1d(0.0, 0.0, 1.0, 0.5)


@pytest.mark.slow
def test_truncation_raises_precision_and_lowers_recall(default_zoo):
    rows = evaluate.precision_recall_by_truncation(default_zoo, "biggan-fashion-mnist", (None, 0.25), n=500)
    (_, p_none, r_none, _), (_, p_low, r_low, _) = rows
    assert p_low > p_none and r_low < r_none
    with pytest.raises(gr.Error, match="class-conditional"):
        metrics.tradeoff.truncation_tradeoff(default_zoo, DCGAN)


def test_tstr_needs_a_class_conditional_model(default_zoo):
    with pytest.raises(gr.Error, match="class-conditional"):
        metrics.tstr.tstr(default_zoo, "vae2d-fashion-mnist")


@pytest.mark.slow
def test_tstr_table_for_the_biggan(default_zoo):
    result = evaluate.train_test_table(default_zoo, "biggan-fashion-mnist", n=2000, steps=150)
    assert result["TRTR"] > 0.6 and 0.1 < result["TSTR"] <= 1 and 0 <= result["TRTS"] <= 1
    assert result["TSTR"] < result["TRTR"]  # generated images teach less than real ones


def test_the_quiz_keeps_the_answer_on_the_server_and_counts(default_zoo):
    room = metrics.quiz.Room()
    picture, state, text, score = metrics.quiz.quiz_start(default_zoo, DCGAN, room)
    assert picture.size == (32 * metrics.quiz.QUIZ_SCALE, 32 * metrics.quiz.QUIZ_SCALE) and "no answers yet" in score
    truth = []
    for _ in range(5):
        truth.append(state["answer"])
        picture, state, feedback, score = metrics.quiz.quiz_answer(default_zoo, room, state, "real")
        assert f"was **{truth[-1]}**" in feedback
    right = sum(answer == "real" for answer in truth)
    assert f"**{right} of 5** right" in score and room.total == 5 and room.correct == right
    with pytest.raises(gr.Error, match="Start"):
        metrics.quiz.quiz_answer(default_zoo, room, None, "real")
    with pytest.raises(gr.Error, match="generator"):
        metrics.quiz.quiz_start(default_zoo, evaluate.REAL_TEST)


def test_swd_and_path_length(default_zoo):
    table = metrics.swd.swd(default_zoo, DCGAN, n=200)
    assert "32×32" in table and "mean" in table
    table = metrics.swd.path_length(default_zoo, "stylegan-fashion-mnist", n=50)
    values = [float(row.split("|")[2].strip(" *")) for row in table.splitlines()[2:4]]
    assert all(np.isfinite(values)) and all(v > 0 for v in values)
    with pytest.raises(gr.Error, match="StyleGAN"):
        metrics.swd.path_length(default_zoo, DCGAN)
