"""SWD (ProGAN, Karras et al. 2018) and perceptual path length (StyleGAN, Karras et al. 2019)."""

import functools

import gradio as gr
import numpy as np
import torch

from explorer.gpu import seconds_per
from explorer.metrics import evaluate
from explorer.models import StyleGenerator
from explorer.ui.common import HEAVY, on_gpu, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.metrics.choices import generator_names, picker, style_names
from explorer.zoo import Zoo

TITLE = "SWD and path length"
ID = "swd"


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
    if name not in style_names(zoo):
        raise ValueError(f"{name} makes images the Fashion-MNIST classifier cannot read (it needs 32×32 greyscale)")
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


def build(zoo: Zoo) -> SectionParts:
    gr.Markdown(
        "**SWD** (ProGAN): the sliced Wasserstein distance between image patches at each scale of a Laplacian "
        "pyramid. **Perceptual path length** (StyleGAN): how much the image changes for a tiny latent step."
    )
    with gr.Row():
        with gr.Column():
            source = picker(zoo, generator_names, "dcgan-fashion-mnist", "Images")
            swd_button = gr.Button("Sliced Wasserstein distance")
            swd_table = gr.Markdown(elem_id="metrics-swd")
        with gr.Column():
            model = picker(zoo, style_names, "stylegan-fashion-mnist", "StyleGAN model")
            ppl_button = gr.Button("Perceptual path length in w and z")
            ppl_table = gr.Markdown(elem_id="metrics-ppl")
    swd_button.click(functools.partial(swd, zoo), [source.dropdown], swd_table, api_name="metrics_swd", **HEAVY)
    ppl_button.click(functools.partial(path_length, zoo), [model.dropdown], ppl_table, api_name="metrics_ppl", **HEAVY)
    return SectionParts(model_lists=[source, model])
