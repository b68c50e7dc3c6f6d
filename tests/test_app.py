import numpy as np
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

import app
from explorer.ui import interpolate


@pytest.fixture(scope="module")
def client(default_zoo):
    demo = app.build_app(default_zoo)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    yield Client(url, verbose=False)
    demo.close()


def test_app_answers_a_frame_request(client, default_zoo):
    result = client.predict("dcgan-fashion-mnist", 5, 6, 0.25, "linear (lerp)", api_name="/interpolate_frame")
    served = np.asarray(Image.open(result))
    expected = np.asarray(interpolate.render_frame(default_zoo, "dcgan-fashion-mnist", 5, 6, 0.25, "linear (lerp)"))
    assert np.array_equal(served, expected)


def test_app_answers_a_path_request_with_downloads(client):
    strip, figure, png, gif = client.predict(
        "dcgan-fashion-mnist", 5, 6, 8, "spherical (slerp)", api_name="/interpolate_path"
    )
    assert Image.open(png).format == "PNG"
    assert Image.open(gif).n_frames > 8
    assert "plot" in str(figure).lower() or figure


def test_bad_seed_reaches_the_client_as_a_clear_error(client):
    # Gradio's Number bounds reject it first, with a message that names the bound
    with pytest.raises(AppError, match="less than minimum value 0"):
        client.predict("dcgan-fashion-mnist", -1, 6, 0.25, "linear (lerp)", api_name="/interpolate_frame")
