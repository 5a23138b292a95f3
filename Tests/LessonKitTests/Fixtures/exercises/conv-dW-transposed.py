"""conv2.backward: dW with the filter rows and columns swapped."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    return dx, dW.transpose(0, 2, 1, 3), db
