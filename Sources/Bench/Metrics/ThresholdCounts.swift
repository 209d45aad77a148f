/// True and false positives at every distinct score, thresholds decreasing: what an image counts as when it is
/// called positive for `score >= threshold`. This is scikit-learn's `confusion_matrix_at_thresholds` (formerly
/// `_binary_clf_curve`), from which the ROC curve, the precision-recall curve and the threshold rules all read.
/// Tied scores share one threshold, so a tie moves the curve diagonally, which is how the trapezoidal AUC
/// gives a tie half credit.
struct ThresholdCounts: Sendable {
    /// The distinct scores, largest first.
    let thresholds: [Double]
    /// Cumulative positives and negatives with score >= thresholds[k].
    let truePositives: [Int]
    let falsePositives: [Int]
    let positives: Int
    let negatives: Int

    init(_ predictions: BinaryPredictions) {
        let order = predictions.scores.indices.sorted { predictions.scores[$0] > predictions.scores[$1] }
        var thresholds: [Double] = [], truePositives: [Int] = [], falsePositives: [Int] = []
        var tp = 0, fp = 0
        for (rank, index) in order.enumerated() {
            if predictions.labels[index] == 1 { tp += 1 } else { fp += 1 }
            // Record a point only after the last image of a run of equal scores.
            let next = rank + 1
            if next == order.count || predictions.scores[order[next]] != predictions.scores[index] {
                thresholds.append(predictions.scores[index])
                truePositives.append(tp)
                falsePositives.append(fp)
            }
        }
        self.thresholds = thresholds
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        positives = predictions.positives
        negatives = predictions.negatives
    }
}
