"""A small linear model: multinomial logistic regression over sparse features.

What Rasa's default pipeline does with its DIET/logistic classifiers, kept to
numpy (already a dependency of the language identifier): trained once at build
time on the example banks (``knowledge/examples``) and shipped as one ``.npz``
of a few hundred kilobytes; predicting is a sum of a few hundred weight rows
and a softmax, well under a millisecond.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

Features = Mapping[str, float]


class LinearModel:
    """Labels, a feature vocabulary and their weights; immutable once built."""

    __slots__ = ("bias", "labels", "vocab", "weights")

    def __init__(self, labels: Sequence[str], vocab: Mapping[str, int],
                 weights: np.ndarray, bias: np.ndarray) -> None:
        self.labels = tuple(labels)
        self.vocab = dict(vocab)
        self.weights = weights
        self.bias = bias

    def probabilities(self, features: Features) -> dict[str, float]:
        """Each label's probability for one message's features."""
        scores = self.bias.astype(np.float64)
        for name, value in features.items():
            k = self.vocab.get(name)
            if k is not None:
                scores = scores + value * self.weights[k]
        scores -= scores.max()
        exp = np.exp(scores)
        probs = exp / exp.sum()
        return {label: float(p) for label, p in zip(self.labels, probs, strict=True)}

    # -- training --------------------------------------------------------
    @classmethod
    def fit(cls, rows: Sequence[Features], labels: Sequence[str], *, l2: float = 1e-3,
            min_count: int = 2, steps: int = 300, rate: float = 0.1,
            sample_weights: Sequence[float] | None = None) -> LinearModel:
        """Fit by full-batch Adam on the mean cross-entropy plus an L2 penalty."""
        counts = Counter(name for row in rows for name in row)
        names = sorted(n for n, c in counts.items() if c >= min_count)
        vocab = {n: k for k, n in enumerate(names)}
        classes = sorted(set(labels))
        x = np.zeros((len(rows), len(names)), dtype=np.float32)
        for i, row in enumerate(rows):
            for name, value in row.items():
                k = vocab.get(name)
                if k is not None:
                    x[i, k] = value
        y = np.zeros((len(rows), len(classes)), dtype=np.float32)
        index = {c: k for k, c in enumerate(classes)}
        for i, label in enumerate(labels):
            y[i, index[label]] = 1.0
        sw = np.ones(len(rows), dtype=np.float32) if sample_weights is None else np.asarray(
            sample_weights, dtype=np.float32)
        sw = sw / sw.sum()
        w = np.zeros((len(names), len(classes)), dtype=np.float32)
        b = np.zeros(len(classes), dtype=np.float32)
        state = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        for step in range(1, steps + 1):
            scores = x @ w + b
            scores -= scores.max(axis=1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - y) * sw[:, None]
            grad_w = x.T @ g + l2 * w
            grad_b = g.sum(axis=0)
            for param, grad, m, v in ((w, grad_w, state[0], state[1]),
                                      (b, grad_b, state[2], state[3])):
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad * grad
                m_hat = m / (1 - beta1 ** step)
                v_hat = v / (1 - beta2 ** step)
                param -= rate * m_hat / (np.sqrt(v_hat) + eps)
        return cls(classes, vocab, w, b)

    # -- storage ---------------------------------------------------------
    def save(self, path: Path, *, fingerprint: str, params: Mapping[str, float]) -> None:
        """Write the model with the data's fingerprint and the decision constants."""
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        with path.open("wb") as handle:
            np.savez_compressed(handle, labels=np.array(self.labels), names=np.array(names),
                                weights=self.weights.astype(np.float16), bias=self.bias,
                                fingerprint=np.array(fingerprint),
                                params=np.array(json.dumps(dict(params))))

    @classmethod
    def load(cls, path: Path) -> tuple[LinearModel, str, dict[str, float]]:
        """The model, the fingerprint of its data and the decision constants."""
        with np.load(path, allow_pickle=False) as data:
            names = [str(n) for n in data["names"]]
            model = cls([str(label) for label in data["labels"]],
                        {n: k for k, n in enumerate(names)},
                        data["weights"].astype(np.float32), data["bias"].astype(np.float32))
            return model, str(data["fingerprint"]), json.loads(str(data["params"]))
