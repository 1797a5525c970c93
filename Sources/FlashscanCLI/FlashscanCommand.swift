import ArgumentParser

/// The `flashscan` command line; the executable only calls `main()`.
///
/// `flashscan [options] FILE...` runs the default `scan` subcommand; `flashscan nn ...` holds the
/// neural-network tools.
public struct FlashscanCommand: ParsableCommand {
  public static let version = "0.1.0"

  public static let configuration = CommandConfiguration(
    commandName: "flashscan",
    abstract: "Find the flashes in video files.",
    version: version,
    subcommands: [ScanCommand.self, NNCommand.self],
    defaultSubcommand: ScanCommand.self)

  public init() {}
}
