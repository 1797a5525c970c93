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
  /// Each kind's window at this frame (only kinds with counted transitions).
  var windows: [IncidentKind: FlashWindow] = [:]

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
    /// Per cell, `times[c].count` and `times[c].first` (+infinity when empty), side by side in
    /// flat arrays: `trim` reads these for every cell each frame, and only reaches a cell's own
    /// arrays (one heap object each, scattered) when it has transitions to drop.
    var sizes: [Int]
    var firsts: [Double]
    init(cells: Int) {
      times = Array(repeating: [], count: cells)
      leading = Array(repeating: [], count: cells)
      lastTime = Array(repeating: -.infinity, count: cells)
      lastLeading = Array(repeating: false, count: cells)
      sizes = Array(repeating: 0, count: cells)
      firsts = Array(repeating: .infinity, count: cells)
    }

    /// Adds a transition of cell `c` at `t`, a flash's leading edge or not.
    mutating func append(cell c: Int, time t: Double, leading lead: Bool) {
      times[c].append(t)
      leading[c].append(lead)
      if sizes[c] == 0 { firsts[c] = t }
      sizes[c] += 1
      lastTime[c] = t
      lastLeading[c] = lead
    }

    /// Drops the transitions at or before `cutoff` and writes each cell's count (after Ofcom's
    /// leading-edge rule) into `counts`; returns how many were dropped. Works in place (a
    /// mutating method), so no cell's arrays are copied or retained per frame.
    mutating func trim(
      cutoff: Double, counts: inout [Int], maxTransitions: Int, leadingEdgeGap: Double?
    ) -> Int {
      var dropped = 0
      for c in 0..<times.count {
        if firsts[c] <= cutoff {  // (never for an empty cell: its `first` is +infinity)
          let keep = times[c].firstIndex { $0 > cutoff } ?? times[c].count
          times[c].removeFirst(keep)
          leading[c].removeFirst(keep)
          dropped += keep
          sizes[c] = times[c].count
          firsts[c] = times[c].first ?? .infinity
        }
        let n = sizes[c]
        counts[c] =
          n > maxTransitions && leadingEdgeGap != nil
          ? count(cell: c, maxTransitions: maxTransitions, leadingEdgeGap: leadingEdgeGap) : n
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
  var recent:
    [(
      time: Double, duration: Double, luminance: Bool, red: Bool, luminanceFirst: Double?,
      redFirst: Double?
    )] = []
  var lastTime: Double? = nil
  var prefix: [Int]
  /// Transitions held in the windows, per signal (0: nothing to count this frame).
  var pending = [Int](repeating: 0, count: Signal.allCases.count)
  /// Per signal: the cells that changed in this frame (1) and whether any did, and the times
  /// within the window of frames where the cells that changed exceed the area limit.
  var changedNow: [[Int]]
  var anyChangedNow = [Bool](repeating: false, count: Signal.allCases.count)
  var areaTransitions = [[Double]](repeating: [], count: Signal.allCases.count)

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
    changedNow = Array(repeating: Array(repeating: 0, count: n), count: Signal.allCases.count)
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

  /// Whether `exceeds` reads the field window (`maxField`); when it does not, the areas that are
  /// only tested skip the window search (`area(_:atLeast:field:)`).
  var fieldDecides: Bool { p.profile == .wcag && p.fieldAreaReading == .g176 }

  mutating func record(_ signal: Signal, cell c: Int, time t: Double) {
    let s = signal.rawValue
    let pairsWithLast =
      histories[s].lastLeading[c] && t - histories[s].lastTime[c] < p.windowSeconds
    histories[s].append(cell: c, time: t, leading: !pairsWithLast)
    pending[s] += 1
    changedNow[s][c] = 1
    anyChangedNow[s] = true
  }

  /// Area of the cells whose count is at least `n`: total, largest in a field window, bounds;
  /// `field` false leaves `maxField` at 0 (for an area that is only tested, when `fieldDecides`
  /// is false). (Raw pointers: this runs several times a frame on the scanning thread; every
  /// index stays within the grid's `columns x rows` cells and `(columns + 1) x (rows + 1)`
  /// prefix sums.)
  mutating func area(_ counts: [Int], atLeast n: Int, field: Bool = true) -> AreaStats {
    let cols = grid.columns
    let rows = grid.rows
    let stride = cols + 1
    precondition(counts.count == cols * rows && prefix.count == stride * (rows + 1))
    var stats = AreaStats()
    var (minX, minY, maxX, maxY) = (cols, rows, -1, -1)
    let grid = self.grid
    prefix.withUnsafeMutableBufferPointer { prefixBuffer in
      let prefix = prefixBuffer.baseAddress!
      counts.withUnsafeBufferPointer { countBuffer in
        grid.columnBounds.withUnsafeBufferPointer { columnBuffer in
          let counts = countBuffer.baseAddress!
          let columnBounds = columnBuffer.baseAddress!
          for cy in 0..<rows {
            var rowSum = 0
            let cellHeight = grid.rowBounds[cy + 1] - grid.rowBounds[cy]
            let cellRow = counts + cy * cols
            let above = prefix + cy * stride + 1
            let here = above + stride
            for cx in 0..<cols {
              if cellRow[cx] >= n {
                rowSum += (columnBounds[cx + 1] - columnBounds[cx]) * cellHeight
                minX = min(minX, cx)
                maxX = max(maxX, cx)
                minY = min(minY, cy)
                maxY = max(maxY, cy)
              }
              here[cx] = above[cx] + rowSum
            }
            stats.total += rowSum
          }
        }
      }
    }
    guard stats.total > 0 else { return stats }
    stats.bounds = PixelRect(
      x: grid.columnBounds[minX], y: grid.rowBounds[minY],
      width: grid.columnBounds[maxX + 1] - grid.columnBounds[minX],
      height: grid.rowBounds[maxY + 1] - grid.rowBounds[minY])
    guard field else { return stats }
    let fw = grid.fieldColumns
    let fh = grid.fieldRows
    stats.maxField = prefix.withUnsafeBufferPointer { prefixBuffer in
      let prefix = prefixBuffer.baseAddress!
      var best = 0
      for y0 in 0...(rows - fh) {
        let top = prefix + y0 * stride
        let bottom = top + fh * stride
        for x0 in 0...(cols - fw) {
          let s = bottom[x0 + fw] - top[x0 + fw] - bottom[x0] + top[x0]
          best = max(best, s)
        }
      }
      return best
    }
    return stats
  }

  /// The largest `n` whose area exceeds the limit (0 if none), with that area. The cells with
  /// at least `n` shrink as `n` grows, so "exceeds" is monotone and a binary search finds it.
  mutating func frameTransitions(_ counts: [Int]) -> (Int, AreaStats) {
    guard let top = counts.max(), top > 0 else { return (0, AreaStats()) }
    // The tested areas skip the field window unless it decides; the one returned has it.
    let decide = fieldDecides
    let topArea = area(counts, atLeast: top, field: decide)
    if exceeds(topArea) { return (top, decide ? topArea : area(counts, atLeast: top)) }
    var lo = 0  // exceeds(lo) holds (or lo == 0)
    var loArea = AreaStats()
    var hi = top  // exceeds(hi) fails
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      let a = area(counts, atLeast: mid, field: decide)
      if exceeds(a) {
        lo = mid
        loArea = a
      } else {
        hi = mid
      }
    }
    guard lo > 0 else { return (0, AreaStats()) }
    return (lo, decide ? loArea : area(counts, atLeast: lo))
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
    for signal in signals {
      let s = signal.rawValue
      if anyChangedNow[s] {
        if exceeds(area(changedNow[s], atLeast: 1, field: fieldDecides)) {
          areaTransitions[s].append(t)
        }
        changedNow[s].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        anyChangedNow[s] = false
      }
      if let k = areaTransitions[s].firstIndex(where: { $0 > cutoff }) {
        areaTransitions[s].removeFirst(k)
      } else {
        areaTransitions[s].removeAll()
      }
    }
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
      let window = n > 0 ? flashWindow(signal, counts: counts, atLeast: n, area: a) : nil
      if signal == .luminance {
        luminanceT = n
        raw.windows[.luminance] = window
      } else {
        if n > redT { raw.windows[.red] = window }
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
    let luminanceBand = band.contains(luminanceT)
    let redBand = band.contains(redT)
    recent.append(
      (
        t, duration, luminanceBand, redBand,
        luminanceBand ? raw.windows[.luminance]?.firstTransition : nil,
        redBand ? raw.windows[.red]?.firstTransition : nil
      ))
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
    raw.windows[.extended] = extendedWindow(raw)
    return raw
  }

  /// The window of `signal` at a flagged frame (`n` at least the band's lower end): its first
  /// and last transition, and the failing area. The transitions are the window's frames where
  /// cells over more than the area limit changed at once (a flash of the failing size), so
  /// motion in small parts of the picture before or after the flashing does not stretch it.
  /// When no frame did (the area flashed piecemeal), a cell of the area (at least `n`
  /// transitions) needs its `n` latest ones to count `n`, and the window starts at the latest
  /// time from which the cells' needed transitions still cover more than the limit; its end is
  /// found the same way from the cells' `n` earliest transitions.
  mutating func flashWindow(_ signal: Signal, counts: [Int], atLeast n: Int, area a: AreaStats)
    -> FlashWindow?
  {
    guard n >= p.minTransitions else { return nil }
    let times = histories[signal.rawValue].times
    var latest: [(cell: Int, time: Double)] = []
    var earliest: [(cell: Int, time: Double)] = []
    for c in counts.indices where counts[c] >= n && times[c].count >= n {
      latest.append((c, times[c][times[c].count - n]))
      earliest.append((c, times[c][n - 1]))
    }
    guard !latest.isEmpty else { return nil }
    latest.sort { ($0.time, $0.cell) > ($1.time, $1.cell) }
    earliest.sort { ($0.time, $0.cell) < ($1.time, $1.cell) }
    let screen = Double(grid.width * grid.height)
    let whole = areaTransitions[signal.rawValue]
    return FlashWindow(
      firstTransition: whole.first ?? boundary(latest),
      lastTransition: whole.last ?? boundary(earliest),
      screenShare: Double(a.total) / screen,
      fieldShare: min(1, Double(a.maxField) / grid.fieldArea), box: a.bounds)
  }

  /// The time of the cell at which the cells taken in `order` first exceed the area limit
  /// (the last cell's when they never do).
  mutating func boundary(_ order: [(cell: Int, time: Double)]) -> Double {
    var mask = [Int](repeating: 0, count: grid.cellCount)
    var lo = 0  // cells taken: order[0...lo] does not exceed (or lo == 0)
    var hi = order.count - 1
    while lo < hi {
      let mid = (lo + hi) / 2
      for i in mask.indices { mask[i] = 0 }
      for i in 0...mid { mask[order[i].cell] = 1 }
      if exceeds(area(mask, atLeast: 1, field: fieldDecides)) { hi = mid } else { lo = mid + 1 }
    }
    return order[lo].time
  }

  /// The extended-flashing window at a frame that fails it: from the first transition of the
  /// first in-band frame of the 5 s window (of the failing kinds) to this frame's last
  /// transition, over the larger failing area.
  func extendedWindow(_ raw: RawFrame) -> FlashWindow? {
    let luminance = raw.luminanceResult == .extendedFailure
    let red = raw.redResult == .extendedFailure
    guard luminance || red else { return nil }
    var first = Double.infinity
    for f in recent {
      if luminance, let t = f.luminanceFirst { first = min(first, t) }
      if red, let t = f.redFirst { first = min(first, t) }
    }
    let candidates = [luminance ? raw.windows[.luminance] : nil, red ? raw.windows[.red] : nil]
      .compactMap { $0 }
    guard var w = candidates.max(by: { $0.screenShare < $1.screenShare }) else { return nil }
    w.firstTransition = min(first, w.firstTransition)
    w.lastTransition = candidates.map(\.lastTransition).max() ?? w.lastTransition
    return w
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
