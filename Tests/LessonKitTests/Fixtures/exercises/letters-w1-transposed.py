"""backward-first (letters): w1_adj as d1ᵀ · x, (5, 30) for (30, 5)."""
from correct import *

def back_prop(x, y, w1, w2):
    d2, d1, w1_adj, w2_adj = correct_back_prop(x, y, w1, w2)
    return d2, d1, d1.T.dot(x), w2_adj
