"""conv2.backward: dW counted twice."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    return dx, 2 * dW, db
