// libpng, found through pkg-config `libpng16`. Only CImageCodecs uses it: libpng reports errors by
// longjmp, which Swift cannot catch, so all calls into libpng go through that C target.
#include <png.h>
