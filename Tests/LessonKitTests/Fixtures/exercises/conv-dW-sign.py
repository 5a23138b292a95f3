"""conv2.backward: dW with its sign flipped."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    return dx, -dW, db
