import ArgumentParser

/// `flashscan scan` (the default): decode videos and print the T table.
struct ScanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scan",
    abstract: "Decode videos and print the exam's T table (the default command).")

  @Argument(help: "Video files or directories; '-' reads standard input.")
  var inputs: [String] = []

  func run() throws {
    throw ValidationError("not implemented yet")
  }
}
