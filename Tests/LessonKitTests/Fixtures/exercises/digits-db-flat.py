"""backward-first: db summed over the images without keepdims: shape (h,) for (h, 1)."""
from correct import *

def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    dW1, db1, dW2, db2 = correct_backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
    return dW1, db1.ravel(), dW2, db2.ravel()
