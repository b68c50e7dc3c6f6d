"""Making a training step fast on a GPU: mixed precision, channels_last, torch.compile. All off on the CPU by default.

- Mixed precision (Micikevicius et al., arXiv:1710.03740): the forward passes run under ``torch.autocast``,
  matrix products and convolutions in a 16-bit type, reductions and losses in fp32; the weights, the
  optimiser and the EMA stay fp32. bf16 has fp32's exponent range and needs nothing else; fp16 (for GPUs
  without bf16) needs loss scaling: a ``GradScaler`` per optimiser multiplies the loss by S before backward,
  unscales the gradients, and skips the step (halving S) when a gradient overflowed. A skipped step is the
  scaler finding S too large, not divergence: divergence is a non-finite *loss*, checked before any update.
- Gradient penalties (R1, WGAN-GP) differentiate a gradient: they run in fp32 (a gradient of a gradient
  underflows in fp16) and eagerly (compiled graphs have no double backward), ``MixedPrecision.penalty``.
- ``channels_last`` stores 4-D weights and images NHWC, the layout tensor cores convolve fastest.
- ``--compile`` compiles each network's training forward with ``torch.compile`` (the wrapper, not the
  network: the saved, averaged and sampled networks stay plain modules). The first steps pay for compiling.
"""

import contextlib
from dataclasses import dataclass, replace

import torch

AMP_MODES = ("auto", "off", "bf16", "fp16")
AMP_DTYPES = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class Acceleration:
    """How a run's steps execute (not what they compute): the CLI's ``--amp``, ``--channels-last``, ``--compile``."""

    amp: str = "off"  # "auto" = bf16 on a CUDA GPU that has it, fp16 + GradScaler on one that has not, off elsewhere
    channels_last: bool = False  # NHWC weights and images
    compile: bool = False  # torch.compile the training forwards

    def __post_init__(self) -> None:
        if self.amp not in AMP_MODES:
            raise ValueError(f"amp must be one of {', '.join(AMP_MODES)}, got {self.amp!r}")

    def resolve(self, device: torch.device) -> "Acceleration":
        """``amp`` made concrete for ``device`` ("auto" → bf16, fp16 or off); an error for what this PyTorch lacks."""
        resolved = self
        if self.amp == "auto":
            amp = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if device.type == "cuda" else "off"
            resolved = replace(self, amp=amp)
        if resolved.compile and not hasattr(torch.compiler, "set_stance"):
            raise ValueError(f"--compile needs PyTorch ≥ 2.6 (eager gradient penalties), this is {torch.__version__}")
        if resolved.amp == "fp16" and not hasattr(torch.amp, "GradScaler"):
            raise ValueError(f"--amp fp16 needs PyTorch ≥ 2.3 (torch.amp.GradScaler), this is {torch.__version__}")
        return resolved

    @property
    def wraps(self) -> bool:
        """Whether the networks need preparing (layout, compilation) before the first step."""
        return self.channels_last or self.compile

    def describe(self) -> str:
        """e.g. "bf16 autocast, channels_last, compiled" or "fp32"."""
        parts = [f"{self.amp} autocast" + (" + gradient scaling" if self.amp == "fp16" else "")]
        parts = parts if self.amp not in ("off", "auto") else ["fp32"]
        parts += ["channels_last"] if self.channels_last else []
        parts += ["compiled"] if self.compile else []
        return ", ".join(parts)

    def prepare(self, network: torch.nn.Module) -> torch.nn.Module:
        """``network`` in channels_last (in place: the same parameters) when asked."""
        return network.to(memory_format=torch.channels_last) if self.channels_last else network

    def compiled(self, network: torch.nn.Module) -> torch.nn.Module:
        """``torch.compile(network)`` when asked (a new module around it; ``network`` itself stays eager)."""
        return torch.compile(network) if self.compile else network

    def images(self, images: torch.Tensor) -> torch.Tensor:
        return images.contiguous(memory_format=torch.channels_last) if self.channels_last else images


class MixedPrecision:
    """Autocast and (fp16) gradient scaling for one run's steps; with ``amp="off"`` exactly the fp32 step."""

    def __init__(self, amp: str = "off", device_type: str = "cpu", compiled: bool = False):
        if amp not in AMP_DTYPES:
            raise ValueError(f"amp must be one of {', '.join(AMP_DTYPES)} here, got {amp!r}")
        self.dtype = AMP_DTYPES[amp]
        self.device_type = device_type
        self.compiled = compiled
        self.scalers: dict[torch.optim.Optimizer, torch.amp.GradScaler] = {}
        self.skipped = 0  # fp16 steps the scalers skipped (a gradient overflowed at the current scale)

    def autocast(self):
        """The forward passes' context: ``torch.autocast`` to the 16-bit type, or nothing."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    @contextlib.contextmanager
    def penalty(self):
        """For a gradient penalty's forward: fp32 and eager (no double backward through compiled graphs)."""
        with contextlib.ExitStack() as stack:
            if self.dtype is not None:
                stack.enter_context(torch.autocast(self.device_type, enabled=False))
            if self.compiled:
                stack.enter_context(torch.compiler.set_stance("force_eager"))
            yield

    def optimize(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        """zero_grad, backward, step; with fp16 through the optimiser's GradScaler (which may skip the step)."""
        optimizer.zero_grad(set_to_none=True)
        if self.dtype is not torch.float16:
            loss.backward()
            optimizer.step()
            return
        scaler = self.scalers.setdefault(optimizer, torch.amp.GradScaler(self.device_type))
        scale = scaler.get_scale()
        scaler.scale(loss).backward()
        scaler.step(optimizer)  # skipped when a scaled gradient is inf/NaN
        scaler.update()  # then S halves; otherwise it doubles every 2 000 good steps
        self.skipped += scaler.get_scale() < scale


FULL_PRECISION = MixedPrecision()
