"""conv2.backward / dense1.backward: the ReLU gate left out."""
from correct import *

def relu_backward(z, delta_a):
    return delta_a
