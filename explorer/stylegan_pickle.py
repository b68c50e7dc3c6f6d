"""NVIDIA's StyleGAN network pickles (stylegan2-ada-pytorch, stylegan3), read as data: no line of their code runs.

A ``.pkl`` written by NVIDIA's training loop is ``pickle.dump(dict(G=…, D=…, G_ema=…, augment_pipe=…,
training_set_kwargs=…))``. Each network is a ``torch_utils.persistence`` object: its pickle calls
``persistence._reconstruct_persistent_obj(meta)``, where ``meta`` holds the source of the module that defines the
class (``module_src``, which the original ``exec``s), the class name and the object's state (``_parameters``,
``_buffers``, ``_modules``, the constructor's ``_init_kwargs``, plain attributes). Tensors come through
``torch._utils._rebuild_tensor_v2`` / ``_rebuild_parameter``, their storages through ``torch.storage._load_from_bytes``
(a nested ``torch.save``), numbers through numpy's scalar reconstructor, ``dnnlib.EasyDict`` through its class.

``StyleGANUnpickler.find_class`` resolves only that allow-list, each to a function of ours:

* ``_reconstruct_persistent_obj`` → ``persistent_meta``: checks the meta's fields and returns them as data
  (``Persistent``); ``module_src`` must be text and is dropped, never imported, compiled or executed;
* the tensor and parameter rebuilders → plain tensors built from a checked storage, offset, size and stride;
* ``_load_from_bytes`` → ``torch.load(weights_only=True)`` of the nested bytes, which must hold a storage;
* ``collections.OrderedDict``, ``builtins.set``/``frozenset``; ``dnnlib.EasyDict`` → ``dict``;
* numpy dtypes (numbers and booleans only), scalars and arrays of them (StyleGAN3 keeps sizes as arrays).

Any other global (``os.system``, ``builtins.eval``, a class with its own ``__reduce__``, TensorFlow-era
``dnnlib.tflib`` networks) is refused, in one line naming it, before anything is called. ``read`` returns every
network as a ``Network``: its class, its ``init_kwargs``, its tensors by dotted name and its modules' classes and plain
attributes; ``generator`` picks ``G_ema`` (``G`` where there is none). A StyleGAN3 pickle reads the same way (its
layers' sizes are numpy arrays among the attributes).

Conversion: ``generator(path)`` tells the pickle's generator apart (``release_of``: StyleGAN3's synthesis starts
from a ``SynthesisInput``, StyleGAN2-ADA's from a block ``b4``; anything else is refused in one line) and builds ours
(``explorer.models.stylegan3.from_nvidia``, ``explorer.models.stylegan2_ada.from_network``); ``describe`` is what
the loader's Inspect says about it and ``card`` writes the converted folder's model card with NVIDIA's
non-commercial license.
"""

import io
import pickle
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from explorer.models import stylegan3
from explorer.models.folder import ZooError
from explorer.models.registry import family_of
from explorer.models.stylegan2_ada import StyleGAN2ADA, from_network, summary
from explorer.models.stylegan3 import StyleGAN3, StyleGAN3Config

NVIDIA_LICENSE = "NVIDIA Source Code License (non-commercial use only)"
MODULE_STATE = ("_parameters", "_buffers", "_modules")  # what every pickled torch.nn.Module's state holds
NUMERIC_KINDS = "biufc"
BROKEN = (  # what the unpickler and torch.load raise for a truncated or corrupted file
    pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError, OverflowError,
    RuntimeError,
)  # fmt: skip  # numpy dtype kinds that are plain numbers or booleans


class PickleRefused(ZooError):
    """The pickle holds something other than NVIDIA's networks as data; the message names it."""


class Persistent(NamedTuple):
    """A ``torch_utils.persistence`` object as data: what ``_reconstruct_persistent_obj`` would have built from.

    A NamedTuple: it has no ``__dict__`` and no ``__setstate__``, so a pickle cannot BUILD anything onto it."""

    class_name: str
    init_args: tuple
    init_kwargs: dict
    state: dict


def persistent_meta(meta: Any) -> Persistent:
    """What replaces ``persistence._reconstruct_persistent_obj``: the meta's fields checked and kept as data."""
    if not isinstance(meta, dict) or not {"type", "version", "module_src", "class_name", "state"} <= set(meta):
        found = sorted(meta) if isinstance(meta, dict) else type(meta).__name__
        raise PickleRefused(f"a persistent object without the fields of torch_utils.persistence (found {found})")
    if meta["type"] != "class" or not isinstance(meta["version"], int):
        raise PickleRefused(f"a persistent object of type {meta['type']!r}, version {meta['version']!r}")
    if not isinstance(meta["module_src"], str):
        raise PickleRefused(f"a persistent object whose module_src is a {type(meta['module_src']).__name__}, not text")
    name, state = meta["class_name"], meta["state"]
    if not isinstance(name, str) or not name.isidentifier():
        raise PickleRefused(f"a persistent object whose class name is {name!r}")
    if not isinstance(state, dict) or not all(isinstance(state.get(key), dict) for key in MODULE_STATE):
        raise PickleRefused(f"a persistent {name} whose state is not a torch module's")
    args, kwargs = state.get("_init_args", ()), state.get("_init_kwargs", {})
    if not isinstance(args, tuple) or not isinstance(kwargs, dict):
        raise PickleRefused(f"a persistent {name} whose constructor arguments are not a tuple and a dict")
    return Persistent(name, args, kwargs, state)


def _ints(values: Any, what: str) -> tuple[int, ...]:
    values = (values,) if isinstance(values, int) else values
    if not isinstance(values, tuple | list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise PickleRefused(f"a tensor whose {what} is {values!r}, not integers")
    return tuple(values)


def rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None) -> torch.Tensor:
    """``torch._utils._rebuild_tensor_v2`` for a storage we loaded: a plain tensor viewing it (bounds checked by
    ``set_``); gradients, hooks and metadata are dropped (an inference-only copy)."""
    if not isinstance(storage, torch.storage.TypedStorage):
        raise PickleRefused(f"a tensor built on a {type(storage).__name__}, not a storage")
    (offset,), size, stride = _ints(offset, "offset"), _ints(size, "size"), _ints(stride, "stride")
    if len(size) != len(stride) or min((offset, *size, *stride)) < 0:
        raise PickleRefused(f"a tensor with offset {offset}, size {size} and stride {stride}")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) if all(size) else -1
    if last >= storage._size():  # set_ does not check: a view past the end would read foreign memory
        raise PickleRefused(f"a tensor reaching element {last} of a storage of {storage.size()}")
    return torch.empty((0,), dtype=storage.dtype).set_(storage._untyped_storage, offset, size, stride)


def rebuild_parameter(data, requires_grad=False, hooks=None, state=None) -> torch.Tensor:
    """``torch._utils._rebuild_parameter[_with_state]``: the parameter's data, as a plain tensor."""
    if not isinstance(data, torch.Tensor):
        raise PickleRefused(f"a parameter holding a {type(data).__name__}, not a tensor")
    return data


def load_storage(data: Any) -> torch.storage.TypedStorage:
    """``torch.storage._load_from_bytes``, but with ``torch.load(weights_only=True)``: the bytes must hold a storage."""
    if not isinstance(data, bytes):
        raise PickleRefused(f"a storage made from a {type(data).__name__}, not bytes")
    try:
        storage = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise PickleRefused(f"a nested torch.save that is not plain tensors ({str(error).splitlines()[0]})") from None
    if not isinstance(storage, torch.storage.TypedStorage):
        raise PickleRefused(f"a nested torch.save holding a {type(storage).__name__}, not a storage")
    return storage


def numpy_dtype(name: Any, align: bool = False, copy: bool = True) -> np.dtype:
    """``numpy.dtype`` of a numeric or boolean type given by name (no objects, no structured types)."""
    dtype = np.dtype(name) if isinstance(name, str) else None
    if dtype is None or dtype.kind not in NUMERIC_KINDS:
        raise PickleRefused(f"a numpy dtype {name!r}: only numbers and booleans are read")
    return dtype


def numpy_scalar(dtype: Any, data: Any = None) -> int | float | complex | bool:
    """``numpy.core.multiarray.scalar``: the number, as a Python number."""
    numeric = isinstance(dtype, np.dtype) and dtype.kind in NUMERIC_KINDS and not dtype.hasobject
    if not numeric or not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise PickleRefused("a numpy scalar that is not a number's bytes")
    return np.frombuffer(data, dtype=dtype)[0].item()


def numpy_array(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """``numpy.core.multiarray._reconstruct``: an empty ndarray that the pickle's BUILD then fills (its dtype is
    checked by ``numpy_dtype`` when the state is unpickled; ndarray's ``__setstate__`` only copies bytes then)."""
    if subtype is not np.ndarray:
        raise PickleRefused(f"a numpy array of class {getattr(subtype, '__name__', subtype)!r}")
    return np.ndarray.__new__(np.ndarray, _ints(shape, "shape"), np.uint8)


def refuse_persistent_id(pid: Any) -> None:
    raise PickleRefused("a persistent id (an external object the pickle expects the reader to supply)")


ALLOWED = {
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): persistent_meta,
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): load_storage,
    ("collections", "OrderedDict"): OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("dnnlib", "EasyDict"): dict,
    ("dnnlib.util", "EasyDict"): dict,
    ("numpy", "dtype"): numpy_dtype,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy.core.multiarray", "scalar"): numpy_scalar,
    ("numpy._core.multiarray", "scalar"): numpy_scalar,
    ("numpy.core.multiarray", "_reconstruct"): numpy_array,
    ("numpy._core.multiarray", "_reconstruct"): numpy_array,
}


class StyleGANUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose globals are ``ALLOWED`` and nothing else."""

    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module.startswith("dnnlib.tflib"):
            raise PickleRefused(
                f"a TensorFlow-era StyleGAN pickle ({module}.{name}): its networks are TensorFlow graphs, not "
                "torch_utils.persistence objects; use a PyTorch release of the model"
            )
        raise PickleRefused(f"the global {module}.{name}, which is not a StyleGAN network's data (it could run code)")

    persistent_load = staticmethod(refuse_persistent_id)


@dataclass(frozen=True)
class Network:
    """One pickled network as data: enough to build ours and load every tensor."""

    class_name: str
    init_kwargs: dict
    tensors: dict[str, torch.Tensor]  # parameters and buffers by dotted name ("synthesis.b4.conv1.weight")
    classes: dict[str, str]  # module path → class name ("" = the network itself)
    attributes: dict[str, dict] = field(default_factory=dict)  # module path → its plain attributes


@dataclass(frozen=True)
class NetworkPickle:
    """Every network of a pickle (``G``, ``D``, ``G_ema``, ``augment_pipe``) and its other entries as data."""

    networks: dict[str, Network]
    data: dict[str, Any]

    @property
    def generator_name(self) -> str:
        for name in ("G_ema", "G"):
            if name in self.networks:
                return name
        raise PickleRefused(f"no generator (G_ema or G) among the pickle's networks ({', '.join(self.networks)})")

    @property
    def generator(self) -> Network:
        return self.networks[self.generator_name]


def plain(value: Any, where: str) -> Any:
    """``value`` if it is plain data (numbers, text, tensors, arrays of numbers, containers of them); else refused."""
    if isinstance(value, np.ndarray) and (value.dtype.kind not in NUMERIC_KINDS or value.dtype.hasobject):
        raise PickleRefused(f"a numpy array of {value.dtype} in {where}, where numbers were expected")
    if value is None or isinstance(value, bool | int | float | complex | str | bytes | np.ndarray | torch.Tensor):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(plain(v, where) for v in value)
    if isinstance(value, dict):
        return {plain(k, where): plain(v, where) for k, v in value.items()}
    raise PickleRefused(f"a {type(value).__name__} in {where}, where plain data was expected")


def flatten(obj: Persistent, prefix: str, network: Network) -> None:
    """Add ``obj``'s tensors, class and attributes (and its children's, recursively) to ``network``."""
    path = prefix.rstrip(".")
    network.classes[path] = obj.class_name
    for group in ("_parameters", "_buffers"):
        for name, tensor in obj.state[group].items():
            if tensor is not None and not isinstance(tensor, torch.Tensor):
                raise PickleRefused(f"a {type(tensor).__name__} as {prefix}{name}, where a tensor was expected")
            if tensor is not None:
                network.tensors[prefix + name] = tensor
    for name, child in obj.state["_modules"].items():
        if child is not None and not isinstance(child, Persistent):
            raise PickleRefused(f"a {type(child).__name__} as {prefix}{name}, where a persistent network was expected")
        if child is not None:
            flatten(child, f"{prefix}{name}.", network)
    network.attributes[path] = {
        key: plain(value, f"{obj.class_name}.{key}")
        for key, value in obj.state.items()
        if not key.startswith("_") and key != "training" and not isinstance(value, Persistent)
    }


def as_network(obj: Persistent) -> Network:
    network = Network(obj.class_name, plain(obj.init_kwargs, f"{obj.class_name}'s init_kwargs"), {}, {})
    flatten(obj, "", network)
    return network


def loads(data: bytes, name: str = "the pickle") -> NetworkPickle:
    """The networks of a pickle's bytes; ``PickleRefused`` (one line, naming what was found) for anything else."""
    try:
        with warnings.catch_warnings():  # the storages a pickle holds are TypedStorages, deprecated but read here
            warnings.filterwarnings("ignore", message="TypedStorage is deprecated")
            top = StyleGANUnpickler(io.BytesIO(data)).load()
    except PickleRefused as error:
        raise PickleRefused(f"{name} refused: it holds {error}") from None
    except RecursionError:
        raise PickleRefused(f"{name} refused: it is nested too deeply to be a network pickle") from None
    except BROKEN as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PickleRefused(f"{name} is corrupted or truncated ({reason}); download it again") from None
    if not isinstance(top, dict) or not all(isinstance(k, str) for k in top):
        raise PickleRefused(f"{name} is a {type(top).__name__}, not a dict of networks (G, D, G_ema, …)")
    try:
        networks = {key: as_network(value) for key, value in top.items() if isinstance(value, Persistent)}
        rest = {key: plain(value, f"{name}[{key!r}]") for key, value in top.items() if key not in networks}
    except PickleRefused as error:
        raise PickleRefused(f"{name} refused: it holds {error}") from None
    if not networks:
        raise PickleRefused(f"{name} holds no networks (keys: {', '.join(top)})")
    return NetworkPickle(networks, rest)


def read(path: str | Path) -> NetworkPickle:
    """The networks of the pickle file ``path`` (see ``loads``)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PickleRefused(f"{path.name} cannot be read ({error.strerror or error})") from None
    return loads(data, path.name)


# --- conversion -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """One family of NVIDIA's code whose generators convert: how its pickles are told apart, built and credited."""

    family: str  # our zoo family
    format: str  # the loader's format name for its pickles
    code: str  # NVIDIA's repository, whose license the card cites
    build: Callable[[dict, dict], torch.nn.Module]  # (init_kwargs, tensors) → ours; ZooError/ValueError if not


RELEASES = (
    Release("stylegan3", "stylegan3-pkl", "stylegan3", stylegan3.from_nvidia),
    Release("stylegan2-ada", "stylegan2-ada-pkl", "stylegan2-ada-pytorch", from_network),
)
NVIDIA_FORMATS = tuple(release.format for release in RELEASES)


def release_of(network: Network) -> Release | None:
    """The release whose generator ``network`` is: StyleGAN3's synthesis starts from a ``SynthesisInput`` (Fourier
    features), StyleGAN2-ADA's from a 4×4 block ``b4``; both name their class ``Generator``."""
    if network.class_name != "Generator":
        return None
    if network.classes.get("synthesis.input") == "SynthesisInput":
        return RELEASES[0]
    return RELEASES[1] if "synthesis.b4" in network.classes else None


def generator(path: str | Path) -> tuple[StyleGAN2ADA | StyleGAN3, str]:
    """Our generator (and its format name) from an NVIDIA network pickle read as data: its G_ema (G where it has
    none), built by the release it belongs to, every tensor loaded; a one-line ``ZooError`` for anything else."""
    path = Path(path)
    networks = read(path)
    network = networks.generator
    release = release_of(network)
    if release is None:
        synthesis = network.classes.get("synthesis", "no synthesis network")
        raise PickleRefused(
            f"{path.name}: its {networks.generator_name} is a {network.class_name} with {synthesis}, not a generator "
            "of StyleGAN2-ADA or StyleGAN3; this reader converts those two"
        )
    try:
        return release.build(network.init_kwargs, network.tensors), release.format
    except (ZooError, ValueError) as error:
        raise ZooError(f"{path.name}: {str(error).splitlines()[0]}") from None


def config_name(config: StyleGAN3Config) -> str:
    """StyleGAN3's config as the paper names it: T (3×3 convolutions), R (1×1, radially symmetric filters)."""
    if (config.conv_kernel, config.use_radial_filters) == (3, False):
        return "config T"
    if (config.conv_kernel, config.use_radial_filters) == (1, True):
        return "config R"
    radial = "radial" if config.use_radial_filters else "separable"
    return f"a custom config ({config.conv_kernel}×{config.conv_kernel} convolutions, {radial} filters)"


def describe(model: torch.nn.Module) -> str:
    """What the loader's Inspect says about an NVIDIA generator's architecture ("" for other models)."""
    if isinstance(model, StyleGAN2ADA):
        return summary(model.config)
    if not isinstance(model, StyleGAN3):
        return ""
    config = model.config
    clamp = f"conv_clamp {config.conv_clamp:g}" if config.conv_clamp is not None else "no conv_clamp"
    return (
        f"{config_name(config)}, z ∈ R^{config.z_dim}, w ∈ R^{config.w_dim}, mapping depth {config.mapping_layers}, "
        f"{config.num_layers} layers ({config.num_critical} critically sampled), {clamp}, no noise inputs"
    )


def card(source: str, model: StyleGAN2ADA | StyleGAN3) -> str:
    """The model card of a generator converted from an NVIDIA pickle: what it is, how it was read, its license."""
    release = next(r for r in RELEASES if r.family == family_of(model).name)
    name = "StyleGAN3" if isinstance(model, StyleGAN3) else "StyleGAN2-ADA"
    return f"""---
license: other
license_name: nvidia-source-code-license-nc
library_name: pytorch
tags: [{release.family}, latent-explorer]
---

# {source}

The {name} generator (`G_ema`) of the NVIDIA network pickle `{source}`: {describe(model)},
{model.resolution}×{model.resolution}. Converted by Latent Explorer's reader (`explorer.stylegan_pickle`), which
reads the pickle as data: none of the code stored in it ran; every tensor of the generator was loaded and checked.

## License

Networks trained and released with NVIDIA's {release.code} are under the **{NVIDIA_LICENSE}**
(https://github.com/NVlabs/{release.code}/blob/main/LICENSE.txt): research and evaluation only, not for commercial
use. A model trained by someone else with that code may carry further terms of its own: check where it came from.
"""
