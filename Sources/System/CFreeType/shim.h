// FreeType, which rasterises the DejaVu font for labels on plots.
#include <ft2build.h>
#include FT_FREETYPE_H
