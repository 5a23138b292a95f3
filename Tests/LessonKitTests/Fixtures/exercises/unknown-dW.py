"""conv2.backward: dW wrong in no classic way (one element nudged)."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    dW = dW.copy()
    dW.flat[7] += 1.0
    return dx, dW, db
