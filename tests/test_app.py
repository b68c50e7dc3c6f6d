import base64
import json

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from explorer import images, latent
from explorer.ui.tabs import interpolation
from explorer.ui.tabs.interpolation import ends


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def plotted(values) -> np.ndarray:
    """A trace's numbers in Plotly JSON: a list, or (Plotly ≥ 6) a base64 typed array."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).astype(float)
    return np.asarray(values, dtype=float)


def test_app_answers_a_frame_request(client, default_zoo):
    result = client.predict("dcgan-fashion-mnist", 5, 6, 0.25, "linear (lerp)", api_name="/interpolate_frame")
    served = np.asarray(Image.open(result))
    expected = np.asarray(interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", 5, 6, 0.25, "linear (lerp)"))
    assert np.array_equal(served, expected)


def test_app_answers_a_path_request_with_downloads(client, default_zoo):
    strip, figure, png, gif = client.predict(
        "dcgan-fashion-mnist", 5, 6, 8, "spherical (slerp)", 0.5, api_name="/interpolate_path"
    )
    assert Image.open(png).format == "PNG"
    assert Image.open(gif).n_frames > 8
    # the ‖z‖ plot arrives as Plotly JSON: both paths' norms between the two seeds' latents
    assert figure["type"] == "plotly", figure
    traces = {trace["name"]: plotted(trace["y"]) for trace in json.loads(figure["plot"])["data"]}
    _, z_a, z_b = ends.endpoints(default_zoo, "dcgan-fashion-mnist", 5, 6)
    for name, method in (("linear (lerp)", "linear"), ("spherical (slerp)", "spherical")):
        expected = latent.interpolation_path(z_a[0], z_b[0], 41, method).norm(dim=-1).numpy()
        assert np.allclose(traces[name], expected, rtol=1e-5), name
    assert traces["linear (lerp)"][20] < traces["spherical (slerp)"][20]  # the straight line cuts inside the shell
    video = client.predict("dcgan-fashion-mnist", 5, 6, 8, "spherical (slerp)", api_name="/interpolate_video")
    with open(video, "rb") as served:
        assert served.read(12)[4:8] == b"ftyp"  # an MP4 container, served as a download


def test_bad_seed_reaches_the_client_as_a_clear_error(client):
    # Gradio's Number bounds reject it first, with a message that names the bound
    with pytest.raises(AppError, match="less than minimum value 0"):
        client.predict("dcgan-fashion-mnist", -1, 6, 0.25, "linear (lerp)", api_name="/interpolate_frame")


def labelled(size: tuple[int, int], rows: list[str], columns: list[str]) -> tuple[int, int]:
    """The size of a grid of ``size`` once images.label_rows and label_columns have added their margins."""
    grid = Image.new("RGB", size)
    return images.label_columns(images.label_rows(grid, rows), columns).size


@pytest.mark.parametrize(
    "api, args, size",
    [
        ("/arithmetic", ("dcgan-fashion-mnist", "1, 2", "3", "4", "z space", 0.25, 0), (736, 160)),
        (
            "/style_mix",
            ("stylegan-fashion-mnist", "1, 2", "3", "coarse", 0, 6, 1.0, 0, "const", 0),
            labelled((3 * 96 + 4 * 12, 2 * 96 + 3 * 12), rows=["", "dst 3"], columns=["", "src 1", "src 2"]),
        ),
        ("/truncation_samples", ("biggan-fashion-mnist", "Trouser", "Bag", 0.5, 0.7, 1), (552, 552)),
        ("/vae_plane", ("vae2d-fashion-mnist", 9, 3.0, "linear", True), (288, 288)),
    ],
)
def test_each_tab_answers_with_images_of_the_expected_size(client, api, args, size):
    result = client.predict(*args, api_name=api)
    assert Image.open(result[0]).size == size


def test_an_uploaded_image_is_encoded_and_marked_on_the_scatter(client, tmp_path):
    garment = np.zeros((28, 28), np.uint8)
    garment[4:24, 8:20] = 220  # a bright trouser-like block on black, like Fashion-MNIST
    path = tmp_path / "garment.png"
    Image.fromarray(garment).save(path)
    seen, reconstruction, landed, scatter = client.predict(
        "vae2d-fashion-mnist", handle_file(str(path)), 3.0, "linear", api_name="/vae_encode"
    )
    assert Image.open(seen).size == Image.open(reconstruction).size and landed.startswith("μ = (")
    assert "your image" in str(scatter)  # the scatter gained the star where the image lands
