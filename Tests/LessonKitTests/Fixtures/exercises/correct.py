"""Every exercise function of lessons 1 to 3 written right, in plain numpy: the tests' correct solution.
The mistake files import it and replace one function with a classic wrong version."""
import numpy as np


def conv_forward(x, W, b):
    H, Wd, _ = x.shape
    k, f = W.shape[0], W.shape[1]
    z = np.zeros((H - f + 1, Wd - f + 1, k))
    for i in range(H - f + 1):
        for j in range(Wd - f + 1):
            patch = x[i:i + f, j:j + f, :]
            z[i, j, :] = np.tensordot(W, patch, axes=([1, 2, 3], [0, 1, 2])) + b
    return z


def conv_backward(x, W, delta):
    f = W.shape[1]
    oh, ow, _ = delta.shape
    dx = np.zeros_like(x, dtype=float)
    dW = np.zeros_like(W, dtype=float)
    for i in range(oh):
        for j in range(ow):
            d = delta[i, j, :]                      # (C_out,)
            dW += d[:, None, None, None] * x[None, i:i + f, j:j + f, :]
            dx[i:i + f, j:j + f, :] += np.tensordot(d, W, axes=(0, 0))
    db = delta.sum(axis=(0, 1))
    return dx, dW, db


def maxpool_forward(x, f):
    oh, ow = x.shape[0] // f, x.shape[1] // f
    a = np.zeros((oh, ow, x.shape[2]))
    for i in range(oh):
        for j in range(ow):
            a[i, j, :] = x[i * f:i * f + f, j * f:j * f + f, :].max(axis=(0, 1))
    return a


def maxpool_backward(x, f, delta):
    dx = np.zeros_like(x, dtype=float)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            for c in range(x.shape[2]):
                window = x[i * f:i * f + f, j * f:j * f + f, c]
                p, q = np.unravel_index(np.argmax(window), window.shape)   # the first maximum, row by row
                dx[i * f + p, j * f + q, c] += delta[i, j, c]
    return dx


def dense_forward(x, W, b):
    return W @ x + b


def dense_backward(x, W, delta):
    return W.T @ delta, np.outer(delta, x), delta.copy()


def relu_backward(z, delta_a):
    return delta_a * (z > 0)


def softmax_cross_entropy_delta(z, label):
    e = np.exp(z - z.max())
    p = e / e.sum()
    p[label] -= 1
    return p


# The right versions under other names, for the mistake files that change one output.


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    """Lesson 1: the true gradients, images as columns."""
    m = X.shape[1]
    one_hot_Y = np.zeros_like(A2)
    one_hot_Y[Y, np.arange(m)] = 1
    dZ2 = A2 - one_hot_Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return dW1, db1, dW2, db2


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def back_prop(x, y, w1, w2):
    """Lesson 2: the tutorial's deltas and adjustments for one letter."""
    a1 = sigmoid(x.dot(w1))
    a2 = sigmoid(a1.dot(w2))
    d2 = a2 - y
    d1 = (w2.dot(d2.T)).T * a1 * (1 - a1)
    return d2, d1, x.T.dot(d1), a1.T.dot(d2)


correct_conv_backward = conv_backward
correct_maxpool_backward = maxpool_backward
correct_dense_backward = dense_backward
correct_backward_prop = backward_prop
correct_back_prop = back_prop
