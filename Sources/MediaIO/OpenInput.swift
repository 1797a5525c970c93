import CFFmpeg
import Foundation
import Frames

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The opened container and decoder of one input, and everything that must be released with them:
/// the format and codec contexts, a custom AVIOContext over a pipe, a spooled temporary file.
final class OpenInput {
  let info: VideoInfo
  let format: UnsafeMutablePointer<AVFormatContext>
  let codec: UnsafeMutablePointer<AVCodecContext>
  let stream: UnsafeMutablePointer<AVStream>
  /// Packet count the container's index declares (MP4/MOV sample tables), used to notice truncation.
  let declaredPacketCount: Int?
  /// The display-matrix rotation the CLI would apply (-autorotate).
  let rotation: DisplayRotation
  private let resources: Resources
  /// What the container was opened from, when it can be opened again from the start (a path, or
  /// a descriptor's path); nil for a pipe read as it streams.
  private let reopenURL: String?
  private let options: DecodeOptions

  /// Owns the FFmpeg objects while they are being set up, so every error path frees them.
  final class Resources {
    var format: UnsafeMutablePointer<AVFormatContext>?
    var codec: UnsafeMutablePointer<AVCodecContext>?
    var pipe: PipeInput?
    var spoolPath: String?
    /// A descriptor this input opened itself (a named pipe given as a path), closed at the end.
    var ownedDescriptor: Int32 = -1
    /// The file a pipe's bytes are recorded to (`PipeInput.record(to:)`), closed at the end.
    var recordingDescriptor: Int32 = -1
    /// The interrupt flag the format context's callback reads (kept alive with it).
    var interrupt: InterruptFlag?
    /// The codec context's `opaque`: its (and its worker threads' copies') messages and damage
    /// reports are kept under this key, never reused (`FFmpegLog.damageReports`).
    let decoderKey = FFmpegLog.newDecoderKey()
    /// Messages logged before this input was set up (by contexts that may have lived at the
    /// addresses its contexts now have) are not its own: its queries ask for newer ones only.
    let logFloor = FFmpegLog.mark()

    deinit {
      FFmpegLog.forget([UnsafeMutableRawPointer(format), UnsafeMutableRawPointer(codec)])
      avcodec_free_context(&codec)  // joins the decoder's worker threads
      FFmpegLog.unwatch(decoderKey)  // and forgets what they logged, while closing too
      avformat_close_input(&format)  // does not free a custom AVIOContext
      pipe?.close()
      if ownedDescriptor >= 0 { SystemIO.close(ownedDescriptor) }
      if recordingDescriptor >= 0 { SystemIO.close(recordingDescriptor) }
    }
  }

  private init(
    info: VideoInfo, resources: Resources, stream: UnsafeMutablePointer<AVStream>,
    declaredPacketCount: Int?, rotation: DisplayRotation, reopenURL: String?,
    options: DecodeOptions
  ) {
    self.reopenURL = reopenURL
    self.options = options
    self.rotation = rotation
    self.info = info
    self.format = resources.format!
    self.codec = resources.codec!
    self.stream = stream
    self.resources = resources
    self.declaredPacketCount = declaredPacketCount
  }

  /// The temporary file standard input was spooled to, if it was.
  var spoolPath: String? { resources.spoolPath }

  /// True when the decoder runs several frames at once on worker threads.
  var isFrameThreaded: Bool {
    codec.pointee.active_thread_type & FF_THREAD_FRAME != 0 && codec.pointee.thread_count > 1
  }

  /// Errors and error-concealment notes the decoder logged so far, from any of its threads.
  var damageReports: Int { FFmpegLog.damageReports(resources.decoderKey) }

  /// The serial number FFmpeg's messages for this input start after (`FFmpegLog.mark()`).
  var logFloor: Int { resources.logFloor }

  /// The same input opened again from its start with `decoderThreads` decoder threads, or nil
  /// when it cannot be (a pipe whose bytes were not recorded). This input must not be read
  /// afterwards: the descriptors it owns (spooled standard input, a named pipe, a pipe's
  /// recording) move to the new one.
  func reopened(decoderThreads: Int) throws -> OpenInput? {
    var options = self.options
    options.decoderThreads = decoderThreads
    let fresh = Resources()
    fresh.spoolPath = resources.spoolPath
    let input: OpenInput
    if let pipe = resources.pipe {
      guard let replay = pipe.replayed() else { return nil }
      fresh.recordingDescriptor = resources.recordingDescriptor
      resources.recordingDescriptor = -1
      fresh.ownedDescriptor = resources.ownedDescriptor
      resources.ownedDescriptor = -1
      input = try OpenInput.open(pipe: replay, resources: fresh, name: info.path, options: options)
    } else {
      guard let url = reopenURL else { return nil }
      input = try OpenInput.open(resources: fresh, url: url, name: info.path, options: options)
      fresh.ownedDescriptor = resources.ownedDescriptor
      resources.ownedDescriptor = -1
    }
    return input
  }

  /// Opens anything FFmpeg opens by name (`udp://`, `srt://`, `rtmp://`, an HLS playlist, a
  /// path) without looking at the file system first, with `options.inputOptions`.
  static func open(url: String, options: DecodeOptions) throws -> OpenInput {
    _ = FFmpegLog.install
    return try open(resources: Resources(), url: url, name: url, options: options)
  }

  static func open(path: String, options: DecodeOptions) throws -> OpenInput {
    _ = FFmpegLog.install
    var status = stat()
    if stat(path, &status) != 0 {
      throw fileError(errno, path: path)
    }
    if (status.st_mode & S_IFMT) == S_IFDIR {
      throw MediaError.io(path: path, reason: "is a directory")
    }
    if (status.st_mode & S_IFMT) == S_IFREG && status.st_size == 0 {
      throw MediaError.emptyFile(path: path)
    }
    if access(path, R_OK) != 0 {
      throw fileError(errno, path: path)
    }
    let kind = status.st_mode & S_IFMT
    if kind == S_IFIFO || kind == S_IFSOCK || kind == S_IFCHR {
      // A named pipe (e.g. bash's `<(...)`, /dev/stdin): read it like standard input, so an MP4
      // with its index at the end is spooled instead of failing.
      let fd = SystemIO.open(path, O_RDONLY)
      guard fd >= 0 else { throw fileError(errno, path: path) }
      let resources = Resources()
      resources.ownedDescriptor = fd
      return try open(fileDescriptor: fd, name: path, options: options, resources: resources)
    }
    let resources = Resources()
    return try open(resources: resources, url: path, name: path, options: options)
  }

  static func open(
    fileDescriptor: Int32, name: String, options: DecodeOptions,
    resources: Resources = Resources()
  ) throws -> OpenInput {
    _ = FFmpegLog.install
    // Standard input redirected from a regular file (`flashscan - < movie.mp4`) can seek: open it
    // again by its /proc (or /dev/fd) path instead of streaming, so nothing needs spooling.
    var status = stat()
    if fstat(fileDescriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
      lseek(fileDescriptor, 0, SEEK_CUR) == 0
    {
      if status.st_size == 0 { throw MediaError.emptyFile(path: name) }
      return try open(
        resources: resources, url: SystemIO.descriptorPath(fileDescriptor), name: name,
        options: options)
    }
    let pipe = PipeInput(fd: fileDescriptor)
    let spool: Bool
    do {
      if try pipe.isEmpty() { throw MediaError.emptyFile(path: name) }
      spool = try pipe.needsSpooling()
    } catch let error as PipeError {
      throw MediaError.io(path: name, reason: "cannot read: \(error.text)")
    }
    if spool {
      let (fd, path) = try makeTemporaryFile(name: name, directory: options.spoolDirectory)
      // Unlinked at once: the open descriptor keeps the data, and nothing is left behind
      // however the process ends (even killed mid-spool). FFmpeg reads it through /dev/fd.
      unlink(path)
      resources.spoolPath = path
      resources.ownedDescriptor = fd
      do {
        try pipe.spool(to: fd)
      } catch let error as PipeError {
        throw MediaError.io(path: name, reason: "cannot spool to \(path): \(error.text)")
      }
      return try open(resources: resources, url: "/dev/fd/\(fd)", name: name, options: options)
    }
    var options = options
    if options.decoderThreads != 1 {
      if let (fd, path) = try? makeTemporaryFile(name: name, directory: options.spoolDirectory) {
        // A frame-threaded decoder that meets damage starts again from the start with one
        // thread (`VideoDecoder`): the bytes read are kept (unlinked at once, like a spool) to
        // be read again.
        unlink(path)
        resources.recordingDescriptor = fd
        pipe.record(to: fd)
      } else {
        options.decoderThreads = 1  // nothing to start again from: one thread from the start
      }
    }
    return try open(pipe: pipe, resources: resources, name: name, options: options)
  }

  /// Opens the container through a custom AVIOContext over `pipe`.
  private static func open(
    pipe: PipeInput, resources: Resources, name: String, options: DecodeOptions
  ) throws -> OpenInput {
    guard let io = pipe.makeContext(), let format = avformat_alloc_context() else {
      throw MediaError.io(path: name, reason: "out of memory")
    }
    resources.pipe = pipe
    format.pointee.pb = io
    format.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
    resources.format = format
    return try open(resources: resources, url: "pipe:", name: name, options: options)
  }

  /// Opens the container (a path, or `resources.format` pre-allocated with a custom AVIOContext),
  /// picks the stream and opens its decoder.
  private static func open(
    resources: Resources, url: String, name: String, options: DecodeOptions
  ) throws -> OpenInput {
    if let flag = options.interrupt {
      // FFmpeg asks the callback during blocking I/O; the flag lives as long as the resources.
      if resources.format == nil { resources.format = avformat_alloc_context() }
      guard let context = resources.format else {
        throw MediaError.io(path: name, reason: "out of memory")
      }
      resources.interrupt = flag
      context.pointee.interrupt_callback.callback = { opaque in
        guard let opaque else { return 0 }
        return Unmanaged<InterruptFlag>.fromOpaque(opaque).takeUnretainedValue().isSet ? 1 : 0
      }
      context.pointee.interrupt_callback.opaque = Unmanaged.passUnretained(flag).toOpaque()
    }
    var dictionary: OpaquePointer? = nil
    defer { av_dict_free(&dictionary) }
    for (key, value) in options.inputOptions.sorted(by: { $0.key < $1.key }) {
      av_dict_set(&dictionary, key, value, 0)
    }
    var format = resources.format
    resources.format = nil  // avformat_open_input frees the context itself on failure
    let opened = avformat_open_input(&format, url, nil, &dictionary)
    if opened < 0 {
      let message = FFmpegLog.lastMessage(
        from: [UnsafeMutableRawPointer(format)], since: resources.logFloor)
      if opened == fs_averror(ENOENT) { throw MediaError.notFound(path: name) }
      if opened == fs_averror(EACCES) { throw MediaError.permissionDenied(path: name) }
      throw MediaError.notMedia(path: name, reason: message ?? ffmpegErrorText(opened))
    }
    guard let format else { throw MediaError.io(path: name, reason: "out of memory") }
    resources.format = format
    let found = avformat_find_stream_info(format, nil)
    if found < 0 {
      throw MediaError.notMedia(path: name, reason: ffmpegErrorText(found))
    }
    let streamCount = Int(format.pointee.nb_streams)
    func stream(_ i: Int) -> UnsafeMutablePointer<AVStream> { format.pointee.streams[i]! }
    func isVideo(_ i: Int) -> Bool {
      stream(i).pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
    }
    let index: Int
    if let wanted = options.streamIndex {
      guard wanted >= 0, wanted < streamCount, isVideo(wanted) else {
        throw MediaError.noSuchStream(path: name, index: wanted)
      }
      index = wanted
    } else {
      guard
        let first = (0..<streamCount).first(where: {
          isVideo($0) && stream($0).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0
        })
      else {
        throw MediaError.noVideoStream(path: name)
      }
      index = first
    }
    let chosen = stream(index)
    // Only the chosen stream's packets are needed.
    for i in 0..<streamCount where i != index { stream(i).pointee.discard = AVDISCARD_ALL }
    let parameters = chosen.pointee.codecpar!
    let codecName =
      avcodec_get_name(parameters.pointee.codec_id).map { String(cString: $0) } ?? "unknown"
    guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
      throw MediaError.unsupportedCodec(path: name, codec: codecName)
    }
    guard parameters.pointee.width > 0, parameters.pointee.height > 0,
      parameters.pointee.format >= 0
    else {
      if let refused = FrameSizeLimit.refusedSize(format: format, stream: chosen) {
        throw MediaError.frameTooLarge(path: name, width: refused.width, height: refused.height)
      }
      throw MediaError.notMedia(
        path: name, reason: "video stream \(index) has no frame size or pixel format")
    }
    guard let codec = avcodec_alloc_context3(decoder) else {
      throw MediaError.io(path: name, reason: "out of memory")
    }
    resources.codec = codec
    if avcodec_parameters_to_context(codec, parameters) < 0 {
      throw MediaError.unsupportedCodec(path: name, codec: codecName)
    }
    codec.pointee.pkt_timebase = chosen.pointee.time_base
    codec.pointee.opaque = resources.decoderKey
    FFmpegLog.watch(resources.decoderKey)
    codec.pointee.thread_count = Int32(max(0, options.decoderThreads))
    codec.pointee.thread_type = FF_THREAD_FRAME
    let openedCodec = avcodec_open2(codec, decoder, nil)
    if openedCodec < 0 {
      let message = FFmpegLog.lastMessage(
        from: [UnsafeMutableRawPointer(codec)], since: resources.logFloor)
      throw MediaError.unsupportedCodec(
        path: name, codec: "\(codecName): \(message ?? ffmpegErrorText(openedCodec))")
    }

    let timeBase = chosen.pointee.time_base
    var duration: Double?
    if chosen.pointee.duration != fs_nopts_value(), chosen.pointee.duration > 0, timeBase.den > 0 {
      duration = Double(chosen.pointee.duration) * av_q2d(timeBase)
    } else if format.pointee.duration != fs_nopts_value(), format.pointee.duration > 0 {
      duration = Double(format.pointee.duration) / Double(AV_TIME_BASE)
    }
    var frameRate: Double?
    for rate in [chosen.pointee.avg_frame_rate, chosen.pointee.r_frame_rate]
    where rate.num > 0 && rate.den > 0 {
      frameRate = av_q2d(rate)
      break
    }
    var estimated: Int?
    if chosen.pointee.nb_frames > 0 {
      estimated = Int(chosen.pointee.nb_frames)
    } else if let duration, let frameRate {
      estimated = max(1, Int((duration * frameRate).rounded()))
    }
    let formatName =
      av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.pointee.format))
      .map { String(cString: $0) } ?? "unknown"
    let rotation = options.autorotate ? DisplayRotation(degrees: fs_stream_rotation(chosen)) : .none
    let codedWidth = Int(parameters.pointee.width)
    let codedHeight = Int(parameters.pointee.height)
    var info = VideoInfo(
      path: name, streamIndex: index, codecName: codecName,
      width: rotation.swapsAxes ? codedHeight : codedWidth,
      height: rotation.swapsAxes ? codedWidth : codedHeight, pixelFormatName: formatName,
      frameRate: frameRate, duration: duration, estimatedFrameCount: estimated,
      rotation: rotation.rawValue, color: ColorFacts(codecParameters: parameters))
    info.startTimecode = Self.startTimecode(format: format, video: chosen)
    let demuxerName = String(cString: format.pointee.iformat.pointee.name)
    // MP4/MOV sample tables list every packet; fewer packets means the file was cut short.
    let declared =
      demuxerName.contains("mov") && chosen.pointee.nb_frames > 0
      ? Int(chosen.pointee.nb_frames) : nil
    return OpenInput(
      info: info, resources: resources, stream: chosen, declaredPacketCount: declared,
      rotation: rotation, reopenURL: resources.pipe == nil ? url : nil, options: options)
  }

  /// The `timecode` tag (any case) of the video stream, else of the container, else of the
  /// first data stream that has one (MP4/MOV `tmcd` tracks), when it reads as `HH:MM:SS:FF`
  /// (or `;`/`.` before the frames).
  static func startTimecode(
    format: UnsafeMutablePointer<AVFormatContext>, video: UnsafeMutablePointer<AVStream>
  ) -> String? {
    func tag(_ dictionary: OpaquePointer?) -> String? {
      guard let dictionary, let entry = av_dict_get(dictionary, "timecode", nil, 0),
        let value = entry.pointee.value
      else { return nil }
      let text = String(cString: value)
      let parts = text.split(whereSeparator: { ":;.".contains($0) })
      guard parts.count == 4, parts.allSatisfy({ $0.count <= 2 && $0.allSatisfy(\.isNumber) })
      else { return nil }
      return text
    }
    if let t = tag(video.pointee.metadata) { return t }
    if let t = tag(format.pointee.metadata) { return t }
    for i in 0..<Int(format.pointee.nb_streams) {
      guard let stream = format.pointee.streams[i],
        stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_DATA
      else { continue }
      if let t = tag(stream.pointee.metadata) { return t }
    }
    return nil
  }

  private static func fileError(_ code: Int32, path: String) -> MediaError {
    switch code {
    case ENOENT, ENOTDIR: return .notFound(path: path)
    case EACCES, EPERM: return .permissionDenied(path: path)
    default: return .io(path: path, reason: String(cString: strerror(code)))
    }
  }

  /// A new, empty temporary file (under $TMPDIR or /tmp) for spooling standard input.
  private static func makeTemporaryFile(name: String, directory: String?) throws -> (Int32, String)
  {
    let directory =
      directory ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
      ?? "/tmp"
    var template = Array("\(directory)/flashscan-stdin-XXXXXX.mp4".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
    guard fd >= 0 else {
      throw MediaError.io(
        path: name,
        reason:
          "cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
    }
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return (fd, path)
  }
}
