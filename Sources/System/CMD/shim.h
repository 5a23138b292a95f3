// libmd's SHA-2 digests (Debian's libmd-dev), for checking the data files against SHA256SUMS.
#include <sys/types.h>
#include <stdint.h>
#include <sha2.h>
