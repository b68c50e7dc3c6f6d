"""Hostile values through every tab's handlers: a result or a one-line gr.Error, never anything else.

Each tab module has its table of cases (``CASES``): a handler, arguments it renders, and the hostile values
sent in each place. Heavy handlers (FID, GANSpace, inversion, a classifier fit) get only the values their
checks must refuse before any compute. ``test_every_handler_is_fuzzed`` keeps the tables complete: every
``user_errors`` handler of a module, and every module-level function its ``build`` wires that takes user
values, is in the table or in ``EXCLUDED`` with its reason.
"""

import ast
import inspect
import math
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from explorer.theory import CLASSIFIERS
from explorer.ui import (
    common,
    loader,
    share,
)
from explorer.ui import path as lecture_path
from explorer.ui.tabs import arithmetic, interpolation, metrics, theory, training
from explorer.ui.tabs.directions import edits as directions_edits
from explorer.ui.tabs.directions import inversion as directions_inversion
from explorer.ui.tabs.interpolation import ends as interpolation_ends
from explorer.ui.tabs.manifold import autoencoder, beta, conditional, edit, plane, posterior, vqvae
from explorer.ui.tabs.stylemix import mixing, motion, noise
from explorer.ui.tabs.toylab import handlers as toylab_handlers
from explorer.ui.tabs.toylab import presets as toylab_presets
from explorer.ui.tabs.training import growing
from explorer.ui.tabs.truncation import acgan, attention, cbn, chunks, curve, inside, ortho, projection, samples, sweep
from trainers.job import NAME_PATTERN, History, RunSpec

HOSTILE = (math.nan, math.inf, -math.inf, 10**30, -5, 0, "", None, [], "abc")
EARLY = (math.nan, math.inf, -math.inf, 10**30, None, [], "abc")  # what a check refuses before any compute
NOT_ZERO = (math.nan, math.inf, -math.inf, 10**30, -5, "", None, [], "abc")  # where 0 is a valid, slow setting

DCGAN, STYLEGAN, BIGGAN, PROGAN = (
    "dcgan-fashion-mnist",
    "stylegan-fashion-mnist",
    "biggan-fashion-mnist",
    "progan-fashion-mnist",
)
VAE, AE, CVAE, VQ = "vae2d-fashion-mnist", "ae2d-fashion-mnist", "cvae2d-fashion-mnist", "vqvae-fashion-mnist"
PIX2PIX, PIX2PIX_L1, CYCLEGAN = "pix2pix-fashion-mnist", "pix2pix-l1-fashion-mnist", "cyclegan-fashion-mnist"
BIGGAN_CHOSEN = dict(model=BIGGAN, a="Trouser", b="Bag", alpha=0.0, threshold=1.0, seed=3, index=2)  # one sample


@dataclass
class Case:
    """``handler(*args)`` renders; each place from ``first`` on gets each of ``values`` in turn (``only``: just
    these places), and with ``per_setting`` the settings of the dict at that place one by one. ``kept``: the
    hostile calls that return must keep an image wherever ``args`` gave one (a picture, or ``gr.skip()``: the
    output unchanged), never a partial output instead of a message."""

    handler: Callable
    args: list
    first: int = 1  # the places before are not the user's (the zoo, a server-side state)
    values: tuple = HOSTILE
    only: tuple | None = None
    per_setting: int | None = None
    kept: bool = True


@dataclass
class FakeJob:
    """What the Training tab's handlers read of a ``TrainingJob``: a history with one sample grid, no finished runs;
    ``start`` and ``save`` check what the real ones check, then do nothing."""

    out: Path | None = None  # the run's checkpoint folder
    runs: Path = Path("no-runs-here")  # the folder of ended runs (none)
    history: History = field(default_factory=History)
    owner: str | None = None
    started: list = field(default_factory=list)

    def __post_init__(self):
        self.history.grids.append((10, torch.zeros(4, 1, 8, 8)))
        self.history.version, self.history.out = 3, self.out

    def snapshot(self) -> History:
        return self.history

    def seen(self) -> None:
        pass

    def start(self, spec, owner=None) -> None:
        """``TrainingJob.start``'s checks of the spec, then no run."""
        spec.check()
        self.started.append(spec)

    def finished_runs(self) -> list:
        return []

    def save(self, zoo, name: str, replace: bool = False):
        """``TrainingJob.save``'s check of the name, then no copy (the zoo is the session's)."""
        if not NAME_PATTERN.match(name.strip()):
            raise ValueError(f"name {name!r}: use letters, digits, '.', '_' or '-'")
        raise ValueError("nothing to save in this test")


def _picture_file(tmp: Path) -> str:
    path = tmp / "shirt.png"
    Image.fromarray(np.full((28, 28), 200, np.uint8)).save(path)
    return str(path)


def cases_arithmetic(z, tmp):
    return [
        Case(arithmetic.arithmetic, [z, DCGAN, "1", "2", "3", "z space", 0.25, 0]),
        Case(arithmetic.seed_grid, [z, DCGAN, 0]),
        Case(arithmetic.switch_model, [z, DCGAN]),
        Case(arithmetic.add_seed, [("1", "2", "3"), "A", 7], only=(1, 2)),  # the groups: three text boxes
    ]


def cases_directions(z, tmp):
    edits = directions_edits
    settings = [z, DCGAN, list(edits.METHODS)[0], "Trouser", edits.NONE, edits.ROWS[0], "4, 31", "0, 5"]
    return [
        Case(edits.render_edit, [*settings, "0 · SeFa 0", 1.0, 4, ""]),
        # the same checks as render_edit, then the grid of the top directions (a second each): name, method, seed
        Case(edits.overview, [*settings, 4, "", 0], values=EARLY, only=(1, 2, 8), kept=False),
        Case(edits.seed_grid, [z, DCGAN, 0]),
        Case(edits.add_seed, ["4, 31", "0, 5", "with the attribute", 7], first=0),
    ]


def cases_directions_inversion(z, tmp):
    inversion = directions_inversion
    return [
        # an inversion runs its steps (a second or two): the values its checks refuse before the first step
        Case(inversion.invert, [z, DCGAN, None, 7, 20], values=EARLY, only=(1, 3, 4), kept=False),
        Case(inversion.invert, [z, DCGAN, None, 7, 20], values=(math.nan, 10**30, [], "abc"), only=(2,), kept=False),
        Case(inversion.check_upload, [{"path": _picture_file(tmp)}], first=0, kept=False),
    ]


def cases_growing(z, tmp):
    return [
        Case(growing.render, [z, PROGAN, "0, 1", "32²", 0.5]),
        Case(growing.render_fade, [z, PROGAN, "0, 1", "32²", 0.5]),
    ]


def cases_interpolation(z, tmp):
    return [
        Case(interpolation.render_frame, [z, DCGAN, 1, 2, 0.5, "linear (lerp)"]),
        Case(interpolation.render_path, [z, DCGAN, 1, 2, 4, "spherical (slerp)"]),
        Case(interpolation.render_norms, [z, DCGAN, 1, 2, 0.5]),
        Case(interpolation.render_path_video, [z, DCGAN, 1, 2, 2, "linear"]),
        Case(interpolation.path_note, [z, DCGAN]),
        Case(interpolation_ends.upload_code, [z, VAE, _picture_file(tmp)]),
        Case(interpolation_ends.has_encoder, [z, VAE]),
    ]


def cases_loader(z, tmp):
    return [Case(loader.inspect_source, ["models/nothing-here"], first=0, kept=False)]


def cases_plane(z, tmp):
    picture = np.zeros((28, 28), np.uint8)
    picture[8:20, 10:18] = 255
    return [
        Case(plane.render_plane, [z, VAE, 5, 3.0, "linear", False, "sample x ~ p(x|z)"]),
        Case(plane.decode_at, [z, VAE, 5, 3.0, "linear", 10, 10]),
        Case(plane.encode_image, [z, VAE, picture]),
        Case(plane.encode_upload, [z, VAE, _picture_file(tmp), 3.0, "linear"]),
        Case(plane.encode_sketch, [z, VAE, {"composite": picture}, 3.0, "linear"]),
    ]


def cases_metrics(z, tmp):
    room = metrics.quiz.Room()
    return [
        Case(metrics.scores.compute_scores, [z, DCGAN, 500, 0], values=EARLY, only=(1, 2), kept=False),
        Case(
            metrics.scores.compute_scores,
            [z, DCGAN, 500, 0],
            values=(math.nan, 10**30, -5, [], "abc"),
            only=(3,),
            kept=False,
        ),
        Case(metrics.inception.gaming, [z, 1], values=(*EARLY, -5, 0, ""), kept=False),
        Case(metrics.fid.fid_sample_size, [z, DCGAN], values=EARLY, kept=False),
        Case(metrics.tradeoff.truncation_tradeoff, [z, BIGGAN], values=EARLY, kept=False),
        Case(metrics.tstr.tstr, [z, VAE], values=EARLY, kept=False),
        Case(metrics.swd.swd, [z, DCGAN, 200], values=EARLY, only=(1,), kept=False),  # the tab sends no n
        Case(metrics.swd.path_length, [z, STYLEGAN, 50], values=EARLY, only=(1,), kept=False),  # nor here
        Case(metrics.frechet.frechet_1d, [0.0, 1.0, 1.0, 0.5], first=0),
        Case(metrics.quiz.quiz_start, [z, DCGAN, room], only=(1,)),
        Case(
            metrics.quiz.quiz_answer,
            [z, room, {"model": DCGAN, "answer": "real", "shown": 0.0, "answers": []}, "real"],
            only=(2, 3),
        ),
    ]


def cases_stylemix(z, tmp):
    return [Case(mixing.style_mix, [z, STYLEGAN, "1", "2", "coarse", 0, 1, 1.0, 0, "const", 0])]


def cases_stylemix_motion(z, tmp):
    return [
        Case(motion.motion, [z, STYLEGAN, STYLEGAN, 1, 0.7, 1.5, -2.0, 10.0]),
        Case(motion.sticking, [z, STYLEGAN, STYLEGAN, 1, 0.7, 2]),
    ]


def cases_stylemix_noise(z, tmp):
    num_ws = z.load(STYLEGAN).num_ws
    args = [z, STYLEGAN, 1, "random", 0, 1.0, [1.0] * num_ws]
    rows = tuple([bad] * num_ws for bad in (math.nan, 10**30, -5, None, "abc"))  # each row's slider (the list's items)
    return [
        case
        for handler in (noise.noise_panel, noise.noise_image, noise.noise_std)
        for case in (Case(handler, args), Case(handler, args, values=rows, only=(6,)))
    ] + [Case(noise.noise_inputs, [z, STYLEGAN])]


THEORY_TOYS = {  # a GAN theory section's handlers and arguments that render: figures and text, no picture to keep
    theory.lines: [(theory.lines.parallel_lines, (0.5, 0)), (theory.lines.lines_critic, (0.5, 0))],
    theory.kl: [(theory.kl.kl_fits, (3.0, 1, 0)), (theory.kl.movable_kl, ("uniform", "gaussian", 0.5, 1))],
    theory.game: [(theory.game.bilinear, (0.2, 100, 1, 0, "both"))],
    theory.gan1d: [(theory.gan1d.gan_frame, (40, "gaussian", 16, theory.gan1d.GAN_SEED))],
    theory.classes: [(theory.classes.discriminative_generative, (2.5, 60, 0))],
    theory.ratio: [(theory.ratio.density_ratio, (1.0, 0.6, 200, CLASSIFIERS[0], 0))],
    theory.shells: [(theory.shells.latent_shells, (100, 0))],
    theory.costs: [(theory.costs.generator_costs, (0.05,))],
}


def cases_theory_optimum(z, tmp):
    """D fitted once per render (the sweep: ten times, so only the values a check refuses before any fit)."""
    return [
        Case(theory.optimum.optimum, [0.0, 1.0, "8", "64", 0], first=0, kept=False),
        Case(theory.optimum.sweep, [0.0, 1.0, "8", "64", 0], first=0, values=EARLY, kept=False),
    ]


def cases_theory_datarange(z, tmp):
    """A render trains two GANs for 600 steps: only the values a check refuses before any training."""
    return [Case(theory.datarange.compare_ranges, [z, 0], values=EARLY, kept=False)]


def cases_theory_variance(z, tmp):
    """A render trains D for 1 000 steps: only the values a check refuses before any training."""
    return [Case(theory.variance.gradient_variance, ["16", 0], first=0, values=EARLY, kept=False)]


def cases_theory_toys(section: types.ModuleType) -> Callable:
    """A toy section's cases: no rendering of the arguments first (kept=False)."""
    return lambda z, tmp: [Case(handler, list(args), first=0, kept=False) for handler, args in THEORY_TOYS[section]]


def cases_theory_cycle(z, tmp):
    return [
        # λ = 0 is a setting of its own: a fit of seconds, tested in test_cycle2d
        Case(theory.cycle.cycle, ["3", 0], first=0, values=NOT_ZERO, kept=False),
        Case(theory.cycle.round_trip, [z, CYCLEGAN, "a2b", 0]),
    ]


def cases_theory_bimodal(z, tmp):
    sketch, loaded = theory.bimodal.load_test_edges(z, PIX2PIX, 5)
    return [
        # an L1 weight of 0 is a setting of its own: a fit of seconds, tested in test_theory
        Case(theory.bimodal.bimodal, [0, "10"], first=0, values=NOT_ZERO, kept=False),
        Case(theory.bimodal.load_test_edges, [z, PIX2PIX, 5]),
        Case(theory.bimodal.translate_sketch, [z, sketch, PIX2PIX, PIX2PIX_L1, loaded]),
    ]


def cases_toylab(z, tmp):
    toy = toylab_presets.preset_values("WGAN-GP fixes it")
    return [
        Case(toylab_handlers.advance, [None, "both", 1, False, False, toy], first=0, per_setting=5),
        Case(toylab_handlers.record_animation, [None, 1, 2, toy], first=0, values=EARLY),
        Case(toylab_handlers.reset, [True, False, toy], first=0),
        Case(toylab_handlers.lipschitz_panel, [None, toy], first=0),
        Case(toylab_handlers.divergence_panel, [None, toy], first=0),
        Case(toylab_handlers.perturb, [None, True, False, toy], first=0),
        Case(toylab_handlers.redraw, [None, True, False, None], first=0),
        Case(toylab_handlers.select_preset, ["WGAN-GP fixes it", True], first=0),
    ]


RECORDED_RUN = "recorded/dcgan-non-saturating"  # a lecture run of checkpoints/runs/


def cases_training(z, tmp):
    values = {name: getattr(RunSpec(), name) for name in training.run.CONTROLS}
    values["family"] = next(iter(training.run.family_labels()))
    return [
        # the tab calls start_run and save_run through user_errors; the controls are a dict of every setting
        Case(common.user_errors(training.run.start_run), [FakeJob(), values], only=(), per_setting=1),
        Case(training.views.scrub, [FakeJob(), 0, ""]),
        Case(training.views.scrub, [FakeJob(), 0, RECORDED_RUN]),
        Case(training.views.poll, [FakeJob(), 0, False, 0, None, ""], only=(2, 3, 5)),  # the version is a gr.State
        Case(training.views.show_run, [FakeJob(), RECORDED_RUN]),
        Case(training.views.timeline_animation, [FakeJob(), RECORDED_RUN], kept=False),
        Case(training.compare.compare_runs, [FakeJob(), []], kept=False),
        Case(training.compare.open_comparison, [FakeJob(), "losses"], kept=False),
        Case(common.user_errors(training.run.save_run), [FakeJob(), z, "my-gan"], only=(2,), kept=False),
        # through on_push, a user_errors closure; a token given, so that the repo id is checked (before any request)
        Case(
            common.user_errors(training.run.push_run),
            [FakeJob(out=tmp), "o/n", "hf_not_a_token"],
            only=(1,),
            kept=False,
        ),
    ]


def cases_truncation(z, tmp) -> dict:
    """The BigGAN tab's modules' cases; its inside views take their settings by name (a dict), each setting fuzzed."""
    model = z.load(BIGGAN)
    layer = list(cbn.cbn_layers(model))[0]
    everything = BIGGAN_CHOSEN | dict(qx=16, qy=16, redraw=1, layer=layer)
    return {
        samples: [
            Case(samples.render_samples, [z, BIGGAN, "Trouser", "Bag", 0.5, 0.7, 1]),
            Case(samples.switch_model, [z, BIGGAN, 0.5, 0.7, 1], values=EARLY),
            Case(samples.caption, [1], first=0, kept=False),
        ],
        sweep: [
            Case(sweep.render_sweep, [z, BIGGAN, "Trouser", "Bag", 0.5, 1], values=EARLY, kept=False),
            Case(sweep.sweep_animation, [z, BIGGAN, "Trouser", "Bag", 0.5, 1], values=EARLY, kept=False),
            Case(sweep.caption, [1], first=0, kept=False),
        ],
        curve: [Case(curve.render_curve, [z, BIGGAN], values=EARLY, kept=False)],
        attention: [Case(attention.render_attention, [z, BIGGAN_CHOSEN | dict(qx=2, qy=2)], only=(), per_setting=1)],
        chunks: [Case(chunks.render_chunks, [z, BIGGAN_CHOSEN | dict(redraw=1)], only=(), per_setting=1)],
        cbn: [Case(cbn.render_cbn, [z, BIGGAN_CHOSEN | dict(layer=layer)], only=(), per_setting=1)],
        projection: [Case(projection.render_projection, [z, BIGGAN_CHOSEN], only=(), per_setting=1)],
        ortho: [Case(ortho.render_ortho, [z, list(ortho.filter_layers(model))[0]])],
        acgan: [Case(acgan.render_class_head, [z, BIGGAN, 20], values=EARLY, kept=False)],
        # all of the above at once (seconds): what only it reads, the model (before any view) and the reference flag
        inside: [
            Case(
                inside.render_inside,
                [z, everything, False],
                values=tuple(everything | dict(model=v) for v in EARLY),
                only=(1,),
            ),
            Case(inside.render_inside, [z, everything, False], values=EARLY, only=(2,)),
        ],
    }


TRUNCATION = (samples, sweep, curve, attention, chunks, cbn, projection, ortho, acgan, inside)


def cases_autoencoder(z, tmp):
    return [Case(autoencoder.ae_vs_vae, [z, AE, "vae2d-small-fashion-mnist", 0])]


def cases_beta(z, tmp):
    variants = ["vae2d-b05-fashion-mnist", "vae2d-small-fashion-mnist"]
    return [
        Case(beta.compare_variants, [z, variants]),
        Case(beta.vae_vs_gan, [z, VAE, DCGAN, 0]),
    ]


def cases_conditional(z, tmp):
    return [Case(conditional.conditional, [z, CVAE, "Trouser", 0.5, -1.0, 0])]


def cases_posterior(z, tmp):
    return [
        Case(posterior.inside, [z, VAE, "test image", 1, 16, 0, "sample x ~ p(x|z)"]),
        Case(posterior.marginal, [z, VAE, "test image", 1, 0], values=EARLY),  # a valid value: ~10 s of sampling
        Case(posterior.kl_view, [1.0, 0.5, 0.0, 1.0, 0], first=0),
        Case(posterior.kl_from_image, [z, VAE, "test image", 1]),
    ]


def cases_edit(z, tmp):
    return [Case(edit.edit, [z, VAE, 1, 2, "Dress", "Pullover", 8])]


def cases_vqvae(z, tmp):
    grid = vqvae.encode(z, VQ, 0)[0]
    return [
        Case(vqvae.encode, [z, VQ, 0]),
        Case(vqvae.write, [z, VQ, 0, grid, 3, 1, 1]),
        Case(vqvae.write, [z, VQ, 0, grid, 3, 1, 1], values=([[10**6] * len(grid)] * len(grid),), only=(3,)),
        Case(vqvae.codebook_usage, [z, VQ]),
        Case(vqvae.prior_samples, [z, VQ, 0]),
        Case(vqvae.autoregressive_samples, [z, VQ, 0]),
    ]


CASES: dict[types.ModuleType, Callable] = {
    arithmetic: cases_arithmetic,
    directions_edits: cases_directions,
    directions_inversion: cases_directions_inversion,
    growing: cases_growing,
    interpolation: cases_interpolation,
    interpolation_ends: cases_interpolation,
    loader: cases_loader,
    **dict.fromkeys(metrics.SECTIONS, cases_metrics),  # one table for the tab: each section's module its cases
    mixing: cases_stylemix,
    noise: cases_stylemix_noise,
    motion: cases_stylemix_motion,
    **{section: cases_theory_toys(section) for section in THEORY_TOYS},
    theory.cycle: cases_theory_cycle,
    theory.optimum: cases_theory_optimum,
    theory.variance: cases_theory_variance,
    theory.datarange: cases_theory_datarange,
    theory.bimodal: cases_theory_bimodal,
    toylab_handlers: cases_toylab,
    **dict.fromkeys((training.run, training.views, training.compare), cases_training),
    **{module: (lambda z, tmp, module=module: cases_truncation(z, tmp)[module]) for module in TRUNCATION},
    plane: cases_plane,
    posterior: cases_posterior,
    autoencoder: cases_autoencoder,
    beta: cases_beta,
    conditional: cases_conditional,
    edit: cases_edit,
    vqvae: cases_vqvae,
}

EXCLUDED = {  # (module, function): why it is not in the tables; a function of the zoo/job alone needs no entry
    (interpolation, "random_seeds"): "takes no value",
    (interpolation_ends, "encoded"): "only in show_ends, a user_errors closure; its ValueError is the message",
    (loader, "load_source"): "the same source check as inspect_source (fuzzed), then a download",
    (loader, "visitor_token"): "Gradio's OAuth token, never a value a user types",
    (training.run, "stop_run"): "the owner is the session's hash (gr.Request), never a value a user types",
    (training.run, "owns"): "the viewer is the session's hash (gr.Request), never a value a user types",
    (theory.cycle, "_cyclegan"): "only in model_changed, a user_errors closure; round_trip (fuzzed) takes the name",
    (theory.cycle, "directions"): "a CycleGAN's config, never a value a user types",
    (training.views, "shown"): "the run's key reaches it through show_run, scrub and timeline_animation (fuzzed)",
    (training.run, "recipe_values"): "the family and loss reach make_spec through start_run (fuzzed per setting)",
    (attention, "click_pixel"): "a gr.SelectData from Gradio; the pixel reaches render_attention (fuzzed)",
    (attention, "click_sample"): "a gr.SelectData from Gradio; the sample reaches render_attention (fuzzed)",
    (vqvae, "click"): "a gr.SelectData from Gradio; its cell and values reach write (fuzzed)",
    (plane, "page_inputs"): "the /onnx/inputs route's (explorer/ui/inpage.py): its errors are a 400, then the route",
}


def variants(case: Case):
    """(where, args) with one hostile value in one place: a positional argument or, with ``per_setting``, one
    named setting of a dict argument."""
    places = case.only if case.only is not None else range(case.first, len(case.args))
    for position in places:
        for value in case.values:
            if type(value) is type(case.args[position]) and value == case.args[position]:
                continue  # the arguments that render
            hostile = list(case.args)
            hostile[position] = value
            yield f"arg {position} = {value!r}", hostile
    if case.per_setting is not None:
        position = case.per_setting
        for key in case.args[position]:
            for value in (math.nan, 10**30, None, "abc"):  # the worst of HOSTILE, per setting
                hostile = list(case.args)
                hostile[position] = {**case.args[position], key: value}
                yield f"arg {position}[{key!r}] = {value!r}", hostile


def call(handler: Callable, args: list):
    """The handler's result; a streaming handler's last item (every item made, so its errors surface)."""
    result = handler(*args)
    if inspect.isgenerator(result):
        items = list(result)
        return items[-1] if items else None
    return result


def images_at(result) -> set[int]:
    """The places of a result (one value or a tuple/list of outputs) that hold a picture or keep the one shown."""
    outputs = result if isinstance(result, tuple | list) else (result,)
    kept = gr.skip()
    return {i for i, v in enumerate(outputs) if isinstance(v, Image.Image) or (isinstance(v, dict) and v == kept)}


def problems(case: Case) -> list[str]:
    found = []
    name = case.handler.__name__
    expected = images_at(call(case.handler, case.args)) if case.kept else set()
    for where, hostile in variants(case):
        try:
            result = call(case.handler, hostile)
        except gr.Error as error:
            message = str(error.message)
            if "\n" in message or "Traceback" in message:
                found.append(f"{name} {where}: a gr.Error of several lines: {message!r}")
            elif message.startswith("server error"):  # user_error's words for a crash "the input looks fine"
                found.append(f"{name} {where}: a hostile value taken for the server's fault: {message[:200]}")
            continue
        except Exception as error:  # noqa: BLE001 - that is what the test looks for
            found.append(f"{name} {where}: {type(error).__name__}: {error}"[:300])
            continue
        lost = expected - images_at(result)
        if lost:
            found.append(f"{name} {where}: returned no picture at output(s) {sorted(lost)} instead of a message")
    return found


def test_the_fuzzing_finds_a_crash_a_long_or_misleading_message_and_a_lost_picture():
    def handler(zoo, value):
        if value == 0:
            raise ZeroDivisionError("division by zero")
        if value == -5:
            raise gr.Error("Traceback (most recent call last):\n  ...")
        if value is None:
            raise gr.Error("server error (RuntimeError: no seed); the input looks fine, the server failed")
        return (None if value == "" else Image.new("L", (2, 2))), "text"

    found = problems(Case(handler, [None, 1]))
    where = ["handler arg 1 = -5", "handler arg 1 = 0", "handler arg 1 = ''", "handler arg 1 = None"]
    assert [f.split(":")[0] for f in found] == where
    assert "several lines" in found[0] and "ZeroDivisionError" in found[1] and "output(s) [0]" in found[2]
    assert "server's fault" in found[3]


def cases_of(module: types.ModuleType, zoo, tmp) -> list[Case]:
    """The cases of ``module``'s own handlers (a tab's table covers every module of its package)."""
    return [case for case in CASES[module](zoo, tmp) if case.handler.__module__ == module.__name__]


def module_id(module: types.ModuleType) -> str:
    return module.__name__.removeprefix("explorer.ui.")  # tabs.metrics.scores: -k metrics picks a tab's modules


@pytest.mark.parametrize("module", list(CASES), ids=module_id)
def test_hostile_values_end_as_results_or_gradio_errors(default_zoo, tmp_path, module):
    failures = [p for case in cases_of(module, default_zoo, tmp_path) for p in problems(case)]
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


def wrapped_by_user_errors(function) -> bool:
    code = getattr(function, "__code__", None)
    return code is not None and code.co_filename == common.__file__ and code.co_name in ("wrapper", "streaming")


NOT_USER_VALUES = {"zoo", "job", "progress", "room", "model_lists", "settings", "token", "request"}


def takes_user_values(function) -> bool:
    parameters = inspect.signature(inspect.unwrap(function)).parameters
    return any(name not in NOT_USER_VALUES for name in parameters)


EVENTS = {"click", "change", "input", "release", "select", "submit", "upload", "blur", "tick", "then", "success"}
EVENTS |= {"on", "draw_when_opened", "lazy_renders", "by_name", "by_values"}  # gr.on, a share link's renders,
# and common.by_name / by_values (a handler named for its controls, then handed to events)


def wired(module: types.ModuleType) -> set[str]:
    """The module-level functions its builders (``build*``, ``_build*``, ``_wire*``) hand to events: named in an
    event's arguments (directly, through ``functools.partial`` or a lambda) or called by a function or lambda
    defined in a builder (the events' closures). The builders of a tab package's module are the package's own
    (explorer/ui/tabs/<tab>/*.py): its ``build`` wires the handlers its modules define."""
    path = Path(module.__file__)
    top = {node.name for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)}
    in_package = path.parent.parent.name == "tabs" and (path.parent / "__init__.py").exists()
    trees = [ast.parse(p.read_text()) for p in (sorted(path.parent.glob("*.py")) if in_package else [path])]
    builders = [
        n
        for tree in trees
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and n.name.startswith(("build", "_build", "_wire"))
    ]
    handed = []
    for builder in builders:
        for node in ast.walk(builder):
            called = getattr(node.func, "attr", getattr(node.func, "id", "")) if isinstance(node, ast.Call) else ""
            if called in EVENTS or called.startswith("wire"):  # previews.wire*, the theory sections' wire
                handed += [*node.args, *(k.value for k in node.keywords)]
            elif node is not builder and isinstance(node, ast.FunctionDef | ast.Lambda):
                handed.append(node)
    return {n.id for tree in handed for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in top}


@pytest.mark.parametrize("module", list(CASES), ids=module_id)
def test_every_handler_is_fuzzed(default_zoo, tmp_path, module):
    functions = {
        name: f for name, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__
    }
    handlers = {name for name, f in functions.items() if wrapped_by_user_errors(f)} | wired(module)
    handlers = {name for name in handlers if takes_user_values(functions[name])}
    fuzzed = {case.handler.__name__ for case in cases_of(module, default_zoo, tmp_path)}
    excluded = {name for (m, name) in EXCLUDED if m is module}
    missing = sorted(handlers - fuzzed - excluded)
    assert not missing, f"{module.__name__}: handlers neither fuzzed nor excluded: {missing}"
    stale = sorted(excluded - set(functions) | excluded & fuzzed)
    assert not stale, f"{module.__name__}: EXCLUDED names what is gone or fuzzed: {stale}"


def test_every_module_with_a_handler_is_in_the_table():
    """A new tab or section module is fuzzed from its first handler: every module of explorer/ui with a function
    wrapped by ``user_errors`` is a key of ``CASES`` (whose completeness test then names each unfuzzed handler)."""
    import importlib

    root = Path(common.__file__).parent
    unlisted = []
    for path in sorted(root.rglob("*.py")):
        name = ".".join(path.relative_to(root.parent.parent).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        functions = [f for f in vars(module).values() if inspect.isfunction(f) and f.__module__ == name]
        if any(wrapped_by_user_errors(f) for f in functions) and module not in CASES:
            unlisted.append(name)
    assert unlisted == [], f"modules with user_errors handlers missing from CASES: {unlisted}"


def test_degenerate_uploads(default_zoo):
    for size in [(1, 1), (3, 5000, 3)]:
        with pytest.raises(gr.Error):
            plane.encode_image(default_zoo, VAE, np.zeros(size, np.uint8))


DEEP = b"[" * 50_000  # json.loads: RecursionError, a RuntimeError
FILES = [b"", b"not json", b"[]", b"null", b"1e999", b'{"tab": []}', b'{"tab": "interpolation", "t": NaN}']
FILES += [b'{"steps": "abc"}', b'{"steps": [1]}', b'{"steps": [{"title": "x", "link": 5}]}', b"\xff\xfe\x00"]
FILES += [b'{"steps": [{"title": [], "link": "?tab=nowhere"}]}', b'{"steps": [{"title": "x", "link": "?tab=%ff"}]}']


@pytest.mark.parametrize(
    "content",
    [
        *FILES,
        pytest.param(DEEP, id="nested-50000-deep"),  # json's RecursionError: a one-line refusal too
    ],
)
def test_hostile_settings_and_path_files_are_refused_in_one_line(tmp_path, content):
    """The Share box's settings file and the lecture path's file: the upload handlers (closures in share.build)
    turn a ValueError or OSError of these readers into their gr.Error; nothing else may come out."""
    file = tmp_path / "hostile.json"
    file.write_bytes(content)
    for read in (share.read_settings, lambda path: lecture_path.read(path, {"interpolation"})):
        try:
            read(str(file))
        except (ValueError, OSError) as error:
            assert "\n" not in str(error) and "Traceback" not in str(error)
