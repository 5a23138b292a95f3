"""dense1.backward: dW as the outer product of x and delta, (n_in, n_out)."""
from correct import *

def dense_backward(x, W, delta):
    dx, dW, db = correct_dense_backward(x, W, delta)
    return dx, np.outer(x, delta), db
