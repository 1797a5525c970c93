/// One frame's analysis outcome, before it becomes a public `FrameRow`.
struct RawFrame: Sendable {
  var index: Int
  var time: Double
  var luminanceTransitions = 0
  var redTransitions = 0
  /// Red transitions per rule (classic, chromaticity, saturation change): a fixed triple, not
  /// a dictionary, since one is kept for every frame of the video.
  var redByRule: (classic: Int, chromaticity: Int, saturation: Int) = (0, 0, 0)

  func redTransitions(_ rule: RedRule) -> Int {
    switch rule {
    case .classic: return redByRule.classic
    case .chromaticity: return redByRule.chromaticity
    case .saturationChange: return redByRule.saturation
    }
  }

  mutating func setRedTransitions(_ rule: RedRule, _ n: Int) {
    switch rule {
    case .classic: redByRule.classic = n
    case .chromaticity: redByRule.chromaticity = n
    case .saturationChange: redByRule.saturation = n
    }
  }
  var luminanceExtendedCount = 0
  var redExtendedCount = 0
  var luminanceResult = FrameResult.pass
  var redResult = FrameResult.pass
  var luminanceTransitionNow = false
  var redTransitionNow = false
  var screenShare = 0.0
  var fieldShare: Double? = nil
  var region: PixelRect? = nil
  var maxRegionTransitions = 0

  init(index: Int, time: Double) {
    self.index = index
    self.time = time
  }
}

/// The area-aware analysis (wcag, ofcom, bt1702): transitions per region, counted in any one-second
/// window of presentation time, and a frame's transitions are the largest count `n` such that
/// the regions with at least `n` transitions together exceed the area limit
/// (docs/photosensitivity.md, "Area"; Docs/Photosensitivity.md, "Regions").
struct RegionEngine: FlashEngine {
  enum Signal: Int, CaseIterable, Sendable {
    case luminance, redClassic, redChromaticity, redSaturation
  }

  /// Transition times per cell within the current window, and the flash pairing Ofcom's
  /// leading-edge rule needs.
  struct History: Sendable {
    var times: [[Double]]
    var leading: [[Bool]]
    var lastTime: [Double]
    var lastLeading: [Bool]
    init(cells: Int) {
      times = Array(repeating: [], count: cells)
      leading = Array(repeating: [], count: cells)
      lastTime = Array(repeating: -.infinity, count: cells)
      lastLeading = Array(repeating: false, count: cells)
    }

    /// Drops the transitions at or before `cutoff` and writes each cell's count (after Ofcom's
    /// leading-edge rule) into `counts`; returns how many were dropped. Works in place (a
    /// mutating method), so no cell's arrays are copied or retained per frame.
    mutating func trim(
      cutoff: Double, counts: inout [Int], maxTransitions: Int, leadingEdgeGap: Double?
    ) -> Int {
      var dropped = 0
      for c in 0..<times.count {
        if let first = times[c].first, first <= cutoff {
          let keep = times[c].firstIndex { $0 > cutoff } ?? times[c].count
          times[c].removeFirst(keep)
          leading[c].removeFirst(keep)
          dropped += keep
        }
        counts[c] = count(cell: c, maxTransitions: maxTransitions, leadingEdgeGap: leadingEdgeGap)
      }
      return dropped
    }

    /// Transitions in cell `c` within the window, after Ofcom's leading-edge rule: when every
    /// flash's leading edge is at least `leadingEdgeGap` after the one before, the flashing is
    /// acceptable and counts as `maxTransitions`.
    func count(cell c: Int, maxTransitions: Int, leadingEdgeGap: Double?) -> Int {
      let n = times[c].count
      guard n > maxTransitions, let gap = leadingEdgeGap else { return n }
      var previous: Double? = nil
      for (t, lead) in zip(times[c], leading[c]) where lead {
        if let previous, t - previous < gap { return n }
        previous = t
      }
      return maxTransitions
    }
  }

  struct AreaStats: Sendable {
    var total = 0
    var maxField = 0
    var bounds: PixelRect? = nil
  }

  let p: AnalysisParameters
  let grid: RegionGrid
  let signals: [Signal]
  let areaLimit: Double
  let nominalFrameDuration: Double
  var luminance: [ExtremumTracker]
  var redClassic: [ExtremumTracker]
  var chromaticity: [ChromaticityTracker]
  var saturation: [SaturationTracker]
  var histories: [History]
  /// Recent frames for the extended rule: (time, duration, luminance band, red band).
  var recent: [(time: Double, duration: Double, luminance: Bool, red: Bool)] = []
  var lastTime: Double? = nil
  var prefix: [Int]
  /// Transitions held in the windows, per signal (0: nothing to count this frame).
  var pending = [Int](repeating: 0, count: Signal.allCases.count)

  init(parameters: AnalysisParameters, grid: RegionGrid, frameRate: Double?) {
    p = parameters
    self.grid = grid
    var s: [Signal] = [.luminance]
    if p.redRules.contains(.classic) { s.append(.redClassic) }
    if p.redRules.contains(.chromaticity) { s.append(.redChromaticity) }
    if p.redRules.contains(.saturationChange) { s.append(.redSaturation) }
    signals = s
    let screen = Double(grid.width * grid.height)
    switch (p.profile, p.fieldAreaReading) {
    case (.ofcom, _), (.iris, _), (.bt1702, _):
      areaLimit = p.screenAreaShare * screen
    case (.wcag, let reading):
      areaLimit = reading.pixelsAtReference * screen / (p.referenceWidth * p.referenceHeight)
    }
    nominalFrameDuration = frameRate.map { $0 > 0 ? 1 / $0 : 0 } ?? 0
    let n = grid.cellCount
    luminance = Array(repeating: ExtremumTracker(), count: n)
    redClassic = Array(repeating: ExtremumTracker(), count: n)
    chromaticity = Array(repeating: ChromaticityTracker(), count: n)
    saturation = Array(repeating: SaturationTracker(), count: n)
    histories = Array(repeating: History(cells: n), count: Signal.allCases.count)
    prefix = Array(repeating: 0, count: (grid.columns + 1) * (grid.rows + 1))
  }

  /// Does flashing over `a` exceed the profile's limit?
  func exceeds(_ a: AreaStats) -> Bool {
    switch p.profile {
    case .wcag where p.fieldAreaReading == .g176:
      return Double(a.maxField) > areaLimit
    default:
      return Double(a.total) > areaLimit
    }
  }

  mutating func record(_ signal: Signal, cell c: Int, time t: Double) {
    let s = signal.rawValue
    let pairsWithLast =
      histories[s].lastLeading[c] && t - histories[s].lastTime[c] < p.windowSeconds
    let leading = !pairsWithLast
    histories[s].times[c].append(t)
    pending[s] += 1
    histories[s].leading[c].append(leading)
    histories[s].lastTime[c] = t
    histories[s].lastLeading[c] = leading
  }

  /// Area of the cells whose count is at least `n`: total, largest in a field window, bounds.
  mutating func area(_ counts: [Int], atLeast n: Int) -> AreaStats {
    let cols = grid.columns
    let rows = grid.rows
    var stats = AreaStats()
    var (minX, minY, maxX, maxY) = (cols, rows, -1, -1)
    for cy in 0..<rows {
      var rowSum = 0
      let cellHeight = grid.rowBounds[cy + 1] - grid.rowBounds[cy]
      for cx in 0..<cols {
        let c = cy * cols + cx
        if counts[c] >= n {
          rowSum += (grid.columnBounds[cx + 1] - grid.columnBounds[cx]) * cellHeight
          minX = min(minX, cx)
          maxX = max(maxX, cx)
          minY = min(minY, cy)
          maxY = max(maxY, cy)
        }
        prefix[(cy + 1) * (cols + 1) + cx + 1] = prefix[cy * (cols + 1) + cx + 1] + rowSum
      }
      stats.total += rowSum
    }
    guard stats.total > 0 else { return stats }
    stats.bounds = PixelRect(
      x: grid.columnBounds[minX], y: grid.rowBounds[minY],
      width: grid.columnBounds[maxX + 1] - grid.columnBounds[minX],
      height: grid.rowBounds[maxY + 1] - grid.rowBounds[minY])
    let fw = grid.fieldColumns
    let fh = grid.fieldRows
    var best = 0
    for y0 in 0...(rows - fh) {
      for x0 in 0...(cols - fw) {
        let y1 = y0 + fh
        let x1 = x0 + fw
        let s =
          prefix[y1 * (cols + 1) + x1] - prefix[y0 * (cols + 1) + x1]
          - prefix[y1 * (cols + 1) + x0] + prefix[y0 * (cols + 1) + x0]
        best = max(best, s)
      }
    }
    stats.maxField = best
    return stats
  }

  /// The largest `n` whose area exceeds the limit (0 if none), with that area. The cells with
  /// at least `n` shrink as `n` grows, so "exceeds" is monotone and a binary search finds it.
  mutating func frameTransitions(_ counts: [Int]) -> (Int, AreaStats) {
    guard let top = counts.max(), top > 0 else { return (0, AreaStats()) }
    let topArea = area(counts, atLeast: top)
    if exceeds(topArea) { return (top, topArea) }
    var lo = 0  // exceeds(lo) holds (or lo == 0)
    var loArea = AreaStats()
    var hi = top  // exceeds(hi) fails
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      let a = area(counts, atLeast: mid)
      if exceeds(a) {
        lo = mid
        loArea = a
      } else {
        hi = mid
      }
    }
    return (lo, lo > 0 ? loArea : AreaStats())
  }

  mutating func consume(_ m: FrameMeasure) throws -> RawFrame {
    let t = m.time
    let cells = grid.cellCount
    let candela = p.luminanceScale != .relative
    guard m.cellLinearRGB.count == cells * 3, m.cellRed.count == cells,
      !candela || m.cellCandela.count == cells
    else {
      throw PhotosensitivityError.measureMismatch(
        frame: m.index, reason: "measured on another region grid")
    }
    let relative = p.luminanceScale == .relative
    let threshold = Float(p.flashThreshold)
    let dark = Float(p.darkThreshold)
    let michelson = p.michelsonLimit ?? .infinity
    let redThreshold = Float(p.redThreshold)
    let ratio = Float(p.redSaturationRatio)
    let minimum = Float(p.redMinimumLuminance)
    let distance = Float(p.redChromaticityDistance)
    let useClassic = signals.contains(.redClassic)
    let useChromaticity = signals.contains(.redChromaticity)
    let useSaturation = signals.contains(.redSaturation)
    for c in 0..<cells {
      let r = m.cellLinearRGB[c * 3]
      let g = m.cellLinearRGB[c * 3 + 1]
      let b = m.cellLinearRGB[c * 3 + 2]
      let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
      let value = relative ? y : m.cellCandela[c]
      if luminance[c].feed(value, threshold: threshold, dark: dark, michelson: michelson) {
        record(.luminance, cell: c, time: t)
      }
      if useClassic && redClassic[c].feed(m.cellRed[c], threshold: redThreshold, dark: .infinity) {
        record(.redClassic, cell: c, time: t)
      }
      if useChromaticity || useSaturation {
        let coloured = y >= minimum
        let saturated = coloured && r / (r + g + b) >= ratio
        if useChromaticity {
          let uv =
            coloured
            ? Colorimetry.chromaticity(r: Double(r), g: Double(g), b: Double(b))
            : Colorimetry.whitePoint
          if chromaticity[c].feed(
            u: Float(uv.u), v: Float(uv.v), saturated: saturated, distance: distance)
          {
            record(.redChromaticity, cell: c, time: t)
          }
        }
        if useSaturation && saturation[c].feed(saturated: saturated) {
          record(.redSaturation, cell: c, time: t)
        }
      }
    }
    // Keep transitions inside the window (t - window, t]; the small margin keeps a transition
    // exactly one window earlier out despite rounding of timestamps like 26/25 - 1/25.
    let cutoff = t - p.windowSeconds + 1e-9
    var raw = RawFrame(index: m.index, time: t)
    var luminanceT = 0
    var redT = 0
    var bestArea = AreaStats()
    var bestT = 0
    for signal in signals {
      guard pending[signal.rawValue] > 0 else {
        continue
      }
      var counts = [Int](repeating: 0, count: cells)
      pending[signal.rawValue] -= histories[signal.rawValue].trim(
        cutoff: cutoff, counts: &counts, maxTransitions: p.maxTransitions,
        leadingEdgeGap: p.leadingEdgeExemptionSeconds)
      raw.maxRegionTransitions = max(raw.maxRegionTransitions, counts.max() ?? 0)
      let (n, a) = frameTransitions(counts)
      if signal == .luminance {
        luminanceT = n
      } else {
        redT = max(redT, n)
        raw.setRedTransitions(Self.rule(signal), n)
      }
      if n > bestT {
        bestT = n
        bestArea = a
      }
    }
    raw.luminanceTransitions = luminanceT
    raw.redTransitions = redT
    let screen = Double(grid.width * grid.height)
    raw.screenShare = Double(bestArea.total) / screen
    raw.fieldShare = min(1, Double(bestArea.maxField) / grid.fieldArea)
    raw.region = bestT >= p.minTransitions ? bestArea.bounds : nil

    // Extended flashing: frames in the 4...6 band covering `extendedSeconds` of the last
    // `extendedWindowSeconds`, measured in frame durations so variable frame rate is exact.
    let duration = lastTime.map { t - $0 } ?? nominalFrameDuration
    lastTime = t
    let band = p.minTransitions...p.maxTransitions
    recent.append((t, duration, band.contains(luminanceT), band.contains(redT)))
    let extendedCutoff = t - p.extendedWindowSeconds + 1e-9
    if let k = recent.firstIndex(where: { $0.time > extendedCutoff }), k > 0 {
      recent.removeFirst(k)
    }
    var luminanceSeconds = 0.0
    var redSeconds = 0.0
    for f in recent {
      if f.luminance {
        luminanceSeconds += f.duration
        raw.luminanceExtendedCount += 1
      }
      if f.red {
        redSeconds += f.duration
        raw.redExtendedCount += 1
      }
    }
    raw.luminanceResult = code(luminanceT, extendedSeconds: luminanceSeconds)
    raw.redResult = code(redT, extendedSeconds: redSeconds)
    return raw
  }

  func code(_ transitions: Int, extendedSeconds: Double) -> FrameResult {
    if transitions > p.maxTransitions { return .flashFailure }
    if extendedSeconds >= p.extendedSeconds - 1e-6 && transitions >= p.minTransitions {
      return .extendedFailure
    }
    if transitions >= p.minTransitions { return .transitionBand }
    return .pass
  }

  static func rule(_ s: Signal) -> RedRule {
    switch s {
    case .redChromaticity: return .chromaticity
    case .redSaturation: return .saturationChange
    default: return .classic
    }
  }
}
