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

    /// Runs `body`, any error but a `CommandFailure` turned into one (one line, no usage text).
    static func converting<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(error)
        }
    }
}
