"""The repository is a Hugging Face Space: valid front matter, and app.py serves offline on 0.0.0.0."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import gradio
import pytest
import yaml

from explorer.settings import Settings

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


def test_the_deploy_command_uploads_what_the_space_needs_and_nothing_else():
    """The README's command is ``space.upload_command()``; the files it sends are computed as ``hf upload`` does."""
    from explorer import space

    readme = (ROOT / "README.md").read_text()
    assert space.upload_command() in readme and "huggingface-cli" not in readme
    assert space.FILES_COMMAND in readme and space.FILES_COMMAND.split()[-1] == Settings().files.as_posix()
    files = space.upload_files(ROOT)
    page = ("explorer/ui/page.js", "explorer/ui/page.css", "explorer/ui/previews.js")  # read by app.py, served
    runtime = "explorer/ui/static/onnxruntime-web/"  # the page's ONNX Runtime (3.9 MB) and its license
    vendored = [runtime + f for f in ("ort.wasm.bundle.min.mjs", "ort-wasm-simd-threaded.wasm.gz", "LICENSE")]
    for needed in ("app.py", "README.md", "requirements.txt", "checkpoints/zoo.json", *page, *vendored):
        assert needed in files, needed
    models = json.loads((ROOT / "checkpoints" / "zoo.json").read_text())["models"]
    for model in models:
        assert f"checkpoints/{model['path']}/model.safetensors" in files
        assert f"checkpoints/{model['path']}/training_state.safetensors" not in files
    python = [p.relative_to(ROOT).as_posix() for d in ("explorer", "trainers") for p in (ROOT / d).rglob("*.py")]
    assert set(python) <= set(files)  # every module of the app
    leaked = [f for f in files if f.split("/")[0] in ("tests", "bench", "runs", ".git", ".ci") or "__pycache__" in f]
    assert not leaked, leaked
    sizes = {f: (ROOT / f).stat().st_size for f in files}
    assert max(sizes.values()) < space.MAX_FILE_BYTES, max(sizes, key=sizes.get)
    assert sum(sizes.values()) < 60 * 2**20


def test_front_matter_declares_the_hub_models_and_the_dataset():
    meta = front_matter()
    hub = {m["repo"] for m in json.loads((ROOT / "checkpoints" / "zoo.json").read_text())["hub"]}
    assert set(meta["models"]) == hub and meta["datasets"] == ["zalando-datasets/fashion_mnist"]
    assert meta["suggested_hardware"].startswith(("zero-", "cpu-", "t4-", "a10g-"))


def test_gpu_tasks_run_on_the_cpu_here(default_zoo):
    """With ``spaces`` installed (the Space's requirements, the test extra), off ZeroGPU its decorator is a
    no-op: a GPU task renders in this process, on this CPU, and ``user_errors`` alone makes no task."""
    import spaces

    from explorer import gpu
    from explorer.ui import common
    from explorer.ui.tabs import interpolation

    assert gpu.spaces is spaces and not gpu.on_zero_gpu()
    assert interpolation.render_frame.task is gpu.TASKS["explorer.ui.tabs.interpolation.render_frame"]
    picture = interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", 1, 2, 0.5, "linear (lerp)")
    assert picture.size == (256, 256) and str(gpu.training_device()) in ("cpu", "cuda", "mps")
    before = set(gpu.TASKS)

    @common.user_errors
    def render(x):
        return x + 1

    assert render(1) == 2 and set(gpu.TASKS) == before and not hasattr(render, "task")


def requirement_lines(text: str) -> dict:
    from packaging.requirements import Requirement

    lines = (line.split("#")[0].strip() for line in text.splitlines())
    return {(r := Requirement(line)).name.lower().replace("_", "-"): r for line in lines if line}


def test_version_floors_match_the_code_and_pyproject_and_requirements_agree():
    import tomllib
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    package = requirement_lines("\n".join(project["dependencies"]))
    space = requirement_lines((ROOT / "requirements.txt").read_text())
    for name, requirement in package.items():  # everything the package needs, the Space installs alike
        if name != "gradio":  # the Space's Gradio is sdk_version
            assert name in space and space[name].specifier == requirement.specifier, name
    assert front_matter()["sdk_version"] in package["gradio"].specifier

    def floor(requirement) -> Version:
        return min(Version(s.version) for s in requirement.specifier if s.operator == ">=")

    code = "\n".join(p.read_text() for d in ("explorer", "trainers") for p in (ROOT / d).rglob("*.py"))
    if "torch.OutOfMemoryError" in code:  # torch 2.5 made it public
        assert floor(space["torch"]) >= Version("2.5") and floor(space["torchvision"]) >= Version("0.20")
    if "hf upload" in (ROOT / "README.md").read_text():  # the `hf` CLI is huggingface_hub 1.0's
        assert floor(space["huggingface-hub"]) >= Version("1.0")


def test_model_cards_name_hub_datasets_and_a_pipeline_tag():
    from trainers.cards import HUB_DATASETS, PIPELINE_TAGS
    from trainers.cards import front_matter as card_front_matter

    tasks = {"unconditional-image-generation", "image-to-image", "image-classification"}
    cards = sorted(c for c in (ROOT / "checkpoints").glob("*/README.md") if c.parent.name != "runs")  # runs: no model
    assert len(cards) >= 15
    for card in cards:
        meta = yaml.safe_load(card.read_text().split("---\n")[1])
        assert meta["pipeline_tag"] in tasks and meta["library_name"] == "pytorch", card
        for dataset in meta.get("datasets", []):
            assert dataset in HUB_DATASETS.values(), (card, dataset)  # "owner/name" ids, not our short names
    written = yaml.safe_load(card_front_matter("pix2pix", "fashion-mnist"))
    assert written["datasets"] == ["zalando-datasets/fashion_mnist"] and written["pipeline_tag"] == "image-to-image"
    assert PIPELINE_TAGS["classifier"] == "image-classification"
    assert "datasets" not in yaml.safe_load(card_front_matter("dcgan", "folder:faces"))  # no Hub id for a folder


def test_the_space_ships_its_license_data_package_and_lfs_patterns():
    from explorer import space

    files = space.upload_files(ROOT)
    assert "LICENSE" in files and "MIT License" in (ROOT / "LICENSE").read_text()
    assert front_matter()["license"] == "mit"
    assert "dataset-fashion-mnist" in (ROOT / "packages.txt").read_text().split() and "packages.txt" in files
    patterns = [line.split()[0] for line in (ROOT / ".gitattributes").read_text().splitlines() if "filter=lfs" in line]
    text_suffixes = {".py", ".md", ".json", ".txt", ".js", ".mjs", ".toml", ".css", ".in", ".sh", ""}
    binary = [f for f in files if Path(f).suffix not in text_suffixes and Path(f).name not in ("LICENSE",)]
    assert binary, "the upload holds weights and images"
    uncovered = [f for f in binary if not any(Path(f).match(p) for p in patterns)]
    assert not uncovered, f"binary files outside large-file storage: {uncovered}"


def test_missing_data_is_one_line_that_names_the_package(tmp_path, monkeypatch):
    import torchvision.datasets

    from explorer.data import DatasetUnavailable, load_dataset
    from explorer.settings import Settings

    def offline(*args, **kwargs):
        raise OSError("Tried http://example/, got:\n<urlopen error no network>")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", offline)
    settings = Settings.from_env(
        {"LATENT_EXPLORER_SYSTEM_DATA": str(tmp_path / "none"), "LATENT_EXPLORER_DATA": str(tmp_path / "cache")}
    )
    assert settings.system_data == tmp_path / "none"
    with pytest.raises(DatasetUnavailable) as error:
        load_dataset("fashion-mnist", "test", settings=settings)
    message = str(error.value)
    assert "\n" not in message and "apt-get install dataset-fashion-mnist" in message and "packages.txt" in message
    assert str(tmp_path / "none" / "fashion-mnist") in message


def test_biggan_projection_d_and_orthogonal_view_work_from_the_uploaded_files(tmp_path):
    """The upload leaves out training_state.safetensors; BigGAN's views read discriminator.safetensors instead."""
    import shutil

    import torch

    from explorer import space
    from explorer.ui.tabs.truncation import ortho, projection
    from explorer.zoo import Zoo
    from trainers.checkpoint import discriminator_tensors

    name = "biggan-fashion-mnist"
    uploaded = [f for f in space.upload_files(ROOT) if f.startswith(f"checkpoints/{name}/")]
    assert f"checkpoints/{name}/discriminator.safetensors" in uploaded
    folder = tmp_path / name
    folder.mkdir()
    for file in uploaded:
        shutil.copy(ROOT / file, folder / Path(file).name)
    assert not (folder / "training_state.safetensors").exists()
    entry = next(m for m in json.loads((ROOT / "checkpoints" / "zoo.json").read_text())["models"] if m["name"] == name)
    manifest = tmp_path / "zoo.json"
    manifest.write_text(json.dumps({"models": [entry | {"path": str(folder)}]}))
    zoo = Zoo(manifest, device="cpu")
    chosen = dict(model=name, a="Trouser", b="Bag", alpha=0.0, threshold=1.0, seed=3, index=2)
    figure = projection.render_projection(zoo, chosen, reference=False)
    model = zoo.load(name)
    assert list(figure.data[0].x) == model.class_names and "asked for Trouser" in figure.layout.title.text
    state = ROOT / "checkpoints" / name / "training_state.safetensors"
    if state.is_file():  # the checkout keeps the state for --resume: the shipped D is its discriminator, exactly
        trained, _ = discriminator_tensors(state.parent)
        shipped = projection.projection_discriminator(zoo, name).state_dict()
        assert trained.keys() == shipped.keys()
        assert all(torch.equal(trained[k].float(), shipped[k]) for k in trained)
    assert ortho.trained_beta(zoo, name) == 1e-4  # the orthogonal view's β, from the discriminator's settings


def test_views_that_need_fashion_mnist_say_so_in_one_line_without_it(tmp_path, monkeypatch):
    """On a Space without the dataset, the VQ-VAE, CycleGAN and pix2pix views show a line, not an error."""
    import dataclasses

    import torchvision.datasets

    from explorer.data import NO_TEST_IMAGES
    from explorer.settings import Settings
    from explorer.ui.tabs.manifold import vqvae
    from explorer.ui.tabs.theory import cycle
    from explorer.zoo import Zoo

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", offline)
    settings = dataclasses.replace(Settings.from_env(), system_data=tmp_path / "none", data_cache=tmp_path / "cache")
    zoo = Zoo(device="cpu", settings=settings)
    grid, view, cells, text = vqvae.encode(zoo, "vqvae-fashion-mnist", 0)
    assert grid == [] and view is None and cells is None and text.startswith(NO_TEST_IMAGES) and "\n" not in text
    figure, usage = vqvae.codebook_usage(zoo, "vqvae-fashion-mnist")
    assert "no test images" in figure.layout.title.text and usage.startswith(NO_TEST_IMAGES)
    assert vqvae.prior_samples(zoo, "vqvae-fashion-mnist", 0).size[0] > 0  # what needs no data still works
    picture, line = cycle.round_trip(zoo, "cyclegan-fashion-mnist", "a2b", 0)
    assert picture is None and line.startswith(NO_TEST_IMAGES) and "\n" not in line


@pytest.mark.slow  # builds a wheel and a virtual environment
def test_an_installed_wheel_finds_its_page_scripts_checkpoints_and_lecture_path(tmp_path):
    """``pip install .`` copies the packages only: the page scripts come as package data (MANIFEST.in), the
    checkpoints and the lecture path through ``explorer.resources``' lookup (the clone it runs in, or
    ``LATENT_EXPLORER_HOME``)."""
    source = tmp_path / "source"
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for package in ("explorer", "trainers"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    run = dict(capture_output=True, text=True, timeout=600, check=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                    "-w", str(wheels)], **run)  # fmt: skip
    wheel = next(wheels.glob("latent_explorer-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"explorer/ui/page.js", "explorer/ui/page.css", "explorer/ui/previews.js", "explorer/resources.py"} <= names
    assert not any(n.startswith(("checkpoints/", "tests/")) for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], **run)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], **run)
    probe = (
        "import json, explorer, explorer.resources as r, explorer.ui.previews as p;"
        "from explorer.zoo import Zoo;"
        "print(json.dumps([explorer.__file__, str(r.CHECKPOINTS), r.LECTURE_PATH.is_file(), p.CLIENT_JS.is_file(),"
        " sorted(Zoo(device='cpu').entries)]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "LATENT_EXPLORER_HOME"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    models = sorted(m["name"] for m in json.loads((ROOT / "checkpoints" / "zoo.json").read_text())["models"])
    for cwd, extra in ((ROOT, {}), (elsewhere, {"LATENT_EXPLORER_HOME": str(ROOT)})):  # -I: no cwd on sys.path
        out = subprocess.run([python, "-I", "-c", probe], cwd=cwd, env=env | extra, **run).stdout
        module, checkpoints, lecture_path, scripts, names = json.loads(out.splitlines()[-1])
        assert module.startswith(str(venv)) and "/site-packages/" in module  # the installed copy, not the checkout's
        assert checkpoints == str(ROOT / "checkpoints") and lecture_path and scripts and names == models
    out = subprocess.run([python, "-I", "-m", "explorer.resources"], cwd=elsewhere, env=env, **run).stdout
    assert f"no    {elsewhere / 'checkpoints' / 'zoo.json'}" in out  # nothing found: it says where it looked


def test_the_readme_states_the_uploads_file_count_and_size():
    from explorer import space

    files = space.upload_files(ROOT)
    mib = sum((ROOT / f).stat().st_size for f in files) / 2**20
    match = re.search(r"about\s+(\d+)\s+files,\s+(\d+(?:\.\d+)?)\s+MiB", (ROOT / "README.md").read_text())
    assert match, "the README's Space section says: about N files, M MiB"
    count, size = int(match[1]), float(match[2])
    assert abs(count - len(files)) <= 0.1 * len(files), f"the upload is {len(files)} files, the README says {count}"
    assert abs(size - mib) <= 0.1 * mib, f"the upload is {mib:.1f} MiB, the README says {size}"
