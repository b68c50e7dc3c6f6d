"""Command line: ``python -m trainers FAMILY --out FOLDER [options]``, e.g.

    python -m trainers dcgan --data fashion-mnist --epochs 5 --out checkpoints/dcgan-fashion-mnist

Consumes a trainer's events: a tqdm bar with the step's metrics, optional JSON lines for later plots.
Errors are one line on stderr and exit status 2; Ctrl-C saves the current state and exits 130.
"""

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from explorer.data import DATASETS, IMAGE_ROOT, DatasetUnavailable
from explorer.models.biggan import BigGANConfig
from explorer.models.classifier import ClassifierConfig
from explorer.models.dcgan import DCGANConfig
from explorer.models.stylegan import StyleGANConfig
from explorer.models.vae import VAEConfig
from explorer.zoo import ZooError
from trainers.biggan import BigGANTrainConfig, train_biggan
from trainers.classifier import ClassifierTrainConfig, train_classifier
from trainers.dcgan import DCGANTrainConfig, train_dcgan
from trainers.events import Evaluated, Finished, Samples, Saved, Started, Step, Stopped
from trainers.losses import OBJECTIVES
from trainers.stylegan import StyleGANTrainConfig, train_stylegan
from trainers.vae import VAETrainConfig, train_vae

SHORT_NAMES = {"d_loss": "D", "g_loss": "G", "d_real": "Dx", "d_fake": "DGz"}
Launch = Callable[[argparse.Namespace, str], Iterator]


def common(p: argparse.ArgumentParser, epochs: float, batch_size: int, save_every: int, sample_every: int) -> None:
    p.add_argument(
        "--data", default="fashion-mnist", help=f"{', '.join(DATASETS)} or folder:NAME (images in {IMAGE_ROOT}/NAME)"
    )
    p.add_argument("--out", required=True, type=Path, help="checkpoint folder to write (and to --resume from)")
    p.add_argument("--epochs", type=float, default=epochs, help="passes over the data (if --steps is 0)")
    p.add_argument("--steps", type=int, default=0, help="total optimisation steps (overrides --epochs)")
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-every", type=int, default=sample_every)
    p.add_argument("--save-every", type=int, default=save_every)
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out up to --steps/--epochs")
    p.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--jsonl", type=Path, default=None, help="also write every event as a JSON line here")
    p.add_argument("--eval-every", type=int, default=0, help="live FID + class histogram every N steps (0 = off)")
    p.add_argument("--eval-samples", type=int, default=1000, help="samples per live FID")


def run_length(args: argparse.Namespace) -> dict:
    return dict(
        epochs=args.epochs,
        steps=args.steps,
        batch_size=args.batch_size,
        seed=args.seed,
        sample_every=args.sample_every,
        save_every=args.save_every,
        eval_every=args.eval_every,
        eval_samples=args.eval_samples,
    )


def add_dcgan(families) -> None:
    p = families.add_parser("dcgan", help="DCGAN (Radford et al. 2015)")
    common(p, epochs=5, batch_size=128, save_every=1000, sample_every=200)
    p.add_argument("--loss", default="non-saturating", choices=list(OBJECTIVES), help="GAN objective")
    recipe = "(default: the objective's paper recipe)"
    p.add_argument("--lr", type=float, default=None, help=f"learning rate {recipe}")
    p.add_argument("--d-lr", type=float, default=None, help="D's learning rate (default: --lr)")
    p.add_argument("--beta1", type=float, default=None, help=f"Adam β1 {recipe}")
    p.add_argument("--beta2", type=float, default=None, help=f"Adam β2 {recipe}")
    p.add_argument("--d-steps", type=int, default=None, help=f"D updates per G update, n_critic {recipe}")
    p.add_argument("--clip", type=float, default=None, help=f"critic weight clipping c {recipe}")
    p.add_argument("--gp-lambda", type=float, default=None, help=f"gradient-penalty weight λ {recipe}")
    p.add_argument("--label-smoothing", type=float, default=0.0, help="one-sided: real targets 1 − s (BCE losses)")
    p.add_argument("--ema-beta", type=float, default=0.0, help="EMA of G's weights (0 = off)")
    p.add_argument("--latent-dim", type=int, default=DCGANConfig.latent_dim)
    p.add_argument("--resolution", type=int, default=DCGANConfig.resolution, choices=(32, 64))
    p.add_argument("--g-width", type=int, default=DCGANConfig.g_width)
    p.add_argument("--d-width", type=int, default=DCGANConfig.d_width)
    p.add_argument("--fid-samples", type=int, default=10_000, help="samples for the model card's FID (0 = none)")

    def launch(args: argparse.Namespace, command: str) -> Iterator:
        model = DCGANConfig(
            latent_dim=args.latent_dim, resolution=args.resolution, g_width=args.g_width, d_width=args.d_width
        )
        config = DCGANTrainConfig(
            **run_length(args),
            data=args.data,
            loss=args.loss,
            lr=args.lr,
            beta1=args.beta1,
            beta2=args.beta2,
            d_lr=args.d_lr,
            d_steps=args.d_steps,
            clip=args.clip,
            gp_lambda=args.gp_lambda,
            label_smoothing=args.label_smoothing,
            ema_beta=args.ema_beta,
            fid_samples=args.fid_samples,
            model=model,
        )
        return train_dcgan(config, args.out, resume=args.resume, device=args.device, command=command)

    p.set_defaults(launch=launch)


def add_classifier(families) -> None:
    p = families.add_parser("classifier", help="Fashion-MNIST CNN classifier + FID reference statistics")
    common(p, epochs=5, batch_size=128, save_every=100_000, sample_every=1000)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--width", type=int, default=ClassifierConfig.width)
    p.add_argument("--feature-dim", type=int, default=ClassifierConfig.feature_dim)

    def launch(args: argparse.Namespace, command: str) -> Iterator:
        model = ClassifierConfig(width=args.width, feature_dim=args.feature_dim)
        config = ClassifierTrainConfig(**run_length(args), data=args.data, lr=args.lr, model=model)
        return train_classifier(config, args.out, resume=args.resume, device=args.device, command=command)

    p.set_defaults(launch=launch)


def add_vae(families) -> None:
    p = families.add_parser("vae", help="VAE with a 2-D latent (Kingma & Welling 2013)")
    common(p, epochs=10, batch_size=128, save_every=2000, sample_every=500)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--beta", type=float, default=1.0, help="KL weight (1 = VAE, > 1 = beta-VAE)")
    p.add_argument("--latent-dim", type=int, default=VAEConfig.latent_dim)
    p.add_argument("--width", type=int, default=VAEConfig.width)
    p.add_argument("--fid-samples", type=int, default=10_000, help="samples for the model card's FID (0 = none)")

    def launch(args: argparse.Namespace, command: str) -> Iterator:
        model = VAEConfig(latent_dim=args.latent_dim, width=args.width)
        config = VAETrainConfig(
            **run_length(args), data=args.data, lr=args.lr, beta=args.beta, fid_samples=args.fid_samples, model=model
        )
        return train_vae(config, args.out, resume=args.resume, device=args.device, command=command)

    p.set_defaults(launch=launch)


def add_stylegan(families) -> None:
    p = families.add_parser("stylegan", help="small StyleGAN2-style GAN (Karras et al. 2019)")
    common(p, epochs=6, batch_size=32, save_every=2000, sample_every=500)
    defaults = StyleGANTrainConfig()
    p.add_argument("--lr", type=float, default=defaults.lr)
    p.add_argument("--r1-gamma", type=float, default=defaults.r1_gamma)
    p.add_argument("--mixing-prob", type=float, default=defaults.mixing_prob)
    p.add_argument("--ema-beta", type=float, default=defaults.ema_beta)
    p.add_argument("--latent-dim", type=int, default=StyleGANConfig.latent_dim)
    p.add_argument("--w-dim", type=int, default=StyleGANConfig.w_dim)
    p.add_argument("--mapping-layers", type=int, default=StyleGANConfig.mapping_layers)
    p.add_argument("--width", type=int, default=StyleGANConfig.width, help="generator feature maps")
    p.add_argument("--d-width", type=int, default=defaults.d_width, help="discriminator feature maps")
    p.add_argument("--fid-samples", type=int, default=10_000, help="samples for the model card's FID (0 = none)")

    def launch(args: argparse.Namespace, command: str) -> Iterator:
        model = StyleGANConfig(
            latent_dim=args.latent_dim, w_dim=args.w_dim, mapping_layers=args.mapping_layers, width=args.width
        )
        config = StyleGANTrainConfig(
            **run_length(args),
            data=args.data,
            lr=args.lr,
            r1_gamma=args.r1_gamma,
            mixing_prob=args.mixing_prob,
            ema_beta=args.ema_beta,
            d_width=args.d_width,
            fid_samples=args.fid_samples,
            model=model,
        )
        return train_stylegan(config, args.out, resume=args.resume, device=args.device, command=command)

    p.set_defaults(launch=launch)


def add_biggan(families) -> None:
    p = families.add_parser("biggan", help="small class-conditional BigGAN (Brock et al. 2018)")
    common(p, epochs=6, batch_size=64, save_every=2000, sample_every=500)
    defaults = BigGANTrainConfig()
    p.add_argument("--g-lr", type=float, default=defaults.g_lr)
    p.add_argument("--d-lr", type=float, default=defaults.d_lr)
    p.add_argument("--n-dis", type=int, default=defaults.n_dis, help="D steps per G step")
    p.add_argument("--ortho-beta", type=float, default=defaults.ortho_beta, help="orthogonal regularisation (0 = off)")
    p.add_argument("--ema-beta", type=float, default=defaults.ema_beta)
    p.add_argument("--latent-dim", type=int, default=BigGANConfig.latent_dim)
    p.add_argument("--width", type=int, default=BigGANConfig.width, help="generator base feature maps")
    p.add_argument("--d-width", type=int, default=defaults.d_width, help="discriminator feature maps")
    p.add_argument("--fid-samples", type=int, default=10_000, help="samples for the model card's FID (0 = none)")

    def launch(args: argparse.Namespace, command: str) -> Iterator:
        model = BigGANConfig(latent_dim=args.latent_dim, width=args.width)
        config = BigGANTrainConfig(
            **run_length(args),
            data=args.data,
            g_lr=args.g_lr,
            d_lr=args.d_lr,
            n_dis=args.n_dis,
            ortho_beta=args.ortho_beta,
            ema_beta=args.ema_beta,
            d_width=args.d_width,
            fid_samples=args.fid_samples,
            model=model,
        )
        return train_biggan(config, args.out, resume=args.resume, device=args.device, command=command)

    p.set_defaults(launch=launch)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m trainers", description=__doc__.split("\n\n")[0])
    families = root.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for add in (add_dcgan, add_stylegan, add_biggan, add_classifier, add_vae):
        add(families)
    return root


def event_record(event) -> dict:
    """A JSON-able dict of an event (sample images are summarised, not written)."""
    if isinstance(event, Samples):
        return {"event": "samples", "step": event.step, "shape": list(event.images.shape)}
    return {"event": type(event).__name__.lower(), **asdict(event)}


def consume(events: Iterator, out: Path, jsonl: Path | None) -> int:
    """Print the events with a tqdm bar (and log them); return the exit status."""
    if jsonl:
        jsonl.parent.mkdir(parents=True, exist_ok=True)
    log = jsonl.open("a") if jsonl else None
    bar = None
    status = 0
    try:
        for event in events:
            if log:
                log.write(json.dumps(event_record(event)) + "\n")
                log.flush()
            if isinstance(event, Started):
                bar = tqdm(total=event.total_steps, initial=event.step, unit="step", dynamic_ncols=True)
                bar.write(f"training on {event.device}, {event.steps_per_epoch} steps per epoch")
            elif isinstance(event, Step):
                bar.update(1)
                bar.set_postfix(
                    {SHORT_NAMES.get(k, k): f"{v:.3f}" for k, v in event.metrics.items()},
                    img_s=f"{event.images_per_second:.0f}",
                    epoch=event.epoch,
                )
            elif isinstance(event, Evaluated):
                bar.write(f"step {event.step}: FID {event.fid:.2f} ({event.n} samples, {event.feature_space})")
            elif isinstance(event, Saved):
                bar.write(f"step {event.step}: saved {event.path}")
            elif isinstance(event, Stopped):
                bar.write(f"stopped at step {event.step}: {event.reason}")
                status = 1
            elif isinstance(event, Finished):
                bar.write(f"finished at step {event.step}: {event.path}")
    except KeyboardInterrupt:
        events.close()  # saves the current state
        print(f"\ninterrupted; the current state was saved to {out}", file=sys.stderr)
        status = 130
    finally:
        if bar is not None:
            bar.close()
        if log:
            log.close()
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    # the card's "reproduce" command: the recipe from scratch (a --resume run continues the same recipe)
    command = "python -m trainers " + shlex.join(a for a in argv if a != "--resume")
    try:
        return consume(args.launch(args, command), args.out, args.jsonl)
    except (DatasetUnavailable, ZooError, ValueError, FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
