"""conv2.backward: dx with the window offset one row off (delta[y-p-1] for delta[y-p])."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    shifted = np.zeros_like(dx)
    shifted[1:] = dx[:-1]
    return shifted, dW, db
