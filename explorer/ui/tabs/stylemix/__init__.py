"""Style mixing and noise tab: StyleGAN's Figs. 3 and 5, on any StyleGAN model of the zoo.

Karras et al., arXiv:1812.04948. Every synthesis layer takes its own style (a row of ws), so a
destination image can take the rows of one resolution band from a source image: coarse styles
(4²–8²) carry pose and shape, middle (16²–32²) finer features, fine (64²–1024²) colour and
micro-structure. Per-pixel noise inputs add stochastic detail; their effect is local (Fig. 5).
A 32×32 model has no 64²+ layers: the presets are mapped onto the resolutions it has (shown).
Three sections: ``mixing`` and ``noise`` (the paper's Figs. 3 and 5), and ``motion`` (StyleGAN3's alias-free
input, dragged beside a StyleGAN2's constant; texture sticking).
"""

import gradio as gr

from explorer import latent
from explorer.ui.common import ModelList
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts, build_sections
from explorer.ui.tabs.stylemix import mixing, motion, noise
from explorer.ui.tabs.stylemix.checks import model_names
from explorer.zoo import Zoo

SECTIONS = (mixing, noise, motion)
NOTE = """**What you are seeing.** StyleGAN (Karras et al. 2019) feeds one style per synthesis layer (rows of
**ws**, one per resolution). *Style mixing* (Fig. 3): each image inside the grid is the destination (left)
with the styles of one band copied from the source (top): **coarse** (4²–8² in the paper) brings pose and
overall shape, **middle** (16²–32²) finer features, **fine** (64²+) colour and texture. *Noise* (Fig. 5):
per-pixel noise, scaled by a learned strength per channel, adds stochastic detail; the standard-deviation map
over 16 noise draws shows where it acts. *Truncation* ψ pulls w towards its mean: w' = w̄ + ψ(w − w̄)."""


def band_description(ws_resolutions: list[int]) -> str:
    lines = []
    for name, indices in latent.style_bands(ws_resolutions).items():
        resolutions = sorted({ws_resolutions[i] for i in indices})
        lo, hi = latent.PAPER_BANDS[name]
        shown = (
            "–".join(f"{r}²" for r in (resolutions[0], resolutions[-1]))
            if len(resolutions) > 1
            else f"{resolutions[0]}²"
        )
        lines.append(f"**{name}** (paper {lo}²–{hi}²) → ws rows {indices[0]}–{indices[-1]} ({shown})")
    return "; ".join(lines)


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No StyleGAN in the zoo: train one with `python -m trainers stylegan --out …`.")
        return None
    model0 = zoo.load(names[0])
    with gr.Row():
        model = gr.Dropdown(names, value=names[0], label="Model", elem_id="mix-model", scale=1)
        with gr.Column(scale=2):
            gr.Markdown(band_description(model0.ws_resolutions), elem_classes=["note"])
    noise_mode, noise_seed = noise.controls()  # placed in the noise section; the mixing grid uses them too

    def build_section(section):
        if section is mixing:
            return mixing.build(zoo, model, model0.num_ws, noise_mode, noise_seed)
        if section is motion:
            return motion.build(zoo, model)
        return noise.build(zoo, previews, model, model0.ws_resolutions, noise_mode, noise_seed)

    tabs, parts = build_sections("mix-sections", SECTIONS, build_section)
    fields = dict(model=model)
    for part in parts.values():
        fields |= part.fields
    renders = [render for part in parts.values() for render in part.renders]
    share = Share("stylemix", fields, renders, sections=(tabs, tuple(parts)))
    lists = [ModelList(model, lambda: model_names(zoo))] + [m for part in parts.values() for m in part.model_lists]
    return TabParts(lists, share)
