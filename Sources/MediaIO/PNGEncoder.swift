import CFFmpeg
import FrameTensor

/// Encodes one RGB frame as PNG with FFmpeg's png encoder (report thumbnails).
public enum PNGEncoder {
  /// `rgb` is (H, W, 3); returns the PNG file's bytes. Throws `MediaError.io` on failure.
  public static func encode(rgb: Tensor<UInt8>) throws -> [UInt8] {
    _ = FFmpegLog.install
    precondition(rgb.rank == 3 && rgb.shape[2] == 3, "PNGEncoder wants an (H, W, 3) tensor")
    let height = rgb.shape[0]
    let width = rgb.shape[1]
    func failure(_ reason: String) -> MediaError { .io(path: "<png>", reason: reason) }
    guard width > 0, height > 0 else { throw failure("empty image") }
    guard let encoder = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
      throw failure("FFmpeg has no png encoder")
    }
    var context = avcodec_alloc_context3(encoder)
    var frame = av_frame_alloc()
    var packet = av_packet_alloc()
    defer {
      avcodec_free_context(&context)
      av_frame_free(&frame)
      av_packet_free(&packet)
    }
    guard let context, let frame, let packet else { throw failure("out of memory") }
    context.pointee.width = Int32(width)
    context.pointee.height = Int32(height)
    context.pointee.pix_fmt = AV_PIX_FMT_RGB24
    context.pointee.time_base = AVRational(num: 1, den: 1)
    var status = avcodec_open2(context, encoder, nil)
    guard status >= 0 else {
      throw failure("cannot open the png encoder: \(ffmpegErrorText(status))")
    }
    frame.pointee.width = Int32(width)
    frame.pointee.height = Int32(height)
    frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
    frame.pointee.pts = 0
    status = av_frame_get_buffer(frame, 0)
    guard status >= 0 else { throw failure("out of memory") }
    let rowBytes = width * 3
    let destination = fs_frame_plane(frame, 0)!
    let stride = Int(fs_frame_linesize(frame, 0))
    rgb.withUnsafeBufferPointer { source in
      for row in 0..<height {
        (destination + row * stride).update(
          from: source.baseAddress! + row * rowBytes, count: rowBytes)
      }
    }
    status = avcodec_send_frame(context, frame)
    guard status >= 0 else { throw failure("png encoding failed: \(ffmpegErrorText(status))") }
    _ = avcodec_send_frame(context, nil)
    var bytes: [UInt8] = []
    while true {
      status = avcodec_receive_packet(context, packet)
      if status == fs_averror_eof() || status == fs_averror_eagain() { break }
      guard status >= 0 else { throw failure("png encoding failed: \(ffmpegErrorText(status))") }
      bytes.append(
        contentsOf: UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))
      )
      av_packet_unref(packet)
    }
    guard !bytes.isEmpty else { throw failure("the png encoder produced nothing") }
    return bytes
  }
}
