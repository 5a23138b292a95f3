#!/usr/bin/env python3
"""Writes Tests/LessonKitTests/Fixtures/cnn_first_batch.json: lesson 3's initial weights and first update, from numpy.

Layers as the tutorial builds them: each layer's init starts with np.random.seed(100); conv filters are
drawn one at a time with normal(0, sqrt(2/(f*f*nc_in)), size=[f, f, nc_in]), then the biases; dense
weights normal(0, sqrt(2/n_in), size=[n_out, n_in]), then the biases. The first epoch's batches come
from np.random.shuffle(np.arange(60000)) continuing that stream. One batch of 512 goes forward and
backward (summed gradients), weight gradients are clipped to +-0.5, and every layer is updated with
W*(1 - lr*lam/m) - lr*g/m, b - lr*gb/m (m = 512, lam = 0.01, lr 0.1; 0.01 for the last layer).
"after_image_clip" is the same update with clip-scope image (each image's dense gradient clipped).
Arrays are NHWC; filters are stored (nc, f, f, nc_in). Floats are stored as repr strings.

It also writes:
- cnn_first_batch_tensors.bin.gz: every tensor whole, float64 little-endian, placed as the "tensors"
  index in cnn_trace.json says: the raw summed gradients of the first batch (before any clipping),
  the weights after the batch-clipped update and after the per-image-clipped update.
- cnn_trace.json: the step-through of test image `trace-image` (0) through the initial network, as
  numpy prints each quantity the lesson shows (str() under numpy's default print options), per step;
  the lines the lesson prints with %-formatting (channel statistics, max-pool windows), as Python's
  %-formatting writes them; and the scalars of the worked lines (conv1's first output, the loss).
"""
import gzip
import json
import sys
import os
import numpy as np
from cnn_init import conv_init, fc_init

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "Lessons", "data", "mnist")
with gzip.open(os.path.join(DATA, "train-images-idx3-ubyte.gz")) as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28, 1)
with gzip.open(os.path.join(DATA, "train-labels-idx1-ubyte.gz")) as f:
    labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(int)




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
    oh, ow = dz.shape[1], dz.shape[2]
    dW = np.zeros_like(W)
    dx = np.zeros_like(x)
    for kh in range(f):
        for kw in range(f):
            dW[:, kh, kw, :] = np.einsum('nhwc,nhwo->oc', x[:, kh:kh + oh, kw:kw + ow, :], dz)
            dx[:, kh:kh + oh, kw:kw + ow, :] += np.einsum('nhwo,oc->nhwc', dz, W[:, kh, kw, :])
    return dx, dW, dz.sum(axis=(0, 1, 2))


def pool_forward(x):
    n, h, w, c = x.shape
    oh, ow = h // 2, w // 2
    blocks = x[:, :oh * 2, :ow * 2, :].reshape(n, oh, 2, ow, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, oh, ow, c, 4)
    return blocks.max(axis=-1), blocks.argmax(axis=-1)


def pool_backward(dout, arg, shape):
    n, oh, ow, c = dout.shape
    dx = np.zeros(shape)
    dy, dxx = arg // 2, arg % 2
    ni, yi, xi, ci = np.indices(dout.shape)
    np.add.at(dx, (ni, yi * 2 + dy, xi * 2 + dxx, ci), dout)
    return dx


relu = lambda z: np.maximum(z, 0)

W1, b1 = conv_init(3, 1, 10)
W3, b3 = conv_init(5, 10, 16)
W5, b5 = fc_init(1296, 100)
W6, b6 = fc_init(100, 10)
fixture = {"conv1_init": [repr(float(v)) for v in W1.ravel()], "conv1_bias_init": [repr(float(v)) for v in b1],
           "conv2_init_first": [repr(float(v)) for v in W3.ravel()[:50]], "conv2_init_sum": repr(float(W3.sum())),
           "dense1_init_first": [repr(float(v)) for v in W5.ravel()[:50]], "dense1_init_sum": repr(float(W5.sum())),
           "dense2_init": [repr(float(v)) for v in W6.ravel()], "dense2_bias_init": [repr(float(v)) for v in b6]}

idx = np.arange(60000)
np.random.shuffle(idx)
batch = idx[:512]
fixture["first_batch"] = [int(v) for v in batch[:20]]
x = images[batch].astype(np.float64) / 255.
y = np.zeros((512, 10)); y[np.arange(512), labels[batch]] = 1

z1 = conv_forward(x, W1, b1); a1 = relu(z1)
p1, arg1 = pool_forward(a1)
z3 = conv_forward(p1, W3, b3); a3 = relu(z3)
f4 = a3.reshape(512, -1)
z5 = f4 @ W5.T + b5; a5 = relu(z5)
z6 = a5 @ W6.T + b6
e = np.exp(z6 - z6.max(axis=1, keepdims=True)); a6 = e / e.sum(axis=1, keepdims=True)
fixture["first_batch_loss"] = repr(float(-np.sum(y * np.log(a6))))

d6 = a6 - y
gW6, gb6 = d6.T @ a5, d6.sum(axis=0)
d5 = (d6 @ W6) * (z5 > 0)
gW5, gb5 = d5.T @ f4, d5.sum(axis=0)
d4 = (d5 @ W5).reshape(a3.shape)
d3 = d4 * (z3 > 0)
dp1, gW3, gb3 = conv_backward(p1, W3, d3)
d1 = pool_backward(dp1, arg1, a1.shape) * (z1 > 0)
_, gW1, gb1 = conv_backward(x, W1, d1)

lam, m = 0.01, 512
fixture_before = {"W1": W1, "b1": b1, "W3": W3, "b3": b3, "W5": W5, "b5": b5, "W6": W6, "b6": b6}
clipped = 0
def update(W, b, gW, gb, lr):
    global clipped
    clipped += int(np.sum(np.abs(gW) > 0.5))
    return W * (1 - lr * lam / m) - lr * np.clip(gW, -0.5, 0.5) / m, b - lr * gb / m

W1, b1 = update(W1, b1, gW1, gb1, 0.1)
W3, b3 = update(W3, b3, gW3, gb3, 0.1)
W5, b5 = update(W5, b5, gW5, gb5, 0.1)
W6, b6 = update(W6, b6, gW6, gb6, 0.01)
fixture["after"] = {
    "conv1": [repr(float(v)) for v in W1.ravel()], "conv1_bias": [repr(float(v)) for v in b1],
    "conv2_first": [repr(float(v)) for v in W3.ravel()[:100]], "conv2_bias": [repr(float(v)) for v in b3],
    "dense1_row7": [repr(float(v)) for v in W5[7]], "dense1_bias": [repr(float(v)) for v in b5],
    "dense2": [repr(float(v)) for v in W6.ravel()], "dense2_bias": [repr(float(v)) for v in b6],
}
fixture["clipped_entries"] = clipped

# clip-scope image: the tutorial's layer code, image by image. The dense layers clip np.outer(delta, act)
# before the batch sum; the conv layers' clip result is discarded, so their gradients go in unclipped.
def per_image_clipped(d, a):
    g, count = np.zeros((d.shape[1], a.shape[1])), 0
    for n in range(d.shape[0]):
        o = np.outer(d[n], a[n])
        count += int(np.sum(np.abs(o) > 0.5))
        g += np.clip(o, -0.5, 0.5)
    return g, count
W1i, b1i, W3i, b3i, W5i, b5i, W6i, b6i = [fixture_before[k] for k in ("W1", "b1", "W3", "b3", "W5", "b5", "W6", "b6")]
gW5i, c5 = per_image_clipped(d5, f4)
gW6i, c6 = per_image_clipped(d6, a5)
def plain_update(W, b, gW, gb, lr):
    return W * (1 - lr * lam / m) - lr * gW / m, b - lr * gb / m
W1i, b1i = plain_update(W1i, b1i, gW1, gb1, 0.1)
W3i, b3i = plain_update(W3i, b3i, gW3, gb3, 0.1)
W5i, b5i = plain_update(W5i, b5i, gW5i, gb5, 0.1)
W6i, b6i = plain_update(W6i, b6i, gW6i, gb6, 0.01)
fixture["after_image_clip"] = {
    "conv1": [repr(float(v)) for v in W1i.ravel()], "conv2_first": [repr(float(v)) for v in W3i.ravel()[:100]],
    "dense1_row7": [repr(float(v)) for v in W5i[7]], "dense2": [repr(float(v)) for v in W6i.ravel()],
    "dense1_clipped": c5, "dense2_clipped": c6,
}
# The vectorised version draws all filters at once, (f, f, nc_in, nc); stored here as (nc, f, f, nc_in).
np.random.seed(100)
W3_one = np.random.normal(0, np.sqrt(2 / 25 / 10), size=[5, 5, 10, 16]).transpose(3, 0, 1, 2)
fixture_one_draw = {"conv2_one_draw_first": [repr(float(v)) for v in W3_one.ravel()[:50]],
                    "conv2_one_draw_bias": [repr(float(v)) for v in np.random.normal(0, np.sqrt(2 / 25 / 10), size=16)]}
fixture.update(fixture_one_draw)

# ---- Whole tensors of the first update.
tensors = [("grad/conv1", gW1), ("grad/conv1_bias", gb1), ("grad/conv2", gW3), ("grad/conv2_bias", gb3),
           ("grad/dense1", gW5), ("grad/dense1_bias", gb5), ("grad/dense2", gW6), ("grad/dense2_bias", gb6),
           ("after/conv1", W1), ("after/conv1_bias", b1), ("after/conv2", W3), ("after/conv2_bias", b3),
           ("after/dense1", W5), ("after/dense1_bias", b5), ("after/dense2", W6), ("after/dense2_bias", b6),
           ("after_image_clip/conv1", W1i), ("after_image_clip/conv1_bias", b1i), ("after_image_clip/conv2", W3i),
           ("after_image_clip/conv2_bias", b3i), ("after_image_clip/dense1", W5i), ("after_image_clip/dense1_bias", b5i),
           ("after_image_clip/dense2", W6i), ("after_image_clip/dense2_bias", b6i)]
index, chunks, offset = {}, [], 0
for name, a in tensors:
    a = np.ascontiguousarray(a, dtype="<f8")
    index[name] = {"offset": offset, "shape": list(a.shape)}
    chunks.append(a.tobytes())
    offset += a.size
with open(os.path.join(HERE, "LessonKitTests", "Fixtures", "cnn_first_batch_tensors.bin.gz"), "wb") as f:
    f.write(gzip.compress(b"".join(chunks), mtime=0))

# ---- The step-through of one test image through the initial network, as the lesson prints it.
with gzip.open(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")) as f:
    test_images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28, 1)
with gzip.open(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")) as f:
    test_labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(int)
TRACE = 0
P = fixture_before
tx = test_images[TRACE:TRACE + 1].astype(np.float64) / 255.
ty = test_labels[TRACE]
tz1 = conv_forward(tx, P["W1"], P["b1"]); ta1 = relu(tz1)
tp1, targ1 = pool_forward(ta1)
tz3 = conv_forward(tp1, P["W3"], P["b3"]); ta3 = relu(tz3)
tf4 = ta3.reshape(1, -1)
tz5 = tf4 @ P["W5"].T + P["b5"]; ta5 = relu(tz5)
tz6 = ta5 @ P["W6"].T + P["b6"]
te6 = np.exp(tz6 - tz6.max(axis=1, keepdims=True)); ta6 = te6 / te6.sum(axis=1, keepdims=True)
ty1 = np.zeros((1, 10)); ty1[0, ty] = 1
td6 = ta6 - ty1
tgW6, tgb6 = td6.T @ ta5, td6.sum(axis=0)
tdi6 = td6 @ P["W6"]
# ReLU's gate passes δ where z > 0 and writes 0 elsewhere (np.where, not δ * (z > 0), whose
# products print negative zeros); the lesson's gate is the same selection.
gate = lambda d, z: np.where(z > 0, d, 0.0)
td5 = gate(tdi6, tz5)
tgW5, tgb5 = td5.T @ tf4, td5.sum(axis=0)
tdi5 = td5 @ P["W5"]
td4 = tdi5.reshape(ta3.shape)
td3 = gate(td4, tz3)
tdp1, tgW3, tgb3 = conv_backward(tp1, P["W3"], td3)
tdpool = pool_backward(tdp1, targ1, ta1.shape)
td1 = gate(tdpool, tz1)
_, tgW1, tgb1 = conv_backward(tx, P["W1"], td1)

def ch(t, c):
    return t[0, :, :, c]

import functools, operator
def stats(t):
    """lesson 3's channel table: channel, min, max, mean (summed in order, as the lesson does), positive, count."""
    rows = []
    for c in range(t.shape[3]):
        v = list(ch(t, c).ravel())
        mean = functools.reduce(operator.add, v, 0.0) / len(v)
        rows.append([c, min(v), max(v), mean, sum(1 for q in v if q > 0), len(v)])
    n = len(rows)
    if n <= 12:
        return rows
    every = (n + 9) // 10  # the terminal shows the first and last 4 and every k-th of a longer table
    return [r for i, r in enumerate(rows) if i < 4 or i >= n - 4 or (i + 1) % every == 0]

def windows(x, z):
    """The first three 2x2 windows of channel 0: row, col, the four values, the max and where it is."""
    rows = []
    for k in range(3):
        flat = [x[0, dy, k * 2 + dx, 0] for dy in range(2) for dx in range(2)]
        first = flat.index(max(flat))  # the first maximum in row-major order, as np.argmax
        rows.append([0, k] + flat + [z[0, 0, k, 0], first // 2, k * 2 + first % 2])
    return rows

# What the terminal view shows (threshold=100): a plain array summarised past 100 values; an image
# (H, W, C) as channel 0, a filter bank (F, h, w, C) as [0, :, :, 0], summarised when the whole has
# more than 100 values. --full: every value (threshold=sys.maxsize), an image channel by channel.
def plain(a):
    with np.printoptions(threshold=100):
        return str(a)
def image(t, c=0):
    t = t[0] if t.ndim == 4 else t
    with np.printoptions(threshold=0 if t.size > 100 else 100):
        return str(t[:, :, c])

# Where the worked examples sit (the lesson's rules, first occurrence on ties as np.argmax):
def largest(t):
    """index of the largest entry, as a tuple"""
    return np.unravel_index(int(np.argmax(t)), t.shape)
def largest_magnitude(t):
    return np.unravel_index(int(np.argmax(np.abs(t))), t.shape)
_, oy1, ox1, k1 = largest(tz1)          # conv1: the largest z of all channels
# One path through the layers (CNNEngine+Path.swift): pool1 works the window holding conv1's worked z;
# conv2 the largest z whose 5x5 patch covers that pooled pixel, in any channel; the backward steps the
# same places (conv2's dW at the weight joining the two, its δ_in at the pooled pixel).
pool_py, pool_px, pool_ch = oy1 // 2, ox1 // 2, k1
cover = np.full(tz3.shape, -np.inf)
for oy in range(max(0, pool_py - 4), min(tz3.shape[1], pool_py + 1)):
    for ox in range(max(0, pool_px - 4), min(tz3.shape[2], pool_px + 1)):
        cover[0, oy, ox, :] = tz3[0, oy, ox, :]
_, oy3, ox3, k3 = largest(cover)          # conv2
# conv2's patch and filter are printed at the input channel whose products carry most of the sum (the
# one the lesson writes out term by term), first on ties as np.argmax.
ch3 = int(np.argmax(np.abs((tp1[0, oy3:oy3 + 5, ox3:ox3 + 5, :] * P["W3"][k3]).sum(axis=(0, 1)))))
co3, ci3 = k3, pool_ch   # conv2 backward: filter k3's dW, printed at pool1's worked channel
cin3 = pool_ch           # conv2's δ_in at pool1's worked pixel
co1 = k1                 # conv1 backward: the worked filter's δ and dW
route_ch = pool_ch
def bank(w):
    with np.printoptions(threshold=0 if w.size > 100 else 100):
        return str(w[0, :, :, 0])
def full_plain(a):
    with np.printoptions(threshold=sys.maxsize):
        return str(a)
def full_image(t):
    t = t[0] if t.ndim == 4 else t
    with np.printoptions(threshold=sys.maxsize):
        return "\n".join("[:, :, %d]\n%s" % (c, str(t[:, :, c])) for c in range(t.shape[2]))

trace = {
    "init-weights": {"conv1 filters": bank(P["W1"]), "conv1 biases": plain(P["b1"]),
                     "conv2 filters": bank(P["W3"]), "conv2 biases": plain(P["b3"]),
                     "dense1 weights": plain(P["W5"]), "dense2 weights": plain(P["W6"])},
    "conv1.forward": {"patch": plain(tx[0, oy1:oy1 + 3, ox1:ox1 + 3, 0]), "W[%d]" % k1: plain(P["W1"][k1].reshape(3, 3)),
                      "z": image(tz1, k1)},
    "pool1.forward": {"pooled": image(tp1, pool_ch)},
    "conv2.forward": {"patch": image(tp1[0, oy3:oy3 + 5, ox3:ox3 + 5, :], ch3), "W[%d]" % k3: image(P["W3"][k3], ch3),
                      "z": image(tz3, k3)},
    "flatten.forward": {"flat": plain(tf4)},
    "dense1.forward": {"z": plain(tz5)},
    "dense2.forward": {"z": plain(tz6), "a": plain(ta6)},
    "loss": {"ŷ": plain(ta6)},
    "dense2.backward": {"δ": plain(td6), "dW": plain(tgW6), "δ_in": plain(tdi6)},
    "dense1.backward": {"dW": plain(tgW5), "δ_in": plain(tdi5)},
    "flatten.backward": {"δ": image(td4)},
    "conv2.backward": {"δ": image(td3, co3), "dW[%d]" % co3: image(tgW3[co3], ci3), "db": plain(tgb3), "δ_in": image(tdp1, cin3)},
    "pool1.backward": {"δ_in": image(tdpool, route_ch)},
    "conv1.backward": {"δ": image(td1, co1), "dW[%d]" % co1: plain(tgW1[co1].reshape(3, 3)), "db": plain(tgb1)},
}
# --full: the same quantities with every value, for those small enough to keep in a fixture.
full = {
    "conv1.forward": {"z": full_image(tz1), "a": full_image(ta1)},
    "conv2.forward": {"z": full_image(tz3), "a": full_image(ta3)},
    "dense2.backward": {"dW": full_plain(tgW6), "δ_in": full_plain(tdi6)},
    "flatten.forward": {"flat": full_plain(tf4)},
    "init-weights": {"conv2 biases": full_plain(P["b3"])},
}
pool_window = [ta1[0, pool_py * 2 + dy, pool_px * 2 + dx, pool_ch] for dy in range(2) for dx in range(2)]
rows = {"conv1.forward": stats(ta1), "pool1.forward": [pool_window + [tp1[0, pool_py, pool_px, pool_ch]]], "conv2.forward": stats(ta3)}
lines = {"loss": ["label y = %d; prediction = argmax ŷ = %d" % (ty, int(np.argmax(ta6)))]}
patch1, filt1 = tx[0, 0:3, 0:3, 0].ravel(), P["W1"][0].ravel()
scalars = {"conv1.forward": [float(tz1[0, oy1, ox1, k1])],
           "loss": [float(ta6[0, ty]), float(-np.log(ta6[0, ty]))]}
with open(os.path.join(HERE, "LessonKitTests", "Fixtures", "cnn_trace.json"), "w") as f:
    json.dump({"trace_image": TRACE, "label": int(ty), "printed": trace, "full": full, "rows": rows, "lines": lines,
               "scalars": scalars, "tensors": index}, f, indent=1, ensure_ascii=False)

out = os.path.join(HERE, "LessonKitTests", "Fixtures", "cnn_first_batch.json")
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote", out, "loss", fixture["first_batch_loss"], "clipped", clipped)
