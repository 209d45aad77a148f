// JPEG through libjpeg (libjpeg-turbo), with every longjmp kept inside this file.
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// libjpeg's error manager, extended with where to jump and where to put the message.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
    int status;
} error_context;

static void fail(j_common_ptr codec, int status) {
    error_context *context = (error_context *)codec->err;
    char text[JMSG_LENGTH_MAX];
    codec->err->format_message(codec, text);
    snprintf(context->message, context->message_size, "%s", text);
    context->status = status;
    longjmp(context->jump, 1);
}

// Replaces libjpeg's default, which prints the message and calls exit().
static void on_error(j_common_ptr codec) {
    int code = codec->err->msg_code;
    int unsupported = code == JERR_CONVERSION_NOTIMPL || code == JERR_BAD_J_COLORSPACE;
    fail(codec, unsupported ? ZOO_CODEC_UNSUPPORTED : ZOO_CODEC_CORRUPT);
}

// Level -1 is a warning about damaged data. The end of the data before the end of the image is the
// one Zoo refuses: libjpeg would go on and fill the rest grey, where Pillow raises "image file is
// truncated". Other damage (stray bytes before a marker) Pillow accepts, and so does Zoo.
static void on_message(j_common_ptr codec, int level) {
    if (level >= 0) return;  // trace messages
    if (codec->err->msg_code == JWRN_JPEG_EOF) fail(codec, ZOO_CODEC_CORRUPT);
    codec->err->num_warnings++;
}

// Routes libjpeg's errors and warnings to `errors` (and its longjmp) instead of stderr and exit().
static struct jpeg_error_mgr *install_errors(error_context *errors, char *message, size_t message_size) {
    struct jpeg_error_mgr *manager = jpeg_std_error(&errors->base);
    errors->base.error_exit = on_error;
    errors->base.emit_message = on_message;
    errors->message = message;
    errors->message_size = message_size;
    errors->status = ZOO_CODEC_CORRUPT;
    return manager;
}

int zoo_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, void *pixels, size_t pixels_size,
                    zoo_image *image, char *message, size_t message_size) {
    memset(image, 0, sizeof *image);
    message[0] = 0;
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        snprintf(message, message_size, "not a JPEG file (bad signature)");
        return ZOO_CODEC_NOT_THIS_FORMAT;
    }
    struct jpeg_decompress_struct codec;
    error_context errors;
    codec.err = install_errors(&errors, message, message_size);
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&codec);
        return errors.status;
    }
    jpeg_create_decompress(&codec);
    jpeg_mem_src(&codec, data, (unsigned long)size);
    jpeg_read_header(&codec, TRUE);

    image->width = codec.image_width;
    image->height = codec.image_height;
    image->file_bit_depth = (uint8_t)codec.data_precision;
    image->interlaced = (uint8_t)jpeg_has_multiple_scans(&codec);
    switch (codec.jpeg_color_space) {
    case JCS_GRAYSCALE:
        image->file_color = ZOO_COLOR_GRAY;
        codec.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        image->file_color = ZOO_COLOR_RGB;
        codec.out_color_space = JCS_RGB;
        break;
    default:
        image->file_color = ZOO_COLOR_CMYK;
        snprintf(message, message_size, "CMYK/YCCK JPEG is not supported");
        jpeg_destroy_decompress(&codec);
        return ZOO_CODEC_UNSUPPORTED;
    }
    image->channels = codec.out_color_space == JCS_GRAYSCALE ? 1 : 3;
    image->bits = 8;
    if ((uint64_t)image->width * image->height > max_pixels) {
        jpeg_destroy_decompress(&codec);
        snprintf(message, message_size, "too many pixels");  // the caller words the message with the limit
        return ZOO_CODEC_TOO_MANY_PIXELS;
    }
    if (!pixels) {
        jpeg_destroy_decompress(&codec);
        return ZOO_CODEC_OK;
    }
    // Pillow's settings: the accurate integer IDCT and fancy upsampling (both libjpeg's defaults).
    codec.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&codec);
    size_t row_bytes = (size_t)codec.output_width * codec.output_components;
    if (pixels_size < row_bytes * codec.output_height) {
        snprintf(message, message_size, "the pixel buffer is too small");
        jpeg_destroy_decompress(&codec);
        return ZOO_CODEC_OUT_OF_MEMORY;
    }
    while (codec.output_scanline < codec.output_height) {
        JSAMPROW row = (uint8_t *)pixels + (size_t)codec.output_scanline * row_bytes;
        jpeg_read_scanlines(&codec, &row, 1);
    }
    // No jpeg_finish_decompress: every pixel is read, and a file missing only its end marker is
    // still a whole image (Pillow reads it too).
    jpeg_destroy_decompress(&codec);
    return ZOO_CODEC_OK;
}

// A destination manager that grows a zoo_buffer, so that a failure part-way can free it
// (libjpeg's own jpeg_mem_dest frees and replaces buffers behind the caller's back).
typedef struct {
    struct jpeg_destination_mgr base;
    zoo_buffer *output;
    size_t capacity;
} buffer_destination;

static void start_buffer(j_compress_ptr codec) {
    buffer_destination *destination = (buffer_destination *)codec->dest;
    destination->base.next_output_byte = destination->output->bytes;
    destination->base.free_in_buffer = destination->capacity;
}

static boolean grow_buffer(j_compress_ptr codec) {
    buffer_destination *destination = (buffer_destination *)codec->dest;
    size_t used = destination->capacity;  // libjpeg calls this only when the buffer is full
    uint8_t *larger = realloc(destination->output->bytes, destination->capacity * 2);
    if (!larger) ERREXIT1(codec, JERR_OUT_OF_MEMORY, 0);
    destination->output->bytes = larger;
    destination->capacity *= 2;
    destination->base.next_output_byte = larger + used;
    destination->base.free_in_buffer = destination->capacity - used;
    return TRUE;
}

static void finish_buffer(j_compress_ptr codec) {
    buffer_destination *destination = (buffer_destination *)codec->dest;
    destination->output->size = destination->capacity - destination->base.free_in_buffer;
}

int zoo_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int quality,
                    int progressive, zoo_buffer *output, char *message, size_t message_size) {
    output->size = 0;
    message[0] = 0;
    if (channels != 1 && channels != 3) {
        output->bytes = NULL;
        snprintf(message, message_size, "cannot encode %d channels as JPEG", channels);
        return ZOO_CODEC_UNSUPPORTED;
    }
    buffer_destination destination = {{0}, output, 65536};
    output->bytes = malloc(destination.capacity);
    if (!output->bytes) {
        snprintf(message, message_size, "out of memory for the encoded file");
        return ZOO_CODEC_OUT_OF_MEMORY;
    }
    destination.base.init_destination = start_buffer;
    destination.base.empty_output_buffer = grow_buffer;
    destination.base.term_destination = finish_buffer;

    struct jpeg_compress_struct codec;
    error_context errors;
    codec.err = install_errors(&errors, message, message_size);
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&codec);
        zoo_buffer_free(output);
        return errors.status;
    }
    jpeg_create_compress(&codec);
    codec.dest = &destination.base;
    codec.image_width = width;
    codec.image_height = height;
    codec.input_components = channels;
    codec.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&codec);
    jpeg_set_quality(&codec, quality, TRUE);
    if (progressive) jpeg_simple_progression(&codec);
    jpeg_start_compress(&codec, TRUE);
    size_t row_bytes = (size_t)width * channels;
    while (codec.next_scanline < codec.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)codec.next_scanline * row_bytes);
        jpeg_write_scanlines(&codec, &row, 1);
    }
    jpeg_finish_compress(&codec);
    jpeg_destroy_compress(&codec);
    return ZOO_CODEC_OK;
}
