import Tensor

/// What a callback remembers from epoch to epoch, so that a resumed run (`Fit.run(resumingFrom:)`) carries on
/// where it stopped: counters and best values by name (an absent name is Keras' `None`), and the weights it keeps
/// aside (EarlyStopping's best), by parameter name. Keras' `BackupAndRestore` drops all of it; Zoo keeps it.
public struct CallbackState {
    public var values: [String: Double]
    public var weights: [String: Tensor]

    public init(values: [String: Double] = [:], weights: [String: Tensor] = [:]) {
        self.values = values
        self.weights = weights
    }

    /// The value of `name`, refusing a state that lacks it (a state of another callback).
    public func value(_ name: String, of callback: String) throws -> Double {
        guard let value = values[name] else { throw CallbackError("\(callback) state: no '\(name)' (saved by another callback?)") }
        return value
    }

    /// `value(_:of:)` as a count.
    public func count(_ name: String, of callback: String) throws -> Int {
        let value = try value(name, of: callback)
        guard let count = Int(exactly: value), count >= 0 else { throw CallbackError("\(callback) state: '\(name)' is \(value), not a count") }
        return count
    }
}

/// A callback whose state survives an interrupted run. The fit loop saves `state()` after each epoch and, resuming,
/// calls `restore(_:)` after `trainBegin` (which resets the state of a fresh run). A callback that is not stateful
/// keeps nothing from one epoch to the next that a resumed run could miss (metric names, timing, progress lines).
public protocol StatefulCallback: Callback {
    func state() throws -> CallbackState
    func restore(_ state: CallbackState) throws
}
