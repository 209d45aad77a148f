// PNG and JPEG decoding and encoding for Zoo, over libpng and libjpeg.
//
// Both libraries report fatal errors by longjmp (libjpeg's default handler even calls exit()), and
// Swift can neither setjmp nor survive a longjmp through its frames. This C target owns every
// setjmp/longjmp: each function below returns a status and, on failure, a one-line message.
//
// Decoding produces what Pillow (and therefore Keras' load_img) holds in memory for the same file:
// palettes expanded to RGB, alpha dropped, 1/2/4-bit gray scaled to 8 bits, and 16 bits kept only for
// plain grayscale (Pillow mode "I;16"); see zoo_png_decode for the other 16-bit cases.
#ifndef ZOO_CIMAGECODECS_H
#define ZOO_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ZOO_CODEC_OK = 0,
    ZOO_CODEC_NOT_THIS_FORMAT = 1,  // the signature is not this codec's
    ZOO_CODEC_TOO_MANY_PIXELS = 2,  // width x height above the caller's limit (decompression bomb guard)
    ZOO_CODEC_CORRUPT = 3,          // damaged or truncated data
    ZOO_CODEC_UNSUPPORTED = 4,      // a valid file of a kind Zoo does not read (CMYK JPEG, ...)
    ZOO_CODEC_OUT_OF_MEMORY = 5,
} zoo_codec_status;

// How the file stores colour, reported for `zoo data describe`.
typedef enum {
    ZOO_COLOR_GRAY = 0,
    ZOO_COLOR_GRAY_ALPHA = 1,
    ZOO_COLOR_RGB = 2,
    ZOO_COLOR_RGBA = 3,
    ZOO_COLOR_PALETTE = 4,
    ZOO_COLOR_CMYK = 5,
} zoo_color_kind;

typedef struct {
    uint32_t width;
    uint32_t height;
    uint8_t channels;        // of `pixels`: 1 (gray) or 3 (RGB)
    uint8_t bits;            // of `pixels`: 8 (uint8 samples) or 16 (native-endian uint16, gray only)
    uint8_t file_bit_depth;  // bits per sample as stored in the file (1, 2, 4, 8, 16)
    uint8_t file_color;      // a zoo_color_kind
    uint8_t interlaced;      // PNG Adam7 interlacing, or a progressive JPEG
} zoo_image;

// Bytes of decoded pixels: width x height x channels x bits / 8.
size_t zoo_image_size(const zoo_image *image);

typedef struct {
    uint8_t *bytes;  // malloc'd; free with zoo_buffer_free
    size_t size;
} zoo_buffer;

// Decodes a PNG held in memory into `pixels` (row-major, interleaved), which must hold
// zoo_image_size bytes: call first with `pixels` NULL to read only the header and learn the size,
// then again with the caller's buffer (so the pixels land in the caller's memory, uncopied).
// `max_pixels` refuses larger images before reading further. `message` receives a one-line
// description of any failure.
int zoo_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, void *pixels, size_t pixels_size,
                   zoo_image *image, char *message, size_t message_size);

// The same for a baseline or progressive JPEG (grayscale, YCbCr or RGB). A truncated file is an
// error, not an image with its missing part filled grey (libjpeg's default), as in Pillow.
int zoo_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, void *pixels, size_t pixels_size,
                    zoo_image *image, char *message, size_t message_size);

// Encodes 8-bit gray (channels 1), 16-bit gray (channels 1, bits 16, native-endian) or 8-bit RGB
// (channels 3) as PNG. `compression_level` is zlib's 0-9.
int zoo_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bits,
                   int compression_level, zoo_buffer *output, char *message, size_t message_size);

// Encodes 8-bit gray (channels 1) or RGB (channels 3) as JPEG with libjpeg's standard tables.
int zoo_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int quality,
                    int progressive, zoo_buffer *output, char *message, size_t message_size);

void zoo_buffer_free(zoo_buffer *buffer);

#endif
