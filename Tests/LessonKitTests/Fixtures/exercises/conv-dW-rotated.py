"""conv2.backward: dW turned 180 degrees (a convolution where a correlation is needed)."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    return dx, dW[:, ::-1, ::-1, :], db
