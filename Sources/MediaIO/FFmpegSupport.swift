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
/// locked. Messages are kept per logging context (by its address) so that concurrent decoders
/// (`--jobs`) read their own and one's flood of messages never pushes out another's. A watched
/// decoder (`newDecoderKey`, `watch`) is known by a key that is never reused: its codec context
/// carries it in `opaque`, and so do the copies of that context its worker threads log through,
/// so their messages are kept with the decoder's own.
///
/// Every message has a serial number. An address can be reused once its context is freed, and the
/// contexts FFmpeg makes for itself (the decoder and parser avformat keeps for each stream, which
/// log e.g. "missing picture in access unit") are never forgotten, so a reader asks only for the
/// messages logged since it started (`mark()` before allocating anything): a context at a reused
/// address never reads what an earlier one logged there.
enum FFmpegLog {
  private enum Key: Hashable {
    /// An unwatched context, by address.
    case context(UInt)
    /// A watched decoder, by its key.
    case decoder(UInt)
  }
  private struct Message {
    var serial: Int
    var level: Int32
    var text: String
  }
  private struct Store {
    /// The newest messages of each context, oldest first.
    var byContext: [Key: [Message]] = [:]
    var serial = 0
  }
  private static let store = Locked(Store())
  /// Messages kept per context.
  private static let capacity = 256
  /// Contexts kept (contexts that are never forgotten, such as the decoders
  /// avformat_find_stream_info opens inside a format context, are dropped least recent first).
  private static let contextCapacity = 1024

  /// Installs the callback once; every MediaIO entry point calls this before touching FFmpeg.
  static let install: Void = {
    av_log_set_level(AV_LOG_ERROR)
    av_log_set_callback(flashscanLogCallback)
  }()

  /// The key messages of `context` are kept under: a watched codec context's (or its copies')
  /// decoder key, otherwise the context's address.
  private static func key(_ context: UnsafeMutableRawPointer?) -> Key {
    guard let context else { return .context(0) }
    return watchedKey(of: context).map { .decoder($0) } ?? .context(UInt(bitPattern: context))
  }

  /// The serial number of the newest message so far: messages logged afterwards have larger ones.
  /// Taken before a reader allocates its contexts, it is the `since` of its queries.
  static func mark() -> Int {
    store.withLock { $0.serial }
  }

  fileprivate static func record(context: UnsafeMutableRawPointer?, level: Int32, text: String) {
    let key = key(context)
    store.withLock { store in
      store.serial += 1
      store.byContext[key, default: []].append(
        Message(serial: store.serial, level: level, text: text))
      if let count = store.byContext[key]?.count, count > capacity {
        store.byContext[key]!.removeFirst(count - capacity)
      }
      if store.byContext.count > contextCapacity,
        let stalest = store.byContext.min(by: {
          ($0.value.last?.serial ?? 0) < ($1.value.last?.serial ?? 0)
        })?.key
      {
        store.byContext[stalest] = nil
      }
    }
  }

  /// Every kept message logged by one of `contexts` after the serial number `since`, oldest
  /// first. `maxLevel` AV_LOG_ERROR keeps errors only.
  static func messages(
    from contexts: [UnsafeMutableRawPointer?], maxLevel: Int32 = AV_LOG_WARNING, since: Int
  ) -> [String] {
    let keys = Set(contexts.compactMap { $0.map { key($0) } })
    let kept: [Message] = store.withLock { store in
      keys.flatMap { store.byContext[$0] ?? [] }
    }
    return kept.filter { message in message.level <= maxLevel && message.serial > since }
      .sorted { $0.serial < $1.serial }.map(\.text)
  }

  /// The newest message logged by one of `contexts` after the serial number `since`, if any.
  static func lastMessage(from contexts: [UnsafeMutableRawPointer?], since: Int) -> String? {
    let keys = Set(contexts.compactMap { $0.map { key($0) } })
    let newest: [Message] = store.withLock { store in
      keys.compactMap { store.byContext[$0]?.last }
    }
    let latest = newest.max { $0.serial < $1.serial }
    guard let latest, latest.serial > since else { return nil }
    return latest.text
  }

  /// Forgets the messages of contexts that are being freed (their addresses may be reused).
  static func forget(_ contexts: [UnsafeMutableRawPointer?]) {
    let keys = Set(contexts.compactMap { $0.map { key($0) } })
    store.withLock { store in
      for key in keys { store.byContext[key] = nil }
    }
  }

  /// Damage reports of the watched decoders, by their key.
  ///
  /// A frame-threaded decoder logs from copies of its codec context made for its worker threads;
  /// the copies keep the context's `opaque` (the key), so a report is counted whichever thread
  /// logs it.
  private static let damage = Locked<[UInt: Int]>([:])
  private static let lastDecoderKey = Locked<UInt>(0)

  /// A new decoder key, never handed out before (not an address: never dereferenced, only
  /// compared). Set it as the codec context's `opaque` and `watch` it.
  static func newDecoderKey() -> UnsafeMutableRawPointer {
    let key = lastDecoderKey.withLock { last in
      last += 1
      return last
    }
    return UnsafeMutableRawPointer(bitPattern: key)!
  }

  /// Starts counting the damage reports of the codec contexts whose `opaque` is `key`, and keeps
  /// their messages under it.
  static func watch(_ key: UnsafeMutableRawPointer) {
    damage.withLock { $0[UInt(bitPattern: key)] = 0 }
  }

  /// Stops watching `key` and forgets its messages (once its codec context and worker threads
  /// are gone).
  static func unwatch(_ key: UnsafeMutableRawPointer) {
    let id = UInt(bitPattern: key)
    _ = damage.withLock { $0.removeValue(forKey: id) }
    _ = store.withLock { $0.byContext.removeValue(forKey: .decoder(id)) }
  }

  /// Error-level messages and error-concealment notes logged so far by the codec contexts
  /// watched as `key`, from any thread.
  static func damageReports(_ key: UnsafeMutableRawPointer) -> Int {
    damage.withLock { $0[UInt(bitPattern: key)] ?? 0 }
  }

  /// The decoder key of `context` when it is a codec context (or a worker thread's copy of one)
  /// whose `opaque` is watched.
  fileprivate static func watchedKey(of context: UnsafeMutableRawPointer) -> UInt? {
    guard context.load(as: UnsafePointer<AVClass>?.self) == avcodec_get_class() else { return nil }
    guard let opaque = context.assumingMemoryBound(to: AVCodecContext.self).pointee.opaque else {
      return nil
    }
    let key = UInt(bitPattern: opaque)
    return damage.withLock { $0[key] != nil } ? key : nil
  }

  fileprivate static func noteDamage(_ key: UInt) {
    damage.withLock { counts in
      if let count = counts[key] { counts[key] = count + 1 }
    }
  }
}

/// The av_log callback: keep messages at warning level or worse, print nothing; count a watched
/// decoder's errors and error-concealment notes (logged at info level) as damage reports.
private func flashscanLogCallback(
  _ context: UnsafeMutableRawPointer?, _ level: Int32, _ format: UnsafePointer<CChar>?,
  _ arguments: CVaListPointer?
) {
  guard level <= AV_LOG_INFO, let format, let arguments else { return }
  let watched = context.flatMap { FFmpegLog.watchedKey(of: $0) }
  guard level <= AV_LOG_WARNING || watched != nil else { return }
  var buffer = [CChar](repeating: 0, count: 512)
  _ = vsnprintf(&buffer, buffer.count, format, arguments)
  let text = string(fromNullTerminated: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
  if let watched, level <= AV_LOG_ERROR || text.localizedCaseInsensitiveContains("conceal") {
    FFmpegLog.noteDamage(watched)
  }
  if level <= AV_LOG_WARNING && !text.isEmpty {
    FFmpegLog.record(context: owner(of: context), level: level, text: text)
  }
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
