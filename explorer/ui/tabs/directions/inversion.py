"""Inverting an image for the Directions tab: the latent whose image matches an upload or a Fashion-MNIST test image
(``explorer.inversion``), streamed as it improves, then kept (``edits.keep_inverted``) so the sliders edit it."""

import gradio as gr
import torch

from explorer import images, inversion
from explorer.data import load_fashion_mnist
from explorer.gpu import seconds_per
from explorer.pictures import read_picture
from explorer.ui.common import on_gpu, user_errors
from explorer.ui.tabs.directions.edits import PREVIEW_SIZE, generator, keep_inverted
from explorer.zoo import Zoo


def test_image(zoo: Zoo, index) -> torch.Tensor:
    """Fashion-MNIST test image ``index`` as (1, 1, 32, 32) in [-1, 1]."""
    if index is None or not 0 <= int(index) < 10_000:
        raise ValueError("the test image index must be between 0 and 9 999")
    test = load_fashion_mnist("test", settings=zoo.settings)
    return test.images[int(index)][None]


@user_errors
def check_upload(upload) -> None:
    """An upload to invert must be a picture. Its event skips Gradio's preprocessing (which fails on a file that is
    not a picture without saying why, leaving a broken image that Invert then ignores): the file itself is opened
    with PIL, and one that is not a picture is a one-line ``gr.Error`` ("fake.png is not an image: …")."""
    path = upload.get("path") if isinstance(upload, dict) else upload
    if path:
        read_picture(str(path))


@user_errors
def invert(zoo: Zoo, name: str, upload, test_index, steps, progress=gr.Progress()):  # noqa: B008
    """Stream (progress picture, status, current source key) while the latent of the image is optimised."""
    for pair, status, code in _inversion(zoo, name, upload, test_index, steps, progress):
        if code is None:
            yield pair, status, gr.skip()
        else:  # the latent is kept here, in the main process, where the edits read it (inverted_code)
            yield gr.skip(), status, keep_inverted(name, code)


@on_gpu(seconds_per("steps", 10, 50))
def _inversion(zoo: Zoo, name: str, upload, test_index, steps, progress):
    """``invert`` on the GPU: (picture, status, None) per step, then (None, summary, the latent)."""
    model = generator(zoo, name)
    features = None
    if upload is not None:
        target = inversion.target_tensor(upload, model)
    else:
        target = inversion.target_tensor(test_image(zoo, test_index), model)
    if zoo.classifier_reads(name) and target.shape[1] == 1:
        features = zoo.reference_classifier()
    scale = max(1, PREVIEW_SIZE // (2 * model.resolution))
    last = None
    for step in inversion.invert(model, target, int(steps), features=features):
        progress(step.step / step.steps, desc=f"step {step.step} / {step.steps}")
        last = step
        pair = images.grid_image(torch.cat([target, step.image.clamp(-1, 1)]), ncols=2, scale=scale, padding=4)
        status = f"step {step.step} / {step.steps}: loss {step.loss:.4f}, pixel RMSE {step.rmse:.3f}"
        yield pair, status, None
    status = f"Done: {last.steps} steps, pixel RMSE {last.rmse:.3f} (on [−1, 1]). The sliders now edit this image."
    if inversion.far_from_domain(last.rmse):
        status += (
            f" **Far from what this model makes** (RMSE > {inversion.FAR_FROM_DOMAIN_RMSE}): the closest image it can "
            "generate differs a lot; edits show the model's version, not yours."
        )
    yield None, status, last.code.cpu()
