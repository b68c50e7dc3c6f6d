"""The human quiz (HYPE, Zhou et al. 2019): real or generated, one image at a time; the room is the discriminator."""

import secrets
import threading
import time

import gradio as gr
from PIL import Image

from explorer import images, latent
from explorer.metrics import evaluate
from explorer.ui.share import SectionParts
from explorer.ui.tabs.metrics.choices import generator_names, picker
from explorer.zoo import Zoo

TITLE = "Human quiz"
ID = "quiz"
QUIZ_SCALE = 8


class Room:
    """Every answer of every session of this app: the room's accuracy as a "human discriminator"."""

    def __init__(self):
        self.lock = threading.Lock()
        self.correct = self.total = 0

    def add(self, correct: bool) -> None:
        with self.lock:
            self.total += 1
            self.correct += int(correct)

    def summary(self) -> str:
        with self.lock:
            if not self.total:
                return "the room: no answers yet"
            return f"the room: **{100 * self.correct / self.total:.0f} %** right over {self.total} answers"


def _question(zoo: Zoo, model: str) -> tuple[Image.Image, str]:
    """A random real test image or a sample of ``model`` (each with probability ½), drawn on the server."""
    rng = secrets.SystemRandom()
    if rng.random() < 0.5:
        pictures, _ = evaluate.images(zoo, evaluate.REAL_TEST, 1, rng.randrange(latent.MAX_SEED))
        return images.image(pictures, scale=QUIZ_SCALE), "real"
    pictures, _ = evaluate.images(zoo, model, 1, rng.randrange(latent.MAX_SEED))
    return images.image(pictures, scale=QUIZ_SCALE), "fake"


def quiz_start(zoo: Zoo, model: str, room: Room | None = None):
    """A fresh round: the first image; the answer stays in the server-side state, never in the page."""
    if model not in generator_names(zoo):
        raise gr.Error(f"choose a generator for the fakes: {', '.join(generator_names(zoo))}")
    picture, answer = _question(zoo, model)
    state = {"model": model, "answer": answer, "shown": time.monotonic(), "answers": []}
    return picture, state, "Real or generated? Press a button.", _quiz_score(state, room)


def quiz_answer(zoo: Zoo, room: Room, state: dict | None, guess: str):
    """Score the guess, then show the next image."""
    if not isinstance(state, dict) or state.get("answer") is None:
        raise gr.Error("press Start first")
    seconds = time.monotonic() - state["shown"]
    correct = guess == state["answer"]
    room.add(correct)
    answers = [*state["answers"], (correct, seconds)]
    verdict = "✔ right" if correct else "✘ wrong"
    feedback = f"{verdict}: that image was **{state['answer']}** ({seconds:.1f} s). Next one:"
    picture, answer = _question(zoo, state["model"])
    state = {**state, "answer": answer, "shown": time.monotonic(), "answers": answers}
    return picture, state, feedback, _quiz_score(state, room)


def _quiz_score(state: dict, room: Room | None = None) -> str:
    answers = state["answers"]
    if not answers:
        mine = "you: no answers yet"
    else:
        right = sum(c for c, _ in answers)
        seconds = sum(s for _, s in answers) / len(answers)
        mine = (
            f"you: **{right} of {len(answers)}** right ({100 * right / len(answers):.0f} %), {seconds:.1f} s per answer"
        )
    chance = "50 % = real and generated cannot be told apart"
    return f"{mine}  \n{room.summary() if room else ''}  \n*{chance}*"


def build(zoo: Zoo) -> SectionParts:
    """The quiz; one ``Room`` per app, so every session's answers count towards the room's score."""
    room = Room()
    gr.Markdown(
        "**Are you a good discriminator?** One image at a time, real or generated (½ each). Share the URL: "
        "the whole room plays, and the room's score is the human D's accuracy (HYPE, Zhou et al. 2019)."
    )
    state = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1):
            model = picker(zoo, generator_names, "dcgan-fashion-mnist", "Fakes from")
            start = gr.Button("Start", variant="primary", elem_id="quiz-start")
            with gr.Row():
                real_button = gr.Button("Real", elem_id="quiz-real")
                fake_button = gr.Button("Generated", elem_id="quiz-fake")
        with gr.Column(scale=1):
            question = gr.Image(
                label="Real or generated?",
                type="pil",
                format="png",
                interactive=False,
                height=280,
                elem_id="quiz-image",
            )
        with gr.Column(scale=1):
            feedback = gr.Markdown(elem_id="quiz-feedback")
            score = gr.Markdown(elem_id="quiz-score")
    outputs = [question, state, feedback, score]
    start.click(lambda m: quiz_start(zoo, m, room), [model.dropdown], outputs, api_visibility="private")
    real_button.click(lambda s: quiz_answer(zoo, room, s, "real"), [state], outputs, api_visibility="private")
    fake_button.click(lambda s: quiz_answer(zoo, room, s, "fake"), [state], outputs, api_visibility="private")
    return SectionParts(model_lists=[model])
