import CFFmpeg
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a video from a file descriptor (standard input for `-`) through a custom AVIOContext.
///
/// The first bytes are buffered so the container can be inspected before FFmpeg sees them: an
/// ISO-BMFF file (MP4/MOV) whose `mdat` comes before `moov` cannot be decoded from a pipe, so it is
/// spooled to a temporary file instead (`spool(to:)`), streamed to disk and never held in memory.
final class PipeInput {
  let fd: Int32
  /// Bytes read from `fd` but not yet handed to FFmpeg (the peeked start of the stream).
  private var prefix: [UInt8] = []
  private var prefixOffset = 0
  private var reachedEnd = false
  /// errno of a failed read, 0 when none.
  private(set) var readErrno: Int32 = 0
  private(set) var context: UnsafeMutablePointer<AVIOContext>?
  /// Where every byte handed to FFmpeg is also written (an unlinked temporary file), so the stream
  /// can be read again from its start (`replayed()`); -1 when not recording. Not owned.
  private var recording: Int32 = -1
  /// Bytes written to `recording`.
  private var recorded: Int64 = 0
  /// The most `recording` may hold; past that the stream can no longer be replayed.
  static let recordingLimit: Int64 = 4 << 30
  /// A replay's recorded start of the stream, read before anything else; -1 when none.
  private var replaySource: Int32 = -1
  private var replayLength: Int64 = 0
  private var replayOffset: Int64 = 0

  private static let ioBufferSize = 1 << 16
  /// How far into the stream `needsSpooling` may look for `moov` or `mdat` before giving up and
  /// letting FFmpeg try the stream as it comes.
  static let peekLimit = 16 << 20

  init(fd: Int32) {
    self.fd = fd
  }

  deinit { close() }

  /// Frees the AVIOContext and its (possibly reallocated) buffer; FFmpeg never frees either.
  func close() {
    guard let io = context else { return }
    av_free(io.pointee.buffer)
    io.pointee.buffer = nil
    context = nil
    var pointer: UnsafeMutablePointer<AVIOContext>? = io
    avio_context_free(&pointer)
  }

  /// A read-only, non-seekable AVIOContext over the stream (peeked bytes first).
  func makeContext() -> UnsafeMutablePointer<AVIOContext>? {
    close()
    guard let buffer = av_malloc(Self.ioBufferSize) else { return nil }
    let opaque = Unmanaged.passUnretained(self).toOpaque()
    guard
      let io = avio_alloc_context(
        buffer.assumingMemoryBound(to: UInt8.self), Int32(Self.ioBufferSize), 0, opaque,
        pipeInputRead, nil, nil)
    else {
      av_free(buffer)
      return nil
    }
    context = io
    return io
  }

  /// Starts recording every byte handed to FFmpeg into `fd` (an empty file), so that the stream
  /// can be replayed from its start.
  func record(to fd: Int32) {
    recording = fd
    recorded = 0
  }

  /// A reader of the same stream from its start: the recorded bytes, then those this reader has
  /// not handed out yet. Nil when nothing was recorded (or too much). This reader must not be
  /// read afterwards; the new one does not record.
  func replayed() -> PipeInput? {
    guard recording >= 0 else { return nil }
    let replay = PipeInput(fd: fd)
    replay.replaySource = recording
    replay.replayLength = recorded
    replay.prefix = Array(prefix[prefixOffset...])
    replay.reachedEnd = reachedEnd
    replay.readErrno = readErrno
    recording = -1
    prefix = []
    prefixOffset = 0
    return replay
  }

  /// FFmpeg's read callback: a replay's recorded bytes, then peeked bytes, then the descriptor;
  /// AVERROR_EOF at the end, never 0. Recorded when recording.
  fileprivate func read(into buffer: UnsafeMutablePointer<UInt8>, size: Int) -> Int32 {
    if replayOffset < replayLength {
      while true {
        let n = pread(
          replaySource, buffer, min(size, Int(replayLength - replayOffset)), off_t(replayOffset))
        if n > 0 {
          replayOffset += Int64(n)
          return Int32(n)
        }
        if n < 0 && errno == EINTR { continue }
        readErrno = n < 0 ? errno : EIO
        return fs_averror(readErrno)
      }
    }
    let count = readStream(into: buffer, size: size)
    if recording >= 0 && count > 0 {
      if recorded + Int64(count) > Self.recordingLimit || !writeAll(recording, buffer, Int(count)) {
        recording = -1  // too long, or the disk is full: the stream cannot be replayed
      } else {
        recorded += Int64(count)
      }
    }
    return count
  }

  private func writeAll(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Bool {
    var done = 0
    while done < count {
      let n = SystemIO.write(fd, pointer + done, count - done)
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      done += n
    }
    return true
  }

  private func readStream(into buffer: UnsafeMutablePointer<UInt8>, size: Int) -> Int32 {
    if prefixOffset < prefix.count {
      let count = min(size, prefix.count - prefixOffset)
      prefix.withUnsafeBufferPointer {
        (buffer + 0).update(from: $0.baseAddress! + prefixOffset, count: count)
      }
      prefixOffset += count
      if prefixOffset == prefix.count {
        prefix = []
        prefixOffset = 0
      }
      return Int32(count)
    }
    if reachedEnd { return fs_averror_eof() }
    while true {
      let n = SystemIO.read(fd, buffer, size)
      if n > 0 { return Int32(n) }
      if n == 0 {
        reachedEnd = true
        return fs_averror_eof()
      }
      if errno == EINTR { continue }
      readErrno = errno
      return fs_averror(errno)
    }
  }

  /// Reads from the descriptor until `count` bytes are buffered; false if the stream ends first.
  private func buffer(upTo count: Int) throws -> Bool {
    var chunk = [UInt8](repeating: 0, count: Self.ioBufferSize)
    while prefix.count - prefixOffset < count {
      if reachedEnd { return false }
      let n = chunk.withUnsafeMutableBytes { SystemIO.read(fd, $0.baseAddress, $0.count) }
      if n > 0 {
        prefix.append(contentsOf: chunk[0..<n])
      } else if n == 0 {
        reachedEnd = true
        return false
      } else if errno != EINTR {
        readErrno = errno
        throw PipeError(errno: errno)
      }
    }
    return true
  }

  /// Peeks the top-level ISO-BMFF boxes: true when `mdat` comes before `moov` (and no `moof`), the
  /// layout FFmpeg cannot demux without seeking. Anything that is not ISO-BMFF returns false.
  func needsSpooling() throws -> Bool {
    precondition(prefixOffset == 0, "peek before reading")
    let topLevel: Set<String> = [
      "ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pdin", "uuid", "moof", "sidx",
      "meta",
      "junk", "pnot", "PICT",
    ]
    var position = 0
    var first = true
    while position <= Self.peekLimit {
      guard try buffer(upTo: position + 8) else { return false }
      let size32 = prefix[position..<(position + 4)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      let type = String(decoding: prefix[(position + 4)..<(position + 8)], as: UTF8.self)
      if first && !topLevel.contains(type) { return false }
      first = false
      switch type {
      case "moov", "moof": return false
      case "mdat": return true
      default: break
      }
      var size = size32
      var header: UInt64 = 8
      if size32 == 1 {
        guard try buffer(upTo: position + 16) else { return false }
        size = prefix[(position + 8)..<(position + 16)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        header = 16
      } else if size32 == 0 {
        return false  // a box running to the end of the stream, and no index before it
      }
      guard size >= header, size <= UInt64(Self.peekLimit) else { return false }
      position += Int(size)
    }
    return false
  }

  /// True when the stream has no bytes at all.
  func isEmpty() throws -> Bool {
    try !buffer(upTo: 1)
  }

  /// Copies the whole stream (peeked bytes, then the rest) to `outputFD`, in bounded pieces.
  func spool(to outputFD: Int32) throws {
    func writeAll(_ pointer: UnsafeRawPointer, _ count: Int) throws {
      var done = 0
      while done < count {
        let n = SystemIO.write(outputFD, pointer + done, count - done)
        if n < 0 {
          if errno == EINTR { continue }
          throw PipeError(errno: errno)
        }
        done += n
      }
    }
    try prefix.withUnsafeBytes {
      try writeAll($0.baseAddress! + prefixOffset, $0.count - prefixOffset)
    }
    prefix = []
    prefixOffset = 0
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while !reachedEnd {
      let n = chunk.withUnsafeMutableBytes { SystemIO.read(fd, $0.baseAddress, $0.count) }
      if n > 0 {
        try chunk.withUnsafeBytes { try writeAll($0.baseAddress!, n) }
      } else if n == 0 {
        reachedEnd = true
      } else if errno != EINTR {
        readErrno = errno
        throw PipeError(errno: errno)
      }
    }
  }
}

/// The C library's `read`, `write`, `open` and `close` (Glibc on Linux, Darwin on macOS, as this
/// file imports them), under names that members called `read` or `close` (PipeInput's,
/// OpenInput.Resources') do not shadow. Top-level functions, so the plain names are the C ones.
private func cRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
  read(fd, buffer, count)
}
private func cWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
  write(fd, buffer, count)
}
private func cOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
private func cClose(_ fd: Int32) -> Int32 { close(fd) }

enum SystemIO {
  static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    cRead(fd, buffer, count)
  }
  static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    cWrite(fd, buffer, count)
  }
  static func open(_ path: String, _ flags: Int32) -> Int32 { cOpen(path, flags) }
  @discardableResult
  static func close(_ fd: Int32) -> Int32 { cClose(fd) }

  /// A path that opens descriptor `fd` again: /proc/self/fd/N on Linux (a new open file
  /// description, with its own offset), /dev/fd/N on other systems (macOS has no /proc).
  static func descriptorPath(_ fd: Int32) -> String {
    #if os(Linux)
      "/proc/self/fd/\(fd)"
    #else
      "/dev/fd/\(fd)"
    #endif
  }
}

struct PipeError: Error {
  var errno: Int32
  var text: String { String(cString: strerror(errno)) }
}

private func pipeInputRead(
  _ opaque: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int32
) -> Int32 {
  guard let opaque, let buffer, size > 0 else { return fs_averror(EINVAL) }
  let input = Unmanaged<PipeInput>.fromOpaque(opaque).takeUnretainedValue()
  return input.read(into: buffer, size: Int(size))
}
