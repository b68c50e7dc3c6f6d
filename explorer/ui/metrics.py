"""Metrics tab: how GANs are evaluated, and how each score fails.

Every score runs on the Fashion-MNIST classifier (its features and its p(y|x)), on the zoo's models and on
real images (``explorer.metrics.evaluate``): Inception Score (Salimans et al. 2016), FID (Heusel et al.
2017), KID (Bińkowski et al. 2018), improved precision and recall (Kynkäänniemi et al. 2019), density and
coverage (Naeem et al. 2020), TSTR (Esteban et al. 2017), SWD (Karras et al. 2018), perceptual path length
(Karras et al. 2019), and a human real-vs-fake quiz (HYPE, Zhou et al. 2019).
"""

import functools
import math
import secrets
import threading
import time
from collections.abc import Callable

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import images, latent, plots
from explorer.gpu import MAX_SECONDS, seconds_per
from explorer.metrics import evaluate
from explorer.metrics.fid import frechet_distance
from explorer.metrics.scores import frechet_distance_1d, inception_score
from explorer.models import ClassConditional, StyleGenerator
from explorer.ui.common import HEAVY, ModelList, on_gpu, user_errors
from explorer.ui.previews import Previews
from explorer.ui.share import TabParts
from explorer.zoo import Zoo

NOTE = """**What you are seeing.** GAN samples have no ground truth to compare with, and D's and G's losses
only say who is winning the game, not how good the samples are. So we measure the samples through a
classifier: its confidence p(y|x) and its features. Here that classifier is our **Fashion-MNIST CNN**
(`classifier-fashion-mnist`), not Inception-v3: the scores compare our models with each other and with real
images, not with the numbers in papers."""
DEFAULT_SAMPLES = 2000
QUIZ_SCALE = 8


def _default(names: list[str], preferred: str) -> str | None:
    return preferred if preferred in names else (names[0] if names else None)


def conditional_names(zoo: Zoo) -> list[str]:
    return [n for n in evaluate.source_names(zoo) if n in zoo.names(ClassConditional)]


def generator_names(zoo: Zoo) -> list[str]:
    return [n for n in evaluate.source_names(zoo) if n not in evaluate.REAL_SOURCES]


def style_names(zoo: Zoo) -> list[str]:
    return zoo.names(StyleGenerator)


def _seed(seed) -> int:
    return latent.check_seed(seed if seed is not None else 0)


# --- scores ---------------------------------------------------------------------------------------------
@user_errors
@on_gpu(seconds_per("n", 30, 200))  # n samples and the classifier's features of each
def compute_scores(zoo: Zoo, source: str, n: int, seed: int, progress=gr.Progress()):  # noqa: B008
    """The table of every score for ``n`` images of ``source`` and its class marginal p(y)."""
    result = evaluate.scores(zoo, source, n, _seed(seed), progress=lambda f, text: progress(f, desc=text))
    s = result
    table = f"""| score | value | what it says |
|---|---|---|
| **Inception Score** | **{s.inception[0]:.2f}** ± {s.inception[1]:.2f} | exp E_x KL(p(y∣x) ‖ p(y)); max 10 here |
| **FID** | **{s.fid:.2f}** | ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2(Σ_r Σ_g)^½) of feature Gaussians (lower is better) |
| KID | {s.kid[0]:.3f} ± {s.kid[1]:.3f} | unbiased MMD², cubic kernel (≈ 0 for real images; lower is better) |
| precision | {s.precision:.3f} | share of samples inside the real data's k-NN balls (fidelity) |
| recall | {s.recall:.3f} | share of real images inside the samples' k-NN balls (diversity) |
| density | {s.density:.3f} | how many real balls hold a sample, on average (fidelity, robust to outliers) |
| coverage | {s.coverage:.3f} | share of real neighbourhoods that hold a sample (diversity) |
| fidelity | {s.fidelity:.3f} | mean top-class confidence E_x max_y p(y∣x) |
| diversity | {s.diversity:.3f} | entropy of p(y) ÷ log 10 (1 = every class equally often) |

*{s.n} images of {s.source}, seed {_seed(seed)}; against the real test images; classifier features.*"""
    names = zoo.reference_classifier("the metrics").class_names
    figure = plots.bars_figure(names, list(s.marginal), f"p(y): the classes of {s.source}", "p(y)", 0.1)
    return table, figure


# --- how IS fails -----------------------------------------------------------------------------------------
@user_errors
def one_image_per_class(zoo: Zoo):
    """Ten real images repeated: a near-maximal IS with no diversity, beside the real test set's scores."""
    pictures, cheat = evaluate.one_per_class(zoo)
    real = evaluate.bank(zoo, evaluate.REAL_TEST, evaluate.REAL_SIZES[evaluate.REAL_TEST], 0)
    reference = evaluate.reference_stats(zoo)
    rows = []
    for label, b in (("one image per class, × 1000", cheat), ("the 10 000 real test images", real)):
        inception, _ = inception_score(b.probabilities, splits=10)
        fid = max(0.0, evaluate.fid_against(b.stats(), reference))  # ≈ 0 for the reference set itself
        rows.append(f"| {label} | **{inception:.2f}** | {fid:.2f} |")
    table = "| set | IS | FID |\n|---|---|---|\n" + "\n".join(rows)
    table += "\n\nIS asks only for confident predictions and a uniform p(y): ten images give both. FID sees the loss."
    return images.grid_image(pictures, ncols=5, scale=4), table


@user_errors
def gaming(zoo: Zoo, steps: int):
    """Gradient ascent of noise images on the classifier's IS: the images and the score per step."""
    whole = isinstance(steps, int | float) and not isinstance(steps, bool) and float(steps).is_integer()
    if not whole or not 1 <= steps <= 500:
        raise ValueError(f"steps must be a whole number from 1 to 500, got {steps!r}")
    steps = int(steps)
    pictures, history = evaluate.game_inception_score(zoo, n=64, steps=steps)
    real = evaluate.bank(zoo, evaluate.REAL_TEST, evaluate.REAL_SIZES[evaluate.REAL_TEST], 0)
    real_is, _ = inception_score(real.probabilities, splits=10)
    figure = plots.lines_figure(
        list(range(1, len(history) + 1)),
        {"IS of the optimised noise (64 images)": history},
        "Gaming the Inception Score",
        "gradient-ascent step",
        "Inception Score",
        reference=(real_is, f"real test images: {real_is:.2f}"),
    )
    return images.grid_image(pictures[:32], ncols=8, scale=2), figure


# --- FID: samples and modes --------------------------------------------------------------------------------
@user_errors
@on_gpu(MAX_SECONDS)  # FID at 100 … 10 000 samples, of the model and of real images
def fid_sample_size(zoo: Zoo, source: str, progress=gr.Progress()):  # noqa: B008
    """FID against the number of samples, for a model and for real training images."""
    curves = {}
    for i, name in enumerate((source, evaluate.REAL_TRAIN)):
        progress((i, 2), desc=f"FID of {name} at 100 … 10 000 samples")
        rows = evaluate.fid_by_sample_count(zoo, name)
        curves[name] = [v for _, v in rows]
    counts = [n for n, _ in rows]
    return plots.lines_figure(counts, curves, "FID falls with the number of samples", "samples n", "FID", log_x=True)


@user_errors
def dropped_classes(zoo: Zoo):
    """FID and IS of real test images with 0 … 9 classes dropped."""
    rows = evaluate.drop_classes(zoo)
    k = [r[0] for r in rows]
    return plots.lines_figure(
        k,
        {"FID (left)": [r[1] for r in rows]},
        "Dropping classes: FID rises steeply; IS falls only as p(y) loses classes",
        "classes dropped from the real test images",
        "FID",
        y2={"Inception Score (right)": [r[2] for r in rows]},
        y2_title="Inception Score",
    )


def _signed(value: float) -> str:
    """A number for a formula: negative numbers in parentheses, (−3)."""
    return f"({value:g})".replace("-", "−") if value < 0 else f"{value:g}"


# --- the 1-D Fréchet distance -------------------------------------------------------------------------------
@user_errors
def frechet_1d(mu1: float, sigma1: float, mu2: float, sigma2: float):
    """The closed form for two 1-D Gaussians beside the general (matrix) formula FID uses."""
    try:
        values = [float(v) for v in (mu1, sigma1, mu2, sigma2)]
    except (TypeError, ValueError):
        raise ValueError("μ and σ must be numbers") from None
    if not all(math.isfinite(v) for v in values) or values[1] <= 0 or values[3] <= 0:
        raise ValueError("μ must be finite numbers and σ greater than 0")
    mu1, sigma1, mu2, sigma2 = values
    closed = frechet_distance_1d(mu1, sigma1, mu2, sigma2)
    general = frechet_distance(np.array([mu1]), np.array([[sigma1**2]]), np.array([mu2]), np.array([[sigma2**2]]))
    text = (
        f"**d² = (μ_r − μ_g)² + (σ_r − σ_g)² = ({_signed(mu1)} − {_signed(mu2)})² + ({sigma1:g} − {sigma2:g})² "
        f"= {closed:.4f}**  \n"
        f"the general formula ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2(Σ_r Σ_g)^½) gives {general:.4f}"
    )
    return plots.gaussians_figure(mu1, sigma1, mu2, sigma2), text


# --- fidelity vs diversity ---------------------------------------------------------------------------------
@user_errors
@on_gpu(60)
def truncation_tradeoff(zoo: Zoo, name: str, progress=gr.Progress(track_tqdm=False)):  # noqa: B008
    progress(0, desc="sampling at each threshold")
    rows = evaluate.precision_recall_by_truncation(zoo, name)
    labels = ["none" if t is None else f"{t:g}" for t, *_ in rows]
    return plots.lines_figure(
        labels,
        {"precision (fidelity)": [r[1] for r in rows], "recall (diversity)": [r[2] for r in rows]},
        f"Truncation trades diversity for fidelity ({name})",
        "truncation threshold",
        "precision / recall",
        y2={"FID (right)": [r[3] for r in rows]},
        y2_title="FID",
    )


# --- TSTR --------------------------------------------------------------------------------------------------
@user_errors
def tstr(zoo: Zoo, name: str, progress=gr.Progress()):  # noqa: B008
    progress(0, desc="training two small classifiers (real, generated)")
    result = evaluate.train_test_table(zoo, name)
    return (
        "| trained on ↓ / tested on → | real test images | generated images |\n|---|---|---|\n"
        f"| real training images | TRTR **{100 * result['TRTR']:.1f} %** | TRTS {100 * result['TRTS']:.1f} % |\n"
        f"| generated images ({name}) | TSTR **{100 * result['TSTR']:.1f} %** | |\n\n"
        "Same small CNN, same steps, 5 000 images each. TSTR close to TRTR: the samples carry what a classifier "
        "needs about every class. TRTS high but TSTR low: samples look like their class but miss its variety."
    )


# --- the human quiz ------------------------------------------------------------------------------------------
class Room:
    """Every answer of every session of this app: the room's accuracy as a "human discriminator"."""

    def __init__(self):
        self.lock = threading.Lock()
        self.correct = self.total = 0

    def add(self, correct: bool) -> None:
        with self.lock:
            self.total += 1
            self.correct += int(correct)

    def summary(self) -> str:
        with self.lock:
            if not self.total:
                return "the room: no answers yet"
            return f"the room: **{100 * self.correct / self.total:.0f} %** right over {self.total} answers"


def _question(zoo: Zoo, model: str) -> tuple[Image.Image, str]:
    """A random real test image or a sample of ``model`` (each with probability ½), drawn on the server."""
    rng = secrets.SystemRandom()
    if rng.random() < 0.5:
        pictures, _ = evaluate.images(zoo, evaluate.REAL_TEST, 1, rng.randrange(latent.MAX_SEED))
        return images.image(pictures, scale=QUIZ_SCALE), "real"
    pictures, _ = evaluate.images(zoo, model, 1, rng.randrange(latent.MAX_SEED))
    return images.image(pictures, scale=QUIZ_SCALE), "fake"


def quiz_start(zoo: Zoo, model: str, room: Room | None = None):
    """A fresh round: the first image; the answer stays in the server-side state, never in the page."""
    if model not in generator_names(zoo):
        raise gr.Error(f"choose a generator for the fakes: {', '.join(generator_names(zoo))}")
    picture, answer = _question(zoo, model)
    state = {"model": model, "answer": answer, "shown": time.monotonic(), "answers": []}
    return picture, state, "Real or generated? Press a button.", _quiz_score(state, room)


def quiz_answer(zoo: Zoo, room: Room, state: dict | None, guess: str):
    """Score the guess, then show the next image."""
    if not isinstance(state, dict) or state.get("answer") is None:
        raise gr.Error("press Start first")
    seconds = time.monotonic() - state["shown"]
    correct = guess == state["answer"]
    room.add(correct)
    answers = [*state["answers"], (correct, seconds)]
    verdict = "✔ right" if correct else "✘ wrong"
    feedback = f"{verdict}: that image was **{state['answer']}** ({seconds:.1f} s). Next one:"
    picture, answer = _question(zoo, state["model"])
    state = {**state, "answer": answer, "shown": time.monotonic(), "answers": answers}
    return picture, state, feedback, _quiz_score(state, room)


def _quiz_score(state: dict, room: Room | None = None) -> str:
    answers = state["answers"]
    if not answers:
        mine = "you: no answers yet"
    else:
        right = sum(c for c, _ in answers)
        seconds = sum(s for _, s in answers) / len(answers)
        mine = (
            f"you: **{right} of {len(answers)}** right ({100 * right / len(answers):.0f} %), {seconds:.1f} s per answer"
        )
    chance = "50 % = real and generated cannot be told apart"
    return f"{mine}  \n{room.summary() if room else ''}  \n*{chance}*"


# --- SWD and path length --------------------------------------------------------------------------------------
@user_errors
@on_gpu(seconds_per("n", 20, 200))
def swd(zoo: Zoo, source: str, n: int = 2000):
    from explorer.metrics.swd import sliced_wasserstein

    fake, _ = evaluate.images(zoo, source, n, 0)
    real, _ = evaluate.images(zoo, evaluate.REAL_TEST, n, 1)
    values = sliced_wasserstein(real, fake)
    resolutions = [32 // 2**i for i in range(len(values))]
    rows = "\n".join(f"| {r}×{r} | {1000 * v:.2f} |" for r, v in zip(resolutions, values, strict=True))
    return (
        f"| pyramid level | SWD (×10⁻³) |\n|---|---|\n{rows}\n| **mean** | **{1000 * np.mean(values):.2f}** |\n\n"
        f"{n} images of {source} against {n} real test images: 7×7 Laplacian-pyramid patches, 512 random "
        "directions, the 1-D Wasserstein distance of the projections (ProGAN, Karras et al. 2018)."
    )


@user_errors
@on_gpu(seconds_per("n", 20, 25))
def path_length(zoo: Zoo, name: str, n: int = 500):
    from explorer.metrics.ppl import perceptual_path_length

    model = zoo.require(name, StyleGenerator, what="a StyleGAN model (perceptual path length needs its mapping)")
    classifier = zoo.reference_classifier("the metrics")

    def distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (classifier.features(a) - classifier.features(b)).pow(2).sum(dim=1)

    with torch.inference_mode():
        in_w, _ = perceptual_path_length(model, distance, n=int(n), space="w")
        in_z, _ = perceptual_path_length(model, distance, n=int(n), space="z")
    return (
        f"| space | path length |\n|---|---|\n| w (lerp) | **{in_w:.1f}** |\n| z (slerp) | {in_z:.1f} |\n\n"
        "Mean of d(G(t), G(t + ε)) / ε² along random paths (ε = 10⁻⁴), with the squared distance of classifier "
        "features standing in for LPIPS. Shorter in w than in z: the mapping network makes w the smoother space."
    )


# --- the tab -----------------------------------------------------------------------------------------------------
def build(zoo: Zoo, previews: Previews | None = None) -> TabParts | None:
    gr.Markdown(NOTE, elem_classes=["note"])
    if evaluate.CLASSIFIER not in zoo.entries:
        gr.Markdown("The metrics need `classifier-fashion-mnist`: train it with `python -m trainers classifier`.")
        return None
    room = Room()
    lists: list[ModelList] = []

    def picker(names: Callable[[], list[str]], preferred: str, label: str, **kwargs) -> gr.Dropdown:
        """A model dropdown opened on ``preferred``, its choices refreshed with ``names()`` when the zoo grows."""
        choices = names()
        dropdown = gr.Dropdown(choices, value=_default(choices, preferred), label=label, **kwargs)
        lists.append(ModelList(dropdown, names))
        return dropdown

    def sources() -> list[str]:
        return evaluate.source_names(zoo)

    def generators() -> list[str]:
        return generator_names(zoo)

    def conditional() -> list[str]:
        return conditional_names(zoo)

    with gr.Tabs():
        with gr.Tab("Scores"):
            with gr.Row():
                with gr.Column(scale=1):
                    source = picker(sources, "dcgan-fashion-mnist", "Images", elem_id="metrics-source")
                    count = gr.Slider(100, evaluate.MAX_SAMPLES, value=DEFAULT_SAMPLES, step=100, label="Samples n")
                    seed = gr.Number(0, label="Seed", precision=0, minimum=0, maximum=latent.MAX_SEED)
                    compute = gr.Button(
                        "Compute IS, FID, KID, precision/recall", variant="primary", elem_id="metrics-compute"
                    )
                with gr.Column(scale=2):
                    table = gr.Markdown(  # a placeholder with height: the progress bar shows over it
                        "*Pick the images and press **Compute**: features of n images, then every score "
                        "(≈ 15 s for 2 000 images of a model; up to 2 min for 10 000 the first time).*",
                        elem_id="metrics-table",
                        min_height=200,
                    )
            marginal = gr.Plot(label="p(y)")
            compute.click(
                functools.partial(compute_scores, zoo),
                [source, count, seed],
                [table, marginal],
                api_name="metrics_scores",
                **HEAVY,
            )
        with gr.Tab("How IS fails"):
            gr.Markdown(
                "**One perfect image per class** makes p(y|x) sharp and p(y) uniform: a near-maximal IS without any "
                "diversity. **Gaming IS**: gradient ascent on noise images maximises the classifier's IS of the batch."
            )
            with gr.Row():
                with gr.Column():
                    cheat = gr.Button("One perfect image per class", elem_id="metrics-one-per-class")
                    cheat_images = gr.Image(
                        label="The ten images",
                        type="pil",
                        format="png",
                        interactive=False,
                        show_label=False,
                        buttons=[],
                    )
                    cheat_table = gr.Markdown(elem_id="metrics-one-per-class-table")
                with gr.Column():
                    steps = gr.Slider(10, 300, value=100, step=10, label="Gradient-ascent steps")
                    game = gr.Button("Game the Inception Score", elem_id="metrics-game")
                    game_images = gr.Image(
                        label="The optimised images: noise", type="pil", format="png", interactive=False
                    )
            game_plot = gr.Plot(label="IS over the steps")
            cheat.click(
                functools.partial(one_image_per_class, zoo),
                None,
                [cheat_images, cheat_table],
                api_name="metrics_one_per_class",
                **HEAVY,
            )
            game.click(
                functools.partial(gaming, zoo), [steps], [game_images, game_plot], api_name="metrics_game", **HEAVY
            )
        with gr.Tab("FID: samples and modes"):
            gr.Markdown(
                "FID needs many samples: with few, the covariance estimate inflates it (even real images score high). "
                "**Drop classes** from the real images: FID rises steeply with every lost mode. IS falls too, but only "
                "because p(y) covers fewer classes: it cannot see lost variety *within* a class (see *One perfect "
                "image per class*: no variety at all, and IS is at its maximum)."
            )
            with gr.Row():
                fid_source = picker(generators, "dcgan-fashion-mnist", "Model")
                by_n = gr.Button("FID against the number of samples")
                drop = gr.Button("Drop classes", elem_id="metrics-drop-classes")
            with gr.Row():
                by_n_plot = gr.Plot(label="FID vs n")
                drop_plot = gr.Plot(label="FID and IS vs classes dropped", elem_id="metrics-drop-plot")
            by_n.click(
                functools.partial(fid_sample_size, zoo), [fid_source], by_n_plot, api_name="metrics_fid_by_n", **HEAVY
            )
            drop.click(
                functools.partial(dropped_classes, zoo), None, drop_plot, api_name="metrics_drop_classes", **HEAVY
            )
        with gr.Tab("1-D Fréchet distance"):
            with gr.Row():
                with gr.Column(scale=1):
                    mu1 = gr.Slider(-3, 3, value=0, step=0.1, label="μ_r (real)")
                    sigma1 = gr.Slider(0.1, 3, value=1, step=0.1, label="σ_r (real)")
                    mu2 = gr.Slider(-3, 3, value=1, step=0.1, label="μ_g (generated)")
                    sigma2 = gr.Slider(0.1, 3, value=0.5, step=0.1, label="σ_g (generated)")
                    frechet_text = gr.Markdown(elem_id="metrics-frechet-text")
                with gr.Column(scale=2):
                    first_figure, first_text = frechet_1d(0, 1, 1, 0.5)
                    frechet_plot = gr.Plot(first_figure, label="densities")
            frechet_text.value = first_text
            gr.on(
                [s.input for s in (mu1, sigma1, mu2, sigma2)],
                frechet_1d,
                [mu1, sigma1, mu2, sigma2],
                [frechet_plot, frechet_text],
                trigger_mode="always_last",
                show_progress="hidden",
                api_name="metrics_frechet_1d",
            )
        with gr.Tab("Fidelity vs diversity"):
            gr.Markdown(
                "Precision measures fidelity, recall diversity. Lowering BigGAN's truncation threshold raises one "
                "and lowers the other; FID, one number, hides the trade."
            )
            with gr.Row():
                tradeoff_model = picker(conditional, "biggan-fashion-mnist", "Model")
                tradeoff = gr.Button("Precision and recall against the truncation threshold")
            tradeoff_plot = gr.Plot(label="precision, recall, FID")
            tradeoff.click(
                functools.partial(truncation_tradeoff, zoo),
                [tradeoff_model],
                tradeoff_plot,
                api_name="metrics_truncation",
                **HEAVY,
            )
        with gr.Tab("TSTR"):
            gr.Markdown(
                "**Train on synthetic, test on real**: a classifier trained on a class-conditional model's labelled "
                "samples, tested on real images, beside the same classifier trained on real images (TRTR)."
            )
            with gr.Row():
                tstr_model = picker(conditional, "biggan-fashion-mnist", "Model")
                tstr_button = gr.Button("Train and test (≈ 20 s)")
            tstr_table = gr.Markdown(elem_id="metrics-tstr")
            tstr_button.click(functools.partial(tstr, zoo), [tstr_model], tstr_table, api_name="metrics_tstr", **HEAVY)
        with gr.Tab("Human quiz"):
            gr.Markdown(
                "**Are you a good discriminator?** One image at a time, real or generated (½ each). Share the URL: "
                "the whole room plays, and the room's score is the human D's accuracy (HYPE, Zhou et al. 2019)."
            )
            state = gr.State(None)
            with gr.Row():
                with gr.Column(scale=1):
                    quiz_model = picker(generators, "dcgan-fashion-mnist", "Fakes from")
                    start = gr.Button("Start", variant="primary", elem_id="quiz-start")
                    with gr.Row():
                        real_button = gr.Button("Real", elem_id="quiz-real")
                        fake_button = gr.Button("Generated", elem_id="quiz-fake")
                with gr.Column(scale=1):
                    question = gr.Image(
                        label="Real or generated?",
                        type="pil",
                        format="png",
                        interactive=False,
                        height=280,
                        elem_id="quiz-image",
                    )
                with gr.Column(scale=1):
                    feedback = gr.Markdown(elem_id="quiz-feedback")
                    score = gr.Markdown(elem_id="quiz-score")
            outputs = [question, state, feedback, score]
            start.click(lambda m: quiz_start(zoo, m, room), [quiz_model], outputs, api_visibility="private")
            real_button.click(lambda s: quiz_answer(zoo, room, s, "real"), [state], outputs, api_visibility="private")
            fake_button.click(lambda s: quiz_answer(zoo, room, s, "fake"), [state], outputs, api_visibility="private")
        with gr.Tab("SWD and path length"):
            gr.Markdown(
                "**SWD** (ProGAN): the sliced Wasserstein distance between image patches at each scale of a Laplacian "
                "pyramid. **Perceptual path length** (StyleGAN): how much the image changes for a tiny latent step."
            )
            with gr.Row():
                with gr.Column():
                    swd_source = picker(generators, "dcgan-fashion-mnist", "Images")
                    swd_button = gr.Button("Sliced Wasserstein distance")
                    swd_table = gr.Markdown(elem_id="metrics-swd")
                with gr.Column():
                    ppl_model = picker(lambda: style_names(zoo), "stylegan-fashion-mnist", "StyleGAN model")
                    ppl_button = gr.Button("Perceptual path length in w and z")
                    ppl_table = gr.Markdown(elem_id="metrics-ppl")
            swd_button.click(functools.partial(swd, zoo), [swd_source], swd_table, api_name="metrics_swd", **HEAVY)
            ppl_button.click(
                functools.partial(path_length, zoo), [ppl_model], ppl_table, api_name="metrics_ppl", **HEAVY
            )
    return TabParts(lists, None)
