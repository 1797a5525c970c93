import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Files under `dir` whose name marks them as flashscan temporary files.
func temporaryLeftovers(_ dir: String) -> [String] {
  listing(dir).filter { $0.contains(".flashscan-") || $0.hasSuffix(".tmp") }
}

@Suite("flashscan batches, pipes and signals end to end", .serialized)
struct BatchEndToEndTests {
  /// A folder of small lossless clips.
  func folder(_ dir: TemporaryDirectory, count: Int) throws -> String {
    let root = dir.file("in")
    try FileManager.default.createDirectory(
      atPath: root + "/deep", withIntermediateDirectories: true)
    for i in 0..<count {
      let name = i % 3 == 2 ? "deep/clip\(i).mkv" : "clip\(i).mkv"
      try Clips.lossless(
        root + "/" + name, frames: 3 + i % 4, width: 8, height: 6, seed: UInt64(i + 10))
    }
    return root
  }

  @Test func closedPipeStopsQuietly() throws {
    let dir = try TemporaryDirectory(prefix: "cli-pipe")
    let clip = dir.file("long.mkv")
    // 1500 rows of ~90 bytes of JSON: far more than a pipe buffer holds.
    try Clips.lossless(clip, frames: 1500, width: 4, height: 4, seed: 3)
    let running = try Flashscan.start(
      ["--format", "jsonl", "--detail", clip], captureStdout: false)
    // Read three lines like `head -3`, then close the pipe.
    let fd = running.stdoutPipe.fileHandleForReading.fileDescriptor
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while received.filter({ $0 == 0x0A }).count < 3 {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      received += buffer[0..<n]
    }
    try running.stdoutPipe.fileHandleForReading.close()
    let result = running.finish()
    #expect(received.filter { $0 == 0x0A }.count >= 3)
    #expect(!result.signaled, "killed by SIGPIPE")
    #expect(result.status == 0)
    #expect(result.stderr.isEmpty, "no error text: \(result.stderr)")

    // The same through a real shell pipeline.
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/bash")
    shell.arguments = [
      "-c", "set -o pipefail; \"$1\" --detail \"$2\" 2>\"$3\" | head -3 >/dev/null", "sh",
      Flashscan.binary!, clip, dir.file("err"),
    ]
    try shell.run()
    shell.waitUntilExit()
    #expect(shell.terminationStatus == 0)
    #expect(readText(dir.file("err")) == "")
  }

  /// Standard input that must be spooled (an MP4 with its index at the end) goes to a file that
  /// is unlinked as soon as it is made: killed outright mid-spool (no handler runs), flashscan
  /// leaves nothing in the temporary directory.
  @Test func killedWhileSpoolingLeavesNoTemporaryFile() throws {
    let dir = try TemporaryDirectory(prefix: "cli-spool")
    let spool = dir.file("tmp")
    try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: false)
    let clip = dir.file("moov-at-end.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", clip,
    ])
    let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
    let running = try Flashscan.start(["-"], pipeStdin: true, environment: ["TMPDIR": spool])
    // Half the file: flashscan sees `mdat` before `moov` and starts spooling, then waits for more.
    running.stdinPipe.fileHandleForWriting.write(bytes.prefix(bytes.count / 2))
    let fdDir = "/proc/\(running.process.processIdentifier)/fd"
    var spoolTarget: String?
    let deadline = Date().addingTimeInterval(30)
    // The file is unlinked right after mkstemps: a look between the two (a loaded machine can
    // stop the process there) sees the name without "(deleted)", so look again.
    while spoolTarget?.hasSuffix("(deleted)") != true && Date() < deadline
      && running.process.isRunning
    {
      for fd in (try? FileManager.default.contentsOfDirectory(atPath: fdDir)) ?? [] {
        if let target = try? FileManager.default.destinationOfSymbolicLink(
          atPath: fdDir + "/" + fd),
          target.hasPrefix(spool + "/flashscan-stdin-")
        {
          spoolTarget = target
        }
      }
      usleep(10_000)
    }
    let target = try #require(spoolTarget, "no spool file opened; stderr: \(running.stderrSoFar)")
    #expect(target.hasSuffix("(deleted)"), "\(target)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    running.signal(SIGKILL)
    let result = running.finish()
    try? running.stdinPipe.fileHandleForWriting.close()
    #expect(result.signaled)
    #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty, "\(listing(spool))")
  }

  @Test func interruptLeavesCompleteOutputsAndNoPartialFiles() throws {
    let dir = try TemporaryDirectory(prefix: "cli-sigint")
    let clip = dir.file("a.mkv")
    try Clips.lossless(clip, frames: 8, seed: 9)
    let expected = try Flashscan.run([clip]).stdout

    // --output-dir: a.mkv finishes; standard input never ends, so the run is still busy when the
    // signal comes.
    let out = dir.file("out")
    let running = try Flashscan.start(
      ["--output-dir", out, "--progress", "--jobs", "2", clip, "-"], pipeStdin: true)
    #expect(running.waitForStderr { $0.contains("[1/2 files") }, "progress: \(running.stderrSoFar)")
    running.signal(SIGINT)
    let result = running.finish()
    try? running.stdinPipe.fileHandleForWriting.close()
    #expect(result.status == 130, "\(result.stderr)")
    #expect(!result.signaled)
    let table = mirroredPathForTest(clip, in: out)
    #expect(readText(table) == expected)
    #expect(!FileManager.default.fileExists(atPath: out + "/stdin.csv"))
    #expect(temporaryLeftovers(out).isEmpty, "\(listing(out))")

    // -o: the old file stays as it was, no temporary file is left.
    let target = dir.file("table.csv")
    try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
    let second = try Flashscan.start(
      ["-o", target, "--progress", "--jobs", "2", clip, "-"], pipeStdin: true)
    #expect(second.waitForStderr { $0.contains("[1/2 files") }, "progress: \(second.stderrSoFar)")
    second.signal(SIGINT)
    let secondResult = second.finish()
    try? second.stdinPipe.fileHandleForWriting.close()
    #expect(secondResult.status == 130)
    #expect(readText(target) == "old\n")
    #expect(temporaryLeftovers(dir.path).isEmpty, "\(listing(dir.path))")
  }

  func mirroredPathForTest(_ input: String, in out: String) -> String {
    out + "/" + input.split(separator: "/").joined(separator: "/") + ".csv"
  }

  @Test func outputFileIsWrittenAtomically() throws {
    let dir = try TemporaryDirectory(prefix: "cli-o")
    let clip = dir.file("a.mkv")
    try Clips.lossless(clip, frames: 6, seed: 4)
    let target = dir.file("t.csv")
    let stdoutRun = try Flashscan.run([clip])
    let fileRun = try Flashscan.run(["-o", target, clip])
    #expect(fileRun.status == 0)
    #expect(fileRun.stdout.isEmpty)
    #expect(readText(target) == stdoutRun.stdout)
    #expect(temporaryLeftovers(dir.path).isEmpty)

    // A failed run leaves the previous table untouched.
    try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
    try "text\n".write(toFile: dir.file("bad.mkv"), atomically: false, encoding: .utf8)
    let failed = try Flashscan.run(["-o", target, dir.file("bad.mkv")])
    #expect(failed.status == 1)
    #expect(readText(target) == "old\n")
    #expect(temporaryLeftovers(dir.path).isEmpty)
    // An unwritable destination is one line and exit 1, before any work.
    let nowhere = try Flashscan.run(["-o", dir.file("no/such/dir/t.csv"), clip])
    #expect(nowhere.status == 1)
    #expect(
      nowhere.errorLines.count == 1 && nowhere.stderr.hasPrefix("flashscan: "), "\(nowhere.stderr)")
  }

  @Test func outputDirMirrorsTheTreeAndSkipsExisting() throws {
    let dir = try TemporaryDirectory(prefix: "cli-dir")
    let root = try folder(dir, count: 4)
    let out = dir.file("tables")
    let first = try Flashscan.run(["--output-dir", out, "--format", "jsonl", root])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.isEmpty)
    let inputs = ["clip0.mkv", "clip1.mkv", "clip3.mkv", "deep/clip2.mkv"].map { root + "/" + $0 }
    for input in inputs {
      let table = out + "/" + input.split(separator: "/").joined(separator: "/") + ".jsonl"
      let single = try Flashscan.run(["--format", "jsonl", input]).stdout
      #expect(readText(table) == single, "\(table)")
    }
    #expect(temporaryLeftovers(out).isEmpty)

    // Resume: existing tables are skipped, missing ones made.
    let kept =
      out + "/" + (root + "/clip0.mkv").split(separator: "/").joined(separator: "/") + ".jsonl"
    let removed =
      out + "/" + (root + "/clip1.mkv").split(separator: "/").joined(separator: "/") + ".jsonl"
    try "sentinel\n".write(toFile: kept, atomically: false, encoding: .utf8)
    try FileManager.default.removeItem(atPath: removed)
    let resumed = try Flashscan.run([
      "--output-dir", out, "--format", "jsonl", "--skip-existing", root,
    ])
    #expect(resumed.status == 0)
    #expect(readText(kept) == "sentinel\n")
    #expect(
      readText(removed) == (try Flashscan.run(["--format", "jsonl", root + "/clip1.mkv"]).stdout))
    #expect(resumed.stderr.contains("skipped"))
    // Without --skip-existing the table is made again.
    _ = try Flashscan.run(["--output-dir", out, "--format", "jsonl", root])
    #expect(readText(kept) != "sentinel\n")
  }

  @Test func shardsPartitionTheRun() throws {
    let dir = try TemporaryDirectory(prefix: "cli-shard")
    let root = try folder(dir, count: 7)
    let whole = try Flashscan.run([root])
    #expect(whole.status == 0)
    let wholeTable = Table(whole.stdout)
    let n = 3
    var seen: [String: Int] = [:]
    var union: [[String]] = []
    for k in 0..<n {
      let part = try Flashscan.run(["--shard", "\(k)/\(n)", root])
      #expect(part.status == 0)
      let table = Table(part.stdout)
      #expect(table.header == wholeTable.header)
      for file in Set(table.column("file")) { seen[file, default: 0] += 1 }
      union += table.rows
    }
    #expect(Set(seen.keys) == Set(wholeTable.column("file")))
    #expect(seen.values.allSatisfy { $0 == 1 }, "no file in two shards: \(seen)")
    // Same rows as the unsharded run once put back in file order.
    let files = wholeTable.column("file").reduce(into: [String]()) {
      if $0.last != $1 { $0.append($1) }
    }
    let regrouped = files.flatMap { f in union.filter { $0[0] == f } }
    #expect(regrouped == wholeTable.rows)
  }

  @Test func jobsKeepFilesInOrder() throws {
    let dir = try TemporaryDirectory(prefix: "cli-jobs")
    let root = try folder(dir, count: 6)
    let one = try Flashscan.run(["--detail", root])
    let three = try Flashscan.run(["--detail", "--jobs", "3", "--threads", "3", root])
    #expect(one.status == 0 && three.status == 0)
    #expect(three.stdout == one.stdout)
    #expect(Table(one.stdout).rows.count == (0..<6).map { 2 + $0 % 4 }.reduce(0, +))
  }

  @Test func usageErrorsExit2() throws {
    let dir = try TemporaryDirectory(prefix: "cli-usage")
    let clip = dir.file("a.mkv")
    try Clips.lossless(clip, frames: 2)
    for args in [
      [], ["--top-k", "0", clip], ["--shard", "3/3", clip], ["--shard", "x", clip],
      ["--bogus", clip],
      ["-o", dir.file("x.csv"), "--output-dir", dir.file("o"), clip], ["--skip-existing", clip],
      ["--format", "xml", clip], ["--gray", "red", clip], ["--jobs", "0", clip],
    ] {
      let result = try Flashscan.run(args)
      #expect(result.status == 2, "\(args): \(result.status) \(result.stderr)")
      #expect(result.stdout.isEmpty)
      #expect(result.stderr.hasPrefix("flashscan: "), "\(args): \(result.stderr)")
    }
  }

  @Test func versionHelpProgressAndQuiet() throws {
    let version = try Flashscan.run(["--version"])
    #expect(
      version.status == 0
        && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).first?.isNumber == true)
    // `flashscan --help` is ArgumentParser's help of the root command (the subcommands, `scan` the
    // default); the default command's options are in its own help.
    let rootHelp = try Flashscan.run(["--help"])
    #expect(rootHelp.status == 0)
    #expect(rootHelp.stdout.contains("nn"), "the other commands are listed")
    let help = try Flashscan.run(["scan", "--help"])
    #expect(help.status == 0)
    for option in [
      "--format", "--detail", "--top-k", "--gray", "--stream", "--threads", "--chunk-frames",
      "--output",
      "--jobs", "--output-dir", "--skip-existing", "--all-files", "--shard", "--progress",
      "--quiet",
    ] {
      #expect(help.stdout.contains(option), "help lacks \(option)")
    }
    #expect(help.stdout.contains("default: csv)") && help.stdout.contains("(default: 5)"))
    #expect(help.stdout.contains("default: mean)") && help.stdout.contains("(default: 1)"))

    let dir = try TemporaryDirectory(prefix: "cli-progress")
    let clip = dir.file("a.mkv")
    try Clips.lossless(clip, frames: 5)
    let plain = try Flashscan.run([clip])
    let progress = try Flashscan.run(["--progress", clip])
    #expect(progress.stdout == plain.stdout)
    #expect(progress.stderr.contains("a.mkv  0/~5 frames  0.0%"), "\(progress.stderr)")
    #expect(!plain.stderr.contains("fps  ETA"), "no progress when stderr is not a terminal")
    let quiet = try Flashscan.run(["--quiet", clip])
    #expect(quiet.stderr.isEmpty && quiet.stdout == plain.stdout)
  }
}
