"""Command-line options of a training run, shared by ``tfref run`` and the topics.

``tfref run ID --epochs N --checkpoint-dir DIR --resume --logdir DIR --strategy mirrored
--device gpu``: :func:`add_training_arguments` adds these options to a parser,
:meth:`TrainOptions.from_args` reads them back, and a topic passes
:meth:`TrainOptions.fit_kwargs` to :func:`tfref.train.fit`, building its model inside
:meth:`TrainOptions.model_scope` so the weights live where the run trains them.
"""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from tfref._whole import parse_whole
from tfref.train.distribute import DEVICES, STRATEGIES, device_scope, make_strategy

__all__ = ["TrainOptions", "add_training_arguments", "directory_path", "positive_int"]


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1 (the rule of :func:`tfref._validation.is_whole`)."""
    return parse_whole(text, 1)


def directory_path(text: str) -> Path:
    """argparse type: a directory path; an empty one (``--out "$UNSET"``) is refused, because
    ``Path("")`` is the current directory and files would land there unasked."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; pass a directory path (an unset shell "
                                         "variable gives an empty one)")
    return Path(text)


def add_training_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--epochs --checkpoint-dir --resume --logdir --strategy --device`` to ``parser``.

    Args:
        parser: an ``argparse`` parser (or sub-parser).

    Returns:
        The same parser.

    Example:
        >>> parser = add_training_arguments(argparse.ArgumentParser())
        >>> TrainOptions.from_args(parser.parse_args(["--epochs", "3"])).epochs
        3
    """
    parser.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                        help="train for N epochs instead of the topic's own count")
    parser.add_argument("--checkpoint-dir", type=directory_path, default=None, metavar="DIR",
                        help="save a checkpoint after every epoch in DIR")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the newest checkpoint in --checkpoint-dir")
    parser.add_argument("--logdir", type=directory_path, default=None, metavar="DIR",
                        help="write TensorBoard scalars to DIR (tensorboard --logdir DIR)")
    parser.add_argument("--strategy", choices=STRATEGIES, default="default",
                        help="tf.distribute strategy: default (one device), mirrored (every "
                             "local GPU or logical CPU) or multi-worker (MultiWorkerMirrored"
                             "Strategy; the cluster from TF_CONFIG, see python -m "
                             "tfref.train.launch)")
    parser.add_argument("--device", choices=DEVICES, default=None,
                        help="train on the CPU or the GPU (an error when there is no GPU)")
    return parser


@dataclass
class TrainOptions:
    """The training options of one run (all optional; None or False keeps the defaults).

    Attributes:
        epochs: overrides a topic's epoch count.
        checkpoint_dir: save a checkpoint every epoch there.
        resume: continue from the newest checkpoint in ``checkpoint_dir``.
        logdir: TensorBoard log directory.
        strategy: ``"default"``, ``"mirrored"`` or ``"multi-worker"``.
        device: ``"cpu"``, ``"gpu"`` or None.

    Example:
        >>> options = TrainOptions(epochs=2)
        >>> options.fit_kwargs(default_epochs=10)["epochs"]
        2
    """

    epochs: int | None = None
    checkpoint_dir: Path | None = None
    resume: bool = False
    logdir: Path | None = None
    strategy: str = "default"
    device: str | None = None
    _strategy_object: object = field(default=None, repr=False, compare=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TrainOptions:
        """Read the options :func:`add_training_arguments` added (absent ones keep defaults)."""
        return cls(epochs=getattr(args, "epochs", None),
                   checkpoint_dir=getattr(args, "checkpoint_dir", None),
                   resume=bool(getattr(args, "resume", False)),
                   logdir=getattr(args, "logdir", None),
                   strategy=getattr(args, "strategy", None) or "default",
                   device=getattr(args, "device", None))

    def get_strategy(self):
        """The ``tf.distribute`` strategy (created once), or None for one device.

        Raises:
            ValueError: for an unknown strategy name.
        """
        if self._strategy_object is None and self.strategy not in (None, "default"):
            self._strategy_object = make_strategy(self.strategy)
        return self._strategy_object

    def model_scope(self):
        """The context to build a model in: the strategy's scope, the device's, or none.

        Raises:
            ValueError: for ``device="gpu"`` without a GPU, or an unknown strategy.
        """
        strategy = self.get_strategy()
        if strategy is not None:
            device_scope(self.device)  # says clearly when a GPU was asked for and is absent
            return strategy.scope()
        return device_scope(self.device) if self.device else contextlib.nullcontext()

    def fit_kwargs(self, default_epochs: int, *, name: str | None = None,
                   strategy: bool = True) -> dict:
        """Keyword arguments for :func:`tfref.train.fit` / :func:`fit_dataset`.

        Args:
            default_epochs: the topic's own epoch count, used unless ``epochs`` overrides it.
            name: a sub-directory for this model's checkpoints and logs, when a topic trains
                several models in one run.
            strategy: False for a step that cannot run under a ``tf.distribute`` strategy
                (hand-coded updates): no "strategy" key then (the topic leaves "strategy" out
                of its OPTIONS, so ``tfref run`` refuses --strategy for it).

        Returns:
            ``{"epochs", "checkpoint_dir", "resume", "logdir", "strategy", "device"}``.
        """
        def sub(directory):
            if directory is None:
                return None
            return Path(directory) / name if name else Path(directory)

        kwargs = {"epochs": self.epochs or default_epochs,
                  "checkpoint_dir": sub(self.checkpoint_dir), "resume": self.resume,
                  "logdir": sub(self.logdir), "device": self.device}
        if strategy:
            kwargs["strategy"] = self.get_strategy()
        return kwargs
