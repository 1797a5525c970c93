import Foundation

/// `flashscan scna clip.mp4`: a mistyped subcommand would otherwise be scanned as a file named
/// `scna` (scan is the default subcommand). When the first argument is no file that exists and is
/// one edit (an insertion, a deletion, a change or two neighbours swapped) from a subcommand
/// name, flashscan refuses with a suggestion instead. A file of that name is scanned as usual.
enum SubcommandTypo {
  static let names = ["scan", "merge", "watch", "nn", "help"]

  /// The error line (without `flashscan: `), or nil when the arguments are left to the parser.
  static func message(
    for arguments: [String],
    fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
  ) -> String? {
    guard let first = arguments.first, !first.hasPrefix("-"), !names.contains(first) else {
      return nil
    }
    guard let name = names.first(where: { isOneEdit(first, $0) }), !fileExists(first) else {
      return nil
    }
    return "unknown subcommand '\(first)' (no file of that name); did you mean '\(name)'? "
      + "To scan a file of that name: flashscan -- \(DashNameHint.shellWord(first))"
  }

  /// Whether `a` becomes `b` (a different string) by one insertion, deletion, substitution or
  /// swap of two neighbouring characters (optimal string alignment distance 1).
  static func isOneEdit(_ a: String, _ b: String) -> Bool {
    let x = Array(a)
    let y = Array(b)
    guard x != y, abs(x.count - y.count) <= 1 else { return false }
    var i = 0
    while i < min(x.count, y.count) && x[i] == y[i] { i += 1 }
    if x.count == y.count {
      if x[(i + 1)...] == y[(i + 1)...] { return true }  // substitution
      // Swap of neighbours: ab -> ba, the rest equal.
      return i + 1 < x.count && x[i] == y[i + 1] && x[i + 1] == y[i]
        && x[(i + 2)...] == y[(i + 2)...]
    }
    // One insertion or deletion at i.
    return x.count > y.count ? x[(i + 1)...] == y[i...] : x[i...] == y[(i + 1)...]
  }
}
