import Foundation

/// One frame through IRIS's pattern detection (`PatternDetection::detectPattern` and the
/// harm test of `checkFrame`), Docs/Patterns.md "The iris profile".
public struct IrisPatternFrame: Sendable, Equatable {
  /// The detector's image size (the frame, halved when wider than 480 px).
  public var width: Int
  public var height: Int
  /// Pixels whose reconstruction without the spectral peaks differs by more than 50 levels.
  public var changedPixels: Int
  /// Components of the pattern: the size of the largest group of similar contours; 0 when
  /// fewer than 5 contours were left; -1 when no pattern region was found.
  public var components: Int
  /// Pixels of the pattern region (the filled minimum-area rectangle of the group).
  public var areaPixels: Int
  /// Mean relative luminance (0...1) of the region's light part (over Otsu's threshold of
  /// the normalised image masked to the region) and of its dark part.
  public var lightLuminance: Double
  public var darkLuminance: Double
  /// IRIS's harm test: area >= 25% (of the detector's image, in whole pixels), at least
  /// `minStripes` components, light part >= 0.25.
  public var harmful: Bool
  /// The region's bounding box in source pixels (nil when there is none).
  public var box: PixelRect?

  public init(
    width: Int, height: Int, changedPixels: Int, components: Int, areaPixels: Int,
    lightLuminance: Double, darkLuminance: Double, harmful: Bool, box: PixelRect?
  ) {
    self.width = width
    self.height = height
    self.changedPixels = changedPixels
    self.components = components
    self.areaPixels = areaPixels
    self.lightLuminance = lightLuminance
    self.darkLuminance = darkLuminance
    self.harmful = harmful
    self.box = box
  }

  /// Area share of the detector's image.
  public var areaShare: Double {
    width * height > 0 ? Double(areaPixels) / Double(width * height) : 0
  }
}

/// IRIS's pattern detector, reimplemented from its source without OpenCV (the primitives are
/// in `IrisVision`). A pure function of each frame; the frame-count rule is
/// `IrisPatternCounter`.
public struct IrisPatternDetector: Sendable {
  public let width: Int
  public let height: Int
  /// The detector's image: the frame, or the frame halved (`w * 50 / 100`) when it is wider
  /// than 480 px, as IRIS does. Larger than `maxPixels` after that, it is halved again until it
  /// fits (a flashscan limit; IRIS has none).
  public let scaledWidth: Int
  public let scaledHeight: Int
  /// The DFT size: OpenCV's optimal DFT sizes (factors 2, 3, 5) at or above the image size.
  public let dftWidth: Int
  public let dftHeight: Int
  public let minStripes: Int
  public let areaProportion: Double
  public let lightThreshold: Double

  /// The largest detector image (1920 x 1080 and a little more, what IRIS makes of 4K UHD):
  /// the detector needs about 60 bytes a pixel, so this bounds each worker to about 140 MB.
  public static let maxPixels = 2_304_000
  /// IRIS's constants (`PatternDetection.cpp`).
  static let halveAbove = 480
  static let diffLevel = 50
  static let changedShare = 0.1
  static let contourShare = 0.00155
  static let similarity = 0.7
  static let minContours = 5
  static let centreRadius = 5

  public init(
    width: Int, height: Int, minStripes: Int = 6, areaProportion: Double = 0.25,
    lightThreshold: Double = 0.25
  ) {
    self.width = max(width, 1)
    self.height = max(height, 1)
    var w = self.width
    var h = self.height
    if w > Self.halveAbove {
      w = w * 50 / 100
      h = h * 50 / 100
    }
    while w.multipliedReportingOverflow(by: h).partialValue > Self.maxPixels && w > 1 {
      w /= 2
      h /= 2
    }
    scaledWidth = max(w, 1)
    scaledHeight = max(h, 1)
    dftWidth = IrisVision.optimalDFTSize(scaledWidth)
    dftHeight = IrisVision.optimalDFTSize(scaledHeight)
    self.minStripes = minStripes
    self.areaProportion = areaProportion
    self.lightThreshold = lightThreshold
  }

  /// sRGB decoding of 8-bit codes (IRIS's `sRGBValues` table).
  static let linear: [Double] = (0..<256).map { Colorimetry.linear(UInt8($0)) }

  /// One frame of rgb24 (`channels` 3) or 8-bit grey (`channels` 1, decoded as sRGB grey).
  /// The relative luminance is resized as it is read (no full-size copy of the frame).
  public func detect(_ frame: UnsafePointer<UInt8>, channels: Int) -> IrisPatternFrame {
    let t = Self.linear
    @inline(__always) func lum(_ i: Int) -> Double {
      if channels == 3 {
        return 0.0722 * t[Int(frame[3 * i + 2])] + 0.7152 * t[Int(frame[3 * i + 1])]
          + 0.2126 * t[Int(frame[3 * i])]
      }
      return t[Int(frame[i])]
    }
    let w = scaledWidth
    let h = scaledHeight
    var luminance = [Double](repeating: 0, count: w * h)
    if (w, h) == (width, height) {
      for i in 0..<(w * h) { luminance[i] = lum(i) }
    } else {
      let xs = IrisVision.bilinearTaps(from: width, to: w)
      let ys = IrisVision.bilinearTaps(from: height, to: h)
      for (dy, (y0, y1, ty)) in ys.enumerated() {
        for (dx, (x0, x1, tx)) in xs.enumerated() {
          let top = lum(y0 * width + x0) * (1 - tx) + lum(y0 * width + x1) * tx
          let bottom = lum(y1 * width + x0) * (1 - tx) + lum(y1 * width + x1) * tx
          luminance[dy * w + dx] = top * (1 - ty) + bottom * ty
        }
      }
    }
    return detect(luminance: luminance)
  }

  /// The detector on a relative-luminance image of the detector's size.
  public func detect(luminance: [Double]) -> IrisPatternFrame {
    let w = scaledWidth
    let h = scaledHeight
    let area = w * h
    precondition(luminance.count == area)
    var result = IrisPatternFrame(
      width: w, height: h, changedPixels: 0, components: -1, areaPixels: 0,
      lightLuminance: 0, darkLuminance: 0, harmful: false, box: nil)

    // Min-max normalisation to 0...255, rounded to 8 bits.
    let lo = luminance.min() ?? 0
    let hi = luminance.max() ?? 0
    let scale = hi - lo > Double.ulpOfOne ? 255 / (hi - lo) : 0
    let lum8 = luminance.map { Self.saturate8(($0 - lo) * scale) }

    // hasPattern: the spectrum without its peaks, back to an image; what changed.
    let ift = reconstructWithoutPeaks(lum8)
    var changed = [Bool](repeating: false, count: area)
    var changedCount = 0
    for i in 0..<area where abs(Int(ift[i]) - Int(lum8[i])) > Self.diffLevel {
      changed[i] = true
      changedCount += 1
    }
    result.changedPixels = changedCount
    guard changedCount >= Int(Double(area) * Self.changedShare) else { return result }

    // getPatternRegion: keep the contours over 0.155% of the image (filled), trace again.
    let minContourArea = Double(Int(Double(area) * Self.contourShare))
    var kept = [Bool](repeating: false, count: area)
    for c in IrisVision.externalContours(changed, width: w, height: h)
    where IrisVision.contourArea(c) > minContourArea {
      IrisVision.fillConvex(c, into: &kept, width: w, height: h)
    }
    let contours = IrisVision.externalContours(kept, width: w, height: h)
    guard !contours.isEmpty else { return result }
    let patternContour: [IrisVision.Point]
    if contours.count < Self.minContours {
      // The biggest contour (the first on ties), no components.
      var best = 0
      for i in contours.indices
      where IrisVision.contourArea(contours[i]) > IrisVision.contourArea(contours[best]) {
        best = i
      }
      patternContour = contours[best]
      result.components = 0
    } else {
      // getSimilarContours: each contour but the first seeds a group of those within 0.7
      // (CONTOURS_MATCH_I1); the largest group (the first on ties) is the pattern.
      let hu = contours.map { IrisVision.huMoments(IrisVision.moments($0)) }
      var bestGroup: [Int] = []
      for i in 1..<contours.count {
        var group = [i]
        for j in contours.indices where j != i {
          if IrisVision.matchShapes(hu: hu[i], hu[j], method: .i1) < Self.similarity {
            group.append(j)
          }
        }
        if group.count > bestGroup.count { bestGroup = group }
      }
      patternContour = bestGroup.flatMap { contours[$0] }
      result.components = bestGroup.count
    }

    // The region: the minimum-area rectangle of the pattern's points, filled.
    let corners = IrisVision.minAreaRectCorners(patternContour)
    var region = [Bool](repeating: false, count: area)
    IrisVision.fillConvex(corners, into: &region, width: w, height: h)
    var regionCount = 0
    var minX = w
    var minY = h
    var maxX = -1
    var maxY = -1
    for y in 0..<h {
      for x in 0..<w where region[y * w + x] {
        regionCount += 1
        minX = min(minX, x)
        maxX = max(maxX, x)
        minY = min(minY, y)
        maxY = max(maxY, y)
      }
    }
    result.areaPixels = regionCount
    if regionCount > 0 {
      // Detector pixels to source pixels.
      let x0 = minX * width / w
      let y0 = minY * height / h
      let x1 = min(width, ((maxX + 1) * width + w - 1) / w)
      let y1 = min(height, ((maxY + 1) * height + h - 1) / h)
      result.box = PixelRect(x: x0, y: y0, width: max(x1 - x0, 1), height: max(y1 - y0, 1))
    }

    // setPatternLuminance: Otsu over the normalised image masked to the region (zeros
    // outside count in its histogram); light is above the threshold, dark the rest of the
    // region; means of the (resized) relative luminance.
    var masked = [UInt8](repeating: 0, count: area)
    for i in 0..<area where region[i] { masked[i] = lum8[i] }
    let threshold = IrisVision.otsuThreshold(histogram: IrisVision.histogram(masked))
    var lightSum = 0.0
    var lightCount = 0
    var darkSum = 0.0
    var darkCount = 0
    for i in 0..<area {
      if Int(masked[i]) > threshold {
        lightSum += luminance[i]
        lightCount += 1
      } else if region[i] {
        darkSum += luminance[i]
        darkCount += 1
      }
    }
    result.lightLuminance = lightCount > 0 ? lightSum / Double(lightCount) : 0
    result.darkLuminance = darkCount > 0 ? darkSum / Double(darkCount) : 0

    // checkFrame's harm test (IRIS's thresholds are whole pixels).
    let safeArea = Int(Double(area) * areaProportion)
    result.harmful =
      regionCount >= safeArea && result.components >= minStripes
      && result.lightLuminance >= lightThreshold
    return result
  }

  /// `FourierTransform`'s steps: zero-padded DFT of the image / 255 (scaled by 1/N), the
  /// "power spectrum" `log(1 + (1 - |m'|)^2)` of the magnitude `m` min-max mapped to
  /// [-1, 1] (`m'`), min-max mapped to 8 bits; the bins over its Otsu threshold are the
  /// peaks, except those within a radius-5 circle around IRIS's centre point; the peaks are
  /// zeroed and the inverse DFT's real part, times 255, rounded to 8 bits, and resized back
  /// to the image when it was padded.
  func reconstructWithoutPeaks(_ lum8: [UInt8]) -> [UInt8] {
    let w = scaledWidth
    let h = scaledHeight
    let pw = dftWidth
    let ph = dftHeight
    let count = pw * ph
    var re = [Double](repeating: 0, count: count)
    var im = [Double](repeating: 0, count: count)
    for y in 0..<h {
      for x in 0..<w { re[y * pw + x] = Double(lum8[y * w + x]) / 255 }
    }
    IrisVision.dft2D(re: &re, im: &im, rows: ph, cols: pw, inverse: false)
    let norm = 1 / Double(count)
    var magnitude = [Double](repeating: 0, count: count)
    for i in 0..<count {
      re[i] *= norm
      im[i] *= norm
      magnitude[i] = (re[i] * re[i] + im[i] * im[i]).squareRoot()
    }
    let psd = Self.minMax(magnitude, to: -1, 1).map { v -> Double in
      let a = 1 - abs(v)
      return log(1 + a * a)
    }
    let psd8 = Self.minMax(psd, to: 0, 255).map(Self.saturate8)
    let threshold = IrisVision.otsuThreshold(histogram: IrisVision.histogram(psd8))
    var peaks = psd8.map { Int($0) > threshold }
    // The circle is drawn on the quadrant-swapped mask (over its even-sized part) at IRIS's
    // centre point, the image's centre.
    let ew = pw & ~1
    let eh = ph & ~1
    func unshift(_ v: Int, _ even: Int) -> Int { v < even ? (v + even / 2) % even : v }
    for o in IrisVision.filledCircleOffsets(radius: Self.centreRadius) {
      let sx = w / 2 + o.x
      let sy = h / 2 + o.y
      guard sx >= 0, sx < pw, sy >= 0, sy < ph else { continue }
      peaks[unshift(sy, eh) * pw + unshift(sx, ew)] = false
    }
    for i in 0..<count where peaks[i] {
      re[i] = 0
      im[i] = 0
    }
    IrisVision.dft2D(re: &re, im: &im, rows: ph, cols: pw, inverse: true)
    let ift8 = re.map { Self.saturate8($0 * 255) }
    guard (pw, ph) != (w, h) else { return ift8 }
    return IrisVision.resizeBilinear(
      ift8.map(Double.init), width: pw, height: ph, toWidth: w, toHeight: h
    ).map(Self.saturate8)
  }

  /// OpenCV's `normalize(NORM_MINMAX)`: `lo...hi` onto `a...b` (all `a` when constant).
  static func minMax(_ v: [Double], to a: Double, _ b: Double) -> [Double] {
    let lo = v.min() ?? 0
    let hi = v.max() ?? 0
    let scale = hi - lo > Double.ulpOfOne ? (b - a) / (hi - lo) : 0
    let shift = a - lo * scale
    return v.map { $0 * scale + shift }
  }

  /// Round half to even and clamp to 0...255 (`saturate_cast<uchar>`).
  static func saturate8(_ v: Double) -> UInt8 {
    guard v.isFinite else { return 0 }
    let r = v.rounded(.toNearestOrEven)
    return r <= 0 ? 0 : (r >= 255 ? 255 : UInt8(r))
  }
}

/// IRIS's frame counter for patterns (`PatternDetection::Counter`): a frame fails when the
/// last `threshold` frames, itself included, were all harmful; `threshold` is
/// `int(fps * 0.5)` with IRIS's integer fps (at least 1 here; IRIS would fail every frame
/// below 2 fps).
public struct IrisPatternCounter: Sendable {
  public let threshold: Int
  var recent: [Bool] = []

  public init(fps: Int, seconds: Double) {
    threshold = max(1, Int(Double(fps) * seconds))
  }

  /// Adds a frame's harm test; true when the frame fails.
  public mutating func add(harmful: Bool) -> Bool {
    recent.append(harmful)
    if recent.count > threshold { recent.removeFirst(recent.count - threshold) }
    return recent.count == threshold && recent.allSatisfy { $0 }
  }
}
