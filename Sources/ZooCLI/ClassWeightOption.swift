import ArgumentParser
import Bench

/// `zoo train --class-weight`: Keras' `fit(class_weight=...)`, each training image's loss weighted by its class's
/// weight (validation is not weighted, as in Keras).
///
/// - `balanced`: scikit-learn's `compute_class_weight("balanced")`, what Keras users pass for an imbalanced set:
///   images / (classes x images of the class);
/// - `NAME=W,...`: a weight per class folder name (or class index); a class not named keeps 1.
enum ClassWeightOption: ExpressibleByArgument {
    case balanced
    case given([(name: String, weight: Float)])

    init?(argument: String) {
        if argument == "balanced" {
            self = .balanced
            return
        }
        var pairs: [(name: String, weight: Float)] = []
        for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let weight = Float(parts[1]), weight.isFinite, weight >= 0 else { return nil }
            pairs.append((String(parts[0]), weight))
        }
        self = .given(pairs)
    }

    /// One weight per class index, for the classes `names` (sorted folder names) with `counts` training images each.
    func weights(classes names: [String], counts: [Int]) throws -> [Float] {
        switch self {
        case .balanced:
            if let empty = counts.firstIndex(of: 0) {
                throw CommandFailure("--class-weight balanced: class '\(names[empty])' has no training images, so it has no balanced weight")
            }
            return ClassWeights.balanced(counts: counts)
        case .given(let pairs):
            var weights = [Float](repeating: 1, count: names.count)
            var named = Set<Int>()
            for (name, weight) in pairs {
                guard let index = names.firstIndex(of: name) ?? Int(name).flatMap({ names.indices.contains($0) ? $0 : nil }) else {
                    throw CommandFailure("--class-weight: no class '\(name)' (the classes: \(names.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: ", ")))")
                }
                guard named.insert(index).inserted else { throw CommandFailure("--class-weight: class '\(names[index])' is given twice") }
                weights[index] = weight
            }
            return weights
        }
    }
}
