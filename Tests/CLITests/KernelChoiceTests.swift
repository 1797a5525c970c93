import Foundation
import Photosensitivity
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
}
