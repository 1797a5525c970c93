import ArgumentParser
import Foundation
import TextOutput

/// A file whose name starts with `-` looks like an option: `flashscan -x.mp4` is refused as an
/// unknown option. When a command line fails to parse because of such an argument, the error says
/// how to scan it (`flashscan -- -x.mp4`), and whether a file of that name exists.
enum DashNameHint {
  /// The scan command's option names (`--format`, `-o`, ...) and those that take a value, read
  /// from its own help text so the list cannot drift from the options.
  static let options: (names: Set<String>, valued: Set<String>) = {
    var names: Set<String> = ["-h", "--help", "--version"]
    var valued: Set<String> = []
    let help = ScanCommand.helpMessage(includeHidden: true, columns: 10_000)
    for line in help.split(separator: "\n") {
      let trimmed = line.drop { $0 == " " }
      guard trimmed.hasPrefix("-") else { continue }
      // The names column ends at the first run of two spaces (then the description).
      let column = trimmed.range(of: "  ").map { trimmed[..<$0.lowerBound] } ?? trimmed
      // `-o, --output <PATH>`: both names take the value.
      let takesValue = column.contains("<")
      for part in column.components(separatedBy: ", ") {
        guard let name = part.split(separator: " ").first, name.hasPrefix("-") else { continue }
        names.insert(String(name))
        if takesValue { valued.insert(String(name)) }
      }
    }
    return (names, valued)
  }()

  /// The argument that broke the parse because it starts with `-` but is no option of ours
  /// (before any `--`, not the value of an option); nil when there is none.
  static func unknownDashArgument(in arguments: [String]) -> String? {
    var args = arguments[...]
    if args.first == "scan" { args = args.dropFirst() }
    guard let first = args.first, first != "nn", first != "help" else { return nil }
    var valueNext = false
    for argument in args {
      if argument == "--" { return nil }
      if valueNext {
        valueNext = false
        continue
      }
      guard argument.hasPrefix("-"), argument.count > 1 else { continue }
      let name = String(argument.split(separator: "=", maxSplits: 1)[0])
      if options.names.contains(name) {
        valueNext = options.valued.contains(name) && !argument.contains("=")
        continue
      }
      return argument
    }
    return nil
  }

  /// The error line (without `flashscan: `) for a failed parse of `arguments`, or nil when no
  /// argument looks like a file name taken for an option: one that exists, or has a `.` or `/`
  /// (no option has). A plain unknown option (`--detial`) keeps ArgumentParser's own message,
  /// with its "Did you mean" suggestion.
  static func message(
    for arguments: [String],
    fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
  ) -> String? {
    guard let name = unknownDashArgument(in: arguments) else { return nil }
    let exists = fileExists(name)
    guard exists || name.contains(".") || name.contains("/") else { return nil }
    let command = "flashscan -- " + shellWord(name)
    if exists {
      return "unknown option '\(name)'; there is a file of that name: to scan it, put '--' "
        + "before it: \(command)"
    }
    return "unknown option '\(name)'; to scan a file whose name starts with '-', put '--' before "
      + "it: \(command)"
  }

  /// `word` as a shell reads it back: as is when it holds only safe characters, else in single
  /// quotes.
  static func shellWord(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/+=:@%")
    if !word.isEmpty && word.allSatisfy(safe.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
