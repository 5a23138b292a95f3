#!/usr/bin/env python3
"""Writes Tests/LessonKitTests/Fixtures/letters_seed0.json: the letters tutorial's numbers, from numpy.

This is the tutorial's own code (sigmoid, f_forward, generate_wt, loss, back_prop, train),
run after np.random.seed(0) with lr 0.1 for 100 epochs. Floats are stored as repr strings.
"""
import json
import os
import numpy as np

a = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]
b = [0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0]
c = [0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0]
y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
x = [np.array(a).reshape(1, 30), np.array(b).reshape(1, 30), np.array(c).reshape(1, 30)]


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def f_forward(x, w1, w2):
    a1 = sigmoid(x.dot(w1))
    return sigmoid(a1.dot(w2))


def generate_wt(r, c):
    return np.array([np.random.randn() for _ in range(r * c)]).reshape(r, c)


def loss(out, Y):
    return np.sum(np.square(out - Y)) / len(y)


def back_prop(x, y, w1, w2, alpha):
    z1 = x.dot(w1); a1 = sigmoid(z1)
    z2 = a1.dot(w2); a2 = sigmoid(z2)
    d2 = a2 - y
    d1 = np.multiply((w2.dot(d2.transpose())).transpose(), np.multiply(a1, 1 - a1))
    w1_adj = x.transpose().dot(d1)
    w2_adj = a1.transpose().dot(d2)
    return w1 - alpha * w1_adj, w2 - alpha * w2_adj, dict(z1=z1, a1=a1, z2=z2, a2=a2, d2=d2, d1=d1,
                                                          w1_adj=w1_adj, w2_adj=w2_adj)


def r(arr):
    return [repr(float(v)) for v in np.asarray(arr, dtype=float).ravel()]


np.random.seed(0)
w1 = generate_wt(30, 5)
w2 = generate_wt(5, 3)
fixture = {"w1_initial": r(w1), "w2_initial": r(w2)}
nw1, nw2, q = back_prop(x[0], y[0], w1, w2, 0.1)
fixture["first_sample"] = {k: r(v) for k, v in q.items()}
fixture["first_sample"]["w1"] = r(nw1)
fixture["first_sample"]["w2"] = r(nw2)
fixture["a2_text"] = str(q["a2"])
fixture["d1_text"] = str(q["d1"])

acc, losses = [], []
for j in range(100):
    l = []
    for i in range(len(x)):
        out = f_forward(x[i], w1, w2)
        l.append(loss(out, y[i]))
        w1, w2, _ = back_prop(x[i], y[i], w1, w2, 0.1)
    acc.append((1 - (sum(l) / len(x))) * 100)
    losses.append(sum(l) / len(x))
fixture["loss"] = r(losses)
fixture["acc"] = r(acc)
fixture["acc_repr"] = [repr(float(v)) for v in acc]
fixture["w1_final"] = r(w1)
fixture["w2_final"] = r(w2)
fixture["predictions"] = [int(np.argmax(f_forward(xi, w1, w2))) for xi in x]
fixture["outputs"] = [r(f_forward(xi, w1, w2)) for xi in x]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "LessonKitTests", "Fixtures", "letters_seed0.json")
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote", out, "final acc", acc[-1])
