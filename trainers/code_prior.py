"""An autoregressive prior over a VQ-VAE's code grids: a small PixelCNN (van den Oord et al. 2016, arXiv:1601.06759;
as VQ-VAE's prior, arXiv:1711.00937 §3.2) with masked convolutions over the 8×8 grid.

p(c) = Π_i p(c_i | c_<i) in raster order: mask "A" (the first layer) hides the cell itself and every later cell,
mask "B" (the rest) hides only later cells, so each output sees only earlier codes. Left out: gating, the second
(vertical) stack that removes the blind spot, and conditioning on a class. Trained on the codes of Fashion-MNIST's
training split by cross-entropy; its test NLL (nats per grid) is read against the VQ-VAE's own per-position prior,
whose cells are independent. Weights: safetensors in fp16 beside the VQ-VAE (``PRIOR_FILE``), with a card.

    python -m trainers.code_prior --minutes 12     # writes checkpoints/vqvae-fashion-mnist/pixelcnn-prior.*
"""

import argparse
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

PRIOR_FILE = "pixelcnn-prior.safetensors"  # in the VQ-VAE's checkpoint folder
CONFIG_FILE = "pixelcnn-prior.json"


@dataclass(frozen=True)
class PixelCNNConfig:
    codebook_size: int = 128  # K: the VQ-VAE's codebook
    grid: int = 8  # the code grid's side
    embedding: int = 32  # each code's embedding
    width: int = 64  # channels of the masked convolutions
    layers: int = 4  # mask-B residual layers after the mask-A one


class MaskedConv2d(nn.Conv2d):
    """A convolution whose kernel sees only the cells before the centre in raster order (``mask`` "A"), or those and
    the centre ("B")."""

    def __init__(self, mask: str, c_in: int, c_out: int, size: int):
        super().__init__(c_in, c_out, size, padding=size // 2)
        keep = torch.ones(size, size)
        centre = size // 2
        keep[centre, centre + (mask == "B") :] = 0  # the centre row: from the centre (A) or after it (B)
        keep[centre + 1 :] = 0  # every later row
        self.mask_type = mask
        self.register_buffer("mask", keep[None, None], persistent=False)  # fixed by the shape: not saved

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)

    def extra_repr(self) -> str:
        return f"mask={self.mask_type}, " + super().extra_repr()


class PixelCNN(nn.Module):
    """Code grid (n, g, g) → logits (n, K, g, g) of p(c_i | c_<i) at every cell."""

    def __init__(self, config: PixelCNNConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.codebook_size, config.embedding)
        self.first = MaskedConv2d("A", config.embedding, config.width, 5)
        self.body = nn.ModuleList(MaskedConv2d("B", config.width, config.width, 3) for _ in range(config.layers))
        self.out = nn.Sequential(nn.ReLU(), nn.Conv2d(config.width, config.width, 1), nn.ReLU())
        self.out.append(nn.Conv2d(config.width, config.codebook_size, 1))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        h = self.first(self.embed(codes).permute(0, 3, 1, 2))  # (n, width, g, g)
        for layer in self.body:
            h = h + layer(F.relu(h))  # residual, each layer mask B
        return self.out(h)

    def nll(self, codes: torch.Tensor) -> torch.Tensor:
        """−log p(c) per grid in nats: (n,)."""
        return F.cross_entropy(self(codes), codes, reduction="none").flatten(1).sum(1)

    @torch.inference_mode()
    def sample(self, n: int, seed: int, temperature: float = 1.0) -> torch.Tensor:
        """``n`` code grids, cell by cell in raster order (g² passes), reproducible by ``seed``."""
        generator = torch.Generator().manual_seed(int(seed))
        g = self.config.grid
        codes = torch.zeros(n, g, g, dtype=torch.long)
        for i in range(g * g):
            row, column = divmod(i, g)
            logits = self(codes)[:, :, row, column].float() / temperature
            codes[:, row, column] = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)[:, 0]
        return codes


def independent_nll(prior_logits: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """−log p(c) per grid under the VQ-VAE's per-position prior (each cell independent): (n,)."""
    log_p = torch.log_softmax(prior_logits.float(), -1)  # (g, g, K)
    g = codes.shape[1]
    cells = torch.arange(g)
    return -log_p[cells[:, None], cells[None, :], codes].flatten(1).sum(1)


def record(folder: Path) -> dict | None:
    """The committed prior's config and training record (steps, minutes, test NLLs, command), or None."""
    path = folder / CONFIG_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def load(folder: Path) -> PixelCNN | None:
    """The prior committed beside a VQ-VAE (its safetensors and config), or None where there is none."""
    weights, config = folder / PRIOR_FILE, folder / CONFIG_FILE
    if not (weights.is_file() and config.is_file()):
        return None
    model = PixelCNN(PixelCNNConfig(**json.loads(config.read_text())["config"]))
    state = {k: v.float() for k, v in load_file(weights).items()}
    model.load_state_dict(state, strict=True)
    return model.eval()


def save(model: PixelCNN, folder: Path, record: dict) -> None:
    """fp16 weights and the config with the run's record, each written under a temporary name, then renamed."""
    state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items()}
    for name, write in (
        (PRIOR_FILE, lambda path: save_file(state, path)),
        (CONFIG_FILE, lambda path: Path(path).write_text(json.dumps(record, indent=2) + "\n")),
    ):
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        os.close(handle)
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the file from a server run as another user
        os.replace(temporary, folder / name)


def encode_split(vqvae, split: str) -> torch.Tensor:
    """The code grids of a Fashion-MNIST split: (n, g, g)."""
    from explorer.data import load_fashion_mnist

    data = load_fashion_mnist(split)
    with torch.inference_mode():
        return torch.cat([vqvae.codes(batch) for batch in data.images.split(1000)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m trainers.code_prior", description=__doc__.split("\n")[0])
    parser.add_argument("--vqvae", default="checkpoints/vqvae-fashion-mnist", help="the VQ-VAE's folder")
    parser.add_argument("--minutes", type=float, default=12.0, help="wall-clock budget of the training")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from explorer.zoo import load

    folder = Path(args.vqvae)
    vqvae = load(folder).eval()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)  # a small net on a shared CPU: a second thread only adds barriers (explorer.device)
    train, test = encode_split(vqvae, "train"), encode_split(vqvae, "test")
    model = PixelCNN(PixelCNNConfig(codebook_size=vqvae.config.codebook_size, grid=vqvae.config.grid))
    optimiser = torch.optim.Adam(model.parameters(), args.lr)
    generator = torch.Generator().manual_seed(args.seed)
    start, step = time.monotonic(), 0
    budget = args.minutes * 60
    while time.monotonic() - start < budget:
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * min((time.monotonic() - start) / budget, 1)))  # cosine by time
        for group in optimiser.param_groups:
            group["lr"] = lr
        batch = train[torch.randint(len(train), (args.batch,), generator=generator)]
        loss = model.nll(batch).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        step += 1
        if step % 200 == 0:
            print(f"step {step}  train NLL {loss.item():.2f} nats/grid  lr {lr:.2e}", flush=True)
    model.eval()
    with torch.inference_mode():
        test_nll = float(torch.cat([model.nll(b) for b in test.split(1000)]).mean())
        independent = float(independent_nll(vqvae.prior_logits, test).mean())
    record = dict(
        config=asdict(model.config),
        steps=step,
        minutes=round((time.monotonic() - start) / 60, 1),
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        test_nll=round(test_nll, 2),
        independent_test_nll=round(independent, 2),
        command=f"python -m trainers.code_prior --minutes {args.minutes:g} --seed {args.seed}",
    )
    save(model, folder, record)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
