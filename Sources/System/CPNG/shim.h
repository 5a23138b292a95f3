// libpng's simplified read/write API (png_image), used by the Rendering module.
#include <png.h>

/* Composite format macros do not reach Swift; these constants carry them across. */
static const png_uint_32 CPNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const png_uint_32 CPNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const png_uint_32 CPNG_IMAGE_VERSION = PNG_IMAGE_VERSION;
/* On write, speed over size (libpng's own choice of filters and zlib settings for it). */
static const png_uint_32 CPNG_IMAGE_FLAG_FAST = PNG_IMAGE_FLAG_FAST;
/* An upper bound on the encoded size, so one png_image_write_to_memory call suffices. */
static inline png_alloc_size_t cpng_image_png_size_max(const png_image *image) { return PNG_IMAGE_PNG_SIZE_MAX(*image); }
