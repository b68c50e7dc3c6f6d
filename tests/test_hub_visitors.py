"""Visitors act as themselves: on a Space, Push and Hub loads carry the visitor's own login, never the owner's
HF_TOKEN; Hub loads check sizes and refuse pickles before any download.

A small Hub runs in a thread (``FakeHub``): the API calls ``explorer.hub.download`` makes (the revision, the
commit's files with their sizes, its tree, the files) and those ``push_run`` makes (create the repo, preupload,
commit). ``huggingface_hub`` reads ``HF_ENDPOINT`` once, at import, so the fixture points its constants there.
"""

import base64
import dataclasses
import hashlib
import json
import pickle
import re
import subprocess
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import gradio as gr
import huggingface_hub.constants as constants
import pytest
import torch
import yaml
from gradio.helpers import special_args
from safetensors.torch import load_file

from explorer import hub, space
from explorer.models.dcgan import DCGANConfig, DCGANGenerator
from explorer.models.folder import save_folder
from explorer.settings import Settings
from explorer.ui import loader
from explorer.ui.common import ModelList
from explorer.ui.tabs import training
from explorer.zoo import Zoo, ZooError
from tests.test_stylegan2_ada import Fake, network, nvidia_globals  # noqa: F401 (a fixture, by usefixtures)

OWNER_TOKEN = "hf_owner_secret_of_the_space"
VISITOR_TOKEN = "hf_oauth_token_of_the_visitor"
ROOT = Path(__file__).resolve().parents[1]
ADA = ROOT / "tests" / "data" / "stylegan2-ada"  # NVIDIA-written pickles (README there)
SG3 = ROOT / "tests" / "data" / "stylegan3"


class FakeHub:
    """Repos (name → file bytes, optionally declared sizes and a token that may read them) and every request."""

    def __init__(self):
        self.repos: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization header)
        self.commits: list[bytes] = []

    def add(self, repo: str, files: dict[str, bytes], sizes: dict[str, int] | None = None, reader: str = ""):
        sha = hashlib.sha1(repo.encode()).hexdigest()
        self.repos[repo] = dict(sha=sha, files=files, sizes=sizes or {}, reader=reader)

    def size(self, repo: str, name: str) -> int:
        entry = self.repos[repo]
        return entry["sizes"].get(name, len(entry["files"][name]))

    def fetched(self) -> list[str]:
        """The files asked for (``resolve`` requests: the HEAD of its metadata or the GET of its bytes), by name."""
        return sorted({path.rsplit("/", 1)[-1] for _, path, _ in self.requests if "/resolve/" in path})


def handler_for(fake: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code: int, body=b"", headers: dict | None = None) -> None:
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def readable(self, repo: str) -> bool:
            reader = fake.repos[repo]["reader"] if repo in fake.repos else None
            return reader is not None and (not reader or self.headers.get("Authorization") == f"Bearer {reader}")

        def handle_any(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = unquote(urlparse(self.path).path)
            if path == "/api/agent-harnesses" or path.startswith("/api/telemetry/"):
                # huggingface_hub's daily user-agent registry and Gradio's analytics ping: no token, no repo
                return self.reply(404, {"error": "not served here"})
            fake.requests.append((self.command, path, self.headers.get("Authorization")))
            host = f"http://{self.headers['Host']}"
            not_found = (404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/[^/]+)?", path):
                repo = match.group(1)
                if not self.readable(repo):
                    return self.reply(*not_found)
                siblings = [{"rfilename": n, "size": fake.size(repo, n)} for n in fake.repos[repo]["files"]]
                return self.reply(200, {"id": repo, "sha": fake.repos[repo]["sha"], "siblings": siblings})
            if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/tree/.*", path):
                repo = match.group(1)
                files = fake.repos[repo]["files"]
                tree = [{"type": "file", "path": n, "size": fake.size(repo, n), "oid": n} for n in files]
                return self.reply(200, tree)
            if match := re.fullmatch(r"/([^/]+/[^/]+)/resolve/[^/]+/(.+)", path):
                repo, name = match.groups()
                if not self.readable(repo):
                    return self.reply(*not_found)
                content = fake.repos[repo]["files"][name]
                etag = hashlib.sha1(content).hexdigest()
                return self.reply(200, content, {"X-Repo-Commit": fake.repos[repo]["sha"], "ETag": f'"{etag}"'})
            if path == "/api/repos/create":
                fields = json.loads(body)
                return self.reply(200, {"url": f"{host}/{fields['organization']}/{fields['name']}"})
            if re.fullmatch(r"/api/models/[^/]+/[^/]+/preupload/[^/]+", path):
                files = json.loads(body)["files"]
                return self.reply(
                    200, {"files": [dict(path=f["path"], uploadMode="regular", shouldIgnore=False) for f in files]}
                )
            if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/commit/[^/]+", path):
                fake.commits.append(body)
                return self.reply(
                    200, {"commitUrl": f"{host}/{match.group(1)}/commit/{'c' * 40}", "commitOid": "c" * 40}
                )
            return self.reply(404, {"error": f"{self.command} {path} is not served by the test Hub"})

        do_GET = do_HEAD = do_POST = handle_any

    return Handler


@pytest.fixture
def fake_hub(monkeypatch, tmp_path):
    fake = FakeHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():  # the Hub goes away: connections are refused from then on
        server.shutdown()
        server.server_close()

    fake.stop = stop
    endpoint = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)  # what a fresh process would read; this one read it at import:
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    yield fake
    server.shutdown()  # returns at once when the test stopped it already
    server.server_close()
    thread.join()


@pytest.fixture
def on_a_space(monkeypatch):
    """The Space runtime's variables, with the owner's HF_TOKEN secret set."""
    monkeypatch.setenv("SYSTEM", "spaces")
    monkeypatch.setenv("SPACE_ID", "owner/latent-explorer")
    monkeypatch.setenv("HF_TOKEN", OWNER_TOKEN)


@pytest.fixture
def space_oauth(on_a_space, monkeypatch):
    """What the Space runtime sets for ``hf_oauth: true`` (Gradio reads it at import)."""
    import gradio.oauth

    for name, value in dict(
        OAUTH_CLIENT_ID="client", OAUTH_CLIENT_SECRET="secret", OAUTH_SCOPES="openid profile read-repos write-repos"
    ).items():
        monkeypatch.setattr(gradio.oauth, name, value)
    monkeypatch.setattr(gradio.oauth, "OPENID_PROVIDER_URL", "https://huggingface.co")


@pytest.fixture
def run_locally(monkeypatch):
    monkeypatch.delenv("SYSTEM", raising=False)
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("HF_TOKEN", OWNER_TOKEN)


@pytest.fixture(scope="module")
def tiny_gan_files(tmp_path_factory) -> dict[str, bytes]:
    """A tiny DCGAN in our format: the files of a Hub repo."""
    folder = save_folder(tmp_path_factory.mktemp("tiny-gan"), DCGANGenerator(DCGANConfig(latent_dim=8, g_width=4)))
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture
def settings(tmp_path) -> Settings:
    return dataclasses.replace(Settings(), models=tmp_path / "models", converted=tmp_path / "converted")


@pytest.fixture
def finished_run(tmp_path):
    """What ``push_run`` reads of a training job: its checkpoint folder and step."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text('{"family": "dcgan"}')
    (out / "model.safetensors").write_bytes(b"\0" * 64)
    snapshot = types.SimpleNamespace(out=out, saved_step=30)
    return types.SimpleNamespace(snapshot=lambda: snapshot)


def tokens(fake: FakeHub) -> set[str | None]:
    return {authorization for _, _, authorization in fake.requests}


def test_the_space_is_told_by_the_runtime_and_decides_whose_token_is_sent(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", OWNER_TOKEN)
    assert space.on_space({"SYSTEM": "spaces", "SPACE_ID": "a/b"}) and space.on_space({"SPACE_ID": "a/b"})
    assert not space.on_space({}) and not space.on_space({"SYSTEM": "linux"})
    assert space.hub_token(None, {"SYSTEM": "spaces"}) is False  # no token at all, not huggingface_hub's fallback
    assert space.hub_token(VISITOR_TOKEN, {"SYSTEM": "spaces"}) == VISITOR_TOKEN
    assert space.hub_token(None, {}) == OWNER_TOKEN  # a local run: the token of whoever started the app


def test_an_anonymous_visitor_cannot_push_on_a_space_and_nothing_reaches_the_hub(on_a_space, fake_hub, finished_run):
    push = loader.user_errors(training.run.push_run)
    with pytest.raises(gr.Error, match="sign in with the 'Sign in with Hugging Face' button") as error:
        push(finished_run, "owner/latent-explorer-weights")
    assert "\n" not in str(error.value)
    assert fake_hub.requests == []


def test_a_signed_in_visitor_pushes_with_their_own_token_never_the_owners(on_a_space, fake_hub, finished_run):
    message = training.run.push_run(finished_run, "visitor/my-gan", VISITOR_TOKEN)
    assert message.startswith("pushed to https://huggingface.co/visitor/my-gan")
    paths = [path for _, path, _ in fake_hub.requests]
    assert paths == [
        "/api/repos/create",
        "/api/models/visitor/my-gan/preupload/main",
        "/api/models/visitor/my-gan/commit/main",
    ]
    assert tokens(fake_hub) == {f"Bearer {VISITOR_TOKEN}"}
    lines = [json.loads(line) for line in fake_hub.commits[0].splitlines()]
    pushed = {
        line["value"]["path"]: base64.b64decode(line["value"]["content"]) for line in lines if line["key"] == "file"
    }
    assert pushed["config.json"] == b'{"family": "dcgan"}' and set(pushed) == {"config.json", "model.safetensors"}


def test_a_signed_in_visitor_loads_a_private_model_as_themselves(on_a_space, fake_hub, tiny_gan_files, settings):
    fake_hub.add("visitor/private-gan", tiny_gan_files, reader=VISITOR_TOKEN)
    info = loader.inspect_source("visitor/private-gan", settings, VISITOR_TOKEN)
    assert "dcgan" in info and fake_hub.fetched() == sorted(tiny_gan_files)
    assert tokens(fake_hub) == {f"Bearer {VISITOR_TOKEN}"}
    fake_hub.requests.clear()
    with pytest.raises(gr.Error, match="private.*sign in with the 'Sign in with Hugging Face' button"):
        loader.inspect_source("visitor/private-gan", settings)  # anonymous: no token at all, not the owner's
    assert fake_hub.requests and tokens(fake_hub) == {None}


def test_the_login_reaches_the_handlers_through_gradio_on_a_space(space_oauth, fake_hub, tiny_gan_files, settings):
    """The wired handlers take ``gr.OAuthToken``: Gradio injects the session's login (None when signed out)."""
    fake_hub.add("visitor/private-gan", tiny_gan_files, reader=VISITOR_TOKEN)
    with gr.Blocks() as demo:
        loader.build(Zoo(device="cpu", settings=settings))([])
    assert any(isinstance(block, gr.LoginButton) for block in demo.blocks.values())
    inspect = next(f.fn for f in demo.fns.values() if f.api_name == "inspect_model")
    login = {"access_token": VISITOR_TOKEN, "scope": "openid profile read-repos", "expires_at": 2**40}
    signed_in = types.SimpleNamespace(scope={"session": {"oauth_info": login}})
    inputs, _, _, _ = special_args(inspect, ["visitor/private-gan"], request=signed_in)
    assert inputs[1].token == VISITOR_TOKEN
    assert "dcgan" in inspect(*inputs) and tokens(fake_hub) == {f"Bearer {VISITOR_TOKEN}"}
    signed_out, _, _, _ = special_args(inspect, ["visitor/private-gan"], request=types.SimpleNamespace(scope={}))
    assert signed_out[1] is None
    load = next(f.fn for f in demo.fns.values() if f.api_name == "load_model")  # wrapped by user_errors
    assert special_args(load, ["visitor/private-gan"], request=signed_in)[0][1].token == VISITOR_TOKEN


def test_a_local_app_has_no_sign_in_and_uses_the_token_of_who_started_it(
    run_locally, fake_hub, tiny_gan_files, settings, finished_run
):
    with gr.Blocks() as demo:
        loader.build(Zoo(device="cpu", settings=settings))([])
    assert not any(isinstance(block, gr.LoginButton) for block in demo.blocks.values())  # no OAuth routes locally
    fake_hub.add("owner/private-gan", tiny_gan_files, reader=OWNER_TOKEN)
    assert "dcgan" in loader.inspect_source("owner/private-gan", settings)
    assert training.run.push_run(finished_run, "owner/my-gan").startswith("pushed to")
    assert tokens(fake_hub) == {f"Bearer {OWNER_TOKEN}"}


def test_an_oversized_repo_is_refused_before_any_file_is_fetched(run_locally, fake_hub, tiny_gan_files, settings):
    sizes = {"model.safetensors": 3_210_000_000}
    fake_hub.add("someone/huge-gan", tiny_gan_files, sizes=sizes)
    with pytest.raises(gr.Error, match=r"someone/huge-gan is 3\.21 GB to download, over this app's limit of 2 GB"):
        loader.inspect_source("someone/huge-gan", settings)
    assert fake_hub.requests and fake_hub.fetched() == []
    small_limit = Settings.from_env({"LATENT_EXPLORER_HUB_MAX_GB": "0.000001"})  # 1 kB: the tiny GAN is over it
    assert small_limit.hub_max_gb == 1e-6
    fake_hub.add("someone/tiny-gan", tiny_gan_files)
    with pytest.raises(ZooError, match="over this app's limit of 1e-06 GB"):
        hub.download("someone/tiny-gan", max_gb=small_limit.hub_max_gb)
    assert fake_hub.fetched() == []


def test_a_pickle_beside_other_weights_is_never_downloaded(run_locally, fake_hub, tiny_gan_files, settings):
    fake_hub.add("someone/both", {**tiny_gan_files, "network.pkl": b"\x80\x04code"})
    assert "dcgan" in loader.inspect_source("someone/both", settings)
    assert fake_hub.fetched() == sorted(tiny_gan_files)  # the weights, not the pickle beside them


NVIDIA_CARD = b"---\nlicense: other\nlicense_name: nvidia-source-code-license-nc\n---\n# A StyleGAN\n"


def test_an_nvidia_pickle_on_the_hub_is_sized_downloaded_and_read_as_data_as_the_visitor(
    on_a_space, fake_hub, settings
):
    """A repo whose only weights are one pickle, and a repo of several where the source names one: the pickle and its
    card are fetched with the visitor's own token, read by the allow-listed reader and converted once."""
    fake_hub.add(
        "visitor/ffhq-ada", {"network-snapshot.pkl": (ADA / "skip.pkl").read_bytes(), "README.md": NVIDIA_CARD},
        reader=VISITOR_TOKEN,
    )  # fmt: skip
    info = loader.inspect_source("visitor/ffhq-ada", settings, VISITOR_TOKEN)
    for said in ("stylegan2-ada (stylegan2-ada-pkl)", "32×32", "architecture skip", "NVIDIA Source Code License"):
        assert said in info, said
    assert fake_hub.fetched() == ["README.md", "network-snapshot.pkl"]
    assert tokens(fake_hub) == {f"Bearer {VISITOR_TOKEN}"}
    fake_hub.requests.clear()
    with pytest.raises(gr.Error, match="private.*sign in"):  # anonymous: no token at all, never the owner's
        loader.inspect_source("visitor/ffhq-ada", settings)
    assert fake_hub.requests and tokens(fake_hub) == {None}

    pickles = {"ada/skip.pkl": (ADA / "skip.pkl").read_bytes(), "sg3/t32.pkl": (SG3 / "t32.pkl").read_bytes()}
    fake_hub.add("someone/pickles", {**pickles, "README.md": NVIDIA_CARD})
    fake_hub.requests.clear()
    with pytest.raises(gr.Error, match=r"several network pickles \(ada/skip\.pkl, sg3/t32\.pkl\); name one"):
        loader.inspect_source("someone/pickles", settings)
    assert fake_hub.requests and fake_hub.fetched() == []
    with pytest.raises(gr.Error, match="someone/pickles has no file sg3/r32.pkl"):
        loader.inspect_source("someone/pickles@main/sg3/r32.pkl", settings)
    zoo = Zoo(device="cpu", settings=settings)
    message, dropdown = loader.load_source(
        zoo, "someone/pickles@main/sg3/t32.pkl", [ModelList(gr.Dropdown(), zoo.names)]
    )
    assert "stylegan3 (stylegan3-pkl)" in message and "config T" in message
    assert fake_hub.fetched() == ["README.md", "t32.pkl"]  # the named pickle and the card, not ada/skip.pkl
    name = loader.zoo_name("someone/pickles@main/sg3/t32.pkl")
    assert (name, name) in dropdown.choices and "nvidia" in zoo.entry(name).license.lower()
    converted = [p.name for p in settings.converted.iterdir() if not p.name.startswith(".")]
    assert converted == ["someone--pickles--main--sg3--t32-pkl"]
    expected = load_file(str(SG3 / "t32_expected.safetensors"))
    with torch.no_grad():
        model = zoo.load(name)
        assert (model.synthesis(model.mapping(expected["z"], 1.0)) - expected["img_psi1.0"]).abs().max() <= 1e-4


def test_an_oversized_pickle_is_refused_before_it_is_fetched(run_locally, fake_hub, settings):
    fake_hub.add(
        "someone/huge-ada", {"network.pkl": (ADA / "skip.pkl").read_bytes()}, sizes={"network.pkl": 2_500_000_000}
    )
    with pytest.raises(gr.Error, match=r"someone/huge-ada is 2\.50 GB to download, over this app's limit of 2 GB"):
        loader.inspect_source("someone/huge-ada/network.pkl", settings)
    assert fake_hub.requests and fake_hub.fetched() == []


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.usefixtures("nvidia_globals")  # persistence's name, importable while the test pickles
@pytest.mark.parametrize("payload", ["popen", "system", "module_src"])
def test_a_malicious_pickle_from_the_hub_is_refused_and_runs_nothing(
    run_locally, fake_hub, settings, tmp_path, monkeypatch, payload
):
    """Downloaded like any pickle, refused in one line by the reader: no file written outside the download cache,
    no process started (the calls it holds are recorded, had anything resolved them by name)."""
    import os
    import subprocess as subprocess_module

    marker = tmp_path / "ran"
    reconstruct = sys.modules["torch_utils.persistence"]._reconstruct_persistent_obj
    calls = {
        "popen": Fake(subprocess_module.Popen, ["touch", str(marker)]),
        "system": Fake(os.system, f"touch {marker}"),
        "module_src": network(reconstruct, f"open({str(marker)!r}, 'w')\nclass Generator: pass\n"),
    }
    data = pickle.dumps({"G_ema": calls[payload], "training_set_kwargs": {}})
    started = []
    for module, name in [(subprocess_module, "Popen"), (os, "system"), (sys.modules[os.system.__module__], "system")]:
        monkeypatch.setattr(module, name, lambda *a, **k: started.append(a))  # posix.system: what the pickle names
    fake_hub.add("attacker/ffhq", {"ffhq.pkl": data, "README.md": NVIDIA_CARD})
    before = files_under(tmp_path)
    refusal = "refused: it holds the global" if payload != "module_src" else "not a generator of StyleGAN2-ADA"
    with pytest.raises(gr.Error, match=refusal) as error:
        loader.inspect_source("attacker/ffhq", settings)
    assert "\n" not in str(error.value)
    zoo = Zoo(device="cpu", settings=settings)
    with pytest.raises(gr.Error, match=refusal):
        loader.user_errors(loader.load_source)(zoo, "attacker/ffhq", [])
    assert fake_hub.fetched() == ["README.md", "ffhq.pkl"]
    new = {p.relative_to(tmp_path) for p in files_under(tmp_path) - before}
    assert new and all(p.parts[0] == "hub-cache" for p in new), new
    assert not marker.exists() and started == [] and not settings.converted.exists()
    assert "attacker-ffhq" not in zoo.names()


def test_a_hub_that_cannot_be_reached_serves_the_checked_copy_in_the_cache(run_locally, fake_hub, tiny_gan_files):
    fake_hub.add("someone/tiny-gan", tiny_gan_files)
    first = hub.download("someone/tiny-gan")
    fake_hub.stop()
    fake_hub.requests.clear()
    assert hub.download("someone/tiny-gan") == first and sorted(p.name for p in first.iterdir()) == sorted(
        tiny_gan_files
    )
    assert fake_hub.requests == []


def test_the_space_asks_visitors_for_the_scopes_it_uses_and_reads_hf_token_only_locally():
    front_matter = yaml.safe_load((ROOT / "README.md").read_text().split("---")[1])
    assert front_matter["hf_oauth"] is True
    assert {"read-repos", "write-repos"} <= set(front_matter["hf_oauth_scopes"])
    reads = subprocess.run(
        ["grep", "-rnE", r"environ.*HF_TOKEN|getenv\(.HF_TOKEN", str(ROOT / "explorer")], capture_output=True, text=True
    )
    assert reads.stdout == ""  # huggingface_hub.get_token reads it, in explorer.space.hub_token's local branch only
