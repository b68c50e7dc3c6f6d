"""The repository is a Hugging Face Space: valid front matter, and app.py serves offline on 0.0.0.0."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import gradio
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def front_matter() -> dict:
    text = (ROOT / "README.md").read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_front_matter_is_a_gradio_space():
    meta = front_matter()
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert str(meta["sdk_version"]).split(".")[0] == gradio.__version__.split(".")[0]
    assert str(meta["python_version"]).startswith("3.")
    assert meta["license"] == "mit" and 0 < len(meta["short_description"]) <= 60
    requirements = (ROOT / "requirements.txt").read_text()
    assert "gradio" not in requirements  # the Space takes Gradio from sdk_version
    assert "torch" in requirements and "safetensors" in requirements


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # starts app.py in a subprocess: imports, zoo and Gradio start from cold
def test_app_py_serves_on_all_interfaces_without_network(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "0.0.0.0",
        "GRADIO_SERVER_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HOME": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            assert process.poll() is None, process.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200 and "Latent Explorer" in response.read().decode()
                    return
            except OSError:
                time.sleep(1)
        raise AssertionError("app.py did not answer within 240 s")
    finally:
        process.terminate()
        process.wait(timeout=30)
