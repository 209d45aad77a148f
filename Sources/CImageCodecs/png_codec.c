// PNG through libpng, with every longjmp kept inside this file.
#include "CImageCodecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// What libpng's callbacks need: the message buffer for errors, and the file's bytes for reading.
typedef struct {
    char *message;
    size_t message_size;
    const uint8_t *data;
    size_t size;
    size_t offset;
    zoo_buffer *output;  // when encoding
    int out_of_memory;
} png_context;

static void on_error(png_structp png, png_const_charp text) {
    png_context *context = png_get_error_ptr(png);
    snprintf(context->message, context->message_size, "%s", text);
    png_longjmp(png, 1);
}

// Warnings (a bad iCCP profile, a damaged ancillary chunk) do not change the pixels, and Pillow
// ignores them too; libpng would print them to stderr.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep destination, size_t count) {
    png_context *context = png_get_io_ptr(png);
    if (context->size - context->offset < count) {
        png_error(png, "the file is truncated");
    }
    memcpy(destination, context->data + context->offset, count);
    context->offset += count;
}

static zoo_color_kind color_kind(int png_color_type) {
    switch (png_color_type) {
    case PNG_COLOR_TYPE_GRAY: return ZOO_COLOR_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return ZOO_COLOR_GRAY_ALPHA;
    case PNG_COLOR_TYPE_PALETTE: return ZOO_COLOR_PALETTE;
    case PNG_COLOR_TYPE_RGB_ALPHA: return ZOO_COLOR_RGBA;
    default: return ZOO_COLOR_RGB;
    }
}

// Pillow's reading of 16-bit files (PngImagePlugin's mode table, checked on Pillow 13): plain gray
// stays 16-bit (mode "I;16"); every other 16-bit kind keeps the high byte of each sample (gray+alpha
// becomes RGBA with three equal channels, which Zoo keeps as one gray channel).
static void configure_transforms(png_structp png, int color_type, int bit_depth) {
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    // Alpha and tRNS transparency are dropped: Pillow's convert('RGB') discards them, no compositing.
    png_set_strip_alpha(png);
    if (bit_depth == 16) {
        if (color_type == PNG_COLOR_TYPE_GRAY) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            png_set_swap(png);  // PNG stores 16-bit samples big-endian
#endif
        } else {
            png_set_strip_16(png);  // drops the low byte, as Pillow's ";16B" unpackers do
        }
    }
    png_set_interlace_handling(png);
}

static uint32_t big_endian_32(const uint8_t *bytes) {
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | bytes[3];
}

// Reads width and height straight from the IHDR chunk, which the PNG format requires to come
// first, so that a decompression bomb is refused before libpng reads any further.
static int read_declared_size(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height) {
    if (size < 24 || memcmp(data + 12, "IHDR", 4) != 0) return 0;
    *width = big_endian_32(data + 16);
    *height = big_endian_32(data + 20);
    return 1;
}

int zoo_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, void *pixels, size_t pixels_size,
                   zoo_image *image, char *message, size_t message_size) {
    memset(image, 0, sizeof *image);
    message[0] = 0;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(message, message_size, "not a PNG file (bad signature)");
        return ZOO_CODEC_NOT_THIS_FORMAT;
    }
    if (read_declared_size(data, size, &image->width, &image->height)
        && (uint64_t)image->width * image->height > max_pixels) {
        snprintf(message, message_size, "too many pixels");  // the caller words the message with the limit
        return ZOO_CODEC_TOO_MANY_PIXELS;
    }
    png_context context = {message, message_size, data, size, 0, NULL, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(message, message_size, "out of memory starting libpng");
        return ZOO_CODEC_OUT_OF_MEMORY;
    }
    // Locals that change between setjmp and a longjmp must be volatile to be read afterwards.
    png_bytep *volatile rows = NULL;
    volatile int status = ZOO_CODEC_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }
    png_set_read_fn(png, &context, read_from_memory);
    png_read_info(png, info);

    uint32_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info), bit_depth = png_get_bit_depth(png, info);
    image->width = width;
    image->height = height;
    image->file_bit_depth = (uint8_t)bit_depth;
    image->file_color = (uint8_t)color_kind(color_type);
    image->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    configure_transforms(png, color_type, bit_depth);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    int out_bits = png_get_bit_depth(png, info);
    image->channels = (uint8_t)channels;
    image->bits = (uint8_t)out_bits;
    if ((channels != 1 && channels != 3) || (out_bits != 8 && out_bits != 16)) {
        status = ZOO_CODEC_UNSUPPORTED;
        png_error(png, "unexpected sample layout after conversion");
    }
    if (!pixels) {
        png_destroy_read_struct(&png, &info, NULL);
        return ZOO_CODEC_OK;
    }
    size_t row_bytes = png_get_rowbytes(png, info);
    if (pixels_size < row_bytes * height) {
        status = ZOO_CODEC_OUT_OF_MEMORY;
        png_error(png, "the pixel buffer is too small");
    }
    rows = malloc(sizeof(png_bytep) * height);
    if (!rows) {
        status = ZOO_CODEC_OUT_OF_MEMORY;
        png_error(png, "out of memory for row pointers");
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (uint8_t *)pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return ZOO_CODEC_OK;
}

static void write_to_buffer(png_structp png, png_bytep bytes, size_t count) {
    png_context *context = png_get_io_ptr(png);
    zoo_buffer *output = context->output;
    size_t capacity = context->offset;  // encoding uses `offset` as the buffer's capacity
    if (output->size + count > capacity) {
        size_t grown = capacity * 2 > output->size + count ? capacity * 2 : output->size + count;
        uint8_t *larger = realloc(output->bytes, grown);
        if (!larger) {
            context->out_of_memory = 1;
            png_error(png, "out of memory for the encoded file");
        }
        output->bytes = larger;
        context->offset = grown;
    }
    memcpy(output->bytes + output->size, bytes, count);
    output->size += count;
}

static void flush_nothing(png_structp png) { (void)png; }

int zoo_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bits,
                   int compression_level, zoo_buffer *output, char *message, size_t message_size) {
    output->bytes = NULL;
    output->size = 0;
    message[0] = 0;
    if (!((channels == 1 && (bits == 8 || bits == 16)) || (channels == 3 && bits == 8))) {
        snprintf(message, message_size, "cannot encode %d channels of %d bits as PNG", channels, bits);
        return ZOO_CODEC_UNSUPPORTED;
    }
    png_context context = {message, message_size, NULL, 0, 0, output, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(message, message_size, "out of memory starting libpng");
        return ZOO_CODEC_OUT_OF_MEMORY;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        zoo_buffer_free(output);
        return context.out_of_memory ? ZOO_CODEC_OUT_OF_MEMORY : ZOO_CODEC_CORRUPT;
    }
    png_set_write_fn(png, &context, write_to_buffer, flush_nothing);
    png_set_IHDR(png, info, width, height, bits, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, compression_level);
    png_write_info(png, info);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (bits == 16) png_set_swap(png);
#endif
    size_t row_bytes = (size_t)width * channels * (bits / 8);
    rows = malloc(sizeof(png_bytep) * (height ? height : 1));
    if (!rows) {
        context.out_of_memory = 1;
        png_error(png, "out of memory for row pointers");
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    return ZOO_CODEC_OK;
}

size_t zoo_image_size(const zoo_image *image) {
    return (size_t)image->width * image->height * image->channels * (image->bits / 8);
}

void zoo_buffer_free(zoo_buffer *buffer) {
    free(buffer->bytes);
    buffer->bytes = NULL;
    buffer->size = 0;
}
