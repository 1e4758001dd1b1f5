"""Claims that can fail: with a broken op in place of the right one, a claim of every topic that
uses it fails (and not because the topic crashed).

Each mutant is a realistic slip: a sigmoid derivative without its (1 - s) factor, a true
convolution (flipped kernel) where the cross-correlation is meant, a softmax without the
max-subtraction (overflow for large logits), Adam without its bias correction, and a confusion
matrix transposed (rows = predicted). ``tfref.ops.<name>`` is replaced for one quick run of each
topic that calls it; the topic must report at least one failed claim and no error.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import tfref.ops as ops
from tfref.runner import run_topic

ORIGINAL = {name: getattr(ops, name) for name in ("sigmoid", "sigmoid_derivative", "conv2d",
                                                   "softmax", "adam_update", "confusion_matrix")}


def sigmoid_derivative_without_one_minus_s(x):
    return ORIGINAL["sigmoid"](x)


def conv2d_with_flipped_kernel(x, kernel, stride=1, padding=0):
    kernel = tf.convert_to_tensor(kernel)
    return ORIGINAL["conv2d"](x, tf.reverse(kernel, axis=[0, 1]), stride=stride, padding=padding)


def softmax_without_max_subtraction(x, axis=-1):
    x = tf.convert_to_tensor(x)
    x = tf.cast(x, tf.float32) if not x.dtype.is_floating else x
    e = tf.exp(x)
    return e / tf.reduce_sum(e, axis=axis, keepdims=True)


def adam_without_bias_correction(param, grad, m, v, t, lr, beta_1=0.9, beta_2=0.999,
                                 epsilon=1e-7):
    param, grad, m, v = (tf.convert_to_tensor(a) for a in (param, grad, m, v))
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    return param - lr * m / (tf.sqrt(v) + epsilon), m, v


def confusion_matrix_transposed(*args, **kwargs):
    return tf.transpose(ORIGINAL["confusion_matrix"](*args, **kwargs))


MUTANTS = {
    "sigmoid_derivative": (sigmoid_derivative_without_one_minus_s,
                           ["activations", "forward-backward", "vanishing-exploding"]),
    "conv2d": (conv2d_with_flipped_kernel, ["conv2d"]),
    # (losses calls softmax only to make inputs that its claims then share with keras: no claim
    # of it can see how they were made, so it is not listed)
    "softmax": (softmax_without_max_subtraction, ["activations"]),
    "adam_update": (adam_without_bias_correction, ["optimizers"]),
    "confusion_matrix": (confusion_matrix_transposed, ["confusion"]),
}


CASES = [(name, topic) for name, (_, topics) in MUTANTS.items() for topic in topics]


def run_case(name: str, topic: str, out_dir: str) -> dict:
    """One topic, quick, with ``tfref.ops.<name>`` (and the topic's own import of it) broken."""
    from tfref.topics import get_topic

    mutant = MUTANTS[name][0]
    setattr(ops, name, mutant)
    module = get_topic(topic)  # a topic may have imported the function itself
    for attribute, value in list(vars(module).items()):
        if value is ORIGINAL[name]:
            setattr(module, attribute, mutant)
    result = run_topic(topic, quick=True, seed=0, out_dir=out_dir)
    return {"error": result.error, "claims": len(result.claims),
            "failed": [c.name for c in result.claims if c.checked and not c.ok]}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict:
    """Every case, in one separate process: a tf.function traced with a broken op keeps it after
    the op is restored, so the mutants must not share a process with the other tests."""
    out = tmp_path_factory.mktemp("mutants")
    script = ("import json, sys; from tests.test_topic_mutants import CASES, run_case; "
              "print(json.dumps({f'{n}/{t}': run_case(n, t, sys.argv[1] + '/' + n + '-' + t) "
              "for n, t in CASES}))")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script, str(out)], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("name", "topic"), CASES)
def test_a_broken_op_fails_a_claim_of_each_topic_that_uses_it(name, topic, outcomes):
    result = outcomes[f"{name}/{topic}"]
    assert result["error"] is None, f"{topic} crashed with the broken {name}: {result['error']}"
    assert result["failed"], (f"no claim of {topic} fails with a broken {name} "
                              f"({result['claims']} claims)")


def test_the_mutants_really_differ_from_the_ops():
    x = np.array([[-1.0, 0.5, 3.0]], np.float32)
    assert not np.allclose(sigmoid_derivative_without_one_minus_s(x), ORIGINAL["sigmoid"](x) * 0 +
                           ops.sigmoid_derivative(x))
    assert np.isnan(softmax_without_max_subtraction(np.array([1e4, 0.0], np.float32))).any()
    labels, predicted = [0, 0, 1, 2], [0, 1, 1, 1]
    assert not np.array_equal(confusion_matrix_transposed(labels, predicted),
                              ops.confusion_matrix(labels, predicted))
