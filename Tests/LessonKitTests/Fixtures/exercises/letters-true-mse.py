"""backward-first (letters): the true derivative of the tutorial's loss for d2."""
from correct import *

def back_prop(x, y, w1, w2):
    a1 = sigmoid(x.dot(w1)); a2 = sigmoid(a1.dot(w2))
    d2 = 2 / y.size * (a2 - y) * a2 * (1 - a2)
    d1 = (w2.dot(d2.T)).T * a1 * (1 - a1)
    return d2, d1, x.T.dot(d1), a1.T.dot(d2)
