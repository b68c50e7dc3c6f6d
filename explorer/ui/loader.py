"""The "Load a model" box: a Hub repo id (optionally @revision, optionally a pickle in it) or a model folder, into
every tab.

Inspect shows name, family, format, resolution, classes, license, parameters and download size (for an NVIDIA
pickle also its mapping depth and architecture: StyleGAN2-ADA's skip/resnet/orig, StyleGAN3's config T or R) before
the model joins the zoo; Load converts it (BigGAN-deep, huggan DCGAN, StyleGAN2, StyleGAN2-ADA, StyleGAN3) into our
format once, adds it to
the zoo, measures seconds per image on this machine and refreshes every tab's model list. Local
folders must be inside ``Settings.models`` (default ``models/``) or the Training tab's runs
(``Settings.runs``): the app never reads a path a user typed anywhere else.

Hub requests carry the visitor's own token: on a Space the box shows "Sign in with Hugging Face", and the
handlers take Gradio's ``gr.OAuthToken`` (injected by its annotation; ``None`` for an anonymous visitor and for
every visitor of a local run, where the token of whoever started the app is used instead, see
``explorer.space.hub_token``). A repo's files and sizes are checked before anything is downloaded
(``Settings.hub_max_gb``); a ``.pkl`` is downloaded only when it is named (``user/name/network.pkl``) or is the repo's
only weights, and is then read by ``explorer.stylegan_pickle`` (as data) or refused.
"""

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import gradio as gr

from explorer import hub
from explorer.settings import Settings
from explorer.space import on_space
from explorer.ui.common import ModelList, user_errors
from explorer.zoo import Zoo, ZooError, read_hub_list


def allowed_roots(settings: Settings) -> list[Path]:
    return [settings.models.resolve(), settings.runs.resolve()]


def visitor_token(oauth_token: gr.OAuthToken | None) -> str | None:
    """The signed-in visitor's access token (None: anonymous, or a local run)."""
    return oauth_token.token if oauth_token is not None else None


def source_folder(source: str, settings: Settings | None = None, token: str | None = None) -> Path:
    """The folder (or pickle file) of a repo id (downloaded with the visitor's ``token``, within
    ``settings.hub_max_gb``; the handler's ``gr.Progress`` shows the bar) or of an allowed folder."""
    settings = settings or Settings.from_env()
    if source is not None and not isinstance(source, str):
        raise ZooError(f"a repo id or folder is text, got {type(source).__name__}")
    source = (source or "").strip()
    if hub.is_repo_id(source):
        return hub.resolve(source, token, settings.hub_max_gb)
    path = Path(source).resolve() if source else None
    if path is None or not any(path.is_relative_to(root) for root in allowed_roots(settings)):
        roots = " or ".join(str(r) for r in allowed_roots(settings))
        raise ZooError(f"enter a Hub repo id like 'user/name[@revision][/file.pkl]', or a folder inside {roots}")
    return hub.resolve(str(path))


def _duration(seconds: float) -> str:
    """0.0042 → "4.2 ms", 1.5 → "1.50 s": never "0.00 s" for a fast model."""
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds:.2f} s"


def zoo_name(source: str) -> str:
    """The zoo's name for a loaded model: a Hub repo's id ("user-name"), a local folder's own name (a run folder
    "dcgan-fashion-mnist-20261130-061500", not its whole path "tmp-…-runs-…")."""
    source = source.strip().strip("/")
    if not hub.is_repo_id(source):
        source = Path(source).name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", source)[-64:] or "model"


@user_errors
def inspect_source(source: str, settings: Settings | None = None, token: str | None = None) -> str:
    folder = source_folder(source, settings, token)
    return hub.inspect(folder, str(source).strip()).markdown()


def load_source(zoo: Zoo, source: str, model_lists: Sequence[ModelList] = (), token: str | None = None) -> list:
    """Add the model to the zoo and return the message plus refreshed model lists."""
    folder = source_folder(source, zoo.settings, token)
    target, info = hub.converted_folder(source.strip(), folder, zoo.settings.converted)
    entry = zoo.add_folder(target, zoo_name(source), license=info.license, description=f"{info.format} from {source}")
    seconds = hub.seconds_per_image(zoo.load(entry.name))
    entry.extra["seconds_per_image"] = seconds
    message = (
        f"{info.markdown()}<br>Loaded as **{entry.name}** on {zoo.device.type.upper()}: "
        f"about **{_duration(seconds)} per image** here. "
        f"It is in the model list of every tab that supports {info.family}."
    )
    return [message] + [gr.Dropdown(choices=lst.names()) for lst in model_lists]


def build(zoo: Zoo):
    """The accordion (placed where it is called); returns ``connect(model_lists)`` to call once the tabs exist."""
    with gr.Accordion(
        "Load a pretrained model (Hugging Face Hub or a local folder)", open=False, elem_id="loader-accordion"
    ):
        known = "\n".join(
            f"- `{m['repo']}@{m['revision']}`: {m['description']} (license: {m['license']})" for m in read_hub_list()
        )
        gr.Markdown(
            "Paste a Hub repo id, optionally `@revision`, or a folder or file under `models/`. Formats: ours, "
            "BigGAN-deep (pytorch-pretrained-biggan), huggan DCGAN, rosinality StyleGAN2, and NVIDIA's StyleGAN2-ADA "
            "and StyleGAN3 `.pkl` (`user/name/network.pkl` on the Hub, or a file under `models/`; read as data: "
            "none of its code runs, anything else in it is refused). Nothing is downloaded until you press a button, "
            "and nothing over the size limit. Check each model's license "
            f"before use (many public GAN weights are non-commercial; NVIDIA's are).\n\n"
            f"Known public models:\n{known}"
        )
        if on_space():
            gr.Markdown(
                "Private or gated models load with **your own** Hugging Face login: sign in, and the Space "
                "reads the Hub as you (never with the Space owner's token)."
            )
            gr.LoginButton(elem_id="loader-login")
        with gr.Row():
            source = gr.Textbox(label="Repo id or folder", placeholder="osanseviero/BigGAN-deep-128", scale=3)
            inspect = gr.Button("Inspect", scale=1)
            load = gr.Button("Load into the zoo", variant="primary", scale=1)
        info = gr.Markdown(elem_id="load-info")

    def on_inspect(text: str, oauth_token: gr.OAuthToken | None = None, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        return inspect_source(text, zoo.settings, visitor_token(oauth_token))

    inspect.click(on_inspect, source, info, api_name="inspect_model")

    def connect(model_lists: Sequence[ModelList], zoo_changed: Callable | None = None) -> None:
        lists = list(model_lists)

        @user_errors
        def on_load(text: str, oauth_token: gr.OAuthToken | None = None, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
            return load_source(zoo, text, lists, visitor_token(oauth_token))

        loaded = load.click(
            on_load,
            source,
            [info, *[lst.dropdown for lst in lists]],
            api_name="load_model",
        )
        if zoo_changed is not None:  # the app's header counts the models
            zoo_changed(loaded)

    return connect
