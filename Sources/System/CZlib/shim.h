// zlib's inflate interface, used to read gzipped IDX files.
#include <zlib.h>
