/// IRIS's flash algorithm, step for step (docs/photosensitivity.md, "IRIS"), in IRIS's float
/// arithmetic so its per-frame integers come out the same. Whole-frame means only: the known
/// weakness the region profiles exist to fix.
struct IrisEngine: FlashEngine {
  /// One of IRIS's two flash channels (luminance, red): frame means, the same-sign accumulator
  /// over at most `fps` differences, and the transition test.
  struct Channel: Sendable {
    let threshold: Float
    let darkThreshold: Float
    let fps: Int
    var window: [Float] = [0]
    var accumulator: Float = 0
    var lastMean: Float = 0
    var currentMean: Float = 0

    mutating func setMean(_ mean: Float) {
      lastMean = currentMean
      currentMean = mean
    }

    /// 0 counts as either sign: a still frame does not break a trend.
    @inline(__always) static func sameSign(_ a: Float, _ b: Float) -> Bool {
      (a <= 0 && b <= 0) || (a >= 0 && b >= 0)
    }

    /// One frame difference: returns whether it completes a new transition.
    mutating func step(changed: Int, safeArea: Int) -> Bool {
      var diff: Float = changed >= safeArea ? currentMean - lastMean : 0
      let previousAccumulator = accumulator
      var carried = accumulator
      if Self.sameSign(carried, diff) {
        if window.count == fps {
          carried -= window[0]
          window.removeFirst()
        }
        window.append(diff)
        diff += carried
      } else {
        window.removeAll(keepingCapacity: true)
        window.append(diff)
      }
      let darker = lastMean < currentMean ? lastMean : currentMean
      let transition: Bool
      if Self.sameSign(previousAccumulator, diff) && abs(previousAccumulator) >= threshold {
        transition = false  // the ramp already counted
      } else {
        transition = abs(diff) >= threshold && darker < darkThreshold
      }
      accumulator = diff
      return transition
    }
  }

  /// Transitions in the last `fps` frames and frames in the 4...6 band in the last 5 * fps.
  struct Counter: Sendable {
    let fps: Int
    let extendedFrames: Int
    var transitions: [UInt8] = [0]  // per frame, frame 0 included
    var band: [UInt8] = [0]
    var current = 0
    var extended = 0

    mutating func update(transition: Bool, minTransitions: Int, maxTransitions: Int) {
      let k = transitions.count
      transitions.append(transition ? 1 : 0)
      current += transition ? 1 : 0
      if k - fps >= 0 { current -= Int(transitions[k - fps]) }
      let inBand = current >= minTransitions && current <= maxTransitions
      band.append(inBand ? 1 : 0)
      extended += inBand ? 1 : 0
      if k - extendedFrames >= 0 { extended -= Int(band[k - extendedFrames]) }
    }
  }

  let parameters: AnalysisParameters
  let fps: Int
  let safeArea: Int
  let pixels: Int
  var luminance: Channel
  var red: Channel
  var luminanceCount: Counter
  var redCount: Counter
  var framesSeen = 0
  var luminanceSpans = Spans()
  var redSpans = Spans()

  /// The transitions within the last `fps` frames and the first transition of each in-band
  /// frame within the extended window, by frame count: the incident rule's spans.
  struct Spans: Sendable {
    var transitions: [(k: Int, time: Double)] = []
    var band: [(k: Int, first: Double)] = []

    mutating func update(
      k: Int, time: Double, transition: Bool, counter: Counter, minTransitions: Int,
      maxTransitions: Int
    ) {
      if transition { transitions.append((k, time)) }
      transitions.removeAll { $0.k <= k - counter.fps }
      if (minTransitions...maxTransitions).contains(counter.current), let f = transitions.first {
        band.append((k, f.time))
      }
      band.removeAll { $0.k <= k - counter.extendedFrames }
    }

    func window(screenShare: Double, extended: Bool) -> FlashWindow? {
      guard let last = transitions.last else { return nil }
      let first = extended ? (band.first?.first ?? transitions[0].time) : transitions[0].time
      return FlashWindow(
        firstTransition: min(first, transitions[0].time), lastTransition: last.time,
        screenShare: screenShare, fieldShare: nil, box: nil)
    }
  }

  init(parameters p: AnalysisParameters, width: Int, height: Int, fps: Int) {
    parameters = p
    self.fps = max(1, fps)
    pixels = width * height
    // (int)(frameSize.area() * areaProportion) with a float proportion.
    safeArea = Int(Float(pixels) * Float(p.screenAreaShare))
    luminance = Channel(
      threshold: Float(p.flashThreshold), darkThreshold: Float(p.darkThreshold), fps: self.fps)
    // IRIS gates red with a dark threshold of 321, above any red value: never gated.
    red = Channel(threshold: Float(p.redThreshold), darkThreshold: 321, fps: self.fps)
    let extendedFrames = Int(p.extendedWindowSeconds.rounded()) * self.fps
    luminanceCount = Counter(fps: self.fps, extendedFrames: extendedFrames)
    redCount = Counter(fps: self.fps, extendedFrames: extendedFrames)
  }

  /// IRIS's frame result: 3 flash fail, 2 extended fail, 1 warning, 0 pass.
  func code(_ c: Counter) -> FrameResult {
    if c.current > parameters.maxTransitions { return .flashFailure }
    let extendedLimit = Int(parameters.extendedSeconds.rounded()) * fps
    if c.extended >= extendedLimit && c.current >= parameters.minTransitions {
      return .extendedFailure
    }
    if c.current >= parameters.minTransitions { return .transitionBand }
    return .pass
  }

  mutating func consume(_ m: FrameMeasure) throws -> RawFrame {
    luminance.setMean(m.luminanceMean)
    red.setMean(m.redMean)
    defer { framesSeen += 1 }
    var raw = RawFrame(index: m.index, time: m.time)
    guard framesSeen > 0 else { return raw }  // the first frame is never evaluated
    let redTransition = red.step(changed: m.redChanged, safeArea: safeArea)
    let luminanceTransition = luminance.step(changed: m.luminanceChanged, safeArea: safeArea)
    luminanceCount.update(
      transition: luminanceTransition, minTransitions: parameters.minTransitions,
      maxTransitions: parameters.maxTransitions)
    redCount.update(
      transition: redTransition, minTransitions: parameters.minTransitions,
      maxTransitions: parameters.maxTransitions)
    let k = luminanceCount.transitions.count - 1
    luminanceSpans.update(
      k: k, time: m.time, transition: luminanceTransition, counter: luminanceCount,
      minTransitions: parameters.minTransitions, maxTransitions: parameters.maxTransitions)
    redSpans.update(
      k: k, time: m.time, transition: redTransition, counter: redCount,
      minTransitions: parameters.minTransitions, maxTransitions: parameters.maxTransitions)
    raw.luminanceTransitions = luminanceCount.current
    raw.redTransitions = redCount.current
    raw.setRedTransitions(.classic, redCount.current)
    raw.luminanceExtendedCount = luminanceCount.extended
    raw.redExtendedCount = redCount.extended
    raw.luminanceResult = code(luminanceCount)
    raw.redResult = code(redCount)
    raw.luminanceTransitionNow = luminanceTransition
    raw.redTransitionNow = redTransition
    let changed = max(m.luminanceChanged, m.redChanged)
    raw.screenShare = Double(changed) / Double(pixels)
    raw.maxRegionTransitions = max(raw.luminanceTransitions, raw.redTransitions)
    let luminanceShare = Double(m.luminanceChanged) / Double(pixels)
    let redShare = Double(m.redChanged) / Double(pixels)
    raw.windows[.luminance] = luminanceSpans.window(screenShare: luminanceShare, extended: false)
    raw.windows[.red] = redSpans.window(screenShare: redShare, extended: false)
    let extended = [
      raw.luminanceResult == .extendedFailure
        ? luminanceSpans.window(screenShare: luminanceShare, extended: true) : nil,
      raw.redResult == .extendedFailure
        ? redSpans.window(screenShare: redShare, extended: true) : nil,
    ].compactMap { $0 }
    if var w = extended.max(by: { $0.screenShare < $1.screenShare }) {
      w.firstTransition = extended.map(\.firstTransition).min() ?? w.firstTransition
      w.lastTransition = extended.map(\.lastTransition).max() ?? w.lastTransition
      raw.windows[.extended] = w
    }
    return raw
  }
}
