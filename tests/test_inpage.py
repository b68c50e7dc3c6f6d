"""The routes that feed the page's own previews (explorer/ui/inpage.py): inputs, the ONNX file, the runtime."""

import dataclasses
import gzip
import hashlib
import json
import threading
import urllib.error
import urllib.request

import numpy as np
import onnxruntime as ort
import pytest
import torch
from starlette.applications import Starlette
from starlette.testclient import TestClient

from explorer import latent, onnx_export
from explorer.onnx_export import OnnxModels
from explorer.settings import Settings
from explorer.ui.inpage import (
    MAX_QUERY,
    MIRROR_WASM,
    RUNTIME_DIR,
    RUNTIME_FILES,
    RUNTIME_VERSION,
    InPage,
    InPagePreviews,
    serve_mirror,
    write_mirror,
)
from explorer.ui.tabs import interpolation as interpolate
from explorer.ui.tabs.directions import edits as directions
from explorer.ui.tabs.manifold import plane
from explorer.ui.tabs.stylemix import noise

FRAME_ARGS = ["dcgan-fashion-mnist", 11, 23, 0.5, "spherical (slerp)", "seeds", 1, 2, "", ""]


@pytest.fixture(scope="module")
def served(default_zoo, tmp_path_factory):
    in_page = InPagePreviews(OnnxModels(default_zoo, tmp_path_factory.mktemp("onnx")))
    recipe = InPage("interpolate", 3, lambda *args: interpolate.page_inputs(default_zoo, *args))
    assert in_page.register("interpolate_frame", recipe) == {"sliders": [3]}
    return TestClient(Starlette(routes=in_page.routes()))


def inputs(client, args, name="interpolate_frame"):
    return client.get(f"/onnx/inputs/{name}", params={"args": json.dumps(args)})


def test_inputs_are_the_seeded_latents_exactly_and_name_an_immutable_model_file(served, default_zoo):
    answer = inputs(served, FRAME_ARGS)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["program"] == "interpolate" and body["method"] == "spherical" and body["scale"] == 8
    z = default_zoo.load("dcgan-fashion-mnist").sample_latent(2, 11)  # seeds 11, 12: row 0 is seed 11's
    assert torch.equal(torch.tensor(body["a"]), z[0])  # float32 values survive JSON exactly
    assert torch.equal(torch.tensor(body["b"])[None], latent.sample_normal(1, 23, (100,)))
    model = served.get("/" + body["url"])
    assert model.status_code == 200 and "immutable" in model.headers["cache-control"]
    assert hashlib.sha256(model.content).hexdigest()[:16] in body["url"]
    assert served.get("/" + body["url"].replace(body["url"][-21:-5], "0" * 16)).status_code == 404  # an old hash


def test_a_mirror_is_named_with_the_apps_own_url_and_holds_the_same_bytes(default_zoo, tmp_path, monkeypatch):
    """``LATENT_EXPLORER_FILES_URL``: the inputs name the mirror's model file and runtime WebAssembly (the page tries
    them first) beside the app's own URL (its fallback); ``python -m explorer.ui.inpage OUT`` writes the files at the
    paths the mirror serves (the runtime's as the vendored gzip file, which the page unzips)."""
    settings = Settings.from_env({"LATENT_EXPLORER_FILES_URL": "https://cdn.example/latent/"})
    assert settings.files_url == "https://cdn.example/latent/"
    with pytest.raises(ValueError, match="http"):
        Settings.from_env({"LATENT_EXPLORER_FILES_URL": "cdn.example/latent"})
    monkeypatch.setattr(
        default_zoo, "settings", dataclasses.replace(default_zoo.settings, files_url=settings.files_url)
    )
    models = OnnxModels(default_zoo, tmp_path / "onnx")
    in_page = InPagePreviews(models)
    in_page.register("interpolate_frame", InPage("interpolate", 3, lambda *a: interpolate.page_inputs(default_zoo, *a)))
    body = in_page.inputs("interpolate_frame", FRAME_ARGS)
    assert body["mirror"] == "https://cdn.example/latent/" + body["url"]
    assert body["wasm"] == f"https://cdn.example/latent/onnx/runtime/{RUNTIME_VERSION}/ort-wasm-simd-threaded.wasm.gz"
    written = write_mirror(
        default_zoo, tmp_path / "mirror", ["dcgan-fashion-mnist", "vae2d-fashion-mnist"], models.folder
    )
    copy = tmp_path / "mirror" / body["url"]
    assert copy in written and copy.read_bytes() == models.file("dcgan-fashion-mnist").path.read_bytes()
    wasm = tmp_path / "mirror" / MIRROR_WASM
    assert wasm == tmp_path / "mirror" / body["wasm"].removeprefix("https://cdn.example/latent/")
    assert wasm.read_bytes() == (RUNTIME_DIR / "ort-wasm-simd-threaded.wasm.gz").read_bytes()
    models_written = sorted(path.parent.parent.name for path in written if path.suffix == ".onnx")
    assert wasm in written and models_written == ["dcgan-fashion-mnist", "vae2d-fashion-mnist"]
    monkeypatch.setattr(default_zoo, "settings", dataclasses.replace(default_zoo.settings, files_url=""))
    unset = in_page.inputs("interpolate_frame", FRAME_ARGS)
    assert "mirror" not in unset and "wasm" not in unset  # unset: the app serves its files


def test_a_space_names_the_hubs_copy_of_its_uploaded_files_and_serves_the_same_bytes(
    default_zoo, tmp_path, monkeypatch
):
    """``python -m explorer.ui.inpage onnx-files`` before ``hf upload``: on the Space (``SPACE_ID``) the app names the
    Hub's ``resolve/main/onnx-files`` URL as the mirror, and serves the uploaded file itself (not a new export, whose
    bytes another torch could change), so the mirror's file and the app's are one; other weights are exported anew."""
    models = OnnxModels(default_zoo, tmp_path / "cache")
    uploaded = tmp_path / "space" / "onnx-files"
    write_mirror(default_zoo, uploaded, ["dcgan-fashion-mnist"], models.folder)
    index = json.loads((uploaded / "onnx" / "index.json").read_text())
    assert list(index) == ["dcgan-fashion-mnist/generate"]
    listed = index["dcgan-fashion-mnist/generate"]
    monkeypatch.setattr(onnx_export, "export", lambda *args: pytest.fail("exported though the upload holds it"))
    on_space = OnnxModels(default_zoo, tmp_path / "space-cache", seed=uploaded)
    file = on_space.file("dcgan-fashion-mnist")
    assert file.path == uploaded / listed["file"] and file.digest == models.file("dcgan-fashion-mnist").digest
    assert file.mirrored and models.file("dcgan-fashion-mnist").mirrored  # no index: a CDN has all
    other = {"dcgan-fashion-mnist/generate": {**listed, "weights": "0"}}
    (uploaded / "onnx" / "index.json").write_text(json.dumps(other))
    monkeypatch.setattr(onnx_export, "export", lambda *args: b"a new export")
    retrained = OnnxModels(default_zoo, tmp_path / "space-cache", seed=uploaded).file("dcgan-fashion-mnist")
    assert retrained.path.parent == tmp_path / "space-cache" / "dcgan-fashion-mnist"  # not the upload's: other weights
    assert not retrained.mirrored  # so the page is not sent to the Hub for a file it lacks
    outside = tmp_path / "space" / "elsewhere.onnx"  # an index names files of its own folder only
    outside.write_bytes(file.path.read_bytes())
    astray = {"dcgan-fashion-mnist/generate": {**listed, "file": "onnx/model/../../../elsewhere.onnx"}}
    (uploaded / "onnx" / "index.json").write_text(json.dumps(astray))
    assert (
        OnnxModels(default_zoo, tmp_path / "space-cache", seed=uploaded).seeded(
            "dcgan-fashion-mnist", "generate", default_zoo.entry("dcgan-fashion-mnist").folder
        )
        is None
    )
    (uploaded / "onnx" / "index.json").write_text(json.dumps(index))
    monkeypatch.chdir(tmp_path / "space")  # where a Space runs app.py
    space = {"SPACE_ID": "prof/latent-explorer"}
    hub = "https://huggingface.co/spaces/prof/latent-explorer/resolve/main/onnx-files"
    assert Settings.from_env(space).files_url == hub
    assert Settings.from_env({}).files_url == ""  # not a Space: the app serves its files
    chosen = {**space, "LATENT_EXPLORER_FILES_URL": "https://cdn.example/x"}
    assert Settings.from_env(chosen).files_url == "https://cdn.example/x"  # a host of one's own comes first
    assert Settings.from_env({**space, "LATENT_EXPLORER_FILES_URL": "off"}).files_url == ""  # the app sends them all
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env(space).files_url == ""  # uploaded without the files: the app serves them


def test_a_lecture_machines_mirror_serves_the_folder_to_pages_of_another_origin(default_zoo, tmp_path):
    """``python -m explorer.ui.inpage OUT --serve PORT``: the folder, with ``Access-Control-Allow-Origin`` (the page
    is the app's origin, the mirror another), and a 404 for a file it lacks (the page then asks the app)."""
    write_mirror(default_zoo, tmp_path, ["vae2d-fashion-mnist"])
    server = serve_mirror(tmp_path, 0, "127.0.0.1")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with urllib.request.urlopen(root + MIRROR_WASM, timeout=30) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert response.read() == (tmp_path / MIRROR_WASM).read_bytes()
            assert "immutable" in response.headers["Cache-Control"]
        for lacking in ("onnx/model/dcgan-fashion-mnist/generate/0.onnx", "onnx/model/"):  # a file, a folder
            with pytest.raises(urllib.error.HTTPError, match="404") as refused:
                urllib.request.urlopen(root + lacking, timeout=30)
            assert refused.value.headers.get("Cache-Control") is None  # a file added later is fetched then
    finally:
        server.shutdown()
        server.server_close()


def test_a_model_that_is_not_exported_or_bad_inputs_send_the_page_to_the_route(served):
    stylegan = ["stylegan-fashion-mnist", *FRAME_ARGS[1:]]
    assert inputs(served, stylegan).status_code == 404
    assert inputs(served, FRAME_ARGS, name="nothing").status_code == 404
    bad = inputs(served, [*FRAME_ARGS[:1], -5, *FRAME_ARGS[2:]])
    assert bad.status_code == 400 and "Seed A" in bad.text
    for query, message in [  # the query itself (inpage.query_args, the preview route's parser too)
        ("x" * (MAX_QUERY + 1), f"arguments longer than {MAX_QUERY} characters"),
        ("[1,", "bad arguments: Expecting value"),
        ('{"a": 1}', "bad arguments: args must be a JSON list"),
    ]:
        refused = served.get("/onnx/inputs/interpolate_frame", params={"args": query})
        assert refused.status_code == 400 and refused.text.startswith(message), refused.text


def test_the_runtime_is_served_immutable_and_the_wasm_gzipped(served):
    for name, (_stored, media_type, encoding) in RUNTIME_FILES.items():
        answer = served.get(f"/onnx/runtime/{RUNTIME_VERSION}/{name}", headers={"Accept-Encoding": "identity"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media_type)
        assert "immutable" in answer.headers["cache-control"]
        assert answer.headers.get("content-encoding") == encoding
    wasm = gzip.decompress((RUNTIME_DIR / RUNTIME_FILES["ort-wasm-simd-threaded.wasm"][0]).read_bytes())
    assert wasm[:4] == b"\0asm"
    assert served.get("/onnx/runtime/0.0.1/ort.wasm.bundle.min.mjs").status_code == 404
    assert served.get(f"/onnx/runtime/{RUNTIME_VERSION}/LICENSE").status_code == 404  # only the runtime's files


def test_the_directions_inputs_are_the_edit_of_the_alpha_slider(default_zoo):
    args = ["dcgan-fashion-mnist", "SeFa (closed form)", "", "", "all rows", "", "", 0, None, 5, ""]
    body = directions.page_inputs(default_zoo, *args)
    z, v = torch.tensor(body["z"]), torch.tensor(body["vector"])
    alpha = 2.0
    model = default_zoo.load("dcgan-fashion-mnist")
    with torch.inference_mode():
        ours = model.generate((z + alpha * body["sigma"] * v)[None])
    edit = directions.render_edit(default_zoo, *args[:8], alpha, *args[9:])
    assert body["scale"] == 8 and edit.size == (256, 256)
    expected = torch.tensor(np.asarray(edit), dtype=torch.float32).view(256, 256)[::8, ::8]
    got = ((ours[0, 0].clamp(-1, 1) + 1) * 127.5).round()
    assert (got - expected).abs().max() <= 1


def run_graph(onnx_models: OnnxModels, name: str, graph: str, feeds: dict) -> np.ndarray:
    session = ort.InferenceSession(str(onnx_models.file(name, graph).path), providers=["CPUExecutionProvider"])
    (images,) = session.run(None, {k: np.asarray(v, dtype=np.float32) for k, v in feeds.items()})
    return images


def painted(images: np.ndarray, scale: int) -> np.ndarray:
    """What previews.js paints: to_uint8 of the first image's first channel, upscaled by nearest neighbour."""
    grey = np.round((np.clip(images[0, 0], -1, 1) + 1) * np.float32(127.5))
    return grey.repeat(scale, 0).repeat(scale, 1)


@pytest.fixture(scope="module")
def onnx_models(default_zoo, tmp_path_factory) -> OnnxModels:
    return OnnxModels(default_zoo, tmp_path_factory.mktemp("onnx-tabs"))


@pytest.mark.parametrize("noise_mode", ["random", "const", "none"])
def test_the_noise_inputs_draw_the_strength_sliders_image(default_zoo, onnx_models, noise_mode):
    """The synthesis graph fed the page's inputs (ws, maps) and the rows' strengths as previews.js computes them paints
    noise_image's pixels; five row sliders for a seven-row model map coarse to coarse, fine to fine."""
    args = ["stylegan-fashion-mnist", 6, noise_mode, 3]
    strength, rows = 1.5, [0.2, 2.0, 1.0, 0.0, 3.0]
    body = noise.page_inputs(default_zoo, *args, None, *[None] * len(rows))
    assert body["scale"] == 8 and body["rows"] == [0, 1, 1, 2, 3, 3, 4]  # round(i · 4 / 6), half to even
    feeds = {k: np.reshape(t["data"], t["dims"]) for k, t in body["tensors"].items()}
    feeds["strengths"] = [strength * rows[r] for r in body["rows"]]
    got = painted(run_graph(onnx_models, args[0], "synthesis", feeds), body["scale"])
    expected = np.asarray(noise.noise_image(default_zoo, *args, strength, rows).convert("L"), dtype=np.float32)
    assert got.shape == expected.shape == (256, 256)
    assert np.abs(got - expected).max() <= 1


def test_the_noise_inputs_refuse_what_the_handler_refuses(default_zoo):
    with pytest.raises(ValueError, match="noise mode"):
        noise.page_inputs(default_zoo, "stylegan-fashion-mnist", 6, "loud", 0, None, None)
    with pytest.raises(ValueError, match="at least one"):
        noise.page_inputs(default_zoo, "stylegan-fashion-mnist", 6, "random", 0, None)


@pytest.mark.parametrize("grid", ["linear", "Gaussian quantiles (inverse CDF)"])
def test_the_plane_inputs_are_the_z_under_each_pixel_and_decode_as_a_click(default_zoo, onnx_models, grid):
    name, grid_size, extent = "vae2d-fashion-mnist", 5, 2.5
    body = plane.page_inputs(default_zoo, name, grid_size, extent, grid)
    size = grid_size * plane.TILE
    assert len(body["xs"]) == len(body["ys"]) == size and body["scale"] == 8
    kind = plane.GRIDS[grid]
    for x, y in [(0, size - 1), (17, 101), (size - 1, 0), (80, 80)]:
        z = torch.tensor([plane.latent_at(x, y, size, extent, kind)])  # float32, as decode_at feeds the decoder
        assert torch.equal(torch.tensor([[body["xs"][x], body["ys"][y]]]), z)
        got = painted(run_graph(onnx_models, name, "generate", {"z": z.numpy()}), body["scale"])
        picture, _ = plane.decode_at(default_zoo, name, grid_size, extent, grid, x, y)
        assert np.abs(got - np.asarray(picture.convert("L"), dtype=np.float32)).max() <= 1
    with pytest.raises(ValueError, match="grid size"):
        plane.page_inputs(default_zoo, name, 40, extent, grid)


def test_a_click_event_decodes_the_pixel_the_page_sends_not_an_older_clicks_event_data(default_zoo):
    """Gradio 6 re-runs an always_last event that was triggered while it ran with the *earlier* trigger's event data,
    so the VAE plane's server image stayed on the second of three quick clicks while the page showed the third. The
    page sends the pixel of the newest click as an input (previews.js ``clicked``); it replaces ``evt.index``."""
    import gradio as gr
    from gradio.helpers import special_args

    from explorer.ui import previews

    def on_click(name, size, ext, kind, evt: gr.SelectData):
        x, y = evt.index
        return plane.decode_at(default_zoo, name, size, ext, kind, x, y)[1]

    run = previews._at_pixel(on_click, 4)
    inputs = ["vae2d-fashion-mnist", 15, 3.0, "linear"]
    older = gr.SelectData(None, {"index": [200, 30], "value": None})  # the event data Gradio's re-run carries
    # Gradio finds where evt goes from the signature, as it does for the event
    called, _, event_index, _ = special_args(run, [*inputs, [20, 190]], event_data=older)
    assert event_index == len(inputs) + 1
    assert (
        run(*called)
        == plane.decode_at(default_zoo, *inputs, 20, 190)[1]
        != plane.decode_at(default_zoo, *inputs, 200, 30)[1]
    )
    for bad in (None, [20], ["20", 190], [True, 190], [float("nan"), 190], [20, 190, 1], "20,190", {"x": 20}):
        older = gr.SelectData(None, {"index": [200, 30], "value": None})
        assert run(*inputs, bad, older) == plane.decode_at(default_zoo, *inputs, 200, 30)[1], bad
