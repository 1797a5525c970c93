import CFFmpeg

/// The largest frame FFmpeg decodes, and which size it refused when a stream has none.
///
/// FFmpeg's decoders check every frame size with `av_image_check_size` (libavutil/imgutils.c,
/// also behind `ff_set_dimensions`): a frame is refused unless
/// (8 x width + 1024) x (height + 128) < 2^31 - 1, i.e. at most 16255x16255 (264 megapixels) for
/// a square frame, or 8781 lines at width 30000. Such a stream opens with no frame size at all.
/// flashscan sets no smaller limit of its own: a chunk is capped at `DecodeOptions.maxChunkBytes`
/// (30 MiB) but always holds at least one frame, so a single frame (3 x width x height bytes,
/// 756 MiB at 16255x16255) and the analysers' per-frame buffers must fit in memory.
enum FrameSizeLimit {
  /// The limit in one phrase, for error messages.
  static let text =
    "FFmpeg decodes frames only while (8 x width + 1024) x (height + 128) < 2^31 - 1"
    + " (av_image_check_size), at most 16255x16255 for a square frame"

  /// The positive size named by FFmpeg's "Picture size WxH is invalid" (or "... exceeds specified
  /// max pixel count") in `messages`, newest first.
  static func refusedSize(in messages: [String]) -> FrameSize? {
    for message in messages.reversed() {
      guard let range = message.range(of: "Picture size ") else { continue }
      let dimensions = message[range.upperBound...].prefix { $0.isNumber || $0 == "x" }
        .split(separator: "x")
      if dimensions.count == 2, let width = Int(dimensions[0]), let height = Int(dimensions[1]),
        width > 0, height > 0
      {
        return FrameSize(width: width, height: height)
      }
    }
    return nil
  }

  /// For a stream that opened with no frame size: the size a throwaway decoder refuses when fed the
  /// stream's first packets (at most `maxPackets`), nil if it decodes a frame or names no size.
  /// The demuxer is left past those packets, so this is only for inputs that fail anyway.
  static func refusedSize(
    format: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>,
    maxPackets: Int = 16
  ) -> FrameSize? {
    guard let parameters = stream.pointee.codecpar,
      let decoder = avcodec_find_decoder(parameters.pointee.codec_id)
    else { return nil }
    let logFloor = FFmpegLog.mark()  // not what a context freed at the same address logged
    var codecContext = avcodec_alloc_context3(decoder)
    var packetStorage = av_packet_alloc()
    var frameStorage = av_frame_alloc()
    defer {
      FFmpegLog.forget([UnsafeMutableRawPointer(codecContext)])
      avcodec_free_context(&codecContext)
      av_packet_free(&packetStorage)
      av_frame_free(&frameStorage)
    }
    guard let codec = codecContext, let packet = packetStorage, let frame = frameStorage,
      avcodec_parameters_to_context(codec, parameters) >= 0
    else { return nil }
    codec.pointee.thread_count = 1
    guard avcodec_open2(codec, decoder, nil) >= 0 else { return nil }
    func refused() -> FrameSize? {
      refusedSize(
        in: FFmpegLog.messages(
          from: [UnsafeMutableRawPointer(codec)], maxLevel: AV_LOG_ERROR, since: logFloor))
    }
    var sent = 0
    while sent < maxPackets, refused() == nil, av_read_frame(format, packet) >= 0 {
      defer { av_packet_unref(packet) }
      guard packet.pointee.stream_index == stream.pointee.index else { continue }
      sent += 1
      _ = avcodec_send_packet(codec, packet)
      if avcodec_receive_frame(codec, frame) == 0 { return nil }
    }
    return refused()
  }
}
