// The few FFmpeg macros Swift cannot import, re-exported as static inline functions.
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
#include <errno.h>

static inline int fs_averror(int e) { return AVERROR(e); }
static inline int fs_averror_eof(void) { return AVERROR_EOF; }
static inline int fs_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int fs_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int fs_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t fs_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational fs_time_base_q(void) { return AV_TIME_BASE_Q; }

#endif
