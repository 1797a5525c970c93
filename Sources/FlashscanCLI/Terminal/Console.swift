import Foundation
import Frames
import TextOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Everything the run says on stderr goes through here, so that the live progress line (redrawn in
/// place on a terminal) is cleared before an error or summary line is printed.
///
/// File names are the user's: a name may hold ESC, CR or a newline. Error and summary lines are
/// therefore escaped whole with `Escaping.terminal` here, the one place they pass (Docs/CLI.md,
/// "Names on the terminal"); the progress line escapes its name itself (`ProgressText`), before
/// fitting it to the width.
final class Console: Sendable {
  let isTerminal: Bool
  let showProgress: Bool
  let quiet: Bool
  /// Whether a progress line is on screen (to be cleared before other text); also serialises the
  /// writes to fd 2.
  private let progressOnScreen = Locked(false)

  /// `forceProgress` shows progress even when stderr is not a terminal; `quiet` silences all but
  /// error lines.
  init(forceProgress: Bool, quiet: Bool, isTerminal: Bool = isatty(2) == 1) {
    self.isTerminal = isTerminal
    self.quiet = quiet
    self.showProgress = !quiet && (forceProgress || isTerminal)
  }

  /// `flashscan: MESSAGE`, always shown (also with `--quiet`); `message` is escaped
  /// (`Escaping.terminal`), so it is one line whatever names it holds.
  func error(_ message: String) {
    emit("flashscan: " + Escaping.terminal(message) + "\n")
  }

  /// A summary line, escaped like `error`; hidden by `--quiet`.
  func info(_ line: String) {
    guard !quiet else { return }
    emit(Escaping.terminal(line) + "\n")
  }

  /// Draws the progress line: in place on a terminal, one line each time otherwise. The line is
  /// written as given: `ProgressText.line` builds it with the name already escaped.
  func progress(_ line: String) {
    guard showProgress else { return }
    let isTerminal = isTerminal
    progressOnScreen.withLock { onScreen in
      if isTerminal {
        Self.raw("\r" + line + "\u{1B}[K")
        onScreen = true
      } else {
        Self.raw(line + "\n")
      }
    }
  }

  func clearProgress() {
    progressOnScreen.withLock { Self.clear(&$0) }
  }

  private func emit(_ text: String) {
    progressOnScreen.withLock { onScreen in
      Self.clear(&onScreen)
      Self.raw(text)
    }
  }

  /// Call with the lock held.
  private static func clear(_ onScreen: inout Bool) {
    if onScreen {
      raw("\r\u{1B}[K")
      onScreen = false
    }
  }

  /// Writes to fd 2, ignoring failures (nobody to tell if stderr itself is gone).
  private static func raw(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(2, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
      }
    }
  }
}
