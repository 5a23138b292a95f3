// libpng's simplified read/write API (png_image), used by the Rendering module.
#include <png.h>

/* Composite format macros do not reach Swift; these constants carry them across. */
static const png_uint_32 CPNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const png_uint_32 CPNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const png_uint_32 CPNG_IMAGE_VERSION = PNG_IMAGE_VERSION;
