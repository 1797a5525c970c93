/// A seeded, stratified train/validation split: each class is shuffled and split on its own, so
/// a rare class (flash pairs are a few percent of a video's pairs) appears in both parts in its
/// overall proportion. Every class with at least two examples puts at least one in each part.
public func stratifiedSplit(
  labels: [Int], validationFraction: Double, generator: inout SeededGenerator
) -> (train: [Int], validation: [Int]) {
  precondition(validationFraction >= 0 && validationFraction < 1)
  var train: [Int] = []
  var validation: [Int] = []
  for label in Set(labels).sorted() {
    let members = labels.indices.filter { labels[$0] == label }
    let order = generator.permutation(members.count).map { members[$0] }
    var held = Int((Double(members.count) * validationFraction).rounded())
    if validationFraction > 0 && members.count >= 2 { held = min(max(held, 1), members.count - 1) }
    validation += order.prefix(held)
    train += order.dropFirst(held)
  }
  return (train.sorted(), validation.sorted())
}

/// Accuracy-style counts of binary predictions p > 0.5 against 0/1 labels.
public struct BinaryScore: Sendable, Equatable {
  public var truePositives = 0
  public var falsePositives = 0
  public var trueNegatives = 0
  public var falseNegatives = 0

  public init<S: NNScalar>(probabilities: [S], labels: [S]) {
    for (p, y) in zip(probabilities, labels) {
      switch (p > 0.5, y > 0.5) {
      case (true, true): truePositives += 1
      case (true, false): falsePositives += 1
      case (false, false): trueNegatives += 1
      case (false, true): falseNegatives += 1
      }
    }
  }

  public var count: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
  public var accuracy: Double { Double(truePositives + trueNegatives) / Double(max(1, count)) }
  /// Share of the real positives found (nil without positives).
  public var recall: Double? {
    truePositives + falseNegatives == 0
      ? nil : Double(truePositives) / Double(truePositives + falseNegatives)
  }
  /// Share of the predicted positives that are real (nil without predicted positives).
  public var precision: Double? {
    truePositives + falsePositives == 0
      ? nil : Double(truePositives) / Double(truePositives + falsePositives)
  }
  /// The accuracy of always answering the majority class, the baseline to beat.
  public var majorityAccuracy: Double {
    Double(max(truePositives + falseNegatives, trueNegatives + falsePositives))
      / Double(max(1, count))
  }
}
