// PNG and JPEG decoding through Zoo's C shim (Sources/CImageCodecs), as ImageDecoder calls it: the
// header first, then the pixels into a buffer of the size the header gave. Built twice, with
// FUZZ_PNG or FUZZ_JPEG, so each format is its own target with its own corpus.
#include <stdlib.h>
#include "CImageCodecs.h"

#if defined(FUZZ_PNG)
#define DECODE zoo_png_decode
#else
#define DECODE zoo_jpeg_decode
#endif

// Small enough that a run stays fast; the limit itself is what is being exercised.
static const uint64_t pixel_limit = 1u << 22;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zoo_image image;
    char message[256];
    if (DECODE(data, size, pixel_limit, NULL, 0, &image, message, sizeof message) != ZOO_CODEC_OK) return 0;
    size_t bytes = zoo_image_size(&image);
    void *pixels = malloc(bytes ? bytes : 1);
    if (pixels) {
        DECODE(data, size, pixel_limit, pixels, bytes, &image, message, sizeof message);
        free(pixels);
    }
    return 0;
}
