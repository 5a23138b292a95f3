"""dense1.backward: dx summed over the weights without delta."""
from correct import *

def dense_backward(x, W, delta):
    dx, dW, db = correct_dense_backward(x, W, delta)
    return W.sum(axis=0), dW, db
