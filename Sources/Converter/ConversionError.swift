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
