import Foundation
import TestSupport
import Testing

/// `flashscan nn ...` run as a user runs it.
@Suite("flashscan nn commands")
struct NNCommandTests {
  static let q3 =
    "CONV3-8, LEAKYRELU, POOL-2, BATCHNORM, CONV3-16, LEAKYRELU, POOL-2, FLATTEN, FC-10"

  @Test("nn summary prints the Question 3 table in every format")
  func summary() throws {
    let table = try Flashscan.run(["nn", "summary", Self.q3, "--input", "32x32x3"])
    #expect(table.status == 0)
    #expect(
      table.stdout == """
        layer      output (H x W x C)  parameters
        Input      32 x 32 x 3                  0
        CONV3-8    32 x 32 x 8                224
        LEAKYRELU  32 x 32 x 8                  0
        POOL-2     16 x 16 x 8                  0
        BATCHNORM  16 x 16 x 8                 16
        CONV3-16   16 x 16 x 16              1168
        LEAKYRELU  16 x 16 x 16                 0
        POOL-2     8 x 8 x 16                   0
        FLATTEN    1024                         0
        FC-10      10                       10250
        Total trainable parameters: 11,658

        """)
    let csv = try Flashscan.run(["nn", "summary", Self.q3, "--input", "32x32x3", "--format", "csv"])
    #expect(
      csv.stdout.split(separator: "\n").map(String.init) == [
        "layer,output,parameters", "Input,32x32x3,0", "CONV3-8,32x32x8,224", "LEAKYRELU,32x32x8,0",
        "POOL-2,16x16x8,0",
        "BATCHNORM,16x16x8,16", "CONV3-16,16x16x16,1168", "LEAKYRELU,16x16x16,0", "POOL-2,8x8x16,0",
        "FLATTEN,1024,0",
        "FC-10,10,10250", "Total,,11658",
      ])
    let json = try Flashscan.run(["nn", "summary", Self.q3, "--format", "json"])
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect(object?["total_parameters"] as? Int == 11_658)
    #expect((object?["layers"] as? [Any])?.count == 10)
  }

  @Test("A bad layer list fails with one line naming the layer")
  func summaryError() throws {
    let result = try Flashscan.run([
      "nn", "summary", "CONV3-8, POOL-2, POOL-2, POOL-2, POOL-2, POOL-4", "--input", "32x32x3",
    ])
    #expect(result.status == 2 && result.stdout.isEmpty)
    #expect(
      result.stderr
        == "flashscan: layer 6 'POOL-4': pool window 4x4 is larger than its 2 x 2 x 8 input\n")
  }

  /// Dark noise with a white frame every fifth frame: frames 5, 10, ... are brightening flash
  /// transitions (T near the largest possible), the frames after them darkening ones.
  static func flashClip(_ dir: TemporaryDirectory, frames: Int = 60) throws -> String {
    let (w, h) = (24, 16)
    var state: UInt64 = 12345
    var bytes: [UInt8] = []
    for f in 0..<frames {
      for _ in 0..<(w * h * 3) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes.append(f % 5 == 0 && f > 0 ? 255 : UInt8(truncatingIfNeeded: state >> 58))  // 0...63
      }
    }
    let path = dir.file("flash.mkv")
    try FFmpegCLI.encodeRGB24(
      bytes, width: w, height: h, rate: "25", to: path, ["-c:v", "ffv1", "-pix_fmt", "bgr0"])
    return path
  }

  @Test("train-siamese learns the flash transitions of a clip; predict scores every pair")
  func siamese() throws {
    let dir = try TemporaryDirectory()
    let clip = try Self.flashClip(dir)
    let model = dir.file("siamese.json")
    let train = try Flashscan.run([
      "nn", "train-siamese", clip, "--size", "8x8", "--epochs", "60", "--hidden", "8", "--lr",
      "0.2", "--batch", "8",
      "--seed", "3", "--save", model,
    ])
    #expect(train.status == 0, "\(train.stderr)")
    let lines = train.stdout.split(separator: "\n")
    #expect(
      lines.first
        == "epoch,train_cost,train_accuracy,val_cost,val_accuracy,val_flash_recall,val_flash_precision"
    )
    #expect(lines.count == 61)
    #expect(train.stderr.contains("59 pairs, 11 with T > 12000.0"), "\(train.stderr)")
    #expect(
      train.stderr.contains("validation: 15 pairs (3 flashes), accuracy 1.0"), "\(train.stderr)")
    #expect(FileManager.default.fileExists(atPath: model))

    let predict = try Flashscan.run(["nn", "predict", "--model", model, clip])
    #expect(predict.status == 0, "\(predict.stderr)")
    let rows = predict.stdout.split(separator: "\n").map {
      $0.split(separator: ",").map(String.init)
    }
    #expect(rows.first == ["frame", "time", "p_flash"])
    #expect(rows.dropFirst().map { Int($0[0]) } == Array(1..<60).map { Optional($0) })
    let flagged = rows.dropFirst().filter { Double($0[2])! > 0.5 }.map { Int($0[0])! }
    #expect(
      flagged == Array(stride(from: 5, to: 60, by: 5)), "frames scored as flashes: \(flagged)")
  }

  @Test("train-cnn tells two clips apart; predict names each frame's clip")
  func cnn() throws {
    let dir = try TemporaryDirectory()
    func clip(_ name: String, base: Int) throws -> String {
      var bytes: [UInt8] = []
      for f in 0..<24 {
        for i in 0..<(16 * 16 * 3) { bytes.append(UInt8(base + (i * 7 + f * 3) % 40)) }
      }
      let path = dir.file(name)
      try FFmpegCLI.encodeRGB24(
        bytes, width: 16, height: 16, to: path, ["-c:v", "ffv1", "-pix_fmt", "bgr0"])
      return path
    }
    let dark = try clip("dark.mkv", base: 10)
    let bright = try clip("bright.mkv", base: 180)
    let model = dir.file("cnn.json")
    let train = try Flashscan.run([
      "nn", "train-cnn", dark, bright, "--size", "8x8", "--epochs", "4", "--batch", "8", "--save",
      model,
    ])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stderr.contains("validation: 12 frames, accuracy 1.0"), "\(train.stderr)")
    let predict = try Flashscan.run(["nn", "predict", "--model", model, bright])
    let classes = Set(
      predict.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[2] })
    #expect(classes == [Substring(bright)])
  }

  @Test("Usage errors are one line")
  func usage() throws {
    let missing = try Flashscan.run([
      "nn", "predict", "--model", "/nonexistent/m.json", "/nonexistent/v.mp4",
    ])
    #expect(missing.status != 0)
    #expect(missing.stderr == "flashscan: /nonexistent/m.json: no such model file\n")
    let size = try Flashscan.run(["nn", "train-siamese", "x.mp4", "--size", "32"])
    #expect(size.status != 0 && size.stderr.contains("--size"))
  }
  /// A siamese model file written by hand (2 x 2 x 3 frames), with `hidden` and `inputShape` as
  /// given and tensors shaped for the 2 x 2 x 3 input.
  static func siameseModel(
    _ dir: TemporaryDirectory, hidden: Int, inputShape: [Int], name: String = "m.json"
  ) throws -> String {
    let h = max(hidden, 0)
    func values(_ n: Int) -> String {
      Array(repeating: "0.5", count: n).joined(separator: ",")
    }
    let json = """
      {"format":"flashscan-nn","version":1,"kind":"siamese",\
      "inputShape":[\(inputShape.map(String.init).joined(separator: ","))],"hidden":\(hidden),\
      "metadata":{},"tensors":[\
      {"name":"W1","shape":[\(h),12],"values":[\(values(h * 12))]},\
      {"name":"b1","shape":[\(h)],"values":[\(values(h))]},\
      {"name":"W2","shape":[1,\(h)],"values":[\(values(h))]},\
      {"name":"b2","shape":[1],"values":[0.5]}]}
      """
    let path = dir.file(name)
    try Data(json.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The result is a clean failure: `status`, no crash, nothing on stdout, and exactly one stderr
  /// line, which starts with `prefix` and contains `cause`.
  static func expectOneLine(
    _ result: Flashscan.Result, status: Int32, prefix: String, cause: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(!result.signaled, "crashed: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.status == status, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    #expect(result.errorLines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(
      result.stderr.hasPrefix(prefix) && result.stderr.contains(cause), "\(result.stderr)",
      sourceLocation: sourceLocation)
  }

  @Test("predict: a model file with hidden 0 is one error line, exit 1")
  func predictHiddenZero() throws {
    let dir = try TemporaryDirectory()
    let clip = try Self.flashClip(dir, frames: 6)
    let model = try Self.siameseModel(dir, hidden: 0, inputShape: [2, 2, 3])
    let result = try Flashscan.run(["nn", "predict", "--model", model, clip])
    Self.expectOneLine(
      result, status: 1, prefix: "flashscan: \(model): ", cause: "hidden size 0 must be at least 1")
  }

  @Test("predict: a model file asking for a 100000 x 100000 input is one error line, exit 1")
  func predictHugeInput() throws {
    let dir = try TemporaryDirectory()
    let clip = try Self.flashClip(dir, frames: 6)
    let model = try Self.siameseModel(dir, hidden: 16, inputShape: [100_000, 100_000, 3])
    let result = try Flashscan.run(["nn", "predict", "--model", model, clip])
    Self.expectOneLine(
      result, status: 1, prefix: "flashscan: \(model): ",
      cause:
        "input shape 100000 x 100000 x 3 holds more than 16,777,216 values, the limit per tensor")
  }

  @Test("summary: a layer too large to count is one error line, exit 2")
  func summaryOverflow() throws {
    let result = try Flashscan.run([
      "nn", "summary", "FLATTEN, FC-4000000000000000", "--input", "32x32x3",
    ])
    Self.expectOneLine(
      result, status: 2, prefix: "flashscan: layer 2 'FC-4000000000000000': ",
      cause: "3072 x 4000000000000000 weights would hold more than 16,777,216 values")
  }

  @Test("train-siamese: --hidden 2^62 is one error line, exit 2, before any video is read")
  func trainSiameseHugeHidden() throws {
    let result = try Flashscan.run([
      "nn", "train-siamese", "/nonexistent/v.mp4", "--size", "32x32", "--hidden",
      "4611686018427387904",
    ])
    Self.expectOneLine(
      result, status: 2, prefix: "flashscan: --hidden 4611686018427387904 with --size 32x32: ",
      cause: "would hold more than 16,777,216 values, the limit per tensor")
  }
}
