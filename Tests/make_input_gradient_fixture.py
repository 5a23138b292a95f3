#!/usr/bin/env python3
"""Writes Tests/LessonKitTests/Fixtures/input_gradients.json: ∂J/∂x, the error at the pixels, for each lesson.

- "cnn": lesson 3's test image 0 through the initial network (the tutorial's init: np.random.seed(100)
  before every layer, filters drawn one at a time), J = -log softmax(z)[label], differentiated by
  PyTorch's float64 autograd (torch==2.13.0+cpu), as 28 x 28.
- "digits": lesson 1's training image 0 (2,290 rows, np.random.seed(0), shuffled, rows 1000: trained),
  W1.T @ dZ1[:, 0] from numpy, the tutorial's own forward and backward (its softmax without the max).
- "letters": lesson 2's letter A, d1 @ w1.T from numpy after np.random.seed(0) and the tutorial's
  randn draws (its d2 = a2 - y).
Floats are stored as repr strings.
"""
import gzip
import json
import os
import numpy as np
from cnn_init import conv_init, fc_init
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "Lessons", "data", "mnist")


def r(a):
    return [repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()]


def read(name, offset):
    with gzip.open(os.path.join(DATA, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


# ---- Lesson 3: the CNN at its initial weights, by autograd.


W1, b1 = conv_init(3, 1, 10)
W3, b3 = conv_init(5, 10, 16)
W5, b5 = fc_init(1296, 100)
W6, b6 = fc_init(100, 10)
T = lambda a: torch.tensor(a, dtype=torch.float64)
images = read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
labels = read("t10k-labels-idx1-ubyte.gz", 8).astype(int)
x = T(images[0:1].astype(np.float64) / 255.).reshape(1, 1, 28, 28).requires_grad_(True)
# Filters are stored (out, f, f, in); torch wants (out, in, f, f).
z = torch.nn.functional.conv2d(x, T(W1).permute(0, 3, 1, 2), T(b1))
z = torch.nn.functional.max_pool2d(torch.relu(z), 2)
z = torch.relu(torch.nn.functional.conv2d(z, T(W3).permute(0, 3, 1, 2), T(b3)))
flat = z.permute(0, 2, 3, 1).reshape(1, -1)  # the lesson flattens NHWC: channel fastest
h = torch.relu(flat @ T(W5).T + T(b5))
logits = h @ T(W6).T + T(b6)
J = -torch.log_softmax(logits, dim=1)[0, labels[0]]
J.backward()
fixture = {"cnn": {"index": 0, "label": int(labels[0]), "loss": repr(float(J.detach())), "dx": r(x.grad.reshape(28, 28).numpy())}}

# ---- Lesson 1: the tutorial's two-layer network on its shuffled rows.
train = read("train-images-idx3-ubyte.gz", 16).reshape(-1, 784)[:2290]
train_labels = read("train-labels-idx1-ubyte.gz", 8)[:2290]
data = np.hstack([train_labels[:, None], train]).astype(np.float64)
np.random.seed(0)
np.random.shuffle(data)
data_train = data[1000:].T
Y = data_train[0].astype(int)
X = data_train[1:] / 255.
DW1 = np.random.rand(10, 784) - 0.5
Db1 = np.random.rand(10, 1) - 0.5
DW2 = np.random.rand(10, 10) - 0.5
Db2 = np.random.rand(10, 1) - 0.5
Z1 = DW1.dot(X) + Db1
A1 = np.maximum(Z1, 0)
Z2 = DW2.dot(A1) + Db2
A2 = np.exp(Z2) / sum(np.exp(Z2))
one_hot = np.zeros((10, Y.size))
one_hot[Y, np.arange(Y.size)] = 1
dZ2 = A2 - one_hot
dZ1 = DW2.T.dot(dZ2) * (Z1 > 0)
fixture["digits"] = {"index": 0, "label": int(Y[0]), "dx": r(DW1.T.dot(dZ1[:, 0]))}

# ---- Lesson 2: letter A through the letters network.
a = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]
np.random.seed(0)
w1 = np.array([np.random.randn() for _ in range(30 * 5)]).reshape(30, 5)
w2 = np.array([np.random.randn() for _ in range(5 * 3)]).reshape(5, 3)
sig = lambda v: 1 / (1 + np.exp(-v))
xa = np.array(a).reshape(1, 30)
a1 = sig(xa.dot(w1))
a2 = sig(a1.dot(w2))
d2 = a2 - np.array([[1, 0, 0]])
d1 = np.multiply((w2.dot(d2.transpose())).transpose(), np.multiply(a1, 1 - a1))
fixture["letters"] = {"dx": r(d1.dot(w1.T))}

out = os.path.join(HERE, "LessonKitTests", "Fixtures", "input_gradients.json")
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote", out)
