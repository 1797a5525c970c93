// The few FFmpeg macros Swift cannot import, re-exported as static inline functions, plus small
// C helpers where pointer-array plumbing would be clumsy in Swift.
// Swift code above this module never sees a macro.
#ifndef FLASHSCAN_CFFMPEG_SHIM_H
#define FLASHSCAN_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/opt.h>
#include <libavutil/dict.h>
#include <libavutil/display.h>
#include <errno.h>

static inline int fs_averror(int e) { return AVERROR(e); }
static inline int fs_averror_eof(void) { return AVERROR_EOF; }
static inline int fs_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int fs_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int fs_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t fs_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational fs_time_base_q(void) { return AV_TIME_BASE_Q; }

/// Creates a swscale context the way FFmpeg 5.1's vf_scale (the filter the ffmpeg CLI inserts for
/// `-pix_fmt rgb24`) does: sws_alloc_context, options set one by one, sws_init_context.
/// vf_scale (5.1) sets no source range here (the frame's range is applied per frame), and for
/// yuv420p input it overrides the vertical chroma position to 128 (MPEG-2 siting).
/// `threads` above 1 gives the context swscale's slice threads (used by `fs_sws_scale_frame_into`).
static inline struct SwsContext *fs_sws_create(int src_w, int src_h, int src_fmt, int dst_w, int dst_h,
                                               int dst_fmt, int flags, int threads) {
  struct SwsContext *c = sws_alloc_context();
  if (!c) return NULL;
  av_opt_set_int(c, "srcw", src_w, 0);
  av_opt_set_int(c, "srch", src_h, 0);
  av_opt_set_int(c, "src_format", src_fmt, 0);
  av_opt_set_int(c, "dstw", dst_w, 0);
  av_opt_set_int(c, "dsth", dst_h, 0);
  av_opt_set_int(c, "dst_format", dst_fmt, 0);
  av_opt_set_int(c, "sws_flags", flags, 0);
  av_opt_set_double(c, "param0", SWS_PARAM_DEFAULT, 0);
  av_opt_set_double(c, "param1", SWS_PARAM_DEFAULT, 0);
  av_opt_set_int(c, "threads", threads > 1 ? threads : 1, 0);
  av_opt_set_int(c, "src_h_chr_pos", -513, 0);
  av_opt_set_int(c, "src_v_chr_pos", src_fmt == AV_PIX_FMT_YUV420P ? 128 : -513, 0);
  av_opt_set_int(c, "dst_h_chr_pos", -513, 0);
  av_opt_set_int(c, "dst_v_chr_pos", -513, 0);
  if (sws_init_context(c, NULL, NULL) < 0) {
    sws_freeContext(c);
    return NULL;
  }
  return c;
}

/// vf_scale's per-frame colour step (in_color_matrix "auto", ranges "auto"): the frame's matrix
/// (unknown, RGB and YCgCo fall back to BT.470BG = BT.601) and, when tagged, the frame's range.
static inline int fs_sws_apply_frame_colorspace(struct SwsContext *c, const AVFrame *f) {
  int *inv_table = NULL, *table = NULL;
  int in_full = 0, out_full = 0, brightness = 0, contrast = 0, saturation = 0;
  int cs = f->colorspace;
  const int *coefficients;
  sws_getColorspaceDetails(c, &inv_table, &in_full, &table, &out_full, &brightness, &contrast,
                           &saturation);
  if (cs < 1 || cs > 10 || cs == 8) cs = AVCOL_SPC_BT470BG;
  coefficients = sws_getCoefficients(cs);
  if (f->color_range != AVCOL_RANGE_UNSPECIFIED) in_full = (f->color_range == AVCOL_RANGE_JPEG);
  return sws_setColorspaceDetails(c, coefficients, in_full, coefficients, out_full, brightness,
                                  contrast, saturation);
}

/// Converts a whole frame into one packed destination plane.
static inline int fs_sws_scale_frame_to(struct SwsContext *c, const AVFrame *f, uint8_t *dst,
                                        int dst_stride) {
  uint8_t *d[4] = {dst, NULL, NULL, NULL};
  int s[4] = {dst_stride, 0, 0, 0};
  return sws_scale(c, (const uint8_t *const *)f->data, f->linesize, 0, f->height, d, s);
}

static void fs_keep_buffer(void *opaque, uint8_t *data) {
  (void)opaque;
  (void)data;
}

/// Converts a whole frame into one packed destination plane (`dst_h` rows, `dst_stride` bytes
/// apart) through sws_scale_frame, which splits the rows into slices converted by the context's
/// threads (each slice with the same code as one `sws_scale` call). The destination frame wraps
/// the caller's memory (a buffer reference that frees nothing). Returns the rows written or a
/// negative error.
static inline int fs_sws_scale_frame_into(struct SwsContext *c, const AVFrame *f, uint8_t *dst,
                                          int dst_stride, int dst_w, int dst_h, int dst_fmt) {
  AVFrame *out = av_frame_alloc();
  int ret;
  if (!out) return AVERROR(ENOMEM);
  out->buf[0] = av_buffer_create(dst, (size_t)dst_stride * (size_t)dst_h, fs_keep_buffer, NULL, 0);
  if (!out->buf[0]) {
    av_frame_free(&out);
    return AVERROR(ENOMEM);
  }
  out->data[0] = dst;
  out->linesize[0] = dst_stride;
  out->width = dst_w;
  out->height = dst_h;
  out->format = dst_fmt;
  ret = sws_scale_frame(c, out, f);
  av_frame_free(&out);
  return ret < 0 ? ret : dst_h;
}

/// The stream's display-matrix rotation as the ffmpeg 5.1 CLI computes it for -autorotate
/// (get_rotation in cmdutils.c): clockwise degrees in [0, 360), 0 without a matrix.
static inline double fs_stream_rotation(const AVStream *st) {
  const uint8_t *matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
  double theta = 0;
  if (matrix) theta = -round(av_display_rotation_get((const int32_t *)matrix));
  theta -= 360 * floor(theta / 360 + 0.9 / 360);
  return theta;
}

static inline uint8_t *fs_frame_plane(const AVFrame *f, int i) { return f->data[i]; }
static inline int fs_frame_linesize(const AVFrame *f, int i) { return f->linesize[i]; }

#endif
