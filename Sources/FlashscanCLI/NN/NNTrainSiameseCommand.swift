import ArgumentParser
import Foundation
import FrameTensor
import NeuralNet

/// `flashscan nn train-siamese VIDEO...`: the exam's Question 5 network learns to spot flashes in
/// consecutive frame pairs, labelled by the flashinator.
struct NNTrainSiameseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train-siamese",
    abstract:
      "Train the Question 5 siamese network on consecutive frame pairs labelled by the T table.",
    discussion: """
      Each pair (frame i-1, frame i) is downscaled to --size and labelled 1 ("flash") when the
      flashinator's T of the full-resolution pair exceeds --threshold: a brightening flash transition.
      (The Q5 network is antisymmetric in its two inputs, so it can learn the direction of a change
      but not |T|; see Docs/NeuralNet.md.) Pairs of all videos are split
      into training and validation parts, stratified by label and seeded. Training is the exam's
      gradient descent on J, in mini-batches. One CSV row per epoch goes to standard output.
      """)

  @Argument(help: "Video files to learn from.")
  var videos: [String]

  @Option(help: "Network input size WxH (frames are downscaled by the decoder).")
  var size: NetworkFrameSize = NetworkFrameSize(width: 32, height: 32)

  @Option(help: "Passes over the training pairs.")
  var epochs: Int = 40

  @Option(help: "Learning rate alpha of the exam's update P <- P - alpha dJ/dP.")
  var lr: Double = 0.05

  @Option(help: "Hidden units Da1.")
  var hidden: Int = 16

  @Option(help: "Pairs per gradient step.")
  var batch: Int = 16

  @Option(help: "Seed of the initial weights, the split and the batch order.")
  var seed: UInt64 = 0

  @Option(
    help:
      "A pair is a flash when T exceeds this (default: about half the largest possible T, 23,834).")
  var threshold: Double = 12_000

  @Option(help: "Share of the pairs held out for validation.")
  var validation: Double = 0.25

  @Option(help: "Write the trained model here (JSON, through a temporary file and a rename).")
  var save: String?

  func validate() throws {
    guard !videos.isEmpty else { throw ValidationError("give at least one video") }
    guard epochs >= 1, hidden >= 1, batch >= 1, lr > 0 else {
      throw ValidationError("epochs, hidden and batch must be at least 1 and lr positive")
    }
    guard validation > 0 && validation < 1 else {
      throw ValidationError("validation must be between 0 and 1")
    }
    guard threshold >= 0 else { throw ValidationError("threshold must not be negative") }
    guard threshold < largestPossibleT else {
      throw ValidationError(
        "threshold \(threshold) is not below the largest possible T (\(Int(largestPossibleT.rounded()))): no pair could be a flash"
      )
    }
  }

  func run() throws {
    try reportingFailures {
      var parts: [LabelledPairs] = []
      for video in videos {
        let p = try labelledPairs(video, size: size, threshold: threshold)
        let flashes = p.labels.filter { $0 == 1 }.count
        stderrLine("\(video): \(p.labels.count) pairs, \(flashes) with T > \(threshold)")
        parts.append(p)
      }
      let x = Tensor.concatenate(parts.map(\.x))
      let xPrime = Tensor.concatenate(parts.map(\.xPrime))
      let labels = parts.flatMap(\.labels)
      var generator = SeededGenerator(seed: seed)
      let split = stratifiedSplit(
        labels: labels.map { Int($0) }, validationFraction: validation, generator: &generator)
      let (trainX, trainXP, trainY) = (
        x.gather(split.train), xPrime.gather(split.train), split.train.map { labels[$0] }
      )
      let (valX, valXP, valY) = (
        x.gather(split.validation), xPrime.gather(split.validation),
        split.validation.map { labels[$0] }
      )
      let network = SiameseNetwork<Float>(
        inputSize: size.inputShape.reduce(1, *), hiddenSize: hidden, seed: seed)
      print(
        "epoch,train_cost,train_accuracy,val_cost,val_accuracy,val_flash_recall,val_flash_precision"
      )
      var last: BinaryScore?
      for epoch in 1...epochs {
        let trainCost = network.trainEpoch(
          trainX, trainXP, labels: trainY, batchSize: batch, learningRate: Float(lr),
          generator: &generator)
        let train = network.evaluate(trainX, trainXP, labels: trainY)
        let val = network.evaluate(valX, valXP, labels: valY)
        print(
          "\(epoch),\(format3(trainCost)),\(fraction(train.score.accuracy)),\(format3(val.cost)),"
            + "\(fraction(val.score.accuracy)),\(fraction(val.score.recall)),\(fraction(val.score.precision))"
        )
        last = val.score
      }
      if let last {
        stderrLine(
          "validation: \(last.count) pairs (\(last.truePositives + last.falseNegatives) flashes), accuracy "
            + "\(fraction(last.accuracy)) (always-\"no flash\" baseline \(fraction(last.majorityAccuracy))), "
            + "flash recall \(fraction(last.recall)), precision \(fraction(last.precision))")
      }
      if let save {
        let metadata = [
          "labels":
            "1 when T > threshold (flashinator, full-resolution frames): a brightening flash transition",
          "threshold": String(threshold), "size": size.description, "epochs": String(epochs),
          "lr": String(lr),
          "seed": String(seed), "videos": videos.joined(separator: "\n"),
        ]
        try network.modelFile(inputShape: size.inputShape, metadata: metadata).write(to: save)
        stderrLine("saved \(save)")
      }
    }
  }
}

/// One line on standard error (progress and summaries; standard output carries the data).
func stderrLine(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}
