/// The channel rounding keras.applications' mobile families share: `_make_divisible` (mobilenet_v2.py) and
/// `round_filters` (efficientnet.py), which scale a width and keep it a multiple of 8.
enum ChannelRounding {
    /// The nearest multiple of `divisor` to `value`, at least `divisor`, and one step more when that loses over 10%.
    /// `value` is a Double as in Python, where it is `filters * width_coefficient`.
    static func divisible(_ value: Double, by divisor: Int = 8) -> Int {
        var result = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
        if Double(result) < 0.9 * value { result += divisor }
        return result
    }
}
