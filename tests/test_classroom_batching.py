"""The batching queue: concurrent renders stacked into one pass give each caller exactly its own rows.

Each test holds the queue's one compute slot with a blocked call, starts its callers, waits until they have all
joined the open batch (a condition, never a fixed sleep), then lets the slot go: so the batch is certain to
hold every caller, and ``queue.batches`` counts what happened.
"""

import threading
import time

import pytest
import torch

from explorer.batching import BatchQueue, batchable, batching
from explorer.models.dcgan import DCGANConfig, DCGANGenerator
from explorer.models.vae import VAE, VAEConfig

WAIT = 30.0  # the longest any condition is waited for


def wait_until(condition, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.001)


class Slot:
    """Holds ``queue``'s compute slot (a batch of another key whose function blocks) until ``release``."""

    def __init__(self, queue: BatchQueue):
        self.held, self.go = threading.Event(), threading.Event()

        def block(x: torch.Tensor) -> torch.Tensor:
            self.held.set()
            self.go.wait(WAIT)
            return x

        self.thread = threading.Thread(target=queue.run, args=("blocker", block, torch.zeros(1, 1)))
        self.thread.start()
        assert self.held.wait(WAIT)

    def release(self) -> None:
        self.go.set()
        self.thread.join(WAIT)


def together(queue: BatchQueue, calls: list, key="rows") -> list:
    """Run ``calls`` (functions of nothing) in threads while the slot is held, once all joined one batch: their
    results or exceptions, in order."""
    slot = Slot(queue)
    results: list = [None] * len(calls)

    def call(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as error:  # the test looks at it
            results[i] = error

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    wait_until(lambda: queue.waiting() == len(calls))
    slot.release()
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def dcgan() -> DCGANGenerator:
    torch.manual_seed(0)
    model = DCGANGenerator(DCGANConfig(latent_dim=16, g_width=8))
    for module in model.modules():  # batch norm with running statistics that are not the identity
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


def test_concurrent_generator_renders_share_one_pass_and_each_gets_its_own_image(dcgan):
    queue = BatchQueue()
    latents = [torch.randn(1, 16, generator=torch.Generator().manual_seed(i)) for i in range(12)]
    with torch.inference_mode():
        alone = [dcgan.generate(z) for z in latents]

    def render(z: torch.Tensor):
        with batching(queue), torch.inference_mode():
            return dcgan.generate(z)

    batched = together(queue, [lambda z=z: render(z) for z in latents])
    assert queue.batches == 2 and queue.inputs == 13  # the blocker's pass, then one pass for all twelve
    for mine, expected in zip(batched, alone, strict=True):
        assert mine.shape == (1, 1, 32, 32)
        assert torch.equal(mine, expected)  # bit for bit: row i of the batch is row i's own render
    assert len({tuple(image.flatten()[:8].tolist()) for image in batched}) == 12  # twelve different images


def test_vae_decodes_are_batched_and_equal_to_single_decodes():
    torch.manual_seed(0)
    model = VAE(VAEConfig()).eval()
    queue = BatchQueue()
    points = [torch.tensor([[0.3 * i - 1.5, 0.2 * i]]) for i in range(6)]
    with torch.inference_mode():
        alone = [model.decode(z) for z in points]

    def decode(z):
        with batching(queue), torch.inference_mode():
            return model.decode(z)

    batched = together(queue, [lambda z=z: decode(z) for z in points])
    assert queue.batches == 2
    assert all(torch.allclose(b, a, atol=1e-6, rtol=0) for b, a in zip(batched, alone, strict=True))


def test_an_error_in_one_request_does_not_poison_the_others():
    queue = BatchQueue()

    def double_unless_nan(x: torch.Tensor) -> torch.Tensor:
        if torch.isnan(x).any():
            raise ValueError("a NaN input")
        return 2 * x

    inputs = [torch.full((1, 3), float(i)) for i in range(5)] + [torch.full((1, 3), float("nan"))]
    results = together(queue, [lambda x=x: queue.run("rows", double_unless_nan, x) for x in inputs])
    assert isinstance(results[-1], ValueError) and "NaN" in str(results[-1])
    for i, result in enumerate(results[:-1]):
        assert torch.equal(result, torch.full((1, 3), 2.0 * i))


def test_waits_are_bounded_when_the_compute_slot_never_frees():
    queue = BatchQueue(timeout=0.3)
    slot = Slot(queue)
    try:
        clock = time.monotonic()
        with pytest.raises(TimeoutError, match="slot"):
            queue.run("other", lambda x: x, torch.ones(1, 2))
        assert time.monotonic() - clock < 5.0
    finally:
        slot.release()
    assert torch.equal(queue.run("other", lambda x: x + 1, torch.ones(1, 2)), torch.full((1, 2), 2.0))  # recovered


def test_different_keys_and_row_shapes_are_never_stacked(dcgan):
    queue = BatchQueue()
    calls = [
        lambda: queue.run("a", lambda x: x * 10, torch.ones(1, 2)),
        lambda: queue.run("b", lambda x: x, torch.ones(1, 2)),
    ]
    a, b = together(queue, calls)
    assert queue.batches == 3 and torch.equal(a, torch.full((1, 2), 10.0)) and torch.equal(b, torch.ones(1, 2))


def test_batching_is_off_outside_its_block_with_gradients_and_in_training_mode(dcgan):
    queue = BatchQueue()
    z = torch.randn(2, 16)
    with torch.inference_mode():
        dcgan.generate(z)  # no batching block
    with batching(queue):
        dcgan.generate(z)  # gradients on
        with torch.no_grad():
            dcgan.train()
            dcgan.generate(z)  # batch norm on batch statistics
            dcgan.eval()
            dcgan.generate(z)  # the one that goes through the queue
    assert queue.batches == 1 and queue.inputs == 1


def test_batchable_passes_other_arguments_through():
    class Scale(torch.nn.Module):
        @batchable
        def forward(self, x: torch.Tensor, factor: float = 1.0) -> torch.Tensor:
            return x * factor

    queue = BatchQueue()
    with batching(queue), torch.no_grad():
        assert torch.equal(Scale()(torch.ones(1, 2), 3.0), torch.full((1, 2), 3.0))
    assert queue.batches == 0
    with pytest.raises(ValueError):
        BatchQueue(max_batch=0)
