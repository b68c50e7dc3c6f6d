"""The Interpolation tab's path ends: two seeds' latents, or (a model with an encoder) the means μ(x) of q(z|x) of
two real images, each a test image by number or an upload whose code the tab keeps (numbers only, never a path)."""

import json
import math

import gradio as gr
import torch

from explorer import latent
from explorer.data import load_fashion_mnist
from explorer.models import HasEncoder, Unconditional
from explorer.pictures import read_picture, to_model_image
from explorer.ui.common import user_errors
from explorer.zoo import Zoo

ENDS = ("seeds", "encoded images")  # the path's ends: the z of two seeds, or the encoder's μ(x) of two real images
TEST_IMAGES = 10_000  # Fashion-MNIST's test set, the encoders' data


def has_encoder(zoo: Zoo, model_name: str | None) -> bool:
    """Whether the model can encode an image (its family has q(z|x)): then the path's ends may be real images."""
    return bool(model_name) and model_name in zoo.names() and zoo.family(model_name).supports(HasEncoder)


def encoded(zoo: Zoo, model_name: str, ends: str | None) -> bool:
    """Whether the path runs between encoded images: asked for, and the model has an encoder (a GAN has only seeds;
    the tab hides its *Ends* choice)."""
    return _ends(ends) == ENDS[1] and has_encoder(zoo, model_name)


def _ends(ends: str | None) -> str:
    if ends in (None, ""):
        return ENDS[0]
    if ends not in ENDS:
        raise ValueError(f"the path's ends are {' or '.join(ENDS)}, got {ends!r}")
    return ends


def dataset_image(zoo: Zoo, model_name: str, index, which: str) -> tuple[torch.Tensor, str]:
    """Test image number ``index`` of the model's data, (1, 1, 32, 32) in [-1, 1], and its caption."""
    if zoo.entry(model_name).dataset != "fashion-mnist":
        raise ValueError(f"{model_name} was not trained on Fashion-MNIST: upload image {which} instead")
    if index is None or not float(index).is_integer() or not 0 <= int(index) < TEST_IMAGES:
        raise ValueError(f"test image {which} must be a whole number from 0 to {TEST_IMAGES - 1}, got {index}")
    test = zoo.memo("fashion-mnist-test", "", lambda: load_fashion_mnist("test", settings=zoo.settings))
    return test.images[int(index) : int(index) + 1], f"test image {int(index)}"


@user_errors
def upload_code(zoo: Zoo, model_name: str, path: str | None) -> str:
    """An uploaded picture's code for the path: the encoder's μ(x) as JSON with the model that made it (what the
    tab keeps, in a hidden box: numbers only, so that the t slider's previews never carry a file path); "" for
    none. A file that is not a picture is a ``gr.Error``."""
    if not path:
        return ""
    try:
        x = to_model_image(read_picture(path))
        model = zoo.require(model_name, HasEncoder, what="a model with an encoder")
    except ValueError as error:
        raise gr.Error(str(error)) from None
    with torch.inference_mode():
        mu = model.encode(x.to(zoo.device))[0][0]
    return json.dumps({"model": model_name, "z": [round(float(v), 6) for v in mu]})


def _code(code: str | None, model_name: str, latent_dim: int, which: str) -> torch.Tensor | None:
    """The latent in an upload's ``code`` if it belongs to this model (None for no upload, or another model's:
    picking another model goes back to the test images)."""
    if not code:
        return None
    try:
        data = json.loads(code)
        z = [float(v) for v in data["z"]]
    except (ValueError, TypeError, KeyError):
        raise ValueError(f"the code of upload {which} is not readable: upload the image again") from None
    if data.get("model") != model_name:
        return None
    if len(z) != latent_dim or not all(math.isfinite(v) for v in z):
        raise ValueError(f"the code of upload {which} does not fit {model_name}: upload the image again")
    return torch.tensor([z])


def shown_end(model, x: torch.Tensor | None, z: torch.Tensor, upload: str | None) -> torch.Tensor:
    """The picture at one end of the strip: the test image; for an upload, the file as the encoder saw it (its
    decoded code if the file is gone)."""
    if x is None and upload:
        try:
            x = to_model_image(read_picture(upload))
        except ValueError:
            x = None
    return model.generate(z[None]) if x is None else x.to(z.device)


def endpoints(
    zoo: Zoo,
    model_name: str,
    seed_a: int,
    seed_b: int,
    ends: str = ENDS[0],
    image_a: int = 0,
    image_b: int = 1,
    code_a: str = "",
    code_b: str = "",
) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """The model and the latents z_A, z_B (each (1, latent_dim)): of the two seeds, or (``ends`` = "encoded
    images", a model with an encoder) the means μ(x) of q(z|x) of the two images: an upload's code where there is
    one, else the test image of that number."""
    model, z, _ = ends_with_images(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b)
    return model, z[0], z[1]


def ends_with_images(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b):
    """(model, [z_A, z_B], [x_A, x_B] or None for seeds; an upload's x is None: only its code is kept)."""
    model = zoo.require(model_name, Unconditional, what="a model that generates from z alone")
    if not encoded(zoo, model_name, ends):
        z_a = model.sample_latent(1, latent.check_seed(seed_a, "seed A"))
        return model, [z_a, model.sample_latent(1, latent.check_seed(seed_b, "seed B"))], None
    zs, xs = [], []
    for which, index, code in (("A", image_a, code_a), ("B", image_b, code_b)):
        z = _code(code, model_name, model.latent_dim, which)
        x = None
        if z is None:
            x, _ = dataset_image(zoo, model_name, index, which)
            with torch.inference_mode():
                z = model.encode(x.to(zoo.device))[0].cpu()
        zs.append(z)
        xs.append(x)
    return model, zs, xs
