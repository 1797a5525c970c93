import ArgumentParser

/// `flashscan nn ...`: the neural-network tools of the exam's Questions 1-5.
struct NNCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nn",
    abstract: "Neural-network tools on the frame tensor (the exam's CNN and siamese network).",
    subcommands: [
      NNSummaryCommand.self, NNTrainSiameseCommand.self, NNTrainCNNCommand.self,
      NNPredictCommand.self,
      NNBenchCommand.self,
    ])
}
