"""backward-first (letters): d1 without the sigmoid's slope."""
from correct import *

def back_prop(x, y, w1, w2):
    a1 = sigmoid(x.dot(w1)); a2 = sigmoid(a1.dot(w2))
    d2 = a2 - y
    d1 = (w2.dot(d2.T)).T
    return d2, d1, x.T.dot(d1), a1.T.dot(d2)
