import Foundation
import Frames
import TextOutput

/// What one progress line shows.
struct ProgressSnapshot: Sendable, Equatable {
  var file: String
  var framesDone: Int
  /// Estimated from the container's duration and rate; nil when unknown.
  var framesTotal: Int?
  /// Frames per second since the file started.
  var framesPerSecond: Double
  /// Batch position: files finished and files in the run (shown when more than one file).
  var filesDone: Int
  var filesTotal: Int
  /// Other files being scanned at the same time (`--jobs`).
  var othersActive: Int = 0
}

/// Formats progress lines: `FILE  done/~total frames  pct%  fps  ETA m:ss  [files d/n]`, with
/// FILE escaped (`Escaping.terminal`).
enum ProgressText {
  static func line(_ s: ProgressSnapshot, width: Int = 100) -> String {
    var parts: [String] = []
    if let total = s.framesTotal, total > 0 {
      let shownTotal = max(total, s.framesDone)
      let percent = min(100, 100 * Double(s.framesDone) / Double(shownTotal))
      parts.append("\(s.framesDone)/~\(shownTotal) frames")
      parts.append(String(format: "%.1f%%", percent))
      parts.append(fps(s.framesPerSecond))
      if s.framesPerSecond > 0 {
        parts.append("ETA " + eta(Double(shownTotal - s.framesDone) / s.framesPerSecond))
      }
    } else {
      parts.append("\(s.framesDone) frames")
      parts.append(fps(s.framesPerSecond))
    }
    if s.filesTotal > 1 {
      var files = "[\(s.filesDone)/\(s.filesTotal) files"
      if s.othersActive > 0 { files += ", \(s.othersActive + 1) running" }
      parts.append(files + "]")
    }
    let tail = "  " + parts.joined(separator: "  ")
    let room = max(12, width - tail.count)
    // Escaped before it is shortened, so the line fits and holds no control character.
    return shorten(Escaping.terminal(s.file), to: room) + tail
  }

  static func fps(_ value: Double) -> String {
    value >= 100 ? String(format: "%.0f fps", value) : String(format: "%.1f fps", value)
  }

  /// `m:ss`, or `h:mm:ss` from one hour on; `--:--` when not finite.
  static func eta(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0, seconds < 1e7 else { return "--:--" }
    let s = Int(seconds.rounded(.up))
    if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
    return String(format: "%d:%02d", s / 60, s % 60)
  }

  /// Keeps the end of a long name (the file name matters more than its folders).
  static func shorten(_ name: String, to width: Int) -> String {
    guard name.count > width else { return name }
    return "..." + String(name.suffix(width - 3))
  }
}

/// Shared progress state of a run; workers report, the tracker draws at most every `interval`
/// seconds (file completions are drawn at once).
final class ProgressTracker: Sendable {
  private struct Active {
    var name: String
    var started: UInt64
    var framesDone = 0
    var framesTotal: Int?
  }

  private struct State {
    var active: [Int: Active] = [:]
    var filesDone = 0
    var lastDraw: UInt64 = 0
    var lastShown: Int?
  }

  private let console: Console
  private let filesTotal: Int
  private let interval: UInt64
  private let width: Int
  private let state = Locked(State())

  init(console: Console, filesTotal: Int) {
    self.console = console
    self.filesTotal = filesTotal
    interval = console.isTerminal ? 200_000_000 : 1_000_000_000
    width = max(40, (ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) } ?? 80) - 1)
  }

  var enabled: Bool { console.showProgress }

  func fileStarted(_ index: Int, name: String, estimatedFrames: Int?) {
    guard enabled else { return }
    state.withLock { s in
      s.active[index] = Active(name: name, started: Self.now(), framesTotal: estimatedFrames)
      s.lastShown = index
      draw(&s, force: true)
    }
  }

  func framesDecoded(_ index: Int, total frames: Int) {
    guard enabled else { return }
    state.withLock { s in
      s.active[index]?.framesDone = frames
      s.lastShown = index
      draw(&s, force: false)
    }
  }

  /// A file is done (scanned, failed or skipped).
  func fileFinished(_ index: Int) {
    guard enabled else { return }
    state.withLock { s in
      s.active[index] = nil
      s.filesDone += 1
      if s.lastShown == index { s.lastShown = s.active.keys.min() }
      if filesTotal > 1 { draw(&s, force: true) }
    }
  }

  func finish() {
    guard enabled else { return }
    console.clearProgress()
  }

  /// Call with the lock held (`s` is the locked state).
  private func draw(_ s: inout State, force: Bool) {
    let now = Self.now()
    guard force || now &- s.lastDraw >= interval else { return }
    s.lastDraw = now
    let snapshot: ProgressSnapshot
    if let index = s.lastShown, let a = s.active[index] {
      let seconds = Double(now &- a.started) / 1e9
      snapshot = ProgressSnapshot(
        file: a.name, framesDone: a.framesDone, framesTotal: a.framesTotal,
        framesPerSecond: seconds > 0 ? Double(a.framesDone) / seconds : 0,
        filesDone: s.filesDone, filesTotal: filesTotal, othersActive: s.active.count - 1)
    } else {
      console.progress("[\(s.filesDone)/\(filesTotal) files]")
      return
    }
    console.progress(ProgressText.line(snapshot, width: width))
  }

  static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
