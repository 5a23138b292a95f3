"""backward-first: the tutorial's m = 2290 hard-coded (everything else right)."""
from correct import *

def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    dW1, db1, dW2, db2 = correct_backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
    k = X.shape[1] / 2290
    return dW1 * k, db1 * k, dW2 * k, db2 * k
