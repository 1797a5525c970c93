import Foundation
import FrameTensor
import MediaIO
import TestSupport
import Testing

@Suite struct FrameSizeChangeTests {
  /// Issue 14: `cat a.ts b.ts` with 320x240 then 160x120 H.264. The CLI scales the later frames
  /// to the first frame's size; so does the decoder, byte for byte, whatever the chunk size and
  /// decoder threads, and it says where the size changed.
  @Test func laterFramesAreScaledToTheFirstSizeLikeTheCLI() throws {
    let dir = try TemporaryDirectory()
    let path = try Issue14Media.concatenatedTS(
      sizes: ["320x240", "160x120"], frames: 10, in: dir)
    let reference = try FFmpegCLI.rawRGB24(path)
    let frameBytes = 320 * 240 * 3
    #expect(reference.count == 20 * frameBytes)
    var warningLists: Set<[String]> = []
    for (threads, chunk) in [(1, 1), (1, 4), (0, 3), (3, 7), (2, 64)] {
      let decoder = try VideoDecoder(path: path, options: DecodeOptions(decoderThreads: threads))
      var shapes: Set<[Int]> = []
      var parts: [Tensor<UInt8>] = []
      while let next = try decoder.nextChunk(maxFrames: chunk) {
        shapes.insert(Array(next.frames.shape.dropFirst()))
        parts.append(next.frames)
      }
      #expect(shapes == [[240, 320, 3]], "threads \(threads), chunk \(chunk)")
      let decoded = Tensor.concatenate(parts).storage
      #expect(decoded.count == reference.count)
      let firstDifference = zip(decoded, reference).enumerated().first {
        $0.element.0 != $0.element.1
      }
      #expect(
        firstDifference == nil,
        "threads \(threads), chunk \(chunk): first differing byte at \(firstDifference?.offset ?? -1) (frame \((firstDifference?.offset ?? 0) / frameBytes))"
      )
      #expect(!decoder.isPartial)
      // The joint's continuity counter jump is flagged corrupt by the TS demuxer; as the CLI,
      // the decoder says so and goes on.
      #expect(
        decoder.warnings.first
          == "frame 10: size changed from 320x240 to 160x120; scaled to 320x240 as the ffmpeg CLI does"
      )
      #expect(decoder.warnings.count == 2)
      #expect(
        decoder.warnings.last?.hasPrefix(
          "1 packet(s) flagged corrupt by the demuxer, the first being packet ") == true,
        "\(decoder.warnings)")
      warningLists.insert(decoder.warnings)
    }
    #expect(warningLists.count == 1, "the same warnings for every chunk size and thread count")
    // The luma layout keeps the first size too.
    let luma = try VideoDecoder(path: path, options: DecodeOptions(layout: .luma))
    let (frames, _) = try decodeAll(luma, chunk: 6)
    #expect(frames?.shape == [20, 240, 320, 1])
  }

  /// Sizes that change back and forth: changes back to the first size are named as such, every
  /// frame equals the CLI's, and past ten changes one warning counts the rest.
  @Test func manyChangesAreCountedAndStillMatchTheCLI() throws {
    let dir = try TemporaryDirectory()
    let sizes = (0..<12).map { $0 % 2 == 0 ? "64x48" : "40x30" }
    let path = try Issue14Media.concatenatedTS(sizes: sizes, frames: 2, in: dir)
    let decoder = try VideoDecoder(path: path)
    let (frames, _) = try decodeAll(decoder, chunk: 5)
    let reference = try FFmpegCLI.rawRGB24(path)
    #expect(frames?.shape == [24, 48, 64, 3])
    #expect(frames?.storage == reference)
    #expect(decoder.warnings.count == 12, "\(decoder.warnings)")
    #expect(
      decoder.warnings.first
        == "frame 2: size changed from 64x48 to 40x30; scaled to 64x48 as the ffmpeg CLI does")
    #expect(
      decoder.warnings[1]
        == "frame 4: size changed from 40x30 back to 64x48, the first frame's size"
    )
    #expect(
      decoder.warnings[10]
        == "1 more frame size change(s), the last at frame 22; every frame scaled to 64x48 as the ffmpeg CLI does"
    )
    #expect(
      decoder.warnings.last?.hasPrefix("11 packet(s) flagged corrupt by the demuxer") == true)
    #expect(!decoder.isPartial)
  }

  /// `FrameSizeChanges.keep`: frames keep their own size, a new size starts a new chunk, and
  /// nothing is scaled (so nothing is said about sizes).
  @Test func keepDeliversEachFrameAtItsOwnSize() throws {
    let dir = try TemporaryDirectory()
    let path = try Issue14Media.concatenatedTS(
      sizes: ["64x48", "40x30"], frames: 5, in: dir)
    let decoder = try VideoDecoder(path: path, options: DecodeOptions(frameSizeChanges: .keep))
    var shapes: [[Int]] = []
    while let chunk = try decoder.nextChunk(maxFrames: 4) {
      shapes.append(Array(chunk.frames.shape))
    }
    #expect(shapes == [[4, 48, 64, 3], [1, 48, 64, 3], [4, 30, 40, 3], [1, 30, 40, 3]])
    #expect(!decoder.warnings.contains { $0.contains("size") }, "\(decoder.warnings)")
    #expect(!decoder.isPartial)
  }
}

@Suite struct Issue14DecoderTests {
  /// A display matrix rotating by 45°: not applied (the CLI's interpolating rotate filter is not
  /// reproduced), but said, naming the angle; frames are as coded. -noautorotate says nothing.
  @Test(arguments: [45.0, 30.0])
  func rotationThatIsNotAMultipleOf90IsAWarning(_ degrees: Double) throws {
    let dir = try TemporaryDirectory()
    let plain = dir.file("plain.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", plain,
    ])
    let rotated = dir.file("rotated.mp4")
    try FileManager.default.copyItem(atPath: plain, toPath: rotated)
    try Issue14Media.setDisplayMatrix(of: rotated, degrees: degrees)
    let probed = try FFmpegCLI.probe([
      "-select_streams", "v:0", "-show_entries", "stream_side_data=rotation", "-of", "csv=p=0",
      rotated,
    ])
    // ffprobe truncates the angle (-29.99 prints as -29); the decoder rounds it, as the CLI does.
    #expect(
      probed.contains("-\(Int(degrees) - 1)") || probed.contains("-\(Int(degrees))"), "\(probed)")
    let decoder = try VideoDecoder(path: rotated)
    #expect(decoder.info.rotation == 0)
    #expect(
      decoder.warnings == [
        "rotation of \(Int(degrees))° in the display matrix is not applied (only multiples of 90° are):"
          + " frames are analysed as coded, the ffmpeg CLI would rotate them"
      ])
    let (frames, _) = try decodeAll(decoder)
    #expect(frames?.storage == (try FFmpegCLI.rawRGB24(plain)))
    #expect(!decoder.isPartial)
    let unrotated = try VideoDecoder(path: rotated, options: DecodeOptions(autorotate: false))
    #expect(unrotated.warnings.isEmpty)
  }

  /// Multiples of 90° are applied and say nothing.
  @Test func rightAngleRotationSaysNothing() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("r.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", path,
    ])
    try Issue14Media.setDisplayMatrix(of: path, degrees: 90)
    let decoder = try VideoDecoder(path: path)
    #expect(decoder.info.rotation == 90)
    _ = try decodeAll(decoder)
    #expect(decoder.warnings.isEmpty)
  }

  /// Issue 14: a 30000x30000 PNG is refused by FFmpeg; the error says the frame is too large and
  /// what the limit is, not "not a media file".
  @Test func oversizedFrameIsTooLargeNotNotMedia() throws {
    let dir = try TemporaryDirectory()
    let path = try Issue14Media.pngClaiming(width: 30000, height: 30000, in: dir)
    #expect(throws: MediaError.frameTooLarge(path: path, width: 30000, height: 30000)) {
      try VideoDecoder(path: path)
    }
    let error = MediaError.frameTooLarge(path: path, width: 30000, height: 30000)
    #expect(
      error.description
        == "\(path): frame too large: 30000x30000 pixels; FFmpeg decodes frames only while"
        + " (8 x width + 1024) x (height + 128) < 2^31 - 1 (av_image_check_size), at most"
        + " 16255x16255 for a square frame")
    // One pixel more each way than the largest square FFmpeg accepts (a frame inside the
    // limit would be allocated, hundreds of MB, so it is not tried here).
    let over = try Issue14Media.pngClaiming(
      width: 16256, height: 16256, in: dir, name: "over.png")
    #expect(throws: MediaError.frameTooLarge(path: over, width: 16256, height: 16256)) {
      try VideoDecoder(path: over)
    }
  }
}
