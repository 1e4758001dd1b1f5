"""Ready adapters: the contract mapped onto other libraries' built-ins, glue only.

``tfref spec --impl NAME`` with NAME one of :data:`ADAPTERS` loads the module named there. An
adapter only translates (argument order, NCHW vs NHWC, log-space inputs, NumPy conversion); it
never re-implements the maths, and leaves out the functions its library does not have (they are
"n/a"). Each adapter has a known-deviations file, ``<name>_deviations.toml``::

    [[deviation]]
    property = "binary_cross_entropy_is_infinite_when_certain_and_wrong"
    reason = "torch.nn.functional.binary_cross_entropy clamps log at -100, so it returns 100"
    upstream = "https://github.com/pytorch/pytorch/issues/..."   # optional

A listed property that fails is reported "known"; one that passes is reported "fixed" (the
deviation is gone: remove it from the file).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Adapter:
    name: str
    module: str
    needs: tuple[str, ...]  # importable packages the adapter requires
    library: str  # the package whose version the matrix reports
    summary: str
    install: str = ""  # how to get what it needs


ADAPTERS: dict[str, Adapter] = {
    "numpy": Adapter("numpy", "spec_tests.adapters.numpy_scipy", ("numpy", "scipy", "sklearn"),
                     "scipy", "NumPy, SciPy and scikit-learn built-ins",
                     "pip install 'tfref[spec]'"),
    "keras": Adapter("keras", "spec_tests.adapters.keras_ops", ("keras",), "keras",
                     "keras.ops, keras.losses and keras.optimizers (any backend)",
                     "pip install keras"),
    "torch": Adapter("torch", "spec_tests.adapters.torch_functional", ("torch",), "torch",
                     "torch.nn.functional, torch.optim and torchvision.ops where installed",
                     "pip install torch --index-url https://download.pytorch.org/whl/cpu (a CPU "
                     "build; the default wheel is a multi-GB CUDA build)"),
    "jax": Adapter("jax", "spec_tests.adapters.jax_nn", ("jax",), "jax",
                   "jax.nn, jax.scipy, lax convolutions and pooling, optax where installed",
                   "pip install 'tfref[compare]'"),
}


def installed(name: str) -> bool:
    """Whether every package adapter ``name`` needs can be imported (without importing it)."""
    return all(importlib.util.find_spec(package) is not None for package in ADAPTERS[name].needs)


def require_installed(name: str) -> None:
    """A ValueError saying what to install, where adapter ``name``'s packages are missing."""
    adapter = ADAPTERS[name]
    missing = [p for p in adapter.needs if importlib.util.find_spec(p) is None]
    if missing:
        raise ValueError(f"the {name} adapter needs {', '.join(missing)}, which is not installed: "
                         f"{adapter.install}")


def deviations_path(name: str) -> Path:
    return HERE / f"{name}_deviations.toml"


def known_deviations(name: str) -> dict[str, dict]:
    """property name -> {"reason": ..., "upstream": ...} for adapter ``name`` (empty if none)."""
    path = deviations_path(name)
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text()).get("deviation", [])
    known = {}
    for entry in entries:
        if "property" not in entry or "reason" not in entry:
            raise ValueError(f"{path}: every [[deviation]] needs 'property' and 'reason': {entry}")
        known[entry["property"]] = {"reason": entry["reason"], "upstream": entry.get("upstream", "")}
    return known
