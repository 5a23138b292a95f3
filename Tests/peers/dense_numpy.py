"""Peer for `lesson bench`'s dense row: lesson 1's tutorial code in numpy (float64), on all 60,000
MNIST training images, 500 full-batch gradient-descent iterations, timed as a whole.

Run: python3 Tests/peers/dense_numpy.py [--iterations 500]   (numpy; the data from Lessons/data/mnist)
The functions are the tutorial's (samples as columns, softmax without the max, its 1/m and sums).
"""
import argparse, gzip, os, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, "..", "..", "Lessons", "data", "mnist")


def idx(name):
    with gzip.open(os.path.join(MNIST, name), "rb") as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


def init_params():
    return (np.random.rand(10, 784) - 0.5, np.random.rand(10, 1) - 0.5, np.random.rand(10, 10) - 0.5, np.random.rand(10, 1) - 0.5)


def ReLU(Z): return np.maximum(Z, 0)
def ReLU_deriv(Z): return Z > 0
def softmax(Z): return np.exp(Z) / sum(np.exp(Z))


def forward_prop(W1, b1, W2, b2, X):
    Z1 = W1.dot(X) + b1; A1 = ReLU(Z1); Z2 = W2.dot(A1) + b2; A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def one_hot(Y):
    o = np.zeros((Y.size, Y.max() + 1)); o[np.arange(Y.size), Y] = 1
    return o.T


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y, m):
    dZ2 = A2 - one_hot(Y); dW2 = 1 / m * dZ2.dot(A1.T); db2 = 1 / m * np.sum(dZ2)
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1); dW1 = 1 / m * dZ1.dot(X.T); db1 = 1 / m * np.sum(dZ1)
    return dW1, db1, dW2, db2


ap = argparse.ArgumentParser()
ap.add_argument("--iterations", type=int, default=500)
a = ap.parse_args()
X = idx("train-images-idx3-ubyte.gz").reshape(60000, 784).T / 255.0
Y = idx("train-labels-idx1-ubyte.gz").astype(np.int64)
np.random.seed(0)
W1, b1, W2, b2 = init_params()
t = time.perf_counter()
for i in range(a.iterations):
    Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X)
    dW1, db1, dW2, db2 = backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y, X.shape[1])
    W1 -= 0.1 * dW1; b1 -= 0.1 * db1; W2 -= 0.1 * dW2; b2 -= 0.1 * db2
    if i % 10 == 0:
        np.sum(np.argmax(A2, 0) == Y) / Y.size  # the tutorial's accuracy print, computed
s = time.perf_counter() - t
print(f"peer numpy float64 dense 784-10-10, 60000 images x {a.iterations} iterations: {s:.2f} s")
