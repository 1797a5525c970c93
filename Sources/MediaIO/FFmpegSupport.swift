import CFFmpeg
import Foundation
import Frames

/// FFmpeg's text for an error code (`av_strerror`), e.g. "Invalid data found when processing input".
func ffmpegErrorText(_ code: Int32) -> String {
  var buffer = [CChar](repeating: 0, count: 256)
  if av_strerror(code, &buffer, buffer.count) < 0 {
    return "error \(code)"
  }
  return string(fromNullTerminated: buffer)
}

/// FFmpeg's library logging, silenced on stderr (flashscan owns stderr) but with warning- and
/// error-level messages kept so a failure can say why in one line (and so the decoder can notice
/// demuxer reports such as Matroska's "File ended prematurely").
///
/// FFmpeg logs from any thread (frame-threaded decoders log from worker threads), so the store is
/// locked. Messages are keyed by the logging context's address so that concurrent decoders read
/// their own; context copies made for worker threads cannot be matched and are only kept as "recent".
enum FFmpegLog {
  private struct Message {
    var context: UInt
    var level: Int32
    var text: String
  }
  /// The kept messages, oldest first.
  private static let store = Locked<[Message]>([])
  private static let capacity = 256

  /// Installs the callback once; every MediaIO entry point calls this before touching FFmpeg.
  static let install: Void = {
    av_log_set_level(AV_LOG_ERROR)
    av_log_set_callback(flashscanLogCallback)
  }()

  fileprivate static func record(context: UnsafeMutableRawPointer?, level: Int32, text: String) {
    let key = UInt(bitPattern: context)
    store.withLock { recent in
      recent.append(Message(context: key, level: level, text: text))
      if recent.count > capacity { recent.removeFirst(recent.count - capacity) }
    }
  }

  /// Every kept message logged by one of `contexts`, oldest first.
  /// `maxLevel` AV_LOG_ERROR keeps errors only.
  static func messages(from contexts: [UnsafeMutableRawPointer?], maxLevel: Int32 = AV_LOG_WARNING)
    -> [String]
  {
    let keys = Set(contexts.compactMap { $0.map { UInt(bitPattern: $0) } })
    return store.withLock { recent in
      recent.filter { keys.contains($0.context) && $0.level <= maxLevel }.map(\.text)
    }
  }

  /// The newest message logged by one of `contexts`, if any.
  static func lastMessage(from contexts: [UnsafeMutableRawPointer?]) -> String? {
    let keys = Set(contexts.compactMap { $0.map { UInt(bitPattern: $0) } })
    return store.withLock { recent in recent.last(where: { keys.contains($0.context) })?.text }
  }

  /// Forgets the messages of contexts that are being freed (their addresses may be reused).
  static func forget(_ contexts: [UnsafeMutableRawPointer?]) {
    let keys = Set(contexts.compactMap { $0.map { UInt(bitPattern: $0) } })
    store.withLock { recent in recent.removeAll { keys.contains($0.context) } }
  }
}

/// The av_log callback: keep messages at warning level or worse, print nothing.
private func flashscanLogCallback(
  _ context: UnsafeMutableRawPointer?, _ level: Int32, _ format: UnsafePointer<CChar>?,
  _ arguments: CVaListPointer?
) {
  guard level <= AV_LOG_WARNING, let format, let arguments else { return }
  var buffer = [CChar](repeating: 0, count: 512)
  _ = vsnprintf(&buffer, buffer.count, format, arguments)
  let text = string(fromNullTerminated: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
  if !text.isEmpty { FFmpegLog.record(context: owner(of: context), level: level, text: text) }
}

/// The context a message belongs to: a short-lived context whose class names a parent (e.g. the
/// one `av_image_check_size` logs through, on the caller's stack) logs for that parent, as
/// FFmpeg's default callback prints it; any other context is its own owner.
private func owner(of context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  guard let context, let avClass = context.load(as: UnsafePointer<AVClass>?.self) else {
    return context
  }
  let offset = Int(avClass.pointee.parent_log_context_offset)
  guard offset != 0,
    let parent = (context + offset).load(as: UnsafeMutableRawPointer?.self),
    parent.load(as: UnsafePointer<AVClass>?.self) != nil
  else { return context }
  return parent
}

/// The text of a NUL-terminated C buffer.
func string(fromNullTerminated buffer: [CChar]) -> String {
  let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
  return String(decoding: bytes, as: UTF8.self)
}
