import ArgumentParser

/// `flashscan --generate-completion-script bash|zsh|fish`.
///
/// ArgumentParser's generated scripts complete only a command's own options and its subcommand
/// names; they do not know that `scan` is flashscan's default subcommand, so `flashscan --pro<TAB>`
/// would offer nothing. The scripts are generated instead for `CompletionRoot`: the same command
/// name and subcommands, with scan's arguments and options (an option group of `ScanCommand`
/// itself, so the lists cannot drift) at the top level.
enum CompletionScripts {
  /// The script for the shell named by `arguments` (`--generate-completion-script bash` or
  /// `--generate-completion-script=bash`); nil for any other command line, which then goes to the
  /// parser (including an unknown shell name, which it refuses).
  static func script(for arguments: [String]) -> String? {
    let flag = "--generate-completion-script"
    let name: String
    if arguments.count == 2 && arguments[0] == flag {
      name = arguments[1]
    } else if arguments.count == 1 && arguments[0].hasPrefix(flag + "=") {
      name = String(arguments[0].dropFirst(flag.count + 1))
    } else {
      return nil
    }
    guard let shell = CompletionShell(rawValue: name) else { return nil }
    return CompletionRoot.completionScript(for: shell)
  }
}

/// The command tree the completion scripts describe (never parsed or run): flashscan with scan's
/// parameters at the top level, as the default subcommand takes them there.
struct CompletionRoot: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flashscan",
    version: BuildInfo.versionLine,
    subcommands: [ScanCommand.self, WatchCommand.self, NNCommand.self])

  @OptionGroup var scan: ScanCommand
}
