import Flashinator
import Frames

/// The sequential, stateful half of the analysis: consumes `FrameMeasure`s in frame order
/// (from `PhotosensitivityMeasurer`, whatever thread made them) and builds the result.
public struct PhotosensitivityAnalyzer: Sendable {
  public let parameters: AnalysisParameters
  public let grid: RegionGrid
  public let frameRate: Double?
  /// The profile's engine, exactly one of the two. Optionals mutated in place (`regions!.consume`)
  /// keep the engines' per-cell arrays uniquely referenced: an enum payload bound with
  /// `case .regions(var e)` is a second reference, and every array it touched was copied on
  /// every frame.
  var iris: IrisEngine?
  var regions: RegionEngine?
  var raws: [RawFrame] = []

  /// `frameRate` is the stream's average rate (IRIS rounds it to its integer fps; the region
  /// profiles only use it for the first frame's duration and timecodes).
  public init(width: Int, height: Int, frameRate: Double?, parameters: AnalysisParameters) {
    self.parameters = parameters
    self.frameRate = frameRate
    grid = RegionGrid(width: width, height: height, parameters: parameters)
    switch parameters.profile {
    case .iris:
      let fps = parameters.irisFrameRate ?? Int((frameRate ?? 25).rounded())
      iris = IrisEngine(parameters: parameters, width: width, height: height, fps: fps)
    case .wcag, .ofcom:
      regions = RegionEngine(parameters: parameters, grid: grid, frameRate: frameRate)
    }
  }

  /// Consumes the next measures, in frame order.
  public mutating func consume(_ measures: [FrameMeasure]) {
    for m in measures {
      if let last = raws.last { precondition(m.index > last.index, "measures out of order") }
      precondition(
        m.profile == parameters.profile,
        "measured for \(m.profile), analysing \(parameters.profile)")
      if regions != nil {
        raws.append(regions!.consume(m))
      } else {
        raws.append(iris!.consume(m))
      }
    }
  }

  /// The verdict a frame's result code gives under this profile.
  func severity(_ code: Int) -> Verdict { parameters.severity(code) }

  /// The result of everything consumed so far.
  public func finish() -> PhotosensitivityResult {
    let rows = raws.map { r -> FrameRow in
      FrameRow(
        frame: r.index, time: r.time, luminanceTransitions: r.luminanceTransitions,
        redTransitions: r.redTransitions,
        flashesPerSecond: Double(max(r.luminanceTransitions, r.redTransitions)) / 2,
        maxRegionTransitions: r.maxRegionTransitions, flashingAreaShare: r.screenShare,
        fieldShare: r.fieldShare, luminanceExtendedCount: r.luminanceExtendedCount,
        redExtendedCount: r.redExtendedCount, luminanceResult: r.luminanceResult,
        redResult: r.redResult,
        verdict: max(severity(r.luminanceResult), severity(r.redResult)),
        region: r.region ?? (isIris && max(r.luminanceResult, r.redResult) > 0 ? wholeFrame : nil))
    }
    let criteria = makeCriteria()
    let verdict = criteria.map(\.verdict).max() ?? .pass
    let duration: Double
    if let last = raws.last {
      let step =
        raws.count > 1
        ? (last.time - raws[0].time) / Double(raws.count - 1) : (frameRate.map { 1 / $0 } ?? 0)
      duration = last.time + step
    } else {
      duration = 0
    }
    let screen = Double(grid.width * grid.height)
    let limit: Double
    switch parameters.profile {
    case .wcag:
      limit =
        parameters.fieldAreaReading.pixelsAtReference * screen
        / (parameters.referenceWidth * parameters.referenceHeight)
    case .ofcom, .iris:
      limit = parameters.screenAreaShare * screen
    }
    return PhotosensitivityResult(
      parameters: parameters,
      video: AnalysedVideo(
        width: grid.width, height: grid.height, frameRate: frameRate, frameCount: rows.count,
        duration: duration),
      fieldWidth: grid.fieldWidth, fieldHeight: grid.fieldHeight, gridColumns: grid.columns,
      gridRows: grid.rows, areaLimitPixels: limit, verdict: verdict, criteria: criteria,
      frames: rows, incidents: makeIncidents(rows))
  }

  var isIris: Bool { parameters.profile == .iris }
  var wholeFrame: PixelRect { PixelRect(x: 0, y: 0, width: grid.width, height: grid.height) }

  func makeCriteria() -> [CriterionResult] {
    func criterion(
      _ id: String, _ title: String, flagged: (RawFrame) -> Verdict, peak: (RawFrame) -> Int
    ) -> CriterionResult {
      var verdict = Verdict.pass
      var count = 0
      var first: Double? = nil
      var top = 0
      for r in raws {
        let v = flagged(r)
        top = max(top, peak(r))
        if v > .pass {
          count += 1
          if first == nil { first = r.time }
          verdict = max(verdict, v)
        }
      }
      return CriterionResult(
        id: id, title: title, verdict: verdict, flaggedFrames: count, peakTransitionsPerSecond: top,
        firstFlaggedTime: first)
    }
    func band(_ code: Int) -> Verdict {
      code == 3 || code == 1 ? severity(code) : .pass
    }
    var list = [
      criterion(
        "general-flash", "General (luminance) flash: more than 3 flashes in any one second",
        flagged: { band($0.luminanceResult) }, peak: { $0.luminanceTransitions })
    ]
    let titles: [RedRule: (String, String)] = [
      .classic: ("red-flash-classic", "Red flash, classic saturated-red value (R-G-B)*320"),
      .chromaticity: (
        "red-flash-chromaticity", "Red flash, WCAG 2.2 u'v' chromaticity change > 0.2"
      ),
      .saturationChange: (
        "red-flash-saturation", "Red flash, any transition to or from saturated red"
      ),
    ]
    for rule in parameters.redRules {
      let (id, title) = titles[rule]!
      let maxT = parameters.maxTransitions
      list.append(
        criterion(
          id, title,
          flagged: { r in
            let n = r.redTransitions(rule)
            if n > maxT { return .fail }
            return isIris ? band(r.redResult) : .pass
          }, peak: { $0.redTransitions(rule) }))
    }
    list.append(
      criterion(
        "extended-flashing", "Extended flashing: 4 to 6 transitions a second for 4 of 5 seconds",
        flagged: { r in
          r.luminanceResult == 2 || r.redResult == 2 ? parameters.extendedVerdict : .pass
        }, peak: { max($0.luminanceExtendedCount, $0.redExtendedCount) }))
    return list
  }

  func makeIncidents(_ rows: [FrameRow]) -> [Incident] {
    let rate = frameRate ?? estimatedRate
    var incidents: [Incident] = []
    for kind in IncidentKind.allCases {
      var open: Incident? = nil
      var openIndex = 0
      var worstScore = (0, 0.0)
      func close() {
        guard var inc = open else { return }
        let last = rows[openIndex]
        let next = openIndex + 1 < rows.count ? rows[openIndex + 1].time : last.time + 1 / rate
        inc.end = next
        inc.endTimecode = Timecode.smpte(seconds: next, frameRate: rate)
        incidents.append(inc)
        open = nil
      }
      for (i, row) in rows.enumerated() {
        guard let (s, transitions) = parameters.incidentFlag(kind, row) else {
          close()
          continue
        }
        let box = row.region ?? wholeFrame
        let score = (transitions, row.flashingAreaShare)
        if var inc = open, openIndex == i - 1 {
          inc.verdict = max(inc.verdict, s)
          inc.lastFrame = row.frame
          inc.peakTransitionsPerSecond = max(inc.peakTransitionsPerSecond, transitions)
          inc.peakFlashesPerSecond = Double(inc.peakTransitionsPerSecond) / 2
          inc.largestScreenShare = max(inc.largestScreenShare, row.flashingAreaShare)
          if let f = row.fieldShare { inc.largestFieldShare = max(inc.largestFieldShare ?? 0, f) }
          inc.boundingBox = inc.boundingBox.union(box)
          if score > worstScore {
            worstScore = score
            inc.worstFrame = row.frame
          }
          open = inc
        } else {
          close()
          worstScore = score
          open = Incident(
            kind: kind, verdict: s, start: row.time, end: row.time,
            startTimecode: Timecode.smpte(seconds: row.time, frameRate: rate), endTimecode: "",
            firstFrame: row.frame, lastFrame: row.frame, peakTransitionsPerSecond: transitions,
            peakFlashesPerSecond: Double(transitions) / 2,
            largestScreenShare: row.flashingAreaShare,
            largestFieldShare: row.fieldShare, boundingBox: box, worstFrame: row.frame)
        }
        openIndex = i
      }
      close()
    }
    return incidents.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
  }

  /// Frames per second from the timestamps when the stream declares no rate.
  var estimatedRate: Double {
    guard raws.count > 1, let last = raws.last, last.time > raws[0].time else { return 25 }
    return Double(raws.count - 1) / (last.time - raws[0].time)
  }
}

extension PhotosensitivityAnalyzer {
  /// Measures and analyses a whole source on the calling thread (tests, simple callers; the
  /// engine runs `PhotosensitivityMeasurer.measure` on workers instead).
  public static func analyze(
    _ source: FrameSource, parameters: AnalysisParameters, chunkSize: Int = 32
  ) throws -> PhotosensitivityResult {
    let info = source.info
    let measurer = PhotosensitivityMeasurer(
      width: info.width, height: info.height, parameters: parameters)
    var analyzer = PhotosensitivityAnalyzer(
      width: info.width, height: info.height, frameRate: info.frameRate, parameters: parameters)
    var previous: FrameChunk? = nil
    while let chunk = try source.nextChunk(maxFrames: chunkSize) {
      analyzer.consume(measurer.measure(chunk: chunk, previousChunk: previous))
      previous = chunk
    }
    return analyzer.finish()
  }
}

extension PhotosensitivityAnalyzer {
  /// Measures on `pipeline`'s worker threads and analyses in order on the calling thread.
  public static func analyze(
    _ source: FrameSource, parameters: AnalysisParameters, pipeline: ChunkPipeline,
    chunkFrames: Int = 32
  ) throws -> PhotosensitivityResult {
    let info = source.info
    let measurer = PhotosensitivityMeasurer(
      width: info.width, height: info.height, parameters: parameters)
    var analyzer = PhotosensitivityAnalyzer(
      width: info.width, height: info.height, frameRate: info.frameRate, parameters: parameters)
    try pipeline.runChunks(
      source: source, chunkFrames: chunkFrames,
      work: { chunk, previous in measurer.measure(chunk: chunk, previousChunk: previous) },
      deliver: { analyzer.consume($0) })
    return analyzer.finish()
  }
}
