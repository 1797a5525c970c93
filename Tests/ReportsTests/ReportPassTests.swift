import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Reports
import TTable
import Testing

@Suite("One decoding pass")
struct ReportPassTests {
  @Test(
    "T table and analysis from one pipeline pass equal the separate computations",
    arguments: [AnalysisParameters.wcag, .iris], [1, 7])
  func matchesSeparateRuns(parameters: AnalysisParameters, chunk: Int) throws {
    let clip = Clip.flashing()
    let source = TensorFrameSource(
      frames: clip.frames, times: clip.times, frameRate: Clip.rate, path: "c.mkv")
    let pass = ReportStages(info: source.info, path: "-", parameters: parameters)
    var delivered: [TRow] = []
    let table = TTableStage { rows in
      pass.add(rows)
      delivered += rows
    }
    let stats = try ScanEngine(threads: 2, chunkFrames: chunk, queueDepth: 3).run(
      source, stages: [table] + pass.stages)
    #expect(stats.frames == 100)
    let report = try pass.report(tool: ToolInfo(version: "t")) { $0.path = "c.mkv" }

    #expect(delivered == Flashinator.table(frames: clip.frames, times: clip.times))
    #expect(report.tSeries.points.map(\.t) == delivered.map(\.t))
    let alone = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: clip.frames, times: clip.times, frameRate: Clip.rate),
      parameters: parameters, engine: ScanEngine(threads: 1, chunkFrames: 16))
    #expect(report.frames == alone.frames)
    #expect(report.document.verdict == alone.verdict)
    #expect(report.document.incidents.map(\.worstFrame) == alone.incidents.map(\.worstFrame))
    for incident in report.document.incidents {
      #expect(report.pictures[incident.worstFrame] != nil)
    }
  }
}
