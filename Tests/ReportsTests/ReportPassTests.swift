import Flashinator
import Frames
import FrameTensor
import MediaIO
import Photosensitivity
import Reports
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
    var pass = ReportPass(info: source.info, parameters: parameters)
    var delivered: [TRow] = []
    let stats = try ChunkPipeline(threads: 2, queueDepth: 3).runChunks(
      source: source, chunkFrames: chunk, work: pass.work,
      deliver: { delivered += try pass.deliver($0) })
    #expect(stats.frames == 100)
    let report = pass.finish(tool: ToolInfo(version: "t"), input: InputFacts(path: "c.mkv"))

    #expect(delivered == Flashinator.table(frames: clip.frames, times: clip.times))
    #expect(report.tSeries.points.map(\.t) == delivered.map(\.t))
    let alone = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: clip.frames, times: clip.times, frameRate: Clip.rate),
      parameters: parameters, chunkSize: 16)
    #expect(report.frames == alone.frames)
    #expect(report.document.verdict == alone.verdict)
    #expect(report.document.incidents.map(\.worstFrame) == alone.incidents.map(\.worstFrame))
    for incident in report.document.incidents {
      #expect(report.pictures[incident.worstFrame] != nil)
    }
  }
}
