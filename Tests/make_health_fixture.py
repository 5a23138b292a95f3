#!/usr/bin/env python3
"""Writes Tests/LessonKitTests/Fixtures/health_batch.json: a network's health over one mini-batch,
worked out in numpy, for the figures `--watch` shows and run.json keeps (TrainingHealth.swift).

The network is small and its numbers chosen so that every figure has something to count: 8 random
10x10 images, conv 3x3x4 -> relu -> max-pool 2 -> conv 3x3x3 -> relu -> flatten -> dense 6 -> (relu or
sigmoid) -> dense 3 -> softmax. conv1's filter 3 and dense1's unit 5 get a bias of -10 (dead under a
ReLU); under the sigmoid, unit 4 gets +10 and unit 5 -10 (saturated). One update: summed gradients,
clipped to +-0.05, W*(1 - lr*lam/m) - lr*g/m and b - lr*gb/m (lr 0.1, lam 0.01, m 8).

Figures per parameter layer, first layer first:
- activation mean and standard deviation over the batch: conv1's read after its max-pool (the fast
  path computes conv1 and the pool in one pass), conv2's and dense1's after their activation, dense2's
  the logits;
- dead: units (channels, outputs) whose ReLU output is 0 for every image of the batch; saturated:
  sigmoid units whose output is outside [0.02, 0.98] for every image;
- gradient rms: sqrt(mean((dW / m)^2)) before clipping; weight rms: sqrt(mean(W^2)) before the update;
  update rms: sqrt(mean((W_new - W)^2)); clipped: entries of dW beyond +-0.05.
"""
import json
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
N, SIDE, CLASSES = 8, 10, 3
LR, LAM, CLIP = 0.1, 0.01, 0.05


def conv_forward(x, W, b):
    co, f, _, ci = W.shape
    n, h, w, _ = x.shape
    oh, ow = h - f + 1, w - f + 1
    z = np.zeros((n, oh, ow, co))
    for kh in range(f):
        for kw in range(f):
            z += np.einsum('nhwc,oc->nhwo', x[:, kh:kh + oh, kw:kw + ow, :], W[:, kh, kw, :])
    return z + b


def conv_backward(x, W, dz):
    co, f, _, ci = W.shape
    n, oh, ow, _ = dz.shape
    dW = np.zeros_like(W)
    dx = np.zeros_like(x)
    for kh in range(f):
        for kw in range(f):
            patch = x[:, kh:kh + oh, kw:kw + ow, :]
            dW[:, kh, kw, :] = np.einsum('nhwo,nhwc->oc', dz, patch)
            dx[:, kh:kh + oh, kw:kw + ow, :] += np.einsum('nhwo,oc->nhwc', dz, W[:, kh, kw, :])
    return dx, dW, dz.sum(axis=(0, 1, 2))


def pool_forward(a):
    n, h, w, c = a.shape
    windows = a.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, h // 2, w // 2, c, 4)
    return windows.max(axis=-1), windows.argmax(axis=-1)  # argmax: the first maximum in raster order


def pool_backward(dp, arg, shape):
    n, h, w, c = shape
    da = np.zeros(shape)
    for i in range(n):
        for y in range(h // 2):
            for x in range(w // 2):
                for k in range(c):
                    q = arg[i, y, x, k]
                    da[i, 2 * y + q // 2, 2 * x + q % 2, k] += dp[i, y, x, k]
    return da


def health(activation, gate, W, dW, W_new):
    """One layer's figures; `activation` (n, ..., units) as read, `gate` 'relu', 'sigmoid' or None."""
    units = activation.shape[-1]
    per_unit = activation.reshape(-1, units)
    out = {
        "mean": repr(float(activation.mean())),
        "spread": repr(float(activation.std())),
        "units": units,
        "gradient_rms": repr(float(np.sqrt(np.mean((dW / N) ** 2)))),
        "weight_rms": repr(float(np.sqrt(np.mean(W ** 2)))),
        "update_rms": repr(float(np.sqrt(np.mean((W_new - W) ** 2)))),
        "clipped": int(np.sum(np.abs(dW) > CLIP)),
        "weights": int(W.size),
    }
    if gate == "relu":
        out["dead"] = int(np.sum(np.all(per_unit <= 0, axis=0)))
    if gate == "sigmoid":
        out["saturated"] = int(np.sum(np.all((per_unit < 0.02) | (per_unit > 0.98), axis=0)))
    return out


def case(rng, images, labels, dense_activation):
    W1 = rng.normal(0, 0.5, size=(4, 3, 3, 1)); b1 = rng.normal(0, 0.1, size=4); b1[3] = -10
    W2 = rng.normal(0, 0.3, size=(3, 3, 3, 4)); b2 = rng.normal(0, 0.1, size=3)
    W3 = rng.normal(0, 0.4, size=(6, 12)); b3 = rng.normal(0, 0.1, size=6)
    if dense_activation == "relu":
        b3[5] = -10
    else:
        b3[4] = 10; b3[5] = -10
    W4 = rng.normal(0, 0.4, size=(3, 6)); b4 = rng.normal(0, 0.1, size=3)
    params = [W1, b1, W2, b2, W3, b3, W4, b4]

    x = images.astype(np.float64)[..., None] / 255.
    y = np.eye(CLASSES)[labels]
    z1 = conv_forward(x, W1, b1); a1 = np.maximum(z1, 0)
    p1, arg = pool_forward(a1)
    z2 = conv_forward(p1, W2, b2); a2 = np.maximum(z2, 0)
    flat = a2.reshape(N, -1)
    z3 = flat @ W3.T + b3
    a3 = np.maximum(z3, 0) if dense_activation == "relu" else 1 / (1 + np.exp(-z3))
    z4 = a3 @ W4.T + b4
    e = np.exp(z4 - z4.max(axis=1, keepdims=True)); p = e / e.sum(axis=1, keepdims=True)

    d4 = p - y
    dW4, db4 = d4.T @ a3, d4.sum(0)
    da3 = d4 @ W4
    d3 = da3 * (z3 > 0) if dense_activation == "relu" else da3 * a3 * (1 - a3)
    dW3, db3 = d3.T @ flat, d3.sum(0)
    d2 = (d3 @ W3).reshape(a2.shape) * (z2 > 0)
    dp1, dW2, db2 = conv_backward(p1, W2, d2)
    d1 = pool_backward(dp1, arg, a1.shape) * (z1 > 0)
    _, dW1, db1 = conv_backward(x, W1, d1)

    def updated(W, dW):
        return W * (1 - LR * LAM / N) - LR * np.clip(dW, -CLIP, CLIP) / N

    layers = [
        health(p1, "relu", W1, dW1, updated(W1, dW1)),
        health(a2, "relu", W2, dW2, updated(W2, dW2)),
        health(a3, dense_activation, W3, dW3, updated(W3, dW3)),
        health(z4, None, W4, dW4, updated(W4, dW4)),
    ]
    return {"dense_activation": dense_activation, "parameters": [p.tolist() for p in params], "layers": layers}


rng = np.random.RandomState(7)
images = rng.randint(0, 256, size=(N, SIDE, SIDE)).astype(np.uint8)
labels = rng.randint(0, CLASSES, size=N)
fixture = {
    "images": images.reshape(-1).tolist(), "labels": labels.tolist(), "side": SIDE,
    "learning_rate": LR, "lambda": LAM, "clip": CLIP, "batch": N,
    "cases": [case(rng, images, labels, "relu"), case(rng, images, labels, "sigmoid")],
}
with open(os.path.join(HERE, "LessonKitTests", "Fixtures", "health_batch.json"), "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
