"""The GPU checks in one go, for a machine with an NVIDIA GPU: ``python scripts/gpu_check.py``.

1. TensorFlow sees a GPU, and a matrix product placed with ``tfref.train.device_scope("gpu")``
   runs there and equals the CPU's.
2. ``tfref bench --quick --device gpu`` for the MLP and LeNet (the TensorFlow runs on the GPU).
3. ``tfref run lenet --quick --device gpu``: one topic trained on the GPU, its claims checked.

Exits 0 when all three pass, 1 at the first failure (saying which), 2 when there is no GPU.
CI never runs this script: these machines have no GPU.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile


def main() -> int:
    import numpy as np
    import tensorflow as tf

    from tfref.train import device_scope

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        print("gpu_check: TensorFlow sees no GPU here (install tfref[gpu] on a machine with an "
              "NVIDIA GPU)", file=sys.stderr)
        return 2
    print(f"1. GPUs: {[g.name for g in gpus]}")
    a = np.random.default_rng(0).normal(size=(512, 512)).astype("float32")
    with device_scope("gpu"):
        product = tf.matmul(a, a)
    with device_scope("cpu"):
        reference = tf.matmul(a, a)
    if "GPU" not in product.device:
        print(f"gpu_check: the product ran on {product.device}, not the GPU", file=sys.stderr)
        return 1
    difference = float(np.max(np.abs(product.numpy() - reference.numpy())))
    print(f"   matmul on {product.device}; largest difference from the CPU's: {difference:.3g}")
    if difference > 1e-2:  # TF32 on recent GPUs rounds to about 1e-3 relative
        print("gpu_check: GPU and CPU products differ too much", file=sys.stderr)
        return 1
    steps = [
        ("2. bench", [sys.executable, "-m", "tfref", "bench", "--quick", "--device", "gpu",
                      "--models", "mlp,lenet"]),
        ("3. topic", [sys.executable, "-m", "tfref", "run", "lenet", "--quick", "--device", "gpu",
                      "--out", tempfile.mkdtemp(prefix="tfref-gpu-")]),
    ]
    for label, command in steps:
        print(f"{label}: {' '.join(command[2:])}", flush=True)
        if subprocess.run(command).returncode != 0:
            print(f"gpu_check: {label} failed", file=sys.stderr)
            return 1
    print("gpu_check: all GPU checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
