"""``tfref bench``: training throughput of tfref's engine beside keras fit, NumPy, PyTorch and
the roofline.

Four workloads on synthetic data shaped like the real sets (no download), each one object in
:mod:`tfref.bench.workloads` (data, keras model, tfref step, bare step, NumPy and PyTorch
equivalents):

- ``mlp``: 784-256-10, ReLU, softmax cross-entropy from logits, SGD(0.01), batch 128, on
  Fashion-MNIST-shaped pixels (n x 784 uniform values, 10 random classes).
- ``bpn``: the 784-30-10 sigmoid back-propagation network of the BPN documents, batch 1000,
  squared error, hand-coded (no autodiff) in tfref (:class:`tfref.train.handcoded.BPNStep`),
  NumPy and PyTorch.
- ``lenet``: LeNet-5 with ReLU and max pooling (:func:`tfref.nn.lenet.lenet`) on 28 x 28 x 1
  images, softmax cross-entropy, SGD(0.05), batch 256 (D2L's setting).
- ``char-rnn``: the Keras character RNN of the language-model topic
  (:func:`tfref.nn.rnn_lm.keras_char_rnn`: one-hot 28, SimpleRNN 256, Dense 28) on sequences of
  35 character ids, next-character cross-entropy, SGD(0.5), batch 32; a sample is one sequence.

The implementations (:mod:`tfref.bench.runners`): ``tfref`` (the engine, XLA or not as its
timed ``jit_compile="auto"`` trial chooses), ``tfref-stream`` (MLP, from TFRecord shards),
``keras-fit``, ``keras-fit-tuned`` (steps_per_execution), ``numpy`` (MLP, BPN), ``torch``
(eager), ``torch-compile`` (torch.compile; the row says why where it cannot compile) and
``roofline``: the workload's bare forward + backward + SGD update called in one compiled
``tf.function`` loop on one resident batch, with or without XLA, whichever is faster; no data
pipeline, shuffle or metric. Every implementation starts from the same initial weights and trains
on the same data; its samples per second are measured over whole epochs, after a warm-up that
absorbs tracing and compilation.

The harness (:mod:`tfref.bench.harness`) runs each implementation in its own worker process,
in turns for ``--repeats`` rounds, and keeps each one's best round. Ratios are tfref's rate over
each other's, and each row's share of the roofline, from the same run. Targets (issue 12): MLP
and BPN: tfref >= 4x keras-fit, >= 2x keras-fit-tuned, >= NumPy; LeNet and the character RNN:
>= 1.3x keras-fit-tuned; every workload: >= 85% of its roofline and >= each PyTorch row.
"""

from tfref.bench.harness import (
    Settings,
    bench_workload,
    build_parser,
    format_table,
    main,
    run_benchmarks,
    torch_available,
)
from tfref.bench.runners import (
    RUN_NAMES,
    STREAM_TARGET,
    TF_RUNS,
    KerasFitRunner,
    NumpyRunner,
    RooflineRunner,
    Runner,
    TfrefRunner,
    TorchCompileRunner,
    TorchRunner,
    Unavailable,
    make_runner,
)
from tfref.bench.workloads import (
    CHAR_STEPS,
    CHAR_VOCAB,
    NUM_CLASSES,
    NUM_FEATURES,
    ROOFLINE_SHARE_TARGET,
    WORKLOADS,
    Workload,
    initial_weights,
    make_data,
)

__all__ = ["main", "build_parser", "run_benchmarks", "format_table", "bench_workload",
           "Settings", "torch_available", "WORKLOADS", "Workload", "RUN_NAMES", "TF_RUNS",
           "STREAM_TARGET", "ROOFLINE_SHARE_TARGET", "Runner", "TfrefRunner", "KerasFitRunner",
           "NumpyRunner", "TorchRunner", "TorchCompileRunner", "RooflineRunner", "Unavailable",
           "make_runner", "make_data", "initial_weights", "NUM_FEATURES", "NUM_CLASSES",
           "CHAR_VOCAB", "CHAR_STEPS"]
