"""backward-first: dZ2 = A2, the labels never subtracted."""
from correct import *

def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    m = X.shape[1]
    dZ2 = A2
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    return dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m, dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m
