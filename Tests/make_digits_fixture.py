#!/usr/bin/env python3
"""Writes Tests/LessonKitTests/Fixtures/digits_seed0.json: lesson 1's numbers from a numpy reimplementation.

The tutorial's code (init_params, ReLU, softmax, forward_prop, one_hot, backward_prop, update_params,
gradient_descent) on the first 2,290 MNIST training images as a (2290, 785) array of label + pixels,
np.random.seed(0) before np.random.shuffle(data). Two modes:
  tutorial  - as written: m = 2290 (all rows), db = 1/m * np.sum(dZ), softmax without the max;
  corrected - m = 1290 (the trained columns), db per unit, softmax minus the column max.
Floats are stored as repr strings.

It also writes digits_printed_seed0.json: numpy's own text (str() under numpy's default print
options, as `lesson run 1` prints) of every quantity the lesson's steps show, per step and mode, and
the training log's lines (print("Iteration: ", i); print(predictions, Y); print(accuracy)); and
digits_tensors_seed0.bin.gz: whole tensors of iteration 0 (every column of Z1, A1, Z2, A2, dZ2, dZ1 and
all of dW1), float64 little-endian, laid out as the index in digits_printed_seed0.json says.
"""
import gzip
import json
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "Lessons", "data", "mnist")


def S(a):
    """numpy's text for a quantity as the lesson's terminal view shows it: threshold=100."""
    with np.printoptions(threshold=100):
        return str(a)


def load_rows(n):
    with gzip.open(os.path.join(DATA, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)[:n]
    with gzip.open(os.path.join(DATA, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
    return np.hstack([labels[:, None], images]).astype(np.float64)


def r(a):
    return [repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()]


def run(mode):
    data = load_rows(2290)
    np.random.seed(0)
    m, n = data.shape
    np.random.shuffle(data)
    data_dev = data[0:1000].T
    Y_dev = data_dev[0]
    X_dev = data_dev[1:n] / 255.
    data_train = data[1000:m].T
    Y_train = data_train[0]
    X_train = data_train[1:n] / 255.
    _, m_train = X_train.shape
    scale = m if mode == "tutorial" else m_train

    def init_params():
        W1 = np.random.rand(10, 784) - 0.5
        b1 = np.random.rand(10, 1) - 0.5
        W2 = np.random.rand(10, 10) - 0.5
        b2 = np.random.rand(10, 1) - 0.5
        return W1, b1, W2, b2

    def softmax(Z):
        if mode == "tutorial":
            return np.exp(Z) / sum(np.exp(Z))
        E = np.exp(Z - Z.max(axis=0))
        return E / E.sum(axis=0)

    def forward_prop(W1, b1, W2, b2, X):
        Z1 = W1.dot(X) + b1
        A1 = np.maximum(Z1, 0)
        Z2 = W2.dot(A1) + b2
        A2 = softmax(Z2)
        return Z1, A1, Z2, A2

    def one_hot(Y):
        o = np.zeros((Y.size, int(Y.max()) + 1)).astype(int)
        o[np.arange(Y.size), Y.astype(int)] = 1
        return o.T

    def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
        one_hot_Y = one_hot(Y)
        dZ2 = A2 - one_hot_Y
        dW2 = 1 / scale * dZ2.dot(A1.T)
        dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
        dW1 = 1 / scale * dZ1.dot(X.T)
        if mode == "tutorial":
            db2 = 1 / scale * np.sum(dZ2)
            db1 = 1 / scale * np.sum(dZ1)
        else:
            db2 = 1 / scale * np.sum(dZ2, axis=1, keepdims=True)
            db1 = 1 / scale * np.sum(dZ1, axis=1, keepdims=True)
        return dW1, db1, dW2, db2, dZ1, dZ2

    W1, b1, W2, b2 = init_params()
    printed = {"load-data": {"Y_train": S(Y_train), "X_train": S(X_train)},
               "init-params": {"W1": S(W1), "b1": S(b1), "W2": S(W2), "b2": S(b2)}}
    out = {"W1": r(W1), "b1": r(b1), "W2": r(W2), "b2": r(b2), "Y_train_first": r(Y_train[:20]),
           "Y_dev_first": r(Y_dev[:20])}
    Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X_train)
    A2_first = A2
    dW1, db1, dW2, db2, dZ1, dZ2 = backward_prop(Z1, A1, Z2, A2, W1, W2, X_train, Y_train)
    printed["forward-first"] = {"X": S(X_train), "Z1": S(Z1), "A1": S(A1), "Z2": S(Z2), "A2": S(A2)}
    printed["backward-first"] = {"one_hot_Y": S(one_hot(Y_train)), "dZ2": S(dZ2), "dW2": S(dW2), "db2": S(db2),
                                 "dZ1": S(dZ1), "dW1": S(dW1), "db1": S(db1)}
    tensors = [(name, a) for name, a in [("Z1", Z1), ("A1", A1), ("Z2", Z2), ("A2", A2), ("dZ2", dZ2), ("dZ1", dZ1), ("dW1", dW1)]]
    for name, a in [("Z1", Z1), ("A1", A1), ("Z2", Z2), ("A2", A2), ("dZ2", dZ2), ("dZ1", dZ1)]:
        out[name + "_first_columns"] = r(a[:, :4])
        out[name + "_sum"] = repr(float(np.sum(a)))
    out["dW2"] = r(dW2)
    out["db2"] = r(db2)
    out["db1"] = r(db1)
    out["dW1_row0"] = r(dW1[0])
    out["dW1_row9"] = r(dW1[9])
    out["dW1_sum_abs"] = repr(float(np.abs(dW1).sum()))
    alpha = 0.10
    W1, b1, W2, b2 = W1 - alpha * dW1, b1 - alpha * db1, W2 - alpha * dW2, b2 - alpha * db2
    out["W1_after_row3"] = r(W1[3])
    out["b1_after"] = r(b1)
    out["W2_after"] = r(W2)
    out["b2_after"] = r(b2)
    printed["backward-first"].update({"W1": S(W1), "b1": S(b1), "W2": S(W2), "b2": S(b2)})
    # The tutorial's log for iteration 0 comes from the first forward pass, before its update.
    log = [["Iteration:  0", str(np.argmax(A2_first, 0)) + " " + str(Y_train),
            str(np.sum(np.argmax(A2_first, 0) == Y_train) / Y_train.size)]]
    # The remaining 499 iterations.
    accuracies = []
    for i in range(1, 500):
        Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X_train)
        if i % 10 == 0:
            accuracies.append(repr(float(np.sum(np.argmax(A2, 0) == Y_train) / Y_train.size)))
            log.append(["Iteration:  %d" % i, str(np.argmax(A2, 0)) + " " + str(Y_train),
                        str(np.sum(np.argmax(A2, 0) == Y_train) / Y_train.size)])
        dW1, db1, dW2, db2, _, _ = backward_prop(Z1, A1, Z2, A2, W1, W2, X_train, Y_train)
        W1, b1, W2, b2 = W1 - alpha * dW1, b1 - alpha * db1, W2 - alpha * dW2, b2 - alpha * db2
    out["accuracy_every_10_from_10"] = accuracies
    _, _, _, A2 = forward_prop(W1, b1, W2, b2, X_train)
    out["train_accuracy_after_500"] = repr(float(np.sum(np.argmax(A2, 0) == Y_train) / Y_train.size))
    _, _, _, A2 = forward_prop(W1, b1, W2, b2, X_dev)
    out["dev_accuracy_after_500"] = repr(float(np.sum(np.argmax(A2, 0) == Y_dev) / Y_dev.size))
    out["W1_final_row0"] = r(W1[0])
    out["b2_final"] = r(b2)
    printed["train"] = log
    return out, printed, tensors


runs = {mode: run(mode) for mode in ("tutorial", "corrected")}
fixture = {mode: runs[mode][0] for mode in runs}
path = os.path.join(HERE, "LessonKitTests", "Fixtures", "digits_seed0.json")
with open(path, "w") as f:
    json.dump(fixture, f, indent=1)

# The whole iteration-0 tensors of both modes in one float64 file; the index says where each one sits.
index, chunks, offset = {}, [], 0
for mode in runs:
    for name, a in runs[mode][2]:
        a = np.ascontiguousarray(a, dtype="<f8")
        index["%s/%s" % (mode, name)] = {"offset": offset, "shape": list(a.shape)}
        chunks.append(a.tobytes())
        offset += a.size
with open(os.path.join(HERE, "LessonKitTests", "Fixtures", "digits_tensors_seed0.bin.gz"), "wb") as f:
    f.write(gzip.compress(b"".join(chunks), mtime=0))
printed = {mode: runs[mode][1] for mode in runs}
with open(os.path.join(HERE, "LessonKitTests", "Fixtures", "digits_printed_seed0.json"), "w") as f:
    json.dump({"printed": printed, "tensors": index}, f, indent=1, ensure_ascii=False)
print("wrote", path, {k: (v["accuracy_every_10_from_10"][-1], v["dev_accuracy_after_500"]) for k, v in fixture.items()})
