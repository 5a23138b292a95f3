// OpenBLAS's CBLAS interface and its thread controls, for the Numerics module.
#include <cblas.h>
