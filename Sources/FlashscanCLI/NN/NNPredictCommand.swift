import ArgumentParser
import Foundation
import FrameTensor
import MediaIO
import NeuralNet
import TextOutput

/// `flashscan nn predict --model MODEL.json VIDEO`: scores a video with a saved network.
struct NNPredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract:
      "Score a video's frames with a model saved by train-siamese or train-cnn (CSV on stdout).",
    discussion: """
      A siamese model prints frame,time,p_flash for every pair (frame i-1, frame i), frame being the
      later frame as in the T table. A CNN model prints frame,time,class,p: each frame's most likely
      class (a training video's file name) and its probability.
      """)

  @Option(help: "A model file written by train-siamese or train-cnn.")
  var model: String

  @Argument(help: "The video to score.")
  var video: String

  func run() throws {
    try reportingFailures {
      // Read and validated whole (ModelFile.validate) before anything is built from it.
      let file = try ModelFile.read(from: model)
      let side = NetworkFrameSize.maxSide
      guard file.inputShape.count == 3, file.inputShape[2] == 3,
        file.inputShape[0] <= side, file.inputShape[1] <= side
      else {
        throw NNError(
          "\(model): input shape \(formatShape(file.inputShape)) is not H x W x 3 frames of at most \(side) x \(side) pixels"
        )
      }
      /// A network from the validated file; what can still fail (a value beyond Float) names it.
      func load<T>(_ build: () throws -> T) throws -> T {
        do { return try build() } catch let error as ModelFileError {
          throw ModelFileError("\(model): \(error.description)")
        }
      }
      let size = NetworkFrameSize(width: file.inputShape[1], height: file.inputShape[0])
      let decoder = try VideoDecoder(
        path: video,
        options: DecodeOptions(outputSize: FrameSize(width: size.width, height: size.height)))
      switch file.kind {
      case "siamese":
        let network = try load { try SiameseNetwork<Float>(file: file) }
        // At most 128 frames a chunk, fewer when a chunk's (frames x max(Dx, Da1)) tensors would
        // pass the tensor limit.
        let perFrame = max(network.inputSize, network.hiddenSize)
        let chunkFrames = max(1, min(128, NNLimits.maxTensorElements / perFrame))
        print("frame,time,p_flash")
        var previous: Tensor<Float>?
        while let chunk = try decoder.nextChunk(maxFrames: chunkFrames) {
          let frames = chunk.frames.toFloatingPoint(Float.self, scale: 1 / 255)
          // Pairs inside the chunk, plus the one across the boundary with the previous chunk.
          let all = previous.map { Tensor.concatenate([$0, frames]) } ?? frames
          // Pair j is (all[j], all[j+1]); its later frame is chunk frame j (or j + 1 in the first chunk).
          let shift = previous == nil ? 1 : 0
          let count = all.shape[0]
          if count >= 2 {
            let p = network.probabilities(all.slice(0..<(count - 1)), all.slice(1..<count))
            for (j, probability) in p.enumerated() {
              let local = j + shift
              print(
                "\(chunk.firstIndex + local),\(chunk.times[local]),\(format3(Double(probability)))")
            }
          }
          previous = frames.slice((frames.shape[0] - 1)..<frames.shape[0])
        }
      case "sequential":
        let network = try load { try Sequential<Float>(file: file) }
        guard let spec = network.spec, spec.outputShape.count == 1 else {
          throw NNError(
            "\(model): the network's output is \(formatShape(network.spec?.outputShape ?? [])), not a vector of class scores"
          )
        }
        // At most 64 frames a chunk, fewer when the network's largest tensor for a chunk would
        // pass the tensor limit.
        let perFrame = try max(1, spec.largestTensorPerExample())
        let chunkFrames = max(1, min(64, NNLimits.maxTensorElements / perFrame))
        let classes = file.metadata["classes"]?.split(separator: "\n").map(String.init) ?? []
        print("frame,time,class,p")
        while let chunk = try decoder.nextChunk(maxFrames: chunkFrames) {
          let logits = network.forward(
            chunk.frames.toFloatingPoint(Float.self, scale: 1 / 255), training: false)
          let k = logits.shape[1]
          for i in 0..<chunk.count {
            let row = (0..<k).map { logits[i, $0] }
            let best = row.indices.max { row[$0] < row[$1] }!
            let denominator = row.reduce(Float(0)) { $0 + exp($1 - row[best]) }
            let name = best < classes.count ? CSV.quote(classes[best]) : String(best)
            print(
              "\(chunk.firstIndex + i),\(chunk.times[i]),\(name),\(format3(Double(1 / denominator)))"
            )
          }
        }
      default:
        throw NNError("\(model): unknown model kind '\(file.kind)'")
      }
    }
  }
}
