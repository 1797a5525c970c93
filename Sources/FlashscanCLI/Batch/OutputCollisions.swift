import Foundation

/// Two inputs of a run whose mirrored outputs (`--output-dir`, `--report-dir`) clash: both would
/// be written to `output`, or the first's output is a file where the second's needs a folder.
///
/// The mirror is not one-to-one: `..` becomes `__`, a leading `/` and `.` components are dropped
/// and standard input is `stdin`, so `../up.gif` and `__/up.gif`, `/a/x.mkv` and `a/x.mkv`, or
/// `-` and a file named `stdin` share a table. Rather than change the documented layout (which
/// `--skip-existing` relies on to resume), the run checks for clashes before any work and stops
/// with exit 2 (Docs/CLI.md).
struct OutputCollision: Sendable, Equatable, CustomStringConvertible {
  var first: String
  var second: String
  var output: String
  /// True when `output` is the first input's file and a folder the second's output needs.
  var asFolder = false

  var description: String {
    let what =
      asFolder
      ? "'\(first)' would be written to \(output), a folder '\(second)' needs"
      : "'\(first)' and '\(second)' would both be written to \(output)"
    return "output collision: \(what) (outputs mirror the input paths, '..' as '__'); scan them in "
      + "separate runs or rename one"
  }

  /// The first clash among the outputs of `inputs` in the given directories (the table directory
  /// with its format's extension, the report directory with each format's), or nil. `inputs`
  /// should be the whole sorted list (not one shard's part: shards share the directories).
  static func find(
    inputs: [String], directories: [(directory: String, extensions: [String])]
  ) -> OutputCollision? {
    // Keyed by the output's path under one spelling per folder (`out`, `./out/` and `/abs/out`
    // alike), so the paths compare; the value is the input and the path as the user spelt it.
    var owner: [String: (input: String, shown: String)] = [:]
    var outputs: [(path: String, input: String)] = []
    for (directory, extensions) in directories {
      let base = URL(fileURLWithPath: directory).standardized.path
      for input in inputs {
        for ext in extensions {
          let path = mirroredOutputPath(for: input, in: base, extension: ext)
          let shown = mirroredOutputPath(for: input, in: directory, extension: ext)
          if let other = owner[path], other.input != input {
            return OutputCollision(first: other.input, second: input, output: other.shown)
          }
          owner[path] = (input, shown)
          outputs.append((path, input))
        }
      }
    }
    // A file where another output needs a folder: `a` -> OUT/a.csv, `a.csv/b.mkv` ->
    // OUT/a.csv/b.mkv.csv.
    for (path, input) in outputs {
      var folder = (path as NSString).deletingLastPathComponent
      while folder.count > 1 {
        if let other = owner[folder], other.input != input {
          return OutputCollision(
            first: other.input, second: input, output: other.shown, asFolder: true)
        }
        folder = (folder as NSString).deletingLastPathComponent
      }
    }
    return nil
  }
}
