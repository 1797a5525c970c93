import CFFmpeg
import Foundation
import FrameTensor
import Frames

/// Decodes one video stream of a file (or standard input) into chunks of frames.
///
/// Every frame the decoder produces is returned once, in presentation order (no frame is dropped
/// or duplicated to force a constant rate), converted to RGB24 exactly as
/// `ffmpeg -i FILE -f rawvideo -pix_fmt rgb24 -fps_mode passthrough -` does, or as luma. Frames
/// whose size differs from the first frame's are scaled to it, as the CLI does (unless
/// `DecodeOptions.frameSizeChanges` is `.keep`).
/// Times are the frames' best-effort timestamps minus the first frame's, in seconds.
/// See Docs/Decoding.md.
public final class VideoDecoder: FrameSource {
  public private(set) var info: VideoInfo
  /// Problems met while decoding (corrupt or truncated data), each naming the frame index, and
  /// notes on what was done differently from the coded stream (frame size changes scaled, a
  /// display-matrix rotation not applied).
  public private(set) var warnings: [String] = []
  /// True when decoding stopped early because the input was corrupt or truncated; the frames
  /// decoded before that point are still returned.
  public private(set) var isPartial = false
  /// True, at the end of the stream, when the decoder met damage although decoding went on past
  /// it: it rejected packets (their frames are missing) or logged errors or error concealment
  /// (frames lost or guessed), as `warnings` says. Seen by one decoder thread (a frame-threaded
  /// decoder restarts with one on damage), so it does not depend on threads or chunk sizes. The
  /// input was not read whole: callers treat it like `isPartial` (flashscan's verdict is then
  /// `incomplete`).
  public private(set) var isDamaged = false

  /// Where the temporary file standard input was spooled to was created (an MP4/MOV with
  /// `mdat` before `moov`), nil otherwise. It is unlinked as soon as it is created and read
  /// through its open descriptor, so it never outlives the process, however that ends.
  public var spoolPath: String? { input.spoolPath }

  private let options: DecodeOptions
  /// Replaced once, by the same input opened again with one decoder thread, when a
  /// frame-threaded decoder meets damage (see `restartIfDamaged`).
  private var input: OpenInput
  private let converter: FrameConverter
  private let rotator: FrameRotator
  /// The 16-bit RGB copy of each frame, when `info.highPrecision` (HighPrecisionOutput.swift).
  private let highPrecision: HighPrecisionOutput?
  /// The decoder's planes by reference, when `info.sourcePlaneBytes` > 0 (SourcePlanesOutput.swift).
  private var sourcePlanes: SourcePlanesOutput?
  /// The frames of `.rgbSumFromPlanes` chunks (RGBSumFramesOutput.swift).
  private let rgbSumFrames: RGBSumFramesOutput?
  /// True once the first chunk was asked for (`request` no longer changes what chunks carry).
  private var started = false
  private var rotationScratch: [UInt8] = []
  private var warnedAboutRotation = false
  private var packet: UnsafeMutablePointer<AVPacket>?
  private var frame: UnsafeMutablePointer<AVFrame>?
  /// `frame` holds a decoded frame not yet delivered (e.g. the first frame of a new size).
  private var hasPendingFrame = false
  private var draining = false
  private var finished = false
  /// Frames delivered so far (index of the next frame).
  private var frameIndex = 0
  private var firstTimestamp: Int64?
  private var lastTimestamp: Int64?
  private let timeBase: AVRational
  /// Decoder errors seen (packets the decoder rejected); reported once per run as a warning.
  private var decodeErrors = 0
  private var lastDecodeError: String?
  private var firstDecodeErrorFrame = 0
  /// The frame near which the decoder first logged damage (`OpenInput.damageReports`).
  private var firstDamageFrame: Int?
  private var stopReason: String?
  /// Packets of the decoded stream read from the container.
  private var packetsRead = 0
  /// Packets the demuxer flagged corrupt, and the index of the first (in the stream's packets).
  private var corruptPackets = 0
  private var firstCorruptPacket = 0
  /// The first frame's upright size: under `.scaleToFirst`, every frame is delivered at it.
  private var firstSize: FrameSize?
  /// The upright size of the last frame delivered, to notice each size change.
  private var lastSize: FrameSize?
  /// Size changes seen; the first `listedSizeChanges` are named one by one in `warnings`, the
  /// rest counted in one warning at the end.
  private var sizeChanges = 0
  private var lastUnlistedSizeChange = 0
  private static let listedSizeChanges = 10
  /// Frames the decoder still has to produce again, after a restart, before new ones are
  /// delivered: the frames delivered before it.
  private var framesToSkip = 0

  /// Opens `path` (`-` is standard input) and prepares its video stream's decoder.
  /// Throws `MediaError`.
  public convenience init(path: String, options: DecodeOptions = DecodeOptions()) throws {
    if path == "-" {
      try self.init(fileDescriptor: 0, name: "-", options: options)
    } else {
      try self.init(input: OpenInput.open(path: path, options: options), options: options)
    }
  }

  /// Opens a URL FFmpeg can read (`udp://127.0.0.1:5000`, `srt://...`, `rtmp://...`, HLS,
  /// RTSP, or a path) as a stream: no file checks, `options.inputOptions` given to FFmpeg, and
  /// `options.interrupt` ending a blocking read. Throws `MediaError`.
  public convenience init(url: String, options: DecodeOptions = DecodeOptions()) throws {
    try self.init(input: OpenInput.open(url: url, options: options), options: options)
  }

  /// Reads the video from an open descriptor (a pipe or a file) without seeking; `name` is the
  /// path used in `info` and errors. The descriptor is not closed. An MP4/MOV with its index after
  /// the media data is spooled to a temporary file first (removed when the decoder goes away).
  public convenience init(
    fileDescriptor: Int32, name: String = "-", options: DecodeOptions = DecodeOptions()
  ) throws {
    try self.init(
      input: OpenInput.open(fileDescriptor: fileDescriptor, name: name, options: options),
      options: options)
  }

  private init(input: OpenInput, options: DecodeOptions) throws {
    self.input = input
    self.options = options
    converter = FrameConverter(threads: options.conversionThreads)
    var info = input.info
    info.layout = options.layout
    info.highPrecision =
      options.highPrecision && options.layout == .rgb24 && info.color.bitDepth > 8
    self.info = info
    highPrecision =
      info.highPrecision
      ? HighPrecisionOutput(rotation: options.autorotate ? input.rotation : .none) : nil
    self.timeBase = input.stream.pointee.time_base
    self.rotator = FrameRotator(rotation: options.autorotate ? input.rotation : .none)
    rgbSumFrames = options.layout == .rgbSumFromPlanes ? RGBSumFramesOutput() : nil
    if options.sourcePlanes { enableSourcePlanes() }
    packet = av_packet_alloc()
    frame = av_frame_alloc()
    guard packet != nil, frame != nil else {
      av_packet_free(&packet)
      av_frame_free(&frame)
      throw MediaError.io(path: input.info.path, reason: "out of memory")
    }
    if let start = options.start {
      try Self.seek(input, to: start)
      frameIndex = start.firstFrameIndex
      firstTimestamp = start.timestampOrigin
    }
    if options.autorotate {
      // The CLI turns other angles with its interpolating `rotate` filter; that is not reproduced.
      let degrees = fs_stream_rotation(input.stream)
      if DisplayRotation(degrees: degrees) == .none, abs(degrees) > 1 {
        warnings.append(
          "rotation of \(Int(degrees.rounded()))° in the display matrix is not applied (only"
            + " multiples of 90° are): frames are analysed as coded, the ffmpeg CLI would rotate them"
        )
      }
    }
  }

  /// Seeks `input`'s video stream to the keyframe at or before `start.seekTimestamp`.
  private static func seek(_ input: OpenInput, to start: DecodeStart) throws {
    let status = av_seek_frame(
      input.format, Int32(input.info.streamIndex), start.seekTimestamp, AVSEEK_FLAG_BACKWARD)
    if status < 0 {
      throw MediaError.decodeFailed(
        path: input.info.path,
        reason: "cannot seek to timestamp \(start.seekTimestamp) (\(ffmpegErrorText(status)))")
    }
    avcodec_flush_buffers(input.codec)
  }

  /// The index of the first frame this decoder delivers (0 unless it starts at a segment).
  private var firstFrameIndex: Int { options.start?.firstFrameIndex ?? 0 }

  deinit {
    av_packet_free(&packet)
    av_frame_free(&frame)
  }

  /// Turns on `FrameChunk.sourcePlanes` when the stream's samples have more than 8 bits and the
  /// layout is rgb24 (`DecodeOptions.sourcePlanes`).
  private func enableSourcePlanes() {
    guard sourcePlanes == nil, options.layout == .rgb24, info.color.bitDepth > 8 else { return }
    let rotation = rotator.rotation
    sourcePlanes = SourcePlanesOutput(rotation: rotation)
    let size = options.outputSize ?? FrameSize(width: info.width, height: info.height)
    let scaled = options.outputSize != nil
    info.sourcePlaneBytes = SourcePlanesOutput.bytesPerFrame(
      format: scaled ? -1 : av_get_pix_fmt(info.pixelFormatName).rawValue, size: size,
      rotation: rotation)
  }

  /// `FrameRequests.sourcePlanes` turns on `FrameChunk.sourcePlanes` as
  /// `DecodeOptions.sourcePlanes` does, when asked before the first chunk (later it changes
  /// nothing).
  public func request(_ requests: FrameRequests) {
    guard !started, requests.contains(.sourcePlanes) else { return }
    enableSourcePlanes()
  }

  /// The next at most `maxFrames` frames (fewer at the end of the stream, when the chunk would
  /// exceed `DecodeOptions.maxChunkBytes`, or when the frame size changes under
  /// `FrameSizeChanges.keep`), or nil after the last frame.
  public func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    try nextChunk(maxFrames: maxFrames, buffers: nil)
  }

  /// `nextChunk(maxFrames:)` converting into a buffer from `buffers` (recycled by the scan engine)
  /// instead of fresh memory.
  public func nextChunk(maxFrames: Int, buffers: FrameBufferPool?) throws -> FrameChunk? {
    precondition(maxFrames > 0, "maxFrames must be positive")
    started = true
    guard let frame else { return nil }
    guard try pullFrame() else {
      if frameIndex == firstFrameIndex, let reason = failureReason {
        throw MediaError.decodeFailed(path: info.path, reason: reason)
      }
      return nil
    }
    let native = displaySize(of: frame)
    let keepsSizes = options.outputSize == nil && options.frameSizeChanges == .keep
    if firstSize == nil { firstSize = native }
    // Like the ffmpeg CLI, whose output keeps the first frame's size: when a new input size
    // reconfigures its filter graph, a scale filter (flags=bicubic) to that size is inserted in
    // front of the rgb24 conversion, and the two are one swscale step, as here.
    let size = options.outputSize ?? (keepsSizes ? native : firstSize ?? native)
    let channels = options.layout.channels
    let frameBytes = size.width * size.height * channels
    guard size.width * size.height > 0 else {
      throw MediaError.decodeFailed(path: info.path, reason: "frame \(frameIndex) has no pixels")
    }
    let deepBytes =
      (highPrecision == nil ? 0 : size.width * size.height * 6)
      + (sourcePlanes == nil ? 0 : max(info.sourcePlaneBytes, 1))
      + (rgbSumFrames == nil ? 0 : size.width * size.height * 2)
    let capacity = min(maxFrames, max(1, options.maxChunkBytes / (frameBytes + deepBytes)))
    highPrecision?.begin(capacity: capacity, size: size, buffers: buffers)
    sourcePlanes?.begin()
    rgbSumFrames?.begin()
    let startIndex = frameIndex
    var times: [Double] = []
    times.reserveCapacity(capacity)
    var conversionFailure: String?
    // Frames are converted straight into the chunk's storage, one decoded frame at a time. The
    // 64 bytes of slack past the last frame let the kernels read whole vectors.
    let total = capacity * frameBytes
    var storage =
      buffers?.take(count: total, slack: 64)
      ?? [UInt8](unsafeUninitializedCapacity: total + 64) { _, count in count = total }
    let n = try storage.withUnsafeMutableBufferPointer { buffer -> Int in
      var n = 0
      while n < capacity {
        if n > 0 {
          guard try pullFrame() else { break }
          if keepsSizes && displaySize(of: frame) != native {
            break  // a new frame size starts the next chunk
          }
        }
        do {
          if let rgbSumFrames {
            let planes =
              rotator.rotation == .none ? try converter.checkedYUV420(frame, size: size) : nil
            try rgbSumFrames.add(frame, size: size, constants: planes) {
              try convertCurrentFrame(size: size, layout: .rgbSum, into: $0)
            }
          } else {
            try convertCurrentFrame(
              size: size, layout: options.layout, into: buffer.baseAddress! + n * frameBytes)
          }
          try highPrecision?.convert(frame, size: size, index: n)
          try sourcePlanes?.add(frame, size: size)
        } catch let error as ConversionError {
          conversionFailure = error.reason
          break
        }
        noteSize(of: frame, deliveredAt: size)
        times.append(presentationTime(of: frame))
        av_frame_unref(frame)
        hasPendingFrame = false
        frameIndex += 1
        n += 1
      }
      return n
    }
    if n < capacity { storage.removeLast((capacity - n) * frameBytes) }
    if let conversionFailure {
      // Frames that cannot be converted end the stream; only a stream with no frame at all throws.
      finished = true
      if frameIndex == firstFrameIndex {
        throw MediaError.decodeFailed(
          path: info.path, reason: "frame \(frameIndex): \(conversionFailure)")
      }
      isPartial = true
      noteUnlistedSizeChanges()
      warnings.append("decoding stopped at frame \(frameIndex): \(conversionFailure)")
    }
    if times.isEmpty { return nil }
    return FrameChunk(
      frames: Tensor(shape: [times.count, size.height, size.width, channels], storage: storage),
      times: times, firstIndex: startIndex,
      highPrecision: highPrecision?.finish(count: times.count, size: size),
      sourcePlanes: sourcePlanes?.finish(count: times.count),
      rgbSumFrames: rgbSumFrames?.finish(count: times.count))
  }

  /// Names in `warnings` a frame (about to be delivered) whose size differs from the previous
  /// frame's, when it is scaled to the first frame's size.
  private func noteSize(of frame: UnsafeMutablePointer<AVFrame>, deliveredAt size: FrameSize) {
    let own = displaySize(of: frame)
    defer { lastSize = own }
    guard options.outputSize == nil, options.frameSizeChanges == .scaleToFirst,
      let previous = lastSize, previous != own
    else { return }
    sizeChanges += 1
    guard sizeChanges <= Self.listedSizeChanges else {
      lastUnlistedSizeChange = frameIndex
      return
    }
    warnings.append(
      own == size
        ? "frame \(frameIndex): size changed from \(previous) back to \(own), the first frame's size"
        : "frame \(frameIndex): size changed from \(previous) to \(own); scaled to \(size) as the ffmpeg CLI does"
    )
  }

  /// One warning for the size changes past the ones named one by one.
  private func noteUnlistedSizeChanges() {
    let unlisted = sizeChanges - Self.listedSizeChanges
    guard unlisted > 0, let firstSize else { return }
    warnings.append(
      "\(unlisted) more frame size change(s), the last at frame \(lastUnlistedSizeChange); every"
        + " frame scaled to \(firstSize) as the ffmpeg CLI does")
    sizeChanges = Self.listedSizeChanges
  }

  /// The frame's size once turned upright.
  private func displaySize(of frame: UnsafeMutablePointer<AVFrame>) -> FrameSize {
    let width = Int(frame.pointee.width)
    let height = Int(frame.pointee.height)
    return rotator.rotation.swapsAxes
      ? FrameSize(width: height, height: width) : FrameSize(width: width, height: height)
  }

  /// Converts the current frame (turned upright like the CLI's -autorotate) into `destination`.
  private func convertCurrentFrame(
    size: FrameSize, layout: PixelLayout, into destination: UnsafeMutablePointer<UInt8>
  ) throws {
    guard let frame else { return }
    let rotation = rotator.rotation
    if rotation == .none {
      try converter.convert(frame, layout: layout, size: size, into: destination)
      return
    }
    if FrameRotator.supports(format: frame.pointee.format, rotation: rotation) {
      try converter.convert(
        try rotator.rotate(frame), layout: layout, size: size, into: destination)
      return
    }
    // The CLI converts such formats before rotating; rotating our converted pixels instead keeps
    // every pixel's value but chroma rounding may differ slightly.
    if !warnedAboutRotation {
      warnedAboutRotation = true
      let name =
        av_get_pix_fmt_name(AVPixelFormat(rawValue: frame.pointee.format)).map {
          String(cString: $0)
        } ?? "?"
      warnings.append(
        "frame \(frameIndex): rotating \(name) after conversion; pixels may differ slightly from the ffmpeg CLI's"
      )
    }
    let channels = layout.channels
    let upright = rotation.swapsAxes ? FrameSize(width: size.height, height: size.width) : size
    let bytes = size.width * size.height * channels
    if rotationScratch.count < bytes + 64 {
      rotationScratch = [UInt8](repeating: 0, count: bytes + 64)
    }
    try rotationScratch.withUnsafeMutableBufferPointer { scratch in
      try converter.convert(
        frame, layout: layout, size: upright, into: scratch.baseAddress!)
      rotator.rotatePacked(
        scratch.baseAddress!, width: upright.width, height: upright.height, step: channels,
        into: destination)
    }
  }

  /// Seconds from the first frame; a frame without a timestamp follows the previous one by its
  /// duration (or one frame at the stream's rate).
  private func presentationTime(of frame: UnsafeMutablePointer<AVFrame>) -> Double {
    var timestamp = frame.pointee.best_effort_timestamp
    if timestamp == fs_nopts_value() {
      if let last = lastTimestamp {
        var step = frame.pointee.pkt_duration
        if step <= 0, let rate = info.frameRate, rate > 0, timeBase.num > 0 {
          step = max(1, Int64((Double(timeBase.den) / (rate * Double(timeBase.num))).rounded()))
        }
        timestamp = last + max(step, 0)
      } else {
        timestamp = 0
      }
    }
    if firstTimestamp == nil { firstTimestamp = timestamp }
    lastTimestamp = timestamp
    return Double(timestamp - firstTimestamp!) * Double(timeBase.num) / Double(timeBase.den)
  }

  /// Makes `frame` hold the next decoded frame; false at the end of the stream.
  private func pullFrame() throws -> Bool {
    if hasPendingFrame { return true }
    if finished { return false }
    guard let frame, let packet else { return false }
    var codec = input.codec
    while true {
      let received = avcodec_receive_frame(codec, frame)
      if received == 0 {
        if try restartIfDamaged(seeing: frame) {
          codec = input.codec
          continue
        }
        if let start = options.start, frame.pointee.best_effort_timestamp != fs_nopts_value(),
          frame.pointee.best_effort_timestamp < start.seekTimestamp
        {
          av_frame_unref(frame)  // before the segment's keyframe (the seek landed earlier)
          continue
        }
        if framesToSkip > 0 {
          _ = presentationTime(of: frame)  // delivered before the restart
          av_frame_unref(frame)
          framesToSkip -= 1
          continue
        }
        noteDamage()
        hasPendingFrame = true
        return true
      }
      if received == fs_averror_eof() {
        if try restartIfDamaged(seeing: nil) {
          codec = input.codec
          continue
        }
        return finish()
      }
      if received != fs_averror_eagain() {
        noteDecodeError(received)
        if try restartIfDamaged(seeing: nil) {
          codec = input.codec
          continue
        }
        if decodeErrors > 100_000 {
          stopEarly("the decoder keeps failing")
          return finish()
        }
        continue
      }
      if draining {
        if try restartIfDamaged(seeing: nil) {
          codec = input.codec
          continue
        }
        return finish()  // the decoder wants input after a flush: nothing more will come
      }
      let read = av_read_frame(input.format, packet)
      if read == fs_averror_eagain() {
        usleep(1000)  // no data yet (the CLI retries too)
        continue
      }
      if read < 0 {
        // Like the CLI, any read error ends the input: flush and drain what was decoded.
        if read != fs_averror_eof() {
          stopEarly("reading the input failed (\(readFailureText(read)))")
        } else if let pb = input.format.pointee.pb, pb.pointee.error < 0,
          pb.pointee.error != fs_averror_eof()
        {
          stopEarly("reading the input failed (\(ffmpegErrorText(pb.pointee.error)))")
        }
        draining = true
        _ = avcodec_send_packet(codec, nil)  // flush: frame threading holds the last frames back
        continue
      }
      defer { av_packet_unref(packet) }
      guard packet.pointee.stream_index == Int32(info.streamIndex) else { continue }
      packetsRead += 1
      if packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
        // Like the CLI ("corrupt input packet in stream N"), the packet is decoded and decoding
        // goes on: nothing is lost past it. (MPEG-TS flags a continuity counter jump, e.g. where
        // files were joined with cat.) Counted by packet, which, unlike the frames delivered so
        // far, does not depend on threads or chunk sizes.
        if corruptPackets == 0 { firstCorruptPacket = packetsRead - 1 }
        corruptPackets += 1
      }
      let sent = avcodec_send_packet(codec, packet)
      if sent < 0 && sent != fs_averror_eagain() && sent != fs_averror_eof() {
        noteDecodeError(sent)
      }
    }
  }

  /// Frame threading gives the same frames as one thread on an intact stream, but not on a
  /// damaged one: how FFmpeg's H.264 decoder carries on after a packet it cannot decode depends on
  /// the frames in flight, and its error concealment reads reference pictures other threads may
  /// still be writing, so the frames after the damage depend on the thread count and on timing,
  /// as do the positions errors are reported at (Docs/Decoding.md). So once a frame-threaded decoder reports damage (an error from any of its threads, a
  /// concealed frame, a failed packet), the input is opened again with one thread and decoded
  /// from the start, skipping the frames already delivered: those came from threads that finished
  /// before the damaged packet's, so they are intact and the same as one thread's. What is
  /// delivered is thus always what one decoder thread gives, whatever the thread count or timing.
  /// A pipe read as it streams is recorded as it is read, to be read again (`OpenInput.reopened`);
  /// past the recording's limit it keeps its threads.
  ///
  /// `frame` is the frame just received (released when the decoder restarts), nil at the end.
  private func restartIfDamaged(seeing frame: UnsafeMutablePointer<AVFrame>?) throws -> Bool {
    guard input.isFrameThreaded else { return false }
    var damaged = decodeErrors > 0 || input.damageReports > 0
    if let frame {
      damaged =
        damaged || frame.pointee.decode_error_flags != 0
        || frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0
    }
    guard damaged, let reopened = try input.reopened(decoderThreads: 1) else { return false }
    if let frame { av_frame_unref(frame) }
    input = reopened
    if let start = options.start { try Self.seek(reopened, to: start) }
    framesToSkip = frameIndex - firstFrameIndex
    firstTimestamp = options.start?.timestampOrigin
    lastTimestamp = nil
    decodeErrors = 0
    lastDecodeError = nil
    firstDecodeErrorFrame = 0
    firstDamageFrame = nil
    stopReason = nil
    packetsRead = 0
    corruptPackets = 0
    firstCorruptPacket = 0
    draining = false
    return true
  }

  private func finish() -> Bool {
    guard !finished else { return false }
    finished = true
    if stopReason == nil,
      let report = FFmpegLog.messages(
        from: [UnsafeMutableRawPointer(input.format)], since: input.logFloor
      ).last(where: {
        $0.contains("ended prematurely") || $0.localizedCaseInsensitiveContains("truncat")
      })
    {
      stopReason = report  // e.g. Matroska: "File ended prematurely"
    }
    // A demuxer error (e.g. a damaged Matroska element) that ends the stream before the frames
    // the container announced: the rest of the file was lost, not just one frame.
    if stopReason == nil, let expected = info.estimatedFrameCount, frameIndex < expected,
      let report = FFmpegLog.messages(
        from: [UnsafeMutableRawPointer(input.format)], maxLevel: AV_LOG_ERROR,
        since: input.logFloor
      ).last
    {
      stopReason = "the container is damaged (\(report))"
    }
    // (A segment's decoder seeked past packets: it cannot count them.)
    if let declared = input.declaredPacketCount, options.start == nil, packetsRead < declared,
      stopReason == nil
    {
      stopReason =
        "the container declares \(declared) frames but only \(packetsRead) arrived (truncated?)"
    }
    noteUnlistedSizeChanges()
    if let stopReason {
      isPartial = true
      warnings.append("decoding stopped at frame \(frameIndex): \(stopReason)")
    }
    if corruptPackets > 0 {
      warnings.append(
        "\(corruptPackets) packet(s) flagged corrupt by the demuxer, the first being packet"
          + " \(firstCorruptPacket) of the stream (an MPEG-TS continuity jump, e.g. where files"
          + " were joined, is one); decoding went on, as with the ffmpeg CLI")
    }
    noteDamage()
    let damage = input.damageReports
    if decodeErrors > 0 || damage > 0 { isDamaged = true }
    if decodeErrors == 0, damage > 0 {
      let last =
        FFmpegLog.lastMessage(from: [UnsafeMutableRawPointer(input.codec)], since: input.logFloor)
        .map { ", the last: \($0)" } ?? ""
      warnings.append(
        "the decoder reported damage near frame \(firstDamageFrame ?? frameIndex) (\(damage)"
          + " error or concealment message(s)\(last)): frames from there on may be missing or"
          + " concealed")
    }
    if decodeErrors > 0 {
      warnings.append(
        "\(decodeErrors) packet(s) could not be decoded, the first near frame \(firstDecodeErrorFrame):"
          + " their frames are missing from the analysis (last error: \(lastDecodeError ?? "unknown"))"
      )
    }
    return false
  }

  /// Records why decoding stops before the end of the stream (the first reason wins).
  private func stopEarly(_ reason: String) {
    if stopReason == nil { stopReason = reason }
  }

  /// Why nothing could be decoded, when the stream ended with errors and no frame.
  private var failureReason: String? {
    if let stopReason { return stopReason }
    if decodeErrors > 0 { return lastDecodeError ?? "the decoder rejected every packet" }
    return nil
  }

  /// Notes the frame the decoder's first damage report came before.
  private func noteDamage() {
    if firstDamageFrame == nil, input.damageReports > 0 {
      firstDamageFrame = frameIndex - framesToSkip
    }
  }

  private func noteDecodeError(_ code: Int32) {
    if decodeErrors == 0 { firstDecodeErrorFrame = frameIndex - framesToSkip }
    decodeErrors += 1
    lastDecodeError =
      FFmpegLog.lastMessage(from: [UnsafeMutableRawPointer(input.codec)], since: input.logFloor)
      ?? ffmpegErrorText(code)
  }

  private func readFailureText(_ code: Int32) -> String {
    FFmpegLog.lastMessage(from: [UnsafeMutableRawPointer(input.format)], since: input.logFloor)
      ?? ffmpegErrorText(code)
  }
}
