/// The names Keras gives the layers a keras.applications file leaves unnamed (Xception's shortcut convolutions,
/// InceptionV3's every convolution): the class name in snake case, then `_1`, `_2`, ... in the order they are made,
/// one count per class, as Keras 3 numbers them within a session. A definition makes its layers in the order the
/// Keras file does, so the names, and the weights that load by them, are Keras'.
struct AutomaticNames {
    private var counts: [String: Int] = [:]

    /// `conv2d`, then `conv2d_1`, `conv2d_2`, ...
    mutating func next(_ base: String) -> String {
        let count = counts[base, default: 0]
        counts[base] = count + 1
        return count == 0 ? base : "\(base)_\(count)"
    }
}
