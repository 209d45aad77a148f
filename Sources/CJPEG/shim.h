// libjpeg (libjpeg-turbo), found through pkg-config `libjpeg`. Only CImageCodecs uses it: libjpeg's
// default error handler calls exit(), and its replacement must longjmp, which Swift cannot do.
// jpeglib.h needs stdio.h and stddef.h first.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
