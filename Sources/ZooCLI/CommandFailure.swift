import ArgumentParser

/// Any failure a command reports: ArgumentParser prints it as one line on standard error and exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ error: Error) {
        description = "\(error)"
    }

    init(_ message: String) {
        description = message
    }
}
