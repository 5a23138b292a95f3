"""backward-first: dZ1 without the ReLU gate."""
from correct import *

def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    m = X.shape[1]
    one_hot_Y = np.zeros_like(A2); one_hot_Y[Y, np.arange(m)] = 1
    dZ2 = A2 - one_hot_Y
    dZ1 = W2.T @ dZ2
    return dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m, dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m
