"""pool1.backward: the error sent to every maximum of a tied window (a mask x == max)."""
from correct import *

def maxpool_backward(x, f, delta):
    dx = np.zeros_like(x, dtype=float)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            window = x[i * f:i * f + f, j * f:j * f + f, :]
            mask = window == window.max(axis=(0, 1))
            dx[i * f:i * f + f, j * f:j * f + f, :] += mask * delta[i, j, :]
    return dx
