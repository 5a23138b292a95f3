"""Lesson 3's initial weights as the tutorial draws them, shared by the fixture scripts: every layer's
init starts with np.random.seed(100); conv filters one at a time, normal(0, sqrt(2/(f*f*nc_in)),
size=[f, f, nc_in]), then the biases; dense weights normal(0, sqrt(2/n_in), size=[n_out, n_in]), then
the biases."""
import numpy as np


def conv_init(f, nc_in, nc):
    np.random.seed(100)
    std = np.sqrt(2 / f**2 / nc_in)
    filters = np.array([np.random.normal(0, scale=std, size=[f, f, nc_in]) for _ in range(nc)])
    return filters, np.random.normal(0, std, size=nc)


def fc_init(n_in, n_out):
    std = np.sqrt(2 / n_in)
    np.random.seed(100)
    return np.random.normal(0, std, size=[n_out, n_in]), np.random.normal(0, std, size=n_out)
