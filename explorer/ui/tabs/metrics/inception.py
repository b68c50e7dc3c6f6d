"""How the Inception Score fails: one perfect image per class, and noise optimised to game it."""

import functools

import gradio as gr

from explorer import images, plots
from explorer.metrics import evaluate
from explorer.metrics.scores import inception_score
from explorer.ui.common import HEAVY, user_errors
from explorer.ui.share import SectionParts
from explorer.zoo import Zoo

TITLE = "How IS fails"
ID = "inception"


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


def build(zoo: Zoo) -> SectionParts:
    gr.Markdown(
        "**One perfect image per class** makes p(y|x) sharp and p(y) uniform: a near-maximal IS without any "
        "diversity. **Gaming IS**: gradient ascent on noise images maximises the classifier's IS of the batch."
    )
    with gr.Row():
        with gr.Column():
            cheat = gr.Button("One perfect image per class", elem_id="metrics-one-per-class")
            cheat_images = gr.Image(
                label="The ten images", type="pil", format="png", interactive=False, show_label=False, buttons=[]
            )
            cheat_table = gr.Markdown(elem_id="metrics-one-per-class-table")
        with gr.Column():
            steps = gr.Slider(10, 300, value=100, step=10, label="Gradient-ascent steps")
            game = gr.Button("Game the Inception Score", elem_id="metrics-game")
            game_images = gr.Image(label="The optimised images: noise", type="pil", format="png", interactive=False)
    game_plot = gr.Plot(label="IS over the steps")
    cheat.click(
        functools.partial(one_image_per_class, zoo),
        None,
        [cheat_images, cheat_table],
        api_name="metrics_one_per_class",
        **HEAVY,
    )
    game.click(functools.partial(gaming, zoo), [steps], [game_images, game_plot], api_name="metrics_game", **HEAVY)
    return SectionParts()
