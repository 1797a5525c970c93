import ArgumentParser
import FrameTensor
import MediaIO
import NeuralNet
import TTable

/// A failure of an `nn` command, printed as one line.
struct NNError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// An `nn` argument that parsed but cannot be used (a network too large for `NNLimits`), printed
/// as one line; exit status 2 like any usage error.
struct NNUsageError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Runs a command body, turning its failures into one stderr line and flashscan's exit codes
/// (Docs/CLI.md): 2 for a malformed layer list or an unusable argument (a usage error), 1 for
/// anything that went wrong with a file.
func reportingFailures(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch  where error is ModelSpecError || error is NNUsageError || error is NNSizeError {
    stderrLine("flashscan: \(error)")
    throw ExitCode(2)
  } catch
    where error is NNError || error is ModelFileError || error is MediaError
    || error is FlashinatorError
  {
    stderrLine("flashscan: \(error)")
    throw ExitCode(1)
  }
}

/// `--size WxH` (e.g. 32x32): the frame size a network sees.
struct NetworkFrameSize: ExpressibleByArgument, CustomStringConvertible {
  var width: Int
  var height: Int

  init?(argument: String) {
    let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0,
      w <= Self.maxSide, h <= Self.maxSide
    else {
      return nil
    }
    width = w
    height = h
  }

  /// The largest width or height a network input may have (a frame is also held to
  /// `NNLimits.maxTensorElements` values).
  static let maxSide = 4096

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  var description: String { "\(width)x\(height)" }
  /// The per-example tensor shape (H, W, 3).
  var inputShape: [Int] { [height, width, 3] }
}

/// Frames of a video as a network's input: decoded, downscaled by swscale to `size` inside the
/// decoder, RGB scaled to 0...1, NHWC (F, H, W, 3), with their presentation times.
func decodeForNetwork(_ path: String, size: NetworkFrameSize) throws -> (
  frames: Tensor<Float>, times: [Double]
) {
  let decoder = try VideoDecoder(
    path: path,
    options: DecodeOptions(outputSize: FrameSize(width: size.width, height: size.height)))
  var chunks: [Tensor<UInt8>] = []
  var times: [Double] = []
  while let chunk = try decoder.nextChunk(maxFrames: 256) {
    chunks.append(chunk.frames)
    times += chunk.times
  }
  guard !chunks.isEmpty else { throw NNError("\(path): no frames decoded") }
  return (Tensor.concatenate(chunks).toFloatingPoint(Float.self, scale: 1 / 255), times)
}

/// The exam's T table of the full-resolution frames (Flashinator.scan on a second decode).
func flashTable(_ path: String) throws -> [TRow] {
  var rows: [TRow] = []
  try Flashinator.scan(VideoDecoder(path: path)) { rows.append($0) }
  return rows
}

/// The largest |T| any frame pair can have: L(255) - L(0) with L(g) = 4 (0.2 g + 1)^2.2
/// (flashinator spec, step 2): 23,834.
let largestPossibleT: Double = Flashinator.luminance(gray: 255) - Flashinator.luminance(gray: 0)

/// Consecutive frame pairs (x, x') = (frame i-1, frame i) of one video, labelled 1 when the
/// flashinator's T of that pair exceeds `threshold`: a brightening flash transition.
///
/// Why T and not |T|: the Q5 network is antisymmetric in its inputs. a(x, x') = ReLU(W1 x + b1) -
/// ReLU(W1 x' + b1) = -a(x', x), so z3 - b2 = W2 a changes sign when the pair is swapped, and an
/// unchanged pair (a = 0) sits exactly at z3 = b2. Labelling both the onset and the end of a flash
/// as 1 would ask for b2 > |W2 a|, which also calls every unchanged pair a flash; the network can
/// only learn the direction of a change. (A trial with |T| labels on the samples converged to
/// "never a flash".)
struct LabelledPairs {
  var x: Tensor<Float>
  var xPrime: Tensor<Float>
  var labels: [Float]
  /// The later frame of each pair (the T table's row identity) and its time.
  var frames: [Int]
  var times: [Double]
}

func labelledPairs(_ path: String, size: NetworkFrameSize, threshold: Double) throws
  -> LabelledPairs
{
  let frames = try decodeForNetwork(path, size: size).frames
  let rows = try flashTable(path)
  let count = frames.shape[0]
  guard count >= 2 else { throw NNError("\(path): needs at least two frames for a pair") }
  guard rows.count == count - 1, rows.enumerated().allSatisfy({ $0.element.frame == $0.offset + 1 })
  else {
    throw NNError(
      "\(path): the two decodes disagree (\(count) downscaled frames, \(rows.count) T rows)")
  }
  return LabelledPairs(
    x: frames.slice(0..<(count - 1)), xPrime: frames.slice(1..<count),
    labels: rows.map { $0.t > threshold ? 1 : 0 }, frames: rows.map(\.frame),
    times: rows.map(\.time))
}

/// "0.953" style for fractions, "-" for a missing value.
func fraction(_ x: Double?) -> String {
  guard let x else { return "-" }
  return String(format3(x))
}
