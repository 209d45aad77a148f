/// An error the converter reports to the user: the file, the place inside it, and the problem.
/// `description` is the one line the command line prints.
public struct ConversionError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let place: String?
    public let problem: String

    public init(file: String, place: String? = nil, _ problem: String) {
        self.file = file
        self.place = place
        self.problem = problem
    }

    public var description: String {
        if let place { "\(file): \(place): \(problem)" } else { "\(file): \(problem)" }
    }
}

/// Several problems found in one pass, one per layer (every unsupported layer of a model at once, so a
/// user sees the whole list rather than one layer per attempt): `description` is one line per problem.
public struct ConversionErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [ConversionError]

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
