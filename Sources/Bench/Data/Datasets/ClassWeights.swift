/// Per-class loss weights. The notebooks used none; these are for runs that balance classes.
public enum ClassWeights {
    /// scikit-learn's "balanced": n / (classes x count of the class), so every class contributes
    /// the same total weight. A class with no images gets weight 0.
    public static func balanced(counts: [Int]) -> [Float] {
        let total = counts.reduce(0, +)
        return counts.map { count in
            count == 0 ? 0 : Float(Double(total) / (Double(counts.count) * Double(count)))
        }
    }
}
