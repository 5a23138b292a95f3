"""conv2.backward / dense1.backward: the ReLU gate taken from the arriving error instead of z > 0."""
from correct import *

def relu_backward(z, delta_a):
    return delta_a * (delta_a > 0)
