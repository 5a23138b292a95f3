"""backward-first (letters): the slope taken at z1, z1 (1 - z1)."""
from correct import *

def back_prop(x, y, w1, w2):
    z1 = x.dot(w1); a1 = sigmoid(z1); a2 = sigmoid(a1.dot(w2))
    d2 = a2 - y
    d1 = (w2.dot(d2.T)).T * z1 * (1 - z1)
    return d2, d1, x.T.dot(d1), a1.T.dot(d2)
