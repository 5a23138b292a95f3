"""conv2.backward: dx with the filters as they are, not turned 180 degrees."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W[:, ::-1, ::-1, :], delta)
    _, dW, db = correct_conv_backward(x, W, delta)
    return dx, dW, db
