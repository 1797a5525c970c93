import Foundation
import Photosensitivity
import TTable
import TestSupport
import Testing

/// `FLASHSCAN_CPU` on the built binary (Docs/Benchmarks.md): every value gives the same frames
/// CSV; a path this CPU lacks, or an unknown value, is one warning line naming it, and the run
/// goes on with the best path.
@Suite("FLASHSCAN_CPU end to end", .serialized)
struct KernelChoiceTests {
  @Test("same frames CSV under every value; one warning for a value that cannot be honoured")
  func values() throws {
    let dir = try TemporaryDirectory(prefix: "cli-cpu")
    let clip = dir.file("flash.mkv")
    try ReportEndToEndTests.clip(clip, flashing: true)
    func run(_ value: String?) throws -> (csv: Data, result: Flashscan.Result) {
      let csv = dir.file("frames-\(value ?? "unset").csv")
      let result = try Flashscan.start(
        [clip, "--quiet", "--frames-csv", csv],
        environment: value.map { ["FLASHSCAN_CPU": $0] } ?? [:]
      ).finish()
      return (try Data(contentsOf: URL(fileURLWithPath: csv)), result)
    }
    let reference = try run(nil)
    #expect(reference.result.status == 3, "\(reference.result.stderr)")
    #expect(reference.result.errorLines.isEmpty, "\(reference.result.stderr)")
    #expect(reference.csv.count > 100)
    for value in ["generic", "avx2", "avx512", "bogus"] {
      let (csv, result) = try run(value)
      #expect(result.status == 3, "\(value): \(result.stderr)")
      #expect(csv == reference.csv, "FLASHSCAN_CPU=\(value) changed the frames CSV")
      let honoured = RegionKernel(rawValue: value)?.isAvailable ?? false
      if honoured {
        #expect(result.errorLines.isEmpty, "\(value): \(result.stderr)")
      } else {
        #expect(result.errorLines.count == 1, "\(value): \(result.stderr)")
        let line = result.errorLines.first ?? ""
        #expect(line.hasPrefix("flashscan: warning: FLASHSCAN_CPU=\(value)"), "\(line)")
        #expect(line.contains("using \(RegionKernel.best)"), "\(line)")
      }
    }
  }

  @Test(
    "the T table is the same under every value; one warning for a value that cannot be honoured")
  func tableValues() throws {
    let dir = try TemporaryDirectory(prefix: "cli-cpu-table")
    let clip = dir.file("flash.mkv")
    try ReportEndToEndTests.clip(clip, flashing: true)
    func run(_ value: String?, _ extra: [String]) throws -> Flashscan.Result {
      try Flashscan.start(
        [clip, "--quiet"] + extra, environment: value.map { ["FLASHSCAN_CPU": $0] } ?? [:]
      ).finish()
    }
    for extra in [[], ["--gray", "luma"]] {
      let reference = try run(nil, extra)
      #expect(reference.status == 0, "\(reference.stderr)")
      #expect(reference.errorLines.isEmpty, "\(reference.stderr)")
      #expect(reference.stdout.split(separator: "\n").count > 10)
      for value in ["generic", "avx2", "avx512", "bogus"] {
        let result = try run(value, extra)
        #expect(result.status == 0, "\(value): \(result.stderr)")
        #expect(
          result.stdout == reference.stdout, "FLASHSCAN_CPU=\(value) \(extra) changed the table")
        let honoured = RegionKernel(rawValue: value)?.isAvailable ?? false
        #expect(result.errorLines.count == (honoured ? 0 : 1), "\(value): \(result.stderr)")
      }
    }
    // What the values select in the T kernel: `generic` the portable path, others the best.
    #expect(TKernelPath.choice(forEnvironmentValue: "generic") == .generic)
    #expect(TKernelPath.choice(forEnvironmentValue: "avx512") == TKernelPath.best)
  }
}
