"""An endless loop."""
from correct import *

def relu_backward(z, delta_a):
    while True:
        pass
