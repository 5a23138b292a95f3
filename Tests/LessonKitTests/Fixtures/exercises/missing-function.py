"""relu_backward only: conv_backward is missing."""
import numpy as np


def relu_backward(z, delta_a):
    return delta_a * (z > 0)
