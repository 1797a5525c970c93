import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Reports
import Testing

@Suite("Thumbnails")
struct ThumbnailTests {
  @Test("box filter: each thumbnail pixel is the rounded mean of the pixels it covers")
  func downscale() {
    // 8x4 frame, left half (0,0,0)/(255,255,255) checker columns, right half (200,10,30).
    var storage = [UInt8](repeating: 0, count: 8 * 4 * 3)
    for y in 0..<4 {
      for x in 0..<8 {
        let o = (y * 8 + x) * 3
        let c: (UInt8, UInt8, UInt8) =
          x < 4 ? (x % 2 == 0 ? (0, 0, 0) : (255, 255, 255)) : (200, 10, 30)
        storage[o] = c.0
        storage[o + 1] = c.1
        storage[o + 2] = c.2
      }
    }
    let chunk = FrameChunk(
      frames: Tensor(shape: [1, 4, 8, 3], storage: storage), times: [0.5], firstIndex: 7)
    let thumb = Thumbnail(chunk: chunk, index: 0, maxWidth: 4)
    #expect(thumb.pixels.shape == [2, 4, 3])
    #expect(thumb.frame == 7 && thumb.time == 0.5)
    #expect(thumb[0, 0] == [128, 128, 128])  // (0 + 255) / 2 rounded half up
    #expect(thumb[1, 3] == [200, 10, 30])
    // No upscaling: a narrow frame stays as it is.
    #expect(Thumbnail(chunk: chunk, index: 0, maxWidth: 320).pixels.storage == storage)
  }

  @Test("the outline is drawn just inside the scaled box, 3 px yellow between black")
  func outline() {
    let frames = Tensor<UInt8>(shape: [1, 180, 320, 3], repeating: 90)
    let chunk = FrameChunk(frames: frames, times: [0], firstIndex: 0)
    let thumb = Thumbnail(chunk: chunk, index: 0, maxWidth: 160)
    #expect(thumb.width == 160 && thumb.height == 90)
    let box = PixelRect(x: 40, y: 20, width: 200, height: 100)  // -> x 20, y 10, 100 x 50
    #expect(thumb.scaled(box) == PixelRect(x: 20, y: 10, width: 100, height: 50))
    let image = thumb.outlined(box)
    func pixel(_ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { image[y, x, $0] } }
    #expect(pixel(20, 30) == [0, 0, 0])
    #expect(pixel(21, 30) == [255, 221, 0])
    #expect(pixel(22, 30) == [255, 221, 0])
    #expect(pixel(23, 30) == [255, 221, 0])
    #expect(pixel(24, 30) == [0, 0, 0])
    #expect(pixel(25, 30) == [90, 90, 90])
    #expect(pixel(119, 59) == [0, 0, 0])  // bottom-right corner, inside the box
    #expect(pixel(120, 60) == [90, 90, 90])
    #expect(pixel(19, 30) == [90, 90, 90])
    // The PNG decodes back to the same pixels.
    let png = try? thumb.png(outlining: box, encoder: PNGEncoder.encode(rgb:))
    #expect(png?.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
  }

  @Test(
    "the collector keeps exactly each incident's worst frame, in bounded memory, for any chunking",
    arguments: [AnalysisParameters.wcag, .ofcom, .iris], [1, 7, 32])
  func collectorMatchesIncidents(parameters: AnalysisParameters, chunk: Int) throws {
    // Two separate bursts of flashing in a 160x90 box, so there are several incidents.
    let a = Fixture.flashing(
      width: 160, height: 90, count: 150, rate: 25, hertz: 5,
      box: PixelRect(x: 20, y: 10, width: 100, height: 60))
    var storage = a.frames.storage
    let frameSize = 160 * 90 * 3
    // Calm (frame 0's picture) from 2 s to 3.5 s.
    for f in 50..<88 {
      storage.replaceSubrange((f * frameSize)..<((f + 1) * frameSize), with: storage[0..<frameSize])
    }
    let frames = Tensor(shape: [150, 90, 160, 3], storage: storage)
    let (report, collector, maxHeld) = try Fixture.report(
      frames: frames, times: a.times, rate: 25, parameters: parameters, chunk: chunk)
    let incidents = report.document.incidents
    #expect(incidents.count >= 2, "profile \(parameters.profile)")
    for i in incidents {
      let picture = try #require(
        collector.picture(frame: i.worstFrame), "incident \(i.number) frame \(i.worstFrame)")
      #expect(picture.worst.frame == i.worstFrame)
      #expect(picture.worst.width == 160)
      // The other state of a white/black flash is the opposite colour inside the box.
      let opposite = try #require(picture.opposite)
      #expect((i.firstFrame...i.lastFrame).contains(opposite.frame))
      let inside = (picture.worst[30, 60][0], opposite[30, 60][0])
      #expect(Set([inside.0, inside.1]) == [0, 255], "box pixels \(inside)")
    }
    #expect(collector.kept.count == Set(incidents.map(\.worstFrame)).count)
    #expect(maxHeld <= 2 * incidents.count + 3 * IncidentKind.allCases.count)
    #expect(collector.omitted == 0)
  }

  @Test("past maxIncidents, later incidents get no thumbnail and are counted")
  func cap() throws {
    let a = Fixture.flashing(width: 64, height: 48, count: 150, rate: 25, hertz: 5, box: nil)
    var storage = a.frames.storage
    let frameSize = 64 * 48 * 3
    for f in 50..<88 {
      storage.replaceSubrange((f * frameSize)..<((f + 1) * frameSize), with: storage[0..<frameSize])
    }
    let frames = Tensor(shape: [150, 48, 64, 3], storage: storage)
    let (report, collector, _) = try Fixture.report(
      frames: frames, times: a.times, rate: 25, maxIncidents: 1)
    #expect(report.document.incidents.count >= 2)
    #expect(collector.kept.count == 1)
    #expect(collector.omitted == report.document.incidents.count - 1)
    #expect(
      report.html(png: PNGEncoder.encode(rgb:)).contains(
        "no thumbnail (limit of kept thumbnails reached)"))
  }

  @Test("thumbnail stages refuse frames that are not rgb24 with an error, not a crash")
  func stagesRefuseOtherLayouts() throws {
    let info = VideoInfo(
      path: "x", streamIndex: 0, codecName: "rawvideo", width: 8, height: 4,
      pixelFormatName: "gray", frameRate: 25, duration: nil, estimatedFrameCount: nil,
      layout: .luma)
    let thumbnails = ThumbnailStage(
      following: PhotosensitivityStage(info: info, parameters: .wcag))
    let patterns = PatternThumbnailStage(
      following: PatternStage(info: info, rule: AnalysisParameters.ofcom.patterns!))
    for channels in [1, 2, 0] {
      let chunk = FrameChunk(
        frames: Tensor(shape: [1, 4, 8, channels], repeating: 0), times: [0], firstIndex: 3)
      let window = ChunkWindow(chunk: chunk, previous: nil)
      #expect(throws: PhotosensitivityError.self) { try thumbnails.consume((), window: window) }
      #expect(throws: PhotosensitivityError.self) { try patterns.consume((), window: window) }
    }
    // rgb24 passes.
    let rgb = FrameChunk(
      frames: Tensor(shape: [1, 4, 8, 3], repeating: 0), times: [0], firstIndex: 3)
    try thumbnails.consume((), window: ChunkWindow(chunk: rgb, previous: nil))
    try patterns.consume((), window: ChunkWindow(chunk: rgb, previous: nil))
  }
}

extension Thumbnail {
  /// The RGB of thumbnail pixel (y, x).
  subscript(y: Int, x: Int) -> [UInt8] { (0..<3).map { pixels[y, x, $0] } }
}
