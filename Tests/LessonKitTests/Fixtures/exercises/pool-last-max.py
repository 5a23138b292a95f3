"""pool1.backward: the error of a tied window sent to its last maximum."""
from correct import *

def maxpool_backward(x, f, delta):
    dx = np.zeros_like(x, dtype=float)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            for c in range(x.shape[2]):
                window = x[i * f:i * f + f, j * f:j * f + f, c].ravel()
                n = len(window) - 1 - np.argmax(window[::-1])
                dx[i * f + n // f, j * f + n % f, c] += delta[i, j, c]
    return dx
