"""pool1.backward: the routed error with its sign flipped."""
from correct import *

def maxpool_backward(x, f, delta):
    return -correct_maxpool_backward(x, f, delta)
