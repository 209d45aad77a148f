/// Every failure in the data pipeline: which file, and what is wrong with it, on one line.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        case unreadable  // cannot open or read
        case notAnImage  // neither PNG nor JPEG
        case tooManyPixels  // above the decompression-bomb limit
        case corrupt  // damaged or truncated image data
        case unsupported  // a valid file of a kind Zoo does not read
        case outOfMemory
        case badLayout  // the directory is not in the expected dataset layout
        case badManifest  // unreadable manifest, or files changed under it
        case badSplitFile  // a split file that does not parse or does not fit the dataset
        case badArgument
        case writeFailed
    }

    public let file: String
    public let kind: Kind
    public let problem: String

    public init(file: String, kind: Kind, problem: String) {
        self.file = file
        self.kind = kind
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
