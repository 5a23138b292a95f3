"""conv_backward raising an IndexError."""
from correct import *

def conv_backward(x, W, delta):
    return x[100, 0, 0], W, delta
