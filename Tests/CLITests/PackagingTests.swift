import Foundation
import TestSupport
import Testing

@testable import FlashscanCLI

/// Issue 15 (package and install): the version line, completion of the default command's
/// options, and a mistyped subcommand. The tarball itself is checked by Scripts/check-package
/// (a release build; CI runs it after the tests).
@Suite("Packaging: version, completion, subcommand typos", .serialized)
struct PackagingTests {
  @Test("--version prints the version and the commit; a plain build says the commit is unknown")
  func versionLine() throws {
    // The tests' build is a plain `swift build`: nothing passed the commit.
    #expect(BuildInfo.commit == nil)
    let result = try Flashscan.run(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout == "0.1.0 (commit unknown: not built by Scripts/package)\n")
    #expect(BuildInfo.versionLine + "\n" == result.stdout)
  }

  /// Runs the bash completion function the generated script registers for `flashscan` on the
  /// words of a command line (the last word is the one being completed) and returns COMPREPLY.
  func bashCompletions(_ script: String, words: [String]) throws -> [String] {
    let dir = try TemporaryDirectory(prefix: "cli-completion")
    let file = dir.file("flashscan.bash")
    try script.write(toFile: file, atomically: true, encoding: .utf8)
    let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
    let line = words.joined(separator: " ")
    let program = """
      source '\(file)'
      fn=$(complete -p flashscan | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
      [ -n "$fn" ] || { echo "no completion function for flashscan" >&2; exit 1; }
      COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
      COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}
      "$fn" flashscan '\(words.last!)' '\(words[words.count - 2])'
      printf '%s\\n' "${COMPREPLY[@]}"
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["bash", "--norc", "--noprofile", "-c", program]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
  }

  @Test("bash: `flashscan --pro<TAB>` offers --profile (scan is the default subcommand)")
  func bashCompletesTheDefaultCommandsOptions() throws {
    let result = try Flashscan.run(["--generate-completion-script", "bash"])
    #expect(result.status == 0)
    let script = result.stdout
    #expect(try bashCompletions(script, words: ["flashscan", "--pro"]).contains("--profile"))
    #expect(
      try bashCompletions(script, words: ["flashscan", "scan", "--pro"]).contains("--profile"))
    #expect(try bashCompletions(script, words: ["flashscan", "sc"]) == ["scan"])
    let top = try bashCompletions(script, words: ["flashscan", "--"])
    #expect(top.contains("--format") && top.contains("--check") && top.contains("--version"))
    // The `=` spelling gives the same script.
    #expect(try Flashscan.run(["--generate-completion-script=bash"]).stdout == script)
  }

  @Test("zsh and fish scripts list scan's options at the top level too")
  func zshAndFishScripts() throws {
    // fish: the condition names the command path, "flashscan" alone for the top level.
    let fish = try Flashscan.run(["--generate-completion-script", "fish"])
    #expect(fish.status == 0)
    #expect(
      fish.stdout.contains(
        "__flashscan_should_offer_completions_for_flags_or_options \"flashscan\" profile' -l 'profile'"
      ))
    let zsh = try Flashscan.run(["--generate-completion-script", "zsh"])
    #expect(zsh.status == 0)
    // The top-level function (_flashscan) lists --profile before the subcommands' functions.
    let top = zsh.stdout.components(separatedBy: "_flashscan_scan()")[0]
    #expect(top.contains("'--profile[") && zsh.stdout.contains("_flashscan_scan()"))
    // An unknown shell is refused by ArgumentParser, as before.
    let bad = try Flashscan.run(["--generate-completion-script", "tcsh"])
    #expect(bad.status != 0 && bad.stdout.isEmpty)
  }

  @Test("`flashscan scna FILE` suggests scan, unless a file named scna exists (then scanned)")
  func mistypedSubcommand() throws {
    let dir = try TemporaryDirectory(prefix: "cli-typo")
    try clipNamed(dir.file("clip.mkv"), in: dir)
    let typo = try Flashscan.run(["scna", "clip.mkv"], cwd: dir.path)
    #expect(typo.status == 2)
    #expect(
      typo.stderr
        == "flashscan: unknown subcommand 'scna' (no file of that name); did you mean 'scan'? "
        + "To scan a file of that name: flashscan -- scna\n")
    #expect(typo.stdout.isEmpty)
    let nn = try Flashscan.run(["nm", "info"], cwd: dir.path)
    #expect(nn.status == 2 && nn.stderr.contains("did you mean 'nn'?"), "\(nn.stderr)")

    // A file named scna is scanned, as the default subcommand always did.
    try clipNamed(dir.file("scna"), in: dir)
    let scanned = try Flashscan.run(["scna"], cwd: dir.path)
    #expect(scanned.status == 0, "\(scanned.stderr)")
    #expect(scanned.stderr.hasPrefix("scna: ok, 4 frames"), "\(scanned.stderr)")
    let reference = try Flashscan.run(["scan", "scna"], cwd: dir.path)
    #expect(scanned.stdout == reference.stdout && !scanned.stdout.isEmpty)
    // A name far from every subcommand is left to scan (and its missing-file error).
    let missing = try Flashscan.run(["movie.mkv"], cwd: dir.path)
    #expect(missing.status == 1 && !missing.stderr.contains("did you mean"), "\(missing.stderr)")
  }

  @Test func oneEditApart() {
    let one = SubcommandTypo.isOneEdit
    #expect(one("scna", "scan"))  // swap
    #expect(one("sacn", "scan"))
    #expect(one("scn", "scan"))  // deletion
    #expect(one("scann", "scan"))  // insertion
    #expect(one("sxan", "scan"))  // change
    #expect(one("n", "nn") && one("nm", "nn") && one("hlep", "help"))
    #expect(!one("scan", "scan"))
    #expect(!one("snac", "scan"))
    #expect(!one("sc", "scan"))
    #expect(!one("clip.mp4", "scan"))
    #expect(!one("acsn", "scan"))
    #expect(SubcommandTypo.message(for: ["scan", "x"]) == nil)
    #expect(SubcommandTypo.message(for: ["--", "scna"]) == nil)
    #expect(SubcommandTypo.message(for: ["scna"], fileExists: { _ in true }) == nil)
    #expect(SubcommandTypo.message(for: ["scna"], fileExists: { _ in false }) != nil)
  }
}
