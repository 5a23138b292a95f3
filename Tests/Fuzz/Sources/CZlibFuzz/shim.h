// zlib's deflate, for the structure-aware gzip target to build the streams it then damages.
#include <zlib.h>
