"""conv2.backward: dW divided by the mini-batch size."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    return dx, dW / 512, db
