#!/usr/bin/env python3
"""Writes Tests/NumericsTests/Fixtures/*.json: numpy's own answers for the RNG and array printing.

Run once with numpy installed (python3 Tests/make_numeric_fixtures.py); the Swift tests compare
our RandomState and NumpyFormat against these files. Floats are stored as repr strings, which
round-trip exactly.
"""
import json
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "NumericsTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)


def floats(a):
    return [repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()]


def rng_fixture():
    cases = []
    for seed in [0, 1, 42, 100, 12345, 2**32 - 1]:
        np.random.seed(seed)
        first_uint32 = [int(np.random.randint(0, 2**32, dtype=np.uint64)) for _ in range(0)]
        np.random.seed(seed)
        sample = np.random.random_sample(10)
        np.random.seed(seed)
        randn = np.random.randn(11)  # odd count: the cached second value is exercised
        np.random.seed(seed)
        mixed = [np.random.randn(), np.random.rand(), np.random.randn(), np.random.randn()]
        np.random.seed(seed)
        normal = np.random.normal(0, 0.4714045207910317, size=[3, 3, 1])
        np.random.seed(seed)
        perm = np.random.permutation(20)
        np.random.seed(seed)
        rows = np.arange(2290 * 2).reshape(2290, 2)
        np.random.shuffle(rows)
        np.random.seed(seed)
        rand2 = np.random.rand(3, 4)
        cases.append({
            "seed": seed,
            "random_sample": floats(sample),
            "randn": floats(randn),
            "mixed": floats(mixed),
            "normal": floats(normal),
            "permutation": [int(v) for v in perm],
            "shuffled_rows_first_column": [int(v) for v in rows[:, 0]],
            "rand_3x4": floats(rand2),
        })
    with open(os.path.join(OUT, "rng.json"), "w") as f:
        json.dump(cases, f, indent=1)


def print_fixture():
    rs = np.random.RandomState(7)
    arrays = [
        ("randn 5", rs.randn(5)),
        ("randn 3x4", rs.randn(3, 4)),
        ("randn 30x5", rs.randn(30, 5)),
        ("scaled small", rs.randn(4, 3) * 1e-3),
        ("tiny mixed", np.array([1e-5, 0.5, 2.0])),
        ("big", np.array([1.5e8, 3.0, -2.25])),
        ("ratio", np.array([0.01, 25.0])),
        ("integers as floats", np.array([9., 7., 2., 0., 5.])),
        ("labels summarised", rs.randint(0, 10, 1290).astype(float)),
        ("zeros", np.zeros((2, 3))),
        ("negative zero", np.array([-0.0, 1.25])),
        ("ties", np.array([0.001953125, 0.5, 0.125])),
        ("rounding", np.array([0.123456789, 1.999999999, 0.0999999999])),
        ("nan inf", np.array([np.nan, 1.5, -np.inf, np.inf])),
        ("wide 1d", rs.rand(40)),
        ("summarised 2d", rs.rand(10, 784) - 0.5),
        ("summarised tall", rs.randn(1001, 2)),
        ("one column", rs.rand(10, 1) - 0.5),
        ("softmax like", np.exp(rs.randn(10, 6)) / 7.0),
        ("3d", rs.randn(2, 3, 4)),
        ("large 1d", rs.randn(1296)),
        ("huge and tiny", np.array([1e-12, 1e12, -3.5e-7])),
        ("sigmoid outputs", 1 / (1 + np.exp(-rs.randn(1, 3) * 3))),
        ("one value", np.array([[0.28016732]])),
        ("exp summarised", rs.randn(26, 26, 10) * 1e-5),
    ]
    cases = []
    for name, a in arrays:
        cases.append({"name": name, "dtype": "float64", "shape": list(a.shape),
                      "values": floats(a), "text": str(a)})
    f32 = rs.randn(4, 5).astype(np.float32)
    cases.append({"name": "float32", "dtype": "float32", "shape": list(f32.shape),
                  "values": [repr(float(v)) for v in f32.ravel()], "text": str(f32)})
    ints = [
        ("predictions", rs.randint(0, 10, 1290)),
        ("small ints", np.array([3, -12, 7])),
        ("int 2d", rs.randint(0, 300, (10, 10))),
    ]
    for name, a in ints:
        cases.append({"name": name, "dtype": "int", "shape": list(a.shape),
                      "values": [str(int(v)) for v in a.ravel()], "text": str(a)})
    scalars = [0.1263565891472868, 0.8418604651162791, 1e-05, 59.24962411875523, 2.0, 1e16, 123456789.0, -0.0]
    with open(os.path.join(OUT, "print.json"), "w") as f:
        json.dump({"arrays": cases,
                   "scalars": [{"value": repr(s), "text": str(np.float64(s))} for s in scalars]}, f, indent=1)


if __name__ == "__main__":
    rng_fixture()
    print_fixture()
    print("numpy", np.__version__, "fixtures written to", OUT)
