import Foundation
import TestSupport
import Testing

@testable import FlashscanCLI

/// Issue 14: dangling symbolic links in a walked folder are skipped with a note, not failed.
@Suite("Dangling links in a walk", .serialized)
struct DanglingLinkTests {
  @Test("a dangling symbolic link in a walked folder is skipped with a note")
  func danglingLinksAreSkipped() throws {
    let dir = try TemporaryDirectory(prefix: "cli-dangling")
    let root = dir.file("in")
    try makeFolder(root + "/sub")
    try clipNamed(root + "/clip.mkv", in: dir)
    try FileManager.default.createSymbolicLink(
      atPath: root + "/gone.mkv", withDestinationPath: "nowhere.mkv")
    try FileManager.default.createSymbolicLink(
      atPath: root + "/sub/loop.mkv", withDestinationPath: "loop.mkv")
    try FileManager.default.createSymbolicLink(
      atPath: root + "/readme", withDestinationPath: "nowhere")
    let result = try Flashscan.run([root])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Set(Table(result.stdout).column("file")) == [root + "/clip.mkv"])
    #expect(
      result.errorLines.contains(
        "note: 3 symbolic link(s) to nothing (target missing) were not scanned: "
          + "\(root)/gone.mkv, \(root)/readme, \(root)/sub/loop.mkv"), "\(result.stderr)")
    #expect(!result.stderr.contains("flashscan: "), "no error line: \(result.stderr)")

    let list = InputWalker().collect([root])
    #expect(list.danglingLinks == [root + "/gone.mkv", root + "/readme", root + "/sub/loop.mkv"])
    #expect(list.skippingDanglingLinks().items == [InputItem(path: root + "/clip.mkv")])
    // Named on the command line, a dangling link is tried and fails like any missing path.
    let named = try Flashscan.run([root + "/gone.mkv"])
    #expect(named.status == 1)
    #expect(named.stderr.contains("gone.mkv: no such file or directory"))
  }
}
