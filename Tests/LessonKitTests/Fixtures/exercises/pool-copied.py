"""pool1.backward: the error copied to the whole window."""
from correct import *

def maxpool_backward(x, f, delta):
    dx = np.zeros_like(x, dtype=float)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            dx[i * f:i * f + f, j * f:j * f + f, :] += delta[i, j, :]
    return dx
