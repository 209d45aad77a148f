import ArgumentParser

/// Any failure a command reports: ArgumentParser prints it as one line on standard error and exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    /// A Foundation file error as `PATH: reason` (SystemErrorText); any other error as it describes itself.
    init(_ error: Error) {
        description = SystemErrorText.described(error) ?? "\(error)"
    }

    init(_ message: String) {
        description = message
    }
}
