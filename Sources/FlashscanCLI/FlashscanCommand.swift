import ArgumentParser
import Foundation
import TextOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The `flashscan` command line; the executable only calls `runAndExit()`.
///
/// `flashscan [options] FILE...` runs the default `scan` subcommand; `flashscan nn ...` holds the
/// neural-network tools.
package struct FlashscanCommand: ParsableCommand {
  package static let configuration = CommandConfiguration(
    commandName: "flashscan",
    abstract: "Find the flashes in video files.",
    usage: """
      flashscan [scan] [<options>] <file> ...
      flashscan merge [<options>] <dir>
      flashscan watch [<options>] <url>
      flashscan nn <subcommand>
      """,
    discussion: """
      Without a subcommand flashscan runs 'scan', the default: 'flashscan clip.mp4' is \
      'flashscan scan clip.mp4'. See 'flashscan help scan' for its options and \
      'flashscan watch --help' for live streams and 'flashscan nn --help' for the \
      neural-network tools.
      """,
    version: BuildInfo.versionLine,
    subcommands: [ScanCommand.self, MergeCommand.self, WatchCommand.self, NNCommand.self],
    defaultSubcommand: ScanCommand.self)

  package init() {}

  /// Parses, runs and exits with flashscan's documented codes (Docs/CLI.md): 0 done, 1 an input
  /// failed or was partial, 2 a usage error (ArgumentParser's own code for that is 64), 128 + n
  /// after signal n.
  package static func runAndExit(_ arguments: [String]? = nil) -> Never {
    let args = arguments ?? Array(CommandLine.arguments.dropFirst())
    if let script = CompletionScripts.script(for: args) {
      print(script, terminator: script.hasSuffix("\n") ? "" : "\n")
      terminate(ExitStatus.ok)
    }
    if let typo = SubcommandTypo.message(for: args) {
      var text = "flashscan: " + Escaping.terminal(typo) + "\n"
      text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
      terminate(ExitStatus.usage)
    }
    do {
      var command = try parseAsRoot(args)
      try command.run()
      terminate(ExitStatus.ok)
    } catch let code as ExitCode {
      terminate(code.rawValue)
    } catch {
      let code = exitCode(for: error)
      let message = fullMessage(for: error)
      if code == .success {
        print(message)  // --help, --version
        terminate(ExitStatus.ok)
      }
      if code == .validationFailure, let hint = DashNameHint.message(for: args) {
        // `flashscan -x.mp4`: say how to scan a file whose name starts with '-'.
        var text = "flashscan: " + Escaping.terminal(hint) + "\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        terminate(ExitStatus.usage)
      }
      var text = message
      if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
      // The message may quote arguments (file names, values): each line escaped, as on the
      // terminal everywhere (Escaping.terminal).
      text = text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { Escaping.terminal(String($0)) }.joined(separator: "\n")
      if !text.hasSuffix("\n") { text += "\n" }
      if code == .validationFailure { text = "flashscan: " + text }
      text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
      terminate(code == .validationFailure ? ExitStatus.usage : code.rawValue)
    }
  }
}

/// The C library's `exit` (inside a command type, `exit` names ArgumentParser's method).
func terminate(_ code: Int32) -> Never {
  exit(code)
}
