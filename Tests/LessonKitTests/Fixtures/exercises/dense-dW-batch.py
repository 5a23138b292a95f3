"""dense1.backward: dW divided by the mini-batch size."""
from correct import *

def dense_backward(x, W, delta):
    dx, dW, db = correct_dense_backward(x, W, delta)
    return dx, dW / 512, db
