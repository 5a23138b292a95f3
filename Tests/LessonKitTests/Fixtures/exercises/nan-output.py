"""dW full of NaN."""
from correct import *

def conv_backward(x, W, delta):
    dx, dW, db = correct_conv_backward(x, W, delta)
    return dx, dW * np.nan, db
