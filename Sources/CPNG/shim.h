// libpng's simplified read/write API (png_image), used by the Rendering module.
#include <png.h>
