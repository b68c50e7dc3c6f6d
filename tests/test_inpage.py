"""The routes that feed the page's own previews (explorer/ui/inpage.py): inputs, the ONNX file, the runtime."""

import gzip
import hashlib
import json

import numpy as np
import pytest
import torch
from starlette.applications import Starlette
from starlette.testclient import TestClient

from explorer import latent
from explorer.onnx_export import OnnxModels
from explorer.ui.inpage import RUNTIME_DIR, RUNTIME_FILES, RUNTIME_VERSION, InPage, InPagePreviews
from explorer.ui.tabs import interpolation as interpolate
from explorer.ui.tabs.directions import edits as directions

FRAME_ARGS = ["dcgan-fashion-mnist", 11, 23, 0.5, "spherical (slerp)", "seeds", 1, 2, "", ""]


@pytest.fixture(scope="module")
def served(default_zoo, tmp_path_factory):
    in_page = InPagePreviews(OnnxModels(default_zoo, tmp_path_factory.mktemp("onnx")))
    recipe = InPage("interpolate", 3, lambda *args: interpolate.page_inputs(default_zoo, *args))
    assert in_page.register("interpolate_frame", recipe) == {"slider": 3}
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


def test_a_model_that_is_not_exported_or_bad_inputs_send_the_page_to_the_route(served):
    stylegan = ["stylegan-fashion-mnist", *FRAME_ARGS[1:]]
    assert inputs(served, stylegan).status_code == 404
    assert inputs(served, FRAME_ARGS, name="nothing").status_code == 404
    bad = inputs(served, [*FRAME_ARGS[:1], -5, *FRAME_ARGS[2:]])
    assert bad.status_code == 400 and "Seed A" in bad.text


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
